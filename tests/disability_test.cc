// Unit tests of the disability rules (CDW, CDI, RAW/PIRA, baselines), on
// small hand-built patients and on msprog's toy data.
#include "core/disability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "core/csv.h"
#include "core/records.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Date kStart(2020, 1, 1);

// Visits given as (day, EDSS) from kStart.
std::vector<EdssVisit> Visits(std::vector<std::pair<int, double>> days) {
  std::vector<EdssVisit> visits;
  for (auto [day, edss] : days) visits.push_back({kStart + day, edss});
  return visits;
}
std::vector<Date> Days(std::vector<int> days) {
  std::vector<Date> dates;
  for (int day : days) dates.push_back(kStart + day);
  return dates;
}

OutcomeDefinition Multiple(BaselineScheme baseline = BaselineScheme::kFixed) {
  OutcomeDefinition d;
  d.event = EventSelection::kMultiple;
  d.baseline = baseline;
  return d;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// msprog's toy data: visits and relapses per patient id.
struct Toy {
  std::map<std::string, std::vector<EdssVisit>> visits;
  std::map<std::string, std::vector<Date>> relapses;
};
Toy LoadToy() {
  Toy toy;
  auto visits = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/visits.csv"));
  EXPECT_TRUE(visits.ok());
  for (size_t i = 1; i < visits->size(); ++i) {
    const auto& f = (*visits)[i].fields;
    toy.visits[f[0]].push_back({*ParseIsoDate(f[1]), std::stod(f[3])});
  }
  auto relapses = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/relapses.csv"));
  EXPECT_TRUE(relapses.ok());
  for (size_t i = 1; i < relapses->size(); ++i) {
    const auto& f = (*relapses)[i].fields;
    toy.relapses[f[0]].push_back(*ParseIsoDate(f[1]));
  }
  return toy;
}

// "id,event_type,onset,onset_edss,baseline,baseline_edss,conf,conf_edss"
std::vector<std::string> Expected(const std::string& file) {
  auto rows = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/" + file));
  EXPECT_TRUE(rows.ok());
  std::vector<std::string> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const auto& f = (*rows)[i].fields;
    if (f[2].empty()) continue;  // no event
    out.push_back(f[0] + "," + f[2] + "," + f[4] + "," +
                  FormatNumber(std::stod(f[5])) + "," + f[6] + "," +
                  FormatNumber(std::stod(f[7])) + "," + f[14] + "," +
                  FormatNumber(std::stod(f[15])));
  }
  return out;
}

std::vector<std::string> Detect(const Toy& toy, const OutcomeDefinition& d) {
  std::vector<std::string> out;
  for (const auto& [id, visits] : toy.visits) {
    auto it = toy.relapses.find(id);
    for (const DisabilityEvent& e : DetectDisabilityEvents(
             visits,
             it == toy.relapses.end() ? std::vector<Date>{} : it->second, d)) {
      out.push_back(
          id + "," + (e.type == DisabilityEventType::kCdw ? "CDW" : "CDI") +
          "," + FormatIsoDate(e.onset_date) + "," + FormatNumber(e.onset_edss) +
          "," + FormatIsoDate(e.baseline_date) + "," +
          FormatNumber(e.baseline_edss) + "," +
          FormatIsoDate(e.confirmation_date) + "," +
          FormatNumber(e.confirmation_edss));
    }
  }
  return out;
}

// --- Small hand-built patients: dates are days from kStart. ---

// Readable text of an event, so a mismatch shows what differs.
std::string Describe(const DisabilityEvent& e) {
  const char* type = e.type == DisabilityEventType::kCdi ? "CDI"
                     : e.cdw_type == CdwType::kPira      ? "CDW/PIRA"
                     : e.cdw_type == CdwType::kRaw       ? "CDW/RAW"
                     : e.cdw_type == CdwType::kUndefined ? "CDW/undefined"
                                                         : "CDW/n.a.";
  auto day = [](Date d) { return std::to_string(d - kStart); };
  return std::string(type) + " onset day " + day(e.onset_date) + " (" +
         FormatNumber(e.onset_edss) + "), baseline day " +
         day(e.baseline_date) + " (" + FormatNumber(e.baseline_edss) +
         "), confirmed day " + day(e.confirmation_date) + " (" +
         FormatNumber(e.confirmation_edss) + ")";
}

DisabilityEvent Cdw(CdwType type, int onset, double onset_edss, int baseline,
                    double baseline_edss, int confirmation,
                    double confirmation_edss) {
  DisabilityEvent e;
  e.type = DisabilityEventType::kCdw;
  e.cdw_type = type;
  e.onset_date = kStart + onset;
  e.onset_edss = onset_edss;
  e.baseline_date = kStart + baseline;
  e.baseline_edss = baseline_edss;
  e.confirmation_date = kStart + confirmation;
  e.confirmation_edss = confirmation_edss;
  return e;
}
DisabilityEvent Cdi(int onset, double onset_edss, int baseline,
                    double baseline_edss, int confirmation,
                    double confirmation_edss) {
  DisabilityEvent e = Cdw(CdwType::kNotApplicable, onset, onset_edss, baseline,
                          baseline_edss, confirmation, confirmation_edss);
  e.type = DisabilityEventType::kCdi;
  return e;
}

// The events detected on visits (day, EDSS) and relapse onset days.
std::vector<std::string> Events(std::vector<std::pair<int, double>> visits,
                                std::vector<int> relapses = {},
                                const OutcomeDefinition& d = {}) {
  std::vector<std::string> out;
  for (const DisabilityEvent& e :
       DetectDisabilityEvents(Visits(visits), Days(relapses), d)) {
    out.push_back(Describe(e));
  }
  return out;
}
std::vector<std::string> Are(std::vector<DisabilityEvent> events) {
  std::vector<std::string> out;
  for (const DisabilityEvent& e : events) out.push_back(Describe(e));
  return out;
}

OutcomeDefinition WithEvent(EventSelection event,
                            BaselineScheme baseline = BaselineScheme::kFixed) {
  OutcomeDefinition d;
  d.event = event;
  d.baseline = baseline;
  return d;
}

// A change from `from` (day 0) to `to` on days 100 and 200.
std::vector<std::string> Step(double from, double to,
                              const OutcomeDefinition& d = {}) {
  return Events({{0, from}, {100, to}, {200, to}}, {}, d);
}

TEST(MsprogToyTest, DefaultsGiveMsprogsFirstCdw) {
  EXPECT_EQ(Detect(LoadToy(), OutcomeDefinition()),
            Expected("expected_first_cdw_default.csv"));
}

TEST(MsprogToyTest, MultipleRovingGivesMsprogsEvents) {
  EXPECT_EQ(Detect(LoadToy(), Multiple(BaselineScheme::kRoving)),
            Expected("expected_multiple_roving.csv"));
}

// --- Thresholds ---

TEST(MinimumEdssChangeTest, DependsOnTheBaseline) {
  EXPECT_EQ(MinimumEdssChange(0, 5.0), 1.5);
  EXPECT_EQ(MinimumEdssChange(1.0, 5.0), 1.0);
  EXPECT_EQ(MinimumEdssChange(5.0, 5.0), 1.0);
  EXPECT_EQ(MinimumEdssChange(5.5, 5.0), 0.5);
  EXPECT_EQ(MinimumEdssChange(6.0, 5.0), 0.5);
  EXPECT_EQ(MinimumEdssChange(5.5, 5.5), 1.0);
  EXPECT_EQ(MinimumEdssChange(6.0, 5.5), 0.5);
}

TEST(DisabilityThresholdTest, FromZeroNeedsOnePointFive) {
  EXPECT_THAT(Step(0, 1.0), IsEmpty());
  EXPECT_EQ(Step(0, 1.5), Are({Cdw(CdwType::kPira, 100, 1.5, 0, 0, 200, 1.5)}));
}

TEST(DisabilityThresholdTest, FromOneToFiveNeedsOne) {
  EXPECT_THAT(Step(1.0, 1.5), IsEmpty());
  EXPECT_EQ(Step(1.0, 2.0),
            Are({Cdw(CdwType::kPira, 100, 2.0, 0, 1.0, 200, 2.0)}));
  EXPECT_THAT(Step(5.0, 5.5), IsEmpty());
  EXPECT_EQ(Step(5.0, 6.0),
            Are({Cdw(CdwType::kPira, 100, 6.0, 0, 5.0, 200, 6.0)}));
}

TEST(DisabilityThresholdTest, AboveFiveNeedsHalf) {
  EXPECT_EQ(Step(5.5, 6.0),
            Are({Cdw(CdwType::kPira, 100, 6.0, 0, 5.5, 200, 6.0)}));
  EXPECT_EQ(Step(6.0, 6.5),
            Are({Cdw(CdwType::kPira, 100, 6.5, 0, 6.0, 200, 6.5)}));
}

TEST(DisabilityThresholdTest, Plus1MaxMovesTheUpperEndOfTheOneBand) {
  OutcomeDefinition d;
  d.edss_plus1_max = 5.5;
  EXPECT_THAT(Step(5.5, 6.0, d), IsEmpty());
  EXPECT_EQ(Step(5.5, 6.5, d),
            Are({Cdw(CdwType::kPira, 100, 6.5, 0, 5.5, 200, 6.5)}));
  EXPECT_EQ(Step(6.0, 6.5, d),
            Are({Cdw(CdwType::kPira, 100, 6.5, 0, 6.0, 200, 6.5)}));
}

TEST(DisabilityThresholdTest, ImprovementNeedsTheSameSizeOfDecrease) {
  const OutcomeDefinition d = WithEvent(EventSelection::kFirstCdi);
  EXPECT_EQ(Step(5.5, 5.0, d), Are({Cdi(100, 5.0, 0, 5.5, 200, 5.0)}));
  EXPECT_THAT(Step(5.0, 4.5, d), IsEmpty());
  EXPECT_EQ(Step(5.0, 4.0, d), Are({Cdi(100, 4.0, 0, 5.0, 200, 4.0)}));
  EXPECT_EQ(Step(1.0, 0, d), Are({Cdi(100, 0, 0, 1.0, 200, 0)}));
}

// --- Confirmation window [onset + 84 - 7, onset + 84 + 730.5] ---

TEST(DisabilityConfirmationTest, EarliestConfirmationIsOnsetPlus77) {
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {177, 3.0}}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 177, 3.0)}));
  EXPECT_THAT(Events({{0, 2.0}, {100, 3.0}, {176, 3.0}}), IsEmpty());
  // Of two visits the one at +76 is not the confirmation, +77 is.
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {176, 3.0}, {177, 3.0}}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 177, 3.0)}));
}

TEST(DisabilityConfirmationTest, LatestConfirmationIsOnsetPlus814) {
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {914, 3.0}}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 914, 3.0)}));
  EXPECT_THAT(Events({{0, 2.0}, {100, 3.0}, {915, 3.0}}), IsEmpty());
}

TEST(DisabilityConfirmationTest, ConfirmedAtAnyOfSeveralDelays) {
  // Windows [77, 114] for 84 days and [161, 198] for 168 days; the only
  // later visit is 170 days after the onset.
  OutcomeDefinition d;
  d.confirmation_tolerance_after_days = 30;
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {270, 3.0}};
  EXPECT_THAT(Events(visits, {}, d), IsEmpty());
  d.confirmation_days = {84, 168};
  EXPECT_EQ(Events(visits, {}, d),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 270, 3.0)}));

  // With the default tolerance, 850 days is only in the 168-day window.
  OutcomeDefinition wide;
  const std::vector<std::pair<int, double>> late = {
      {0, 2.0}, {100, 3.0}, {950, 3.0}};
  EXPECT_THAT(Events(late, {}, wide), IsEmpty());
  wide.confirmation_days = {84, 168};
  EXPECT_EQ(Events(late, {}, wide),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 950, 3.0)}));
}

TEST(DisabilityConfirmationTest, DipBeforeTheConfirmationCancelsTheEvent) {
  EXPECT_EQ(Events({{0, 2.0}, {30, 3.0}, {60, 3.0}, {120, 3.0}}),
            Are({Cdw(CdwType::kPira, 30, 3.0, 0, 2.0, 120, 3.0)}));
  // 2.5 on day 60 no longer shows the +1.0 change.
  EXPECT_THAT(Events({{0, 2.0}, {30, 3.0}, {60, 2.5}, {120, 3.0}}), IsEmpty());
}

TEST(DisabilityConfirmationTest, DipAfterTheConfirmationKeepsTheEvent) {
  EXPECT_EQ(Events({{0, 2.0}, {30, 3.0}, {120, 3.0}, {150, 2.0}, {300, 3.0}}),
            Are({Cdw(CdwType::kPira, 30, 3.0, 0, 2.0, 120, 3.0)}));
}

TEST(DisabilityConfirmationTest, SeveralValuesOnOneDayUseTheLastGiven) {
  // Day 100 reads 2.0 last: the change starts on day 200, unconfirmed.
  EXPECT_THAT(Events({{0, 2.0}, {100, 3.0}, {100, 2.0}, {200, 3.0}}),
              IsEmpty());
  EXPECT_EQ(Events({{0, 2.0}, {100, 2.0}, {100, 3.0}, {200, 3.0}}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // In any order of days, the order within a day is kept.
  EXPECT_EQ(Events({{200, 3.0}, {100, 2.0}, {0, 2.0}, {100, 3.0}}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

// --- Relapses and the baseline, the onset and the confirmation ---

TEST(DisabilityRelapseTest, BaselineSoonAfterARelapseMovesToTheNextVisit) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {60, 3.0}, {150, 3.0}, {240, 4.0}, {330, 4.0}};
  // Relapse 10 days before day 0: the baseline is day 60 (EDSS 3.0).
  EXPECT_EQ(Events(visits, {-10}),
            Are({Cdw(CdwType::kPira, 240, 4.0, 60, 3.0, 330, 4.0)}));
  // 30 days before: day 0 stays the baseline (onset 90 days after: RAW).
  EXPECT_EQ(Events(visits, {-30}),
            Are({Cdw(CdwType::kRaw, 60, 3.0, 0, 2.0, 150, 3.0)}));
}

TEST(DisabilityRelapseTest, RelapsesLongBeforeTheFirstVisitAreIgnored) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {50, 3.0}, {150, 3.0}};
  // 30 days before the first visit: the onset 80 days after it is RAW.
  EXPECT_EQ(Events(visits, {-30}),
            Are({Cdw(CdwType::kRaw, 50, 3.0, 0, 2.0, 150, 3.0)}));
  // 31 days before: ignored.
  EXPECT_EQ(Events(visits, {-31}),
            Are({Cdw(CdwType::kPira, 50, 3.0, 0, 2.0, 150, 3.0)}));
}

TEST(DisabilityRelapseTest, ConfirmationSoonAfterARelapseIsSkipped) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {184, 3.0}, {200, 3.0}};
  EXPECT_EQ(Events(visits),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 184, 3.0)}));
  // Day 184 is 24 days after the relapse on day 160; day 200 is 40.
  EXPECT_EQ(Events(visits, {160}),
            Are({Cdw(CdwType::kUndefined, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // Exactly 30 days after is allowed.
  EXPECT_EQ(Events(visits, {154}),
            Are({Cdw(CdwType::kUndefined, 100, 3.0, 0, 2.0, 184, 3.0)}));
}

TEST(DisabilityRelapseTest, RelapseToEventDaysExcludesOnsetsAfterARelapse) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {200, 3.0}, {300, 3.0}};
  EXPECT_EQ(Events(visits, {90}),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
  OutcomeDefinition d;
  d.relapse_to_event_days = 30;
  // Day 100 is 10 days after the relapse: the onset is day 200.
  EXPECT_EQ(Events(visits, {90}, d),
            Are({Cdw(CdwType::kPira, 200, 3.0, 0, 2.0, 300, 3.0)}));
}

// --- RAW, PIRA, undefined ---

TEST(DisabilityClassificationTest, OnsetWithin90DaysAfterARelapseIsRaw) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {200, 3.0}};
  EXPECT_EQ(Events(visits, {80}),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
  EXPECT_EQ(Events(visits, {10}),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
  EXPECT_EQ(Events(visits, {9}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // A relapse on the onset day.
  EXPECT_EQ(Events(visits, {100}),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

TEST(DisabilityClassificationTest, NoRelapseNearIsPira) {
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {200, 3.0}}, {}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // Relapses far from the onset and the confirmation do not matter.
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {200, 3.0}, {700, 3.0}}, {500}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

TEST(DisabilityClassificationTest, RelapseUpTo30DaysAfterOnsetIsUndefined) {
  // The confirmation on day 300 has a relapse-free window [210, 330].
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {300, 3.0}};
  EXPECT_EQ(Events(visits, {130}),
            Are({Cdw(CdwType::kUndefined, 100, 3.0, 0, 2.0, 300, 3.0)}));
  EXPECT_EQ(Events(visits, {131}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 300, 3.0)}));
}

TEST(DisabilityClassificationTest, PiraNeedsOneRelapseFreeConfirmation) {
  // Relapse on day 160: 60 days after the onset (outside [10, 130]) but in
  // the window [110, 230] of the confirmation on day 200.
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {200, 3.0}}, {160}),
            Are({Cdw(CdwType::kUndefined, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // Day 400 is a further confirmation with a relapse-free [310, 430].
  EXPECT_EQ(Events({{0, 2.0}, {100, 3.0}, {200, 3.0}, {400, 3.0}}, {160}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  // But not once the change has been lost before it.
  EXPECT_EQ(
      Events({{0, 2.0}, {100, 3.0}, {200, 3.0}, {300, 2.0}, {400, 3.0}}, {160}),
      Are({Cdw(CdwType::kUndefined, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

TEST(DisabilityClassificationTest, FirstPiraSkipsRawAndFindsALaterPira) {
  // RAW on day 100 (relapse on day 80), lost on day 300, PIRA on day 400.
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {200, 3.0}, {300, 2.0}, {400, 3.0}, {500, 3.0}};
  EXPECT_EQ(Events(visits, {80}),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
  EXPECT_EQ(Events(visits, {80}, WithEvent(EventSelection::kFirstPira)),
            Are({Cdw(CdwType::kPira, 400, 3.0, 0, 2.0, 500, 3.0)}));
  EXPECT_EQ(Events(visits, {80}, WithEvent(EventSelection::kFirstRaw)),
            Are({Cdw(CdwType::kRaw, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

TEST(DisabilityClassificationTest, FirstRawSkipsPiraAndFindsALaterRaw) {
  // PIRA on day 100, lost on day 300, RAW on day 400 (relapse on day 380).
  const std::vector<std::pair<int, double>> visits = {
      {0, 2.0}, {100, 3.0}, {200, 3.0}, {300, 2.0}, {400, 3.0}, {500, 3.0}};
  EXPECT_EQ(Events(visits, {380}),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  EXPECT_EQ(Events(visits, {380}, WithEvent(EventSelection::kFirstRaw)),
            Are({Cdw(CdwType::kRaw, 400, 3.0, 0, 2.0, 500, 3.0)}));
  EXPECT_EQ(Events(visits, {380}, WithEvent(EventSelection::kFirstPira)),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
  EXPECT_EQ(Events(visits, {380}, Multiple()),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0),
                 Cdw(CdwType::kRaw, 400, 3.0, 0, 2.0, 500, 3.0)}));
}

// --- Baseline schemes ---

TEST(DisabilityBaselineTest, RovingMovesTheBaselineToTheConfirmation) {
  const std::vector<std::pair<int, double>> visits = {
      {0, 1.0}, {100, 2.0}, {200, 2.0}, {300, 3.0}, {400, 3.0}};
  EXPECT_EQ(Events(visits, {}, Multiple(BaselineScheme::kRoving)),
            Are({Cdw(CdwType::kPira, 100, 2.0, 0, 1.0, 200, 2.0),
                 Cdw(CdwType::kPira, 300, 3.0, 200, 2.0, 400, 3.0)}));
  EXPECT_EQ(Events(visits, {}, Multiple(BaselineScheme::kFixed)),
            Are({Cdw(CdwType::kPira, 100, 2.0, 0, 1.0, 200, 2.0),
                 Cdw(CdwType::kPira, 300, 3.0, 0, 1.0, 400, 3.0)}));
}

TEST(DisabilityBaselineTest, FixedMeasuresEveryChangeFromTheFirstBaseline) {
  // 2.5 is +1.5 from the fixed 1.0 but only +0.5 from the roving 2.0.
  const std::vector<std::pair<int, double>> visits = {
      {0, 1.0}, {100, 2.0}, {200, 2.0}, {300, 2.5}, {400, 2.5}};
  EXPECT_EQ(Events(visits, {}, Multiple(BaselineScheme::kFixed)),
            Are({Cdw(CdwType::kPira, 100, 2.0, 0, 1.0, 200, 2.0),
                 Cdw(CdwType::kPira, 300, 2.5, 0, 1.0, 400, 2.5)}));
  EXPECT_EQ(Events(visits, {}, Multiple(BaselineScheme::kRoving)),
            Are({Cdw(CdwType::kPira, 100, 2.0, 0, 1.0, 200, 2.0)}));
}

// --- Improvement and event selection ---

// Improvement on day 100 (confirmed day 200), worsening from the original
// baseline on day 300 (confirmed day 400).
const std::vector<std::pair<int, double>> kDownThenUp = {
    {0, 4.0}, {100, 3.0}, {200, 3.0}, {300, 5.0}, {400, 5.0}};

TEST(DisabilityEventSelectionTest, FirstCdiFindsTheImprovement) {
  EXPECT_EQ(Events(kDownThenUp, {}, WithEvent(EventSelection::kFirstCdi)),
            Are({Cdi(100, 3.0, 0, 4.0, 200, 3.0)}));
}

TEST(DisabilityEventSelectionTest, MultipleFindsImprovementAndWorsening) {
  EXPECT_EQ(Events(kDownThenUp, {}, Multiple()),
            Are({Cdi(100, 3.0, 0, 4.0, 200, 3.0),
                 Cdw(CdwType::kPira, 300, 5.0, 0, 4.0, 400, 5.0)}));
  EXPECT_EQ(Events(kDownThenUp, {}, Multiple(BaselineScheme::kRoving)),
            Are({Cdi(100, 3.0, 0, 4.0, 200, 3.0),
                 Cdw(CdwType::kPira, 300, 5.0, 200, 3.0, 400, 5.0)}));
}

TEST(DisabilityEventSelectionTest, FixedFirstCdwIgnoresImprovements) {
  EXPECT_EQ(Events(kDownThenUp),
            Are({Cdw(CdwType::kPira, 300, 5.0, 0, 4.0, 400, 5.0)}));
  // Back to 4.0 is no worsening from the fixed 4.0 ...
  const std::vector<std::pair<int, double>> back = {
      {0, 4.0}, {100, 3.0}, {200, 3.0}, {300, 4.0}, {400, 4.0}};
  EXPECT_THAT(Events(back), IsEmpty());
  // ... but is from the roving baseline the improvement moved to 3.0.
  EXPECT_EQ(
      Events(back, {},
             WithEvent(EventSelection::kFirstCdw, BaselineScheme::kRoving)),
      Are({Cdw(CdwType::kPira, 300, 4.0, 200, 3.0, 400, 4.0)}));
  EXPECT_THAT(Events(back, {}, WithEvent(EventSelection::kFirstPira)),
              IsEmpty());
  EXPECT_THAT(Events(back, {}, WithEvent(EventSelection::kFirstRaw)),
              IsEmpty());
}

TEST(DisabilityEventSelectionTest, FirstReturnsOnlyTheFirstOfEitherKind) {
  EXPECT_EQ(Events(kDownThenUp, {}, WithEvent(EventSelection::kFirst)),
            Are({Cdi(100, 3.0, 0, 4.0, 200, 3.0)}));
  const std::vector<std::pair<int, double>> up_then_down = {
      {0, 2.0}, {100, 3.0}, {200, 3.0}, {300, 1.0}, {400, 1.0}};
  EXPECT_EQ(Events(up_then_down, {}, Multiple()),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0),
                 Cdi(300, 1.0, 0, 2.0, 400, 1.0)}));
  EXPECT_EQ(Events(up_then_down, {}, WithEvent(EventSelection::kFirst)),
            Are({Cdw(CdwType::kPira, 100, 3.0, 0, 2.0, 200, 3.0)}));
}

}  // namespace
}  // namespace registry
