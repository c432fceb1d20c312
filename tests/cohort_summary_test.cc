// The cohort summary's statistics as plain functions: R's quantiles, the
// EDSS nearest a year, small-cell suppression, and a whole small cohort
// whose every figure is worked out by hand.
#include "core/cohort_summary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

TEST(CohortSummaryTest, Quantile7IsRsType7) {
  // quantile(c(1, 2, 3, 4), c(.25, .5, .75)) in R: 1.75 2.5 3.25.
  const std::vector<double> four = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(Quantile7(four, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(Quantile7(four, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Quantile7(four, 0.75), 3.25);
  // quantile(c(0, 1.5, 2, 6.5, 7)): 1.5 2 6.5 at the quartiles.
  const std::vector<double> five = {0, 1.5, 2, 6.5, 7};
  EXPECT_DOUBLE_EQ(Quantile7(five, 0.25), 1.5);
  EXPECT_DOUBLE_EQ(Quantile7(five, 0.5), 2);
  EXPECT_DOUBLE_EQ(Quantile7(five, 0.75), 6.5);
  EXPECT_DOUBLE_EQ(Quantile7({3.5}, 0.25), 3.5);
}

TEST(CohortSummaryTest, SmallCellsShowTheirBound) {
  EXPECT_EQ(CellText(3, true, 5), "<5");
  EXPECT_EQ(CellText(5, true, 5), "5");
  EXPECT_EQ(CellText(3, false, 5), "3");
}

TEST(CohortSummaryTest, EdssNearestEachYearWithinHalfAYear) {
  const Date day0(2015, 1, 1);
  PatientClinicalData data;
  data.visits = {{day0 - 10, 4.0}, {day0 + 360, 3.0}, {day0 + 800, 2.5}};
  PatientOutcome outcome;
  outcome.day0 = day0;
  outcome.disability_baseline = EdssVisit{day0 - 10, 4.0};
  EXPECT_EQ(EdssNear(data, outcome, 0), 4.0);           // the baseline visit
  EXPECT_EQ(EdssNear(data, outcome, 1), 3.0);           // 5 days from day 365
  EXPECT_EQ(EdssNear(data, outcome, 2), 2.5);           // 70 days from day 730
  EXPECT_EQ(EdssNear(data, outcome, 3), std::nullopt);  // 295 days away
  outcome.disability_baseline = EdssVisit{day0 + 3, 4.0};
  EXPECT_EQ(EdssNear(data, outcome, 0), std::nullopt);  // after day 0
  outcome.day0.reset();
  EXPECT_EQ(EdssNear(data, outcome, 1), std::nullopt);
}

// A transplanted RRMS patient followed `days` after day 0, EDSS `edss`
// before and at each year; optionally dead at the end.
PatientClinicalData Patient(int days, double edss, bool dies,
                            const std::string& regimen = "BEAM-ATG") {
  const Date day0(2015, 6, 1);
  PatientClinicalData data;
  data.disease = Disease::kRrms;
  data.diagnosis_date = Date(2008, 1, 1);
  data.transplant_dates = {day0};
  data.first_regimen = regimen;
  data.visits.push_back({day0 - 30, edss});
  for (int d = 365; d <= days; d += 365)
    data.visits.push_back({day0 + d, edss});
  data.scans.push_back({day0 + 200, 0, 0, 0, std::nullopt});
  if (dies) data.death_date = day0 + days;
  return data;
}

// Deaths of a transplant-related cause against the others, worked by hand
// (Aalen-Johansen): day 50 infection (1/5: 0.2, event-free 0.8), day 80
// disease (competing: event-free 0.6), day 200 GvHD (0.6/3: 0.4 in all).
TEST(CohortSummaryTest, TransplantRelatedMortalityCountsItsCausesOnly) {
  const OutcomeDefinition definition;
  CohortSummaryBuilder builder(definition, Stratification::kNone, 3);
  auto add = [&](PatientClinicalData data, DeathCause cause) {
    data.death_cause = cause;
    builder.Add(data, ComputeOutcome(data, definition), "A");
  };
  add(Patient(50, 3.0, true), DeathCause::kInfection);
  add(Patient(80, 3.0, true), DeathCause::kDisease);
  add(Patient(200, 3.0, true), DeathCause::kGvhd);
  add(Patient(2 * 365, 2.0, false), DeathCause::kUnknown);
  add(Patient(3 * 365, 2.0, false), DeathCause::kUnknown);
  const CohortSummary s = builder.Finish();
  ASSERT_TRUE(s.trm_day100.has_value() && s.trm_year1.has_value());
  EXPECT_NEAR(*s.trm_day100, 0.2, 1e-12);
  EXPECT_NEAR(*s.trm_year1, 0.4, 1e-12);
}

TEST(CohortSummaryTest, ASmallCohortByCenterWorkedOutByHand) {
  const OutcomeDefinition definition;
  CohortSummaryBuilder builder(definition, Stratification::kCenter, 3);
  auto add = [&](const PatientClinicalData& data, const std::string& center) {
    builder.Add(data, ComputeOutcome(data, definition), center);
  };
  // Centre A: four patients, one of whom dies on day 50; centre B: two.
  add(Patient(50, 3.0, true), "A");
  add(Patient(2 * 365, 2.0, false), "A");
  add(Patient(3 * 365, 4.0, false), "A");
  add(Patient(4 * 365, 6.0, false), "A");
  add(Patient(2 * 365, 3.5, false), "B");
  PatientClinicalData untransplanted = Patient(365, 2.0, false);
  untransplanted.transplant_dates.clear();
  add(untransplanted, "B");

  const CohortSummary s = builder.Finish();
  EXPECT_EQ(s.patients, 6);
  EXPECT_EQ(s.transplanted, 5);
  // By centre, B's two patients are a small cell; other tables are not.
  ASSERT_EQ(s.by_center.size(), 2u);
  EXPECT_EQ(s.by_center[0].group, "A");
  EXPECT_EQ(s.by_center[0].count, "4");
  EXPECT_EQ(s.by_center[1].count, "<3");
  ASSERT_EQ(s.by_disease.size(), 1u);
  EXPECT_EQ(s.by_disease[0].count, "6");
  // One death among five at day 50, of unknown cause: not TRM.
  ASSERT_TRUE(s.trm_day100.has_value());
  EXPECT_DOUBLE_EQ(*s.trm_day100, 0);
  EXPECT_DOUBLE_EQ(*s.trm_year1, 0);
  // Baseline EDSS of the five transplanted: 2.0 3.0 3.5 4.0 6.0.
  ASSERT_FALSE(s.edss_by_year.empty());
  const EdssYearStats& baseline = s.edss_by_year[0];
  EXPECT_EQ(baseline.year, 0);
  EXPECT_EQ(baseline.n, 5);
  EXPECT_DOUBLE_EQ(baseline.mean, 3.7);
  EXPECT_DOUBLE_EQ(baseline.median, 3.5);
  EXPECT_DOUBLE_EQ(baseline.q1, 3.0);
  EXPECT_DOUBLE_EQ(baseline.q3, 4.0);
  // sd(c(2, 3, 3.5, 4, 6)) in R: 1.4832397.
  EXPECT_NEAR(baseline.sd, 1.4832397, 1e-7);
  // PFS milestones: B's rows are suppressed, A's and (all)'s are not, and
  // only A has a curve (B is too small, (all) is not a stratum).
  int suppressed_b = 0, shown_all = 0;
  for (const MilestoneRow& row : s.pfs) {
    if (row.group == "B") {
      EXPECT_EQ(row.n_risk, "<3");
      EXPECT_FALSE(row.estimate.has_value());
      ++suppressed_b;
    }
    if (row.group == "(all)" && row.estimate) ++shown_all;
  }
  EXPECT_EQ(suppressed_b, 5);  // 1, 2, 3, 5 and 10 years
  EXPECT_GT(shown_all, 0);
  ASSERT_EQ(s.pfs_curves.size(), 1u);
  EXPECT_EQ(s.pfs_curves[0].group, "A");
  EXPECT_EQ(s.pfs_curves[0].curve.n, 4);
  // At one year (all) has the four patients followed past day 365 of five.
  for (const MilestoneRow& row : s.pfs) {
    if (row.group == "(all)" && row.years == 1) {
      EXPECT_EQ(row.n_risk, "4");
      ASSERT_TRUE(row.estimate.has_value());
      EXPECT_DOUBLE_EQ(*row.estimate, 0.8);
    }
  }
}

TEST(CohortSummaryTest, RestartedTreatmentsCountPatientsOncePerDrug) {
  const OutcomeDefinition definition;
  CohortSummaryBuilder builder(definition, Stratification::kNone, 5);
  PatientClinicalData data = Patient(2 * 365, 2.0, false);
  const Date day0 = data.transplant_dates[0];
  data.treatments = {{"natalizumab", day0 - 400, day0 - 100},  // before
                     {"ocrelizumab", day0 + 500, std::nullopt},
                     {"ocrelizumab", day0 + 600, std::nullopt}};
  builder.Add(data, ComputeOutcome(data, definition), "A");
  const CohortSummary s = builder.Finish();
  EXPECT_EQ(s.treatment_restarted, 1);
  ASSERT_EQ(s.treatments_by_drug.size(), 1u);
  EXPECT_EQ(s.treatments_by_drug[0].group, "ocrelizumab");
  EXPECT_EQ(s.treatments_by_drug[0].count, "1");
}

// The relapse, EDSS-by-year and improvement figures are the report's MS
// parts: an NMOSD patient's relapses and EDSS stay out of them (they are
// in the NMOSD section).
TEST(CohortSummaryTest, MsFiguresCountMsPatientsOnly) {
  const OutcomeDefinition definition;
  CohortSummaryBuilder builder(definition, Stratification::kNone, 5);
  PatientClinicalData ms = Patient(2 * 365, 3.0, false);
  const Date day0 = ms.transplant_dates[0];
  ms.relapses = {day0 - 100};
  builder.Add(ms, ComputeOutcome(ms, definition), "A");
  PatientClinicalData nmo = Patient(2 * 365, 6.0, false);
  nmo.disease = Disease::kNmosd;
  nmo.relapses = {day0 - 200, day0 - 50, day0 + 300};
  builder.Add(nmo, ComputeOutcome(nmo, definition), "A");
  const CohortSummary s = builder.Finish();
  EXPECT_EQ(s.relapses_pre, 1);
  EXPECT_EQ(s.relapses_post, 0);
  EXPECT_EQ(s.cdi_assessable, 1);
  ASSERT_FALSE(s.edss_by_year.empty());
  for (const EdssYearStats& year : s.edss_by_year) {
    EXPECT_EQ(year.n, 1) << year.year;
    EXPECT_EQ(year.median, 3.0) << year.year;
  }
  EXPECT_EQ(s.patients, 2);
}

}  // namespace
}  // namespace registry
