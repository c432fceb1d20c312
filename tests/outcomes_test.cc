// Unit tests of the per-patient outcome rules (relapses and ARR, MRI
// re-baselining, NEDA-3/NEDA-4, EDA, remission, as-of dates) and of the
// texts made from them, on small hand-built patients.
#include "core/outcomes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;

// Day 0 (the transplant); every date is given in days from it.
const Date kDay0(2020, 1, 1);
Date D(int day) { return kDay0 + day; }

MriScanData Scan(int day, int new_t2 = 0, int enlarging_t2 = 0,
                 int gd_enhancing = 0,
                 std::optional<double> brain_volume_change_pct = {}) {
  return {D(day), new_t2, enlarging_t2, gd_enhancing, brain_volume_change_pct};
}

// A patient without disease activity: EDSS 2.0 before day 0 and on days 365
// and 730, a pre-transplant scan and clean scans on days 180, 365 and 730.
PatientClinicalData Stable() {
  PatientClinicalData p;
  p.transplant_dates = {D(0)};
  p.visits = {{D(-10), 2.0}, {D(365), 2.0}, {D(730), 2.0}};
  p.scans = {Scan(-30, 3, 1, 2), Scan(180), Scan(365), Scan(730)};
  return p;
}

PatientOutcome Compute(const PatientClinicalData& data,
                       std::optional<Date> as_of = std::nullopt) {
  return ComputeOutcome(data, OutcomeDefinition(), as_of);
}

// --- MRI ---

TEST(OutcomeMriTest, StablePatientHasNoActivity) {
  const PatientOutcome o = Compute(Stable());
  EXPECT_TRUE(o.neda3_evaluable);
  EXPECT_EQ(o.day0, D(0));
  EXPECT_EQ(o.rebaseline_scan, D(180));
  EXPECT_EQ(o.first_active_scan, std::nullopt);
  EXPECT_EQ(o.eda_date, std::nullopt);
  EXPECT_THAT(o.eda_kinds, IsEmpty());
}

TEST(OutcomeMriTest, NewT2OnTheRebaselineScanDoesNotCount) {
  PatientClinicalData p = Stable();
  p.scans[1] = Scan(180, /*new_t2=*/4, /*enlarging_t2=*/2);
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.rebaseline_scan, D(180));
  EXPECT_EQ(o.first_active_scan, std::nullopt);
  EXPECT_EQ(o.eda_date, std::nullopt);
}

TEST(OutcomeMriTest, GdOnTheRebaselineScanCounts) {
  PatientClinicalData p = Stable();
  p.scans[1] = Scan(180, 0, 0, /*gd_enhancing=*/1);
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.first_active_scan, D(180));
  EXPECT_EQ(o.eda_date, D(180));
  EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kMri));
  EXPECT_EQ(o.remission_days, 180);
}

TEST(OutcomeMriTest, AnyLesionOnALaterScanCounts) {
  for (const MriScanData& later :
       {Scan(365, 1, 0, 0), Scan(365, 0, 1, 0), Scan(365, 0, 0, 1)}) {
    PatientClinicalData p = Stable();
    p.scans[2] = later;
    const PatientOutcome o = Compute(p);
    EXPECT_EQ(o.first_active_scan, D(365));
    EXPECT_EQ(o.eda_date, D(365));
    EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kMri));
  }
}

TEST(OutcomeMriTest, ScansBeforeTheRebaselineDayAreIgnored) {
  PatientClinicalData p = Stable();
  // Active scans on days 90 and 179; the first scan from day 180 on is the
  // one on day 200, whose new T2 lesions do not count.
  p.scans = {Scan(-30),          Scan(90, 5, 1, 3), Scan(179, 2, 0, 1),
             Scan(200, 3, 0, 0), Scan(365),         Scan(730)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.rebaseline_scan, D(200));
  EXPECT_EQ(o.first_active_scan, std::nullopt);
  EXPECT_EQ(o.eda_date, std::nullopt);
}

// --- EDA and NEDA-3 ---

// Relapse, new T2 lesion and CDW onset (EDSS 2.0 -> 3.0) all on day 300.
PatientClinicalData ActiveOnDay300() {
  PatientClinicalData p = Stable();
  p.visits = {{D(-10), 2.0}, {D(300), 3.0}, {D(400), 3.0}, {D(730), 3.0}};
  p.relapses = {D(300)};
  p.scans = {Scan(-30), Scan(180), Scan(300, 1), Scan(730)};
  return p;
}

TEST(OutcomeEdaTest, EveryKindOnTheEdaDateIsListedInOrder) {
  const PatientOutcome o = Compute(ActiveOnDay300());
  EXPECT_EQ(o.first_relapse_post, D(300));
  EXPECT_EQ(o.first_active_scan, D(300));
  EXPECT_EQ(o.first_cdw_onset, D(300));
  EXPECT_EQ(o.cdw_count, 1);
  EXPECT_EQ(o.eda_date, D(300));
  EXPECT_THAT(o.eda_kinds,
              ElementsAre(EdaKind::kRelapse, EdaKind::kMri, EdaKind::kCdw));
  EXPECT_EQ(o.remission_days, 300);
  EXPECT_EQ(o.censored, false);
  EXPECT_EQ(o.censoring_date, std::nullopt);
  EXPECT_EQ(o.neda4, false);
}

TEST(OutcomeEdaTest, EdaIsTheEarliestRelapse) {
  PatientClinicalData p = ActiveOnDay300();
  p.relapses = {D(250)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.eda_date, D(250));
  EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kRelapse));
  EXPECT_EQ(o.remission_days, 250);
}

TEST(OutcomeEdaTest, EdaIsTheEarliestActiveScan) {
  PatientClinicalData p = ActiveOnDay300();
  p.relapses = {D(320)};
  p.scans = {Scan(-30), Scan(180), Scan(280, 0, 1), Scan(730)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.eda_date, D(280));
  EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kMri));
}

TEST(OutcomeEdaTest, EdaIsTheEarliestCdwOnset) {
  PatientClinicalData p = ActiveOnDay300();
  p.relapses = {D(320)};
  p.scans = {Scan(-30), Scan(180), Scan(310, 1), Scan(730)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.first_cdw_onset, D(300));
  EXPECT_EQ(o.eda_date, D(300));
  EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kCdw));
}

TEST(OutcomeEdaTest, RelapseOnDayZeroIsNotPostTransplant) {
  PatientClinicalData p = Stable();
  p.relapses = {D(0)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.first_relapse_post, std::nullopt);
  EXPECT_EQ(o.relapses_post, 0);
  EXPECT_EQ(o.relapses_pre, 1);
  EXPECT_EQ(o.eda_date, std::nullopt);

  p.relapses = {D(1)};
  EXPECT_EQ(Compute(p).eda_date, D(1));
}

// --- Relapses and ARR ---

TEST(OutcomeRelapseTest, OnsetsFewerThan30DaysApartCountOnce) {
  PatientClinicalData p = Stable();
  p.relapses = {D(100), D(129), D(400)};
  PatientOutcome o = Compute(p);
  EXPECT_EQ(o.relapses_post, 2);
  EXPECT_EQ(o.first_relapse_post, D(100));
  ASSERT_THAT(o.warnings, SizeIs(1));
  EXPECT_EQ(o.warnings[0],
            "relapse on 2020-05-09 is within 30 days of the one on "
            "2020-04-10: counted once");

  p.relapses = {D(100), D(130), D(400)};
  o = Compute(p);
  EXPECT_EQ(o.relapses_post, 3);
  EXPECT_THAT(o.warnings, IsEmpty());
}

TEST(OutcomeRelapseTest, PreTransplantArrUsesThe730DaysBeforeDayZero) {
  PatientClinicalData p = Stable();
  p.diagnosis_date = D(-2000);
  p.relapses = {D(-800), D(-730), D(-100)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.relapses_pre, 2);
  EXPECT_DOUBLE_EQ(o.years_pre, 730 / 365.25);
  EXPECT_THAT(o.arr_pre, Optional(2 / (730 / 365.25)));
}

TEST(OutcomeRelapseTest, PreTransplantArrStartsAtARecentDiagnosis) {
  PatientClinicalData p = Stable();
  p.diagnosis_date = D(-365);
  p.relapses = {D(-300), D(-100)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.relapses_pre, 2);
  EXPECT_DOUBLE_EQ(o.years_pre, 365 / 365.25);
  EXPECT_THAT(o.arr_pre, Optional(2 / (365 / 365.25)));
}

TEST(OutcomeRelapseTest, PostTransplantArrRunsToTheEndOfFollowUp) {
  PatientClinicalData p = Stable();
  p.relapses = {D(100), D(400)};
  p.visits.push_back({D(1461), 2.0});
  PatientOutcome o = Compute(p);
  EXPECT_EQ(o.end_of_follow_up, D(1461));
  EXPECT_EQ(o.relapses_post, 2);
  EXPECT_DOUBLE_EQ(o.years_post, 4.0);
  EXPECT_THAT(o.arr_post, Optional(0.5));

  // Death ends follow-up.
  p.visits.pop_back();
  p.death_date = D(1461 + 730);
  o = Compute(p);
  EXPECT_EQ(o.end_of_follow_up, D(1461 + 730));
  EXPECT_DOUBLE_EQ(o.years_post, (1461 + 730) / 365.25);
  EXPECT_THAT(o.arr_post, Optional(2 / ((1461 + 730) / 365.25)));
}

// --- Censoring and evaluability ---

TEST(OutcomeCensoringTest, NoEdaCensorsAtTheEarlierOfLastEdssAndLastScan) {
  PatientClinicalData p = Stable();
  p.visits.push_back({D(900), 2.0});
  PatientOutcome o = Compute(p);
  EXPECT_EQ(o.last_edss_date, D(900));
  EXPECT_EQ(o.last_mri_date, D(730));
  EXPECT_EQ(o.censoring_date, D(730));
  EXPECT_EQ(o.remission_days, 730);
  EXPECT_EQ(o.censored, true);

  p.scans.push_back(Scan(1000));
  o = Compute(p);
  EXPECT_EQ(o.censoring_date, D(900));
  EXPECT_EQ(o.remission_days, 900);
}

TEST(OutcomeCensoringTest, DeathIsStillCensored) {
  PatientClinicalData p = Stable();
  p.death_date = D(800);
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.eda_date, std::nullopt);
  EXPECT_EQ(o.censored, true);
  EXPECT_EQ(o.censoring_date, D(730));
  EXPECT_EQ(o.remission_days, 730);
  EXPECT_EQ(o.end_of_follow_up, D(800));
}

void ExpectNotEvaluable(const PatientOutcome& o, const std::string& reason) {
  EXPECT_FALSE(o.neda3_evaluable);
  EXPECT_EQ(o.not_evaluable_reason, reason);
  EXPECT_EQ(o.eda_date, std::nullopt);
  EXPECT_THAT(o.eda_kinds, IsEmpty());
  EXPECT_EQ(o.remission_days, std::nullopt);
  EXPECT_EQ(o.censored, std::nullopt);
  EXPECT_EQ(o.censoring_date, std::nullopt);
  EXPECT_EQ(o.neda4, std::nullopt);
}

TEST(OutcomeEvaluabilityTest, NoTransplant) {
  PatientClinicalData p = Stable();
  p.transplant_dates.clear();
  const PatientOutcome o = Compute(p);
  ExpectNotEvaluable(o, "no transplant recorded");
  EXPECT_EQ(o.day0, std::nullopt);
}

TEST(OutcomeEvaluabilityTest, NoEdssAfterDayZero) {
  PatientClinicalData p = Stable();
  p.visits = {{D(-10), 2.0}, {D(0), 2.0}};
  p.relapses = {D(100)};  // activity, but NEDA cannot be judged
  const PatientOutcome o = Compute(p);
  ExpectNotEvaluable(o, "no EDSS assessment after day 0");
  EXPECT_EQ(o.first_relapse_post, D(100));
}

TEST(OutcomeEvaluabilityTest, NoScanOnOrAfterTheRebaselineDay) {
  PatientClinicalData p = Stable();
  p.scans = {Scan(-30), Scan(179, 1)};
  ExpectNotEvaluable(Compute(p),
                     "no MRI scan on or after day 180 (2020-06-29)");

  p.visits = {{D(-10), 2.0}};
  ExpectNotEvaluable(Compute(p),
                     "no EDSS assessment after day 0; no MRI scan on or after "
                     "day 180 (2020-06-29)");

  p.visits = {{D(-10), 2.0}, {D(365), 2.0}};
  p.scans = {Scan(-30), Scan(180)};
  EXPECT_TRUE(Compute(p).neda3_evaluable);
}

// --- NEDA-4 ---

// Stable, followed to day 1641 (4 years after the re-baseline scan on day
// 180); brain-volume changes since the previous scan.
PatientClinicalData FollowedFourYears(std::vector<MriScanData> later) {
  PatientClinicalData p = Stable();
  p.visits = {{D(-10), 2.0}, {D(1641), 2.0}};
  // Large changes before and at the re-baseline (pseudo-atrophy) must not
  // count.
  p.scans = {Scan(-30), Scan(90, 0, 0, 0, -2.0), Scan(180, 0, 0, 0, -5.0)};
  for (const MriScanData& s : later) p.scans.push_back(s);
  return p;
}

TEST(OutcomeNeda4Test, LossBelowTheLimitKeepsNeda4) {
  const PatientOutcome o =
      Compute(FollowedFourYears({Scan(1641, 0, 0, 0, -1.2)}));
  EXPECT_EQ(o.eda_date, std::nullopt);
  ASSERT_TRUE(o.brain_volume_loss_pct_per_year.has_value());
  EXPECT_DOUBLE_EQ(*o.brain_volume_loss_pct_per_year, 0.3);
  EXPECT_EQ(o.neda4, true);
}

TEST(OutcomeNeda4Test, LossAtTheLimitLosesNeda4) {
  PatientOutcome o = Compute(FollowedFourYears({Scan(1641, 0, 0, 0, -1.6)}));
  ASSERT_TRUE(o.brain_volume_loss_pct_per_year.has_value());
  EXPECT_DOUBLE_EQ(*o.brain_volume_loss_pct_per_year, 0.4);
  EXPECT_EQ(o.neda4, false);

  // Summed over every scan after the re-baseline scan.
  o = Compute(
      FollowedFourYears({Scan(900, 0, 0, 0, -0.8), Scan(1641, 0, 0, 0, -0.8)}));
  ASSERT_TRUE(o.brain_volume_loss_pct_per_year.has_value());
  EXPECT_DOUBLE_EQ(*o.brain_volume_loss_pct_per_year, 0.4);
  EXPECT_EQ(o.neda4, false);
}

TEST(OutcomeNeda4Test, MissingBrainVolumeLeavesNeda4Empty) {
  PatientOutcome o = Compute(
      FollowedFourYears({Scan(900, 0, 0, 0, -0.2), Scan(1641, 0, 0, 0)}));
  EXPECT_TRUE(o.neda3_evaluable);
  EXPECT_EQ(o.eda_date, std::nullopt);
  EXPECT_EQ(o.brain_volume_loss_pct_per_year, std::nullopt);
  EXPECT_EQ(o.neda4, std::nullopt);

  // Only the re-baseline scan: nothing to measure from it.
  PatientClinicalData p = FollowedFourYears({});
  o = Compute(p);
  EXPECT_EQ(o.brain_volume_loss_pct_per_year, std::nullopt);
  EXPECT_EQ(o.neda4, std::nullopt);
}

TEST(OutcomeNeda4Test, EdaLosesNeda4) {
  PatientClinicalData p = FollowedFourYears({Scan(1641, 0, 0, 0, -1.2)});
  p.relapses = {D(1000)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.eda_date, D(1000));
  EXPECT_EQ(o.neda4, false);
}

// --- As-of dates ---

TEST(OutcomeAsOfTest, EventsAfterTheAsOfDateAreIgnored) {
  PatientClinicalData p = Stable();
  p.relapses = {D(400)};

  PatientOutcome o = Compute(p, D(399));
  EXPECT_TRUE(o.neda3_evaluable);
  EXPECT_EQ(o.eda_date, std::nullopt);
  EXPECT_EQ(o.first_relapse_post, std::nullopt);
  EXPECT_EQ(o.censored, true);
  EXPECT_EQ(o.censoring_date, D(365));
  EXPECT_EQ(o.remission_days, 365);

  o = Compute(p, D(400));
  EXPECT_EQ(o.eda_date, D(400));
  EXPECT_THAT(o.eda_kinds, ElementsAre(EdaKind::kRelapse));
  EXPECT_EQ(o.remission_days, 400);

  EXPECT_EQ(Compute(p).eda_date, D(400));
}

TEST(OutcomeAsOfTest, WorseningConfirmedAfterTheAsOfDateIsNotYetACdw) {
  PatientClinicalData p = Stable();
  p.visits = {{D(-10), 2.0}, {D(365), 3.5}, {D(460), 3.5}, {D(730), 3.5}};
  EXPECT_EQ(Compute(p).first_cdw_onset, D(365));
  const PatientOutcome before_confirmation = Compute(p, D(440));
  EXPECT_EQ(before_confirmation.first_cdw_onset, std::nullopt);
  EXPECT_EQ(before_confirmation.eda_date, std::nullopt);
  EXPECT_EQ(Compute(p, D(460)).eda_date, D(365));
}

TEST(OutcomeInputTest, OrderOfTheInputDoesNotMatter) {
  PatientClinicalData p = Stable();
  p.relapses = {D(500), D(-100), D(510)};
  p.scans = {Scan(730), Scan(365, 1), Scan(180), Scan(-30, 3, 1, 2)};
  const PatientOutcome o = Compute(p);
  EXPECT_EQ(o.rebaseline_scan, D(180));
  EXPECT_EQ(o.first_active_scan, D(365));
  EXPECT_EQ(o.relapses_post, 1);  // 510 merges with 500
  EXPECT_EQ(o.relapses_pre, 1);
  EXPECT_EQ(o.eda_date, D(365));
}

TEST(OutcomeAsOfTest, DataAsOfKeepsWhatIsDatedOnOrBefore) {
  PatientClinicalData p = Stable();
  p.diagnosis_date = D(-1000);
  p.relapses = {D(300), D(301)};
  p.treatments = {{"rituximab", D(200), D(500)},
                  {"ocrelizumab", D(400), std::nullopt},
                  {"natalizumab", D(100), D(250)}};
  p.death_date = D(800);

  PatientClinicalData a = DataAsOf(p, D(300));
  EXPECT_EQ(a.diagnosis_date, D(-1000));
  EXPECT_THAT(a.transplant_dates, ElementsAre(D(0)));
  ASSERT_THAT(a.visits, SizeIs(1));
  EXPECT_EQ(a.visits[0].date, D(-10));
  EXPECT_THAT(a.relapses, ElementsAre(D(300)));
  ASSERT_THAT(a.scans, SizeIs(2));
  EXPECT_EQ(a.scans[1].date, D(180));
  ASSERT_THAT(a.treatments, SizeIs(2));
  EXPECT_EQ(a.treatments[0].drug, "rituximab");
  EXPECT_EQ(a.treatments[0].end_date, std::nullopt);
  EXPECT_EQ(a.treatments[1].drug, "natalizumab");
  EXPECT_EQ(a.treatments[1].end_date, D(250));
  EXPECT_EQ(a.death_date, std::nullopt);

  a = DataAsOf(p, D(-1001));
  EXPECT_EQ(a.diagnosis_date, std::nullopt);
  EXPECT_THAT(a.transplant_dates, IsEmpty());
  EXPECT_EQ(DataAsOf(p, D(800)).death_date, D(800));
}

// --- Disability baseline ---

TEST(OutcomeDisabilityTest, BaselineIsTheLastEdssOnOrBeforeDayZero) {
  PatientClinicalData p = Stable();
  // From 1.0 on day -200 the change would start on day -10.
  p.visits = {{D(-200), 1.0}, {D(-10), 3.0}, {D(100), 4.0}, {D(200), 4.0}};
  const PatientOutcome o = Compute(p);
  ASSERT_TRUE(o.disability_baseline.has_value());
  EXPECT_EQ(o.disability_baseline->date, D(-10));
  EXPECT_EQ(o.disability_baseline->edss, 3.0);
  ASSERT_THAT(o.disability_events, SizeIs(1));
  EXPECT_EQ(o.disability_events[0].baseline_date, D(-10));
  EXPECT_EQ(o.disability_events[0].onset_date, D(100));
  EXPECT_EQ(o.disability_events[0].confirmation_date, D(200));
  EXPECT_EQ(o.first_cdw_onset, D(100));

  // A visit on day 0 is the baseline.
  p.visits.push_back({D(0), 4.0});
  EXPECT_EQ(Compute(p).disability_baseline->date, D(0));
  EXPECT_EQ(Compute(p).first_cdw_onset, std::nullopt);
}

TEST(OutcomeDisabilityTest, BaselineIsTheFirstEdssAfterDayZeroWhenNoneBefore) {
  PatientClinicalData p = Stable();
  p.visits = {{D(30), 2.0}, {D(120), 3.0}, {D(220), 3.0}, {D(730), 3.0}};
  const PatientOutcome o = Compute(p);
  ASSERT_TRUE(o.disability_baseline.has_value());
  EXPECT_EQ(o.disability_baseline->date, D(30));
  EXPECT_EQ(o.first_cdw_onset, D(120));
  ASSERT_THAT(o.disability_events, SizeIs(1));
  EXPECT_EQ(o.disability_events[0].confirmation_date, D(220));
  EXPECT_EQ(o.eda_date, D(120));
}

// --- Records ---

TEST(ClinicalDataFromRecordsTest, GathersAndSortsRecords) {
  const std::vector<Record> records = {
      MriRecord{"P1", D(365), 1, 0, 0, -0.3},
      RelapseRecord{"P1", D(400)},
      VisitRecord{"P1", D(365), 2.5},
      PatientRecord{"P1", Sex::kFemale, 1980, Disease::kRrms, D(-1000)},
      TransplantRecord{"P1", D(500), TransplantType::kAutologous, "BEAM"},
      RelapseRecord{"P1", D(-100)},
      MriRecord{"P1", D(180), 0, 2, 1, std::nullopt},
      TransplantRecord{"P1", D(0), TransplantType::kAutologous, "CY"},
      VisitRecord{"P1", D(-10), 2.0},
      TreatmentRecord{"P1", "rituximab", D(600), D(700)},
      DeathRecord{"P1", D(800), ""},
  };
  const PatientClinicalData p = ClinicalDataFromRecords(records);
  EXPECT_EQ(p.disease, Disease::kRrms);
  EXPECT_EQ(p.diagnosis_date, D(-1000));
  EXPECT_THAT(p.transplant_dates, ElementsAre(D(0), D(500)));
  ASSERT_THAT(p.visits, SizeIs(2));
  EXPECT_EQ(p.visits[0].date, D(365));
  EXPECT_EQ(p.visits[0].edss, 2.5);
  EXPECT_EQ(p.visits[1].date, D(-10));
  EXPECT_THAT(p.relapses, ElementsAre(D(-100), D(400)));
  ASSERT_THAT(p.scans, SizeIs(2));
  EXPECT_EQ(p.scans[0].date, D(180));
  EXPECT_EQ(p.scans[0].enlarging_t2, 2);
  EXPECT_EQ(p.scans[0].gd_enhancing, 1);
  EXPECT_EQ(p.scans[1].date, D(365));
  EXPECT_EQ(p.scans[1].new_t2, 1);
  EXPECT_EQ(p.scans[1].brain_volume_change_pct, -0.3);
  ASSERT_THAT(p.treatments, SizeIs(1));
  EXPECT_EQ(p.treatments[0].drug, "rituximab");
  EXPECT_EQ(p.treatments[0].end_date, D(700));
  EXPECT_EQ(p.death_date, D(800));

  // Day 0 is the first transplant.
  EXPECT_EQ(Compute(p).day0, D(0));
}

// --- Timeline and status text ---

TEST(BuildTimelineTest, InDateOrderWithTransplantRebaselineAndEda) {
  PatientClinicalData p = Stable();
  p.disease = Disease::kRrms;
  p.diagnosis_date = D(-1000);
  p.scans[2] = Scan(365, 1);
  p.relapses = {D(-100)};
  const OutcomeDefinition d;
  const PatientOutcome o = ComputeOutcome(p, d);
  const std::vector<TimelineEntry> t = BuildTimeline(p, o, d);

  EXPECT_TRUE(std::is_sorted(
      t.begin(), t.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
        return a.date < b.date;
      }));
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.front().date, D(-1000));
  EXPECT_EQ(t.front().what, "diagnosis of RRMS");
  EXPECT_EQ(t.front().day, -1000);

  auto on = [&](int day) {
    std::vector<std::string> what;
    for (const TimelineEntry& e : t) {
      if (e.date == D(day)) {
        EXPECT_EQ(e.day, day);
        what.push_back(e.what);
      }
    }
    return what;
  };
  EXPECT_THAT(on(0), ElementsAre("transplant (day 0)"));
  EXPECT_THAT(on(-100), ElementsAre("relapse (before transplant)"));
  EXPECT_THAT(on(-30), ElementsAre(HasSubstr("before re-baseline")));
  EXPECT_THAT(on(180), ElementsAre("MRI: 0 new T2, 0 enlarging T2, 0 Gd+ "
                                   "(re-baseline scan: only Gd+ counts)"));
  EXPECT_THAT(on(365), ElementsAre("EDSS 2.0",
                                   "MRI: 1 new T2, 0 enlarging T2, 0 Gd+ "
                                   "(active)",
                                   "NEDA-3 lost: MRI activity"));
  EXPECT_THAT(on(-10), ElementsAre("EDSS 2.0 (disability baseline)"));
}

TEST(DescribeNedaStatusTest, Lost) {
  PatientClinicalData p = Stable();
  p.scans[2] = Scan(365, 1);
  EXPECT_EQ(DescribeNedaStatus(Compute(p)),
            "NEDA-3 lost on 2020-12-31 (day 365, 1.0 years) by MRI activity. "
            "NEDA-4 lost.");
  EXPECT_EQ(DescribeNedaStatus(Compute(ActiveOnDay300())),
            "NEDA-3 lost on 2020-10-27 (day 300, 0.8 years) by relapse and "
            "MRI activity and confirmed disability worsening. NEDA-4 lost.");
}

TEST(DescribeNedaStatusTest, Maintained) {
  EXPECT_EQ(DescribeNedaStatus(Compute(Stable())),
            "NEDA-3 maintained for 730 days (2.0 years), to the last complete "
            "assessment on 2021-12-31 (censored). NEDA-4 not evaluable "
            "(brain-volume change missing).");
  EXPECT_EQ(DescribeNedaStatus(
                Compute(FollowedFourYears({Scan(1641, 0, 0, 0, -1.2)}))),
            "NEDA-3 maintained for 1641 days (4.5 years), to the last "
            "complete assessment on 2024-06-29 (censored). NEDA-4 maintained "
            "(brain-volume loss 0.30 %/year).");
}

TEST(DescribeNedaStatusTest, NotEvaluable) {
  PatientClinicalData p = Stable();
  p.transplant_dates.clear();
  EXPECT_EQ(DescribeNedaStatus(Compute(p)),
            "NEDA-3 not evaluable: no transplant recorded.");
  p = Stable();
  p.visits = {{D(-10), 2.0}};
  EXPECT_EQ(DescribeNedaStatus(Compute(p)),
            "NEDA-3 not evaluable: no EDSS assessment after day 0.");
}

}  // namespace
}  // namespace registry
