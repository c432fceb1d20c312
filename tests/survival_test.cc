// The survival statistics against R's survival package (3.5): every column
// of survfit, summary(fit, times =), the median as print(fit) shows it,
// survdiff, the Aalen–Johansen estimator and the reverse Kaplan–Meier
// median (quantile), to 1e-9. The expected
// files were written by tests/data/r/survival_reference.R; where R is
// installed, a test runs that script live and compares again.
#include "core/survival.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/csv.h"
#include "tests/test_util.h"

namespace registry {
namespace {

constexpr double kTolerance = 1e-9;

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t Column(const std::string& name) const {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return it - header.begin();
  }
};

Table Load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto rows = ParseCsv(buffer.str());
  EXPECT_TRUE(rows.ok() && !rows->empty()) << path;
  Table table;
  if (!rows.ok() || rows->empty()) return table;
  table.header = (*rows)[0].fields;
  for (size_t i = 1; i < rows->size(); ++i)
    table.rows.push_back((*rows)[i].fields);
  return table;
}

std::optional<double> Number(const std::string& text) {
  if (text == "NA" || text.empty()) return std::nullopt;
  return std::stod(text);
}

// Equal to 1e-9 (relative above 1), or both NA.
::testing::AssertionResult Near(std::optional<double> ours,
                                const std::string& theirs,
                                const std::string& what) {
  const std::optional<double> expected = Number(theirs);
  if (!ours && !expected) return ::testing::AssertionSuccess();
  if (ours && expected &&
      std::abs(*ours - *expected) <=
          kTolerance * std::max(1.0, std::abs(*expected))) {
    return ::testing::AssertionSuccess();
  }
  std::ostringstream message;
  message.precision(17);
  message << what << ": ours " << (ours ? std::to_string(*ours) : "NA")
          << " vs R " << theirs;
  return ::testing::AssertionFailure() << message.str();
}

struct Input {
  std::map<std::string, std::vector<SurvivalObservation>> strata;  // "" all
  std::vector<CompetingObservation> competing;
};

Input LoadInput(const std::string& path) {
  const Table t = Load(path);
  Input input;
  const size_t time = t.Column("time"), status = t.Column("status");
  const bool has_cause =
      std::find(t.header.begin(), t.header.end(), "cause") != t.header.end();
  const bool has_stratum =
      std::find(t.header.begin(), t.header.end(), "stratum") != t.header.end();
  for (const auto& row : t.rows) {
    const SurvivalObservation o{std::stod(row[time]), row[status] == "1"};
    input.strata[""].push_back(o);
    if (has_stratum) input.strata[row[t.Column("stratum")]].push_back(o);
    if (has_cause) {
      const int cause = std::stoi(row[t.Column("cause")]);
      input.competing.push_back(
          {o.time, cause == 0   ? CompetingOutcome::kCensored
                   : cause == 1 ? CompetingOutcome::kEvent
                                : CompetingOutcome::kCompeting});
    }
  }
  return input;
}

void CompareKm(const std::vector<KaplanMeierRow>& ours, const Table& r,
               const std::string& stratum, const std::string& what) {
  std::vector<const std::vector<std::string>*> theirs;
  for (const auto& row : r.rows) {
    if (row[r.Column("stratum")] == stratum) theirs.push_back(&row);
  }
  ASSERT_EQ(ours.size(), theirs.size())
      << what << " stratum '" << stratum << "'";
  for (size_t i = 0; i < ours.size(); ++i) {
    const auto& row = *theirs[i];
    const std::string at =
        what + " stratum '" + stratum + "' row " + std::to_string(i);
    EXPECT_TRUE(Near(ours[i].time, row[r.Column("time")], at + " time"));
    EXPECT_TRUE(Near(ours[i].n_risk, row[r.Column("n_risk")], at + " n_risk"));
    EXPECT_TRUE(
        Near(ours[i].n_event, row[r.Column("n_event")], at + " n_event"));
    EXPECT_TRUE(
        Near(ours[i].n_censor, row[r.Column("n_censor")], at + " n_censor"));
    EXPECT_TRUE(Near(ours[i].surv, row[r.Column("surv")], at + " surv"));
    EXPECT_TRUE(
        Near(ours[i].std_err, row[r.Column("std_err")], at + " std_err"));
    EXPECT_TRUE(Near(ours[i].lower, row[r.Column("lower")], at + " lower"));
    EXPECT_TRUE(Near(ours[i].upper, row[r.Column("upper")], at + " upper"));
  }
}

// Every comparison against the R outputs in `dir`.
void CompareWithR(const std::string& dir) {
  const std::vector<double> times = {0, 365, 730, 1095, 1825};
  const Input toy = LoadInput(dir + "/toy_input.csv");
  const Input cohort = LoadInput(dir + "/cohort_input.csv");
  for (ConfidenceType type : {ConfidenceType::kLog, ConfidenceType::kLogLog,
                              ConfidenceType::kPlain}) {
    const std::string name(ConfidenceTypeName(type));
    const KaplanMeierCurve toy_curve = KaplanMeier(toy.strata.at(""), type);
    CompareKm(toy_curve.rows, Load(dir + "/toy_km_" + name + ".csv"), "",
              "toy " + name);
    const Table toy_median = Load(dir + "/toy_median_" + name + ".csv");
    EXPECT_TRUE(Near(toy_curve.median, toy_median.rows[0][1], "toy median"));
    EXPECT_TRUE(Near(toy_curve.median_lower, toy_median.rows[0][2],
                     "toy median lower"));
    EXPECT_TRUE(Near(toy_curve.median_upper, toy_median.rows[0][3],
                     "toy median upper"));

    const Table km = Load(dir + "/cohort_km_" + name + ".csv");
    const Table at = Load(dir + "/cohort_times_" + name + ".csv");
    const Table medians = Load(dir + "/cohort_median_" + name + ".csv");
    for (const auto& [stratum, observations] : cohort.strata) {
      const KaplanMeierCurve curve = KaplanMeier(observations, type);
      CompareKm(curve.rows, km, stratum, "cohort " + name);
      CompareKm(SummaryAtTimes(curve, times), at, stratum, "times " + name);
      bool found = false;
      for (const auto& row : medians.rows) {
        if (row[0] != stratum) continue;
        found = true;
        EXPECT_TRUE(Near(curve.median, row[1], "median " + stratum));
        EXPECT_TRUE(
            Near(curve.median_lower, row[2], "median lower " + stratum));
        EXPECT_TRUE(
            Near(curve.median_upper, row[3], "median upper " + stratum));
      }
      EXPECT_TRUE(found) << stratum;
    }
  }

  const Table lr = Load(dir + "/cohort_logrank.csv");
  const LogRankResult ours = LogRank(
      {cohort.strata.at("A"), cohort.strata.at("B"), cohort.strata.at("C")});
  ASSERT_EQ(lr.rows.size(), 3u);
  for (size_t g = 0; g < 3; ++g) {
    EXPECT_TRUE(Near(ours.n[g], lr.rows[g][1], "log-rank n"));
    EXPECT_TRUE(Near(ours.observed[g], lr.rows[g][2], "log-rank observed"));
    EXPECT_TRUE(Near(ours.expected[g], lr.rows[g][3], "log-rank expected"));
  }
  EXPECT_TRUE(Near(ours.chisq, lr.rows[0][4], "log-rank chisq"));
  EXPECT_TRUE(Near(ours.df, lr.rows[0][5], "log-rank df"));
  EXPECT_TRUE(Near(ours.p_value, lr.rows[0][6], "log-rank p"));

  const Table aj = Load(dir + "/cohort_aalen_johansen.csv");
  const std::vector<CumulativeIncidenceRow> cif =
      AalenJohansen(cohort.competing);
  ASSERT_EQ(cif.size(), aj.rows.size());
  for (size_t i = 0; i < cif.size(); ++i) {
    EXPECT_TRUE(Near(cif[i].time, aj.rows[i][0], "AJ time"));
    EXPECT_TRUE(Near(cif[i].n_risk, aj.rows[i][1], "AJ n_risk"));
    EXPECT_TRUE(Near(cif[i].event_free, aj.rows[i][2], "AJ event-free"));
    EXPECT_TRUE(Near(cif[i].incidence, aj.rows[i][3], "AJ incidence"));
    EXPECT_TRUE(
        Near(cif[i].competing_incidence, aj.rows[i][4], "AJ competing"));
  }

  const Table followup = Load(dir + "/cohort_followup.csv");
  const Quantile median = MedianFollowUp(cohort.strata.at(""));
  EXPECT_TRUE(Near(median.value, followup.rows[0][1], "follow-up median"));
  EXPECT_TRUE(Near(median.lower, followup.rows[0][2], "follow-up lower"));
  EXPECT_TRUE(Near(median.upper, followup.rows[0][3], "follow-up upper"));
}

TEST(SurvivalVersusRTest, StoredReferenceValues) {
  CompareWithR(TEST_DATA_DIR "/r");
}

TEST(SurvivalVersusRTest, LiveRWhenInstalled) {
  if (std::system("Rscript -e 'suppressMessages(library(survival))' "
                  ">/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "R with the survival package is not installed";
  }
  testing::TempDir dir;
  const std::string command = "Rscript " TEST_DATA_DIR
                              "/r/survival_reference.R " +
                              dir.path() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  CompareWithR(dir.path());
}

TEST(SurvivalTest, TheToyTableOfTheReference) {
  // shared reference km-toy-first-cdw.csv: events at 140, 198, 292, 372.
  const KaplanMeierCurve curve = KaplanMeier({{140, true},
                                              {198, true},
                                              {292, true},
                                              {372, true},
                                              {491, false},
                                              {491, false},
                                              {586, false}});
  ASSERT_EQ(curve.rows.size(), 6u);
  EXPECT_NEAR(curve.rows[3].surv, 0.428571428571429, 1e-12);
  EXPECT_NEAR(*curve.rows[3].std_err, 0.187043905916565, 1e-12);
  EXPECT_NEAR(*curve.rows[3].lower, 0.182191623088315, 1e-12);
  EXPECT_EQ(curve.rows[4].n_censor, 2);
}

// The median and its interval where a curve is flat at exactly 0.5, as
// print(survfit) shows them: the midpoint of the flat stretch's start and
// the next drop; when the stretch runs to the last observation, its start.
// Expected values from R 4.2.2, survival 3.5.3, for each conf.type:
//   Rscript -e 'library(survival); summary(survfit(Surv(t, e) ~ 1,
//     conf.type = type))$table[c("median", "0.95LCL", "0.95UCL")]'
TEST(SurvivalTest, MedianOnAFlatHalfIsAsPrintSurvfit) {
  struct Case {
    std::vector<SurvivalObservation> observations;
    ConfidenceType type;
    std::optional<double> median, lower, upper;
  };
  const std::vector<SurvivalObservation> four = {
      {1, true}, {2, true}, {3, true}, {4, true}};
  const std::vector<SurvivalObservation> six = {
      {1, true}, {2, true}, {3, true}, {4, true}, {5, true}, {6, true}};
  // S = 0.5 from 2 on; censored at 3, the next drop at 5.
  const std::vector<SurvivalObservation> censored_inside = {
      {1, true}, {2, true}, {3, false}, {5, true}};
  // S = 0.5 from 2 (and from 3) to the last observation.
  const std::vector<SurvivalObservation> flat_to_end = {
      {1, true}, {2, true}, {3, false}, {4, false}};
  const std::vector<SurvivalObservation> flat_to_end_later = {
      {2, true}, {3, true}, {6, false}, {7, false}};
  const std::optional<double> na;
  std::vector<Case> cases;
  for (ConfidenceType type : {ConfidenceType::kLog, ConfidenceType::kLogLog,
                              ConfidenceType::kPlain}) {
    cases.push_back({four, type, 2.5, 1, na});
    cases.push_back({censored_inside, type, 3.5, 1, na});
    cases.push_back({flat_to_end, type, 2, 1, na});
    cases.push_back({flat_to_end_later, type, 3, 2, na});
  }
  cases.push_back({six, ConfidenceType::kLog, 3.5, 2, na});
  cases.push_back({six, ConfidenceType::kLogLog, 3.5, 1, na});
  cases.push_back({six, ConfidenceType::kPlain, 3.5, 2, 5});
  for (const Case& c : cases) {
    const KaplanMeierCurve curve = KaplanMeier(c.observations, c.type);
    const std::string what =
        absl::StrCat(std::string(ConfidenceTypeName(c.type)), " with ",
                     c.observations.size(), " observations, the last at ",
                     c.observations.back().time);
    EXPECT_EQ(curve.median, c.median) << what;
    EXPECT_EQ(curve.median_lower, c.lower) << what;
    EXPECT_EQ(curve.median_upper, c.upper) << what;
  }
}

// quantile(fit, 0.5) differs from print(fit) when the curve is flat at 0.5
// to the end: the midpoint of the stretch's start and the last time.
//   Rscript -e 'library(survival); quantile(survfit(Surv(c(1, 2, 3, 4),
//     c(1, 1, 0, 0)) ~ 1), 0.5)'  # 3, lower 1, upper NA
TEST(SurvivalTest, QuantileKeepsItsOwnRuleAtTheEnd) {
  const KaplanMeierCurve curve =
      KaplanMeier({{1, true}, {2, true}, {3, false}, {4, false}});
  const Quantile q = SurvivalQuantile(curve, 0.5);
  EXPECT_EQ(q.value, std::optional<double>(3));
  EXPECT_EQ(q.lower, std::optional<double>(1));
  EXPECT_EQ(q.upper, std::nullopt);
}

TEST(SurvivalTest, ChiSquareTail) {
  EXPECT_NEAR(ChiSquareUpperTail(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(ChiSquareUpperTail(5.991464547107979, 2), 0.05, 1e-12);
  // Values from R: pchisq(x, df, lower.tail = FALSE).
  EXPECT_NEAR(ChiSquareUpperTail(100, 3) / 1.5541594313896051e-21, 1, 1e-9);
  EXPECT_NEAR(ChiSquareUpperTail(0.5, 4), 0.97350097883925613, 1e-12);
  EXPECT_NEAR(ChiSquareUpperTail(20, 7), 0.0055696830729455712, 1e-12);
}

}  // namespace
}  // namespace registry
