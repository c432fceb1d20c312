// The cohort summary analysts publish (Table 1 and the outcome milestones):
// counts by disease, centre, regimen and drug, median follow-up, NEDA-3 and
// progression-free survival at 1, 2, 3, 5 and 10 years, transplant-related
// mortality at day 100 and one year, relapse rates before and after, EDSS
// by year since transplant, confirmed improvement and restarted
// treatments. Plain functions over the outcome engine's structs.
//
// Small cells: in tables by centre, a count under `min_cell_size` is shown
// as "<N" (N = min_cell_size), and a centre's survival curve is left out
// when it has fewer patients; pooled figures ("(all)") are never
// suppressed.
#ifndef REGISTRY_CORE_COHORT_SUMMARY_H_
#define REGISTRY_CORE_COHORT_SUMMARY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cohort_sections.h"
#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "core/survival.h"

namespace registry {

// R's quantile(type = 7) of `sorted` (ascending, not empty), 0 <= p <= 1.
double Quantile7(const std::vector<double>& sorted, double p);

// The EDSS of the visit nearest to `year` years (of 365 days) after day 0,
// within 182 days; for year 0 the baseline visit of the disability
// outcome when it is on or before day 0. nullopt without day 0 or a visit.
std::optional<double> EdssNear(const PatientClinicalData& data,
                               const PatientOutcome& outcome, int year);

// `n`, or "<min_cell_size" when `suppress` and n < min_cell_size.
std::string CellText(int n, bool suppress, int min_cell_size);

struct CountRow {
  std::string group;
  std::string count;  // a number, or "<N" when suppressed
};

struct MilestoneRow {
  std::string group;  // a stratum, or "(all)"
  double years = 0;
  std::string n_risk;              // "<N" when suppressed
  std::optional<double> estimate;  // survival; unset when suppressed or
  std::optional<double> lower;     // beyond the last observation
  std::optional<double> upper;
};

struct NamedCurve {
  std::string group;  // "" for an unstratified cohort
  KaplanMeierCurve curve;
  // Per-center curves: counts under this minimum cell size are withheld
  // when the curve leaves the server, as the tables suppress them.
  int min_cell = 0;
};

struct CohortSummary {
  int patients = 0;
  int transplanted = 0;
  int neda3_evaluable = 0;
  std::vector<CountRow> by_disease, by_center, by_regimen, treatments_by_drug;
  Quantile median_follow_up;  // reverse Kaplan-Meier, days
  std::vector<MilestoneRow> neda3, pfs;
  std::vector<NamedCurve> neda3_curves, pfs_curves;
  // Transplant-related mortality (deaths of a transplant-related cause)
  // at day 100 and day 365, as Aalen-Johansen cumulative incidence with
  // the other deaths competing, censored at the last contact.
  std::optional<double> trm_day100, trm_year1;
  // MS patients only (and those whose disease is not recorded): relapses,
  // EDSS by year and disability improvement.
  int relapses_pre = 0, relapses_post = 0;
  double patient_years_pre = 0, patient_years_post = 0;
  std::vector<EdssYearStats> edss_by_year;  // years 0 to 10 with data
  int cdi_patients = 0, cdi_assessable = 0;
  int treatment_restarted = 0;
  std::vector<SafetySection> safety;     // "(all)", then by transplant type
  std::vector<DiseaseSection> diseases;  // each disease present
};

inline constexpr double kMilestoneYears[] = {1, 2, 3, 5, 10};

// Collects patients one at a time (the store streams them), then computes
// the summary.
class CohortSummaryBuilder {
 public:
  // `definition` is the one the outcomes were computed with (its first-CDI
  // variant counts improvements); groups follow `by`.
  CohortSummaryBuilder(const OutcomeDefinition& definition, Stratification by,
                       int min_cell_size);

  void Add(const PatientClinicalData& data, const PatientOutcome& outcome,
           const std::string& center);

  CohortSummary Finish() const;

 private:
  OutcomeDefinition definition_;
  OutcomeDefinition cdi_definition_;
  Stratification by_;
  int min_cell_;
  std::map<std::string, int> by_disease_, by_center_, by_regimen_, by_drug_;
  std::map<std::string, std::vector<SurvivalObservation>> neda3_, pfs_;
  std::vector<SurvivalObservation> os_;
  std::vector<CompetingObservation> trm_;
  std::vector<std::vector<double>> edss_ = std::vector<std::vector<double>>(11);
  CohortSummary counts_;
  CohortSectionsBuilder sections_;
};

}  // namespace registry

#endif  // REGISTRY_CORE_COHORT_SUMMARY_H_
