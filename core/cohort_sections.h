// The cohort report's safety section (engraftment, transplant-related and
// non-relapse mortality, adverse-event incidences, by transplant type) and
// its per-disease sections (each disease's own endpoints). Plain functions
// over the outcome engine's structs; docs/reports.md shows them.
#ifndef REGISTRY_CORE_COHORT_SECTIONS_H_
#define REGISTRY_CORE_COHORT_SECTIONS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "core/survival.h"

namespace registry {

// A cumulative incidence (Aalen-Johansen, the endpoint's competing event
// competing) at `days` after day 0. `incidence` is unset when no patient
// was followed that long.
struct IncidenceAt {
  std::string endpoint;  // EndpointName: "trm", "infection", ...
  double days = 0;
  int n_risk = 0;
  std::optional<double> incidence;
};

// A Kaplan-Meier estimate at `years` (of 365.25 days); unset beyond the
// last observation.
struct SurvivalAt {
  std::string endpoint;  // "os", "pfs", "tfr", "neda3"
  double years = 0;
  int n_risk = 0;
  std::optional<double> estimate, lower, upper;
};

struct SafetySection {
  std::string transplant_type;  // "(all)", "autologous", "allogeneic"
  int patients = 0;             // transplanted
  // Engraftment of the first transplant, from the centres' dates: days to
  // recovery among the patients who recovered (median and range).
  int engraftment_reported = 0;
  int neutrophil_recovered = 0, platelet_recovered = 0;
  std::optional<double> neutrophil_median_days, neutrophil_min_days,
      neutrophil_max_days;
  std::optional<double> platelet_median_days, platelet_min_days,
      platelet_max_days;
  // Primary graft failure: no neutrophil recovery by graft_failure_day,
  // among patients with an engraftment record who recovered by then or
  // were followed that long.
  int graft_failure_evaluable = 0, graft_failures = 0;
  std::vector<IncidenceAt> incidences;
};

// A measure's values in one year since transplant (EDSS, mRSS, ...).
struct EdssYearStats {
  int year = 0;
  int n = 0;
  double mean = 0, sd = 0, median = 0, q1 = 0, q3 = 0;  // sd 0 for n = 1
};
// The n, mean, SD and quartiles (R's type 7) of `values` (not empty).
EdssYearStats SummarizeYear(int year, std::vector<double> values);

// A disease measure by year since transplant: each patient's value
// nearest day 0 + 365 x year within 182 days (year 0: the baseline).
struct MeasureYear {
  std::string measure;  // "mrss", "fvc_pct", "sledai_2k"
  EdssYearStats stats;
};
struct DiseaseSection {
  std::string disease;  // "MS" (RRMS, SPMS, PPMS together), "SSC", ...
  int patients = 0;     // transplanted
  std::vector<SurvivalAt> survival;     // os, pfs, tfr (and neda3 for MS)
  std::vector<IncidenceAt> incidences;  // ri, nrm
  // SSc: mRSS and FVC; SLE: SLEDAI-2K; years 0 to 10 with data.
  std::vector<MeasureYear> by_year;
};

// The day-`days` value of an Aalen-Johansen table: the last row on or
// before `days`, 0 before the first; unset when no observation reaches
// `days`.
std::optional<double> IncidenceOn(
    const std::vector<CumulativeIncidenceRow>& rows, double days,
    double last_time);

class CohortSectionsBuilder {
 public:
  explicit CohortSectionsBuilder(const OutcomeDefinition& definition);

  // Patients without a transplant are not counted.
  void Add(const PatientClinicalData& data, const PatientOutcome& outcome);

  std::vector<SafetySection> Safety() const;  // "(all)" first
  std::vector<DiseaseSection> Diseases() const;

 private:
  struct Group {
    int patients = 0;
    int engraftment_reported = 0;
    std::vector<double> neutrophil_days, platelet_days;
    int graft_failure_evaluable = 0, graft_failures = 0;
    std::map<Endpoint, std::vector<SurvivalObservation>> survival;
    std::map<Endpoint, std::vector<CompetingObservation>> competing;
    // measure -> year -> values
    std::map<std::string, std::map<int, std::vector<double>>> by_year;
  };
  void AddTo(Group& group, const std::vector<Endpoint>& survival,
             const std::vector<Endpoint>& competing,
             const PatientClinicalData& data, const PatientOutcome& outcome);

  OutcomeDefinition definition_;
  std::map<std::string, Group> by_type_;     // "(all)", "autologous", ...
  std::map<std::string, Group> by_disease_;  // "MS", "SSC", ...
};

}  // namespace registry

#endif  // REGISTRY_CORE_COHORT_SECTIONS_H_
