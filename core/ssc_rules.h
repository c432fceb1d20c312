// Systemic sclerosis: the baseline assessment, skin and lung progression,
// SSc progression-free and event-free survival (docs/outcomes.md,
// "Systemic sclerosis"). Plain functions over one patient's data.
#ifndef REGISTRY_CORE_SSC_RULES_H_
#define REGISTRY_CORE_SSC_RULES_H_

#include <optional>

#include "core/outcome_definition.h"
#include "core/outcomes.h"

namespace registry {

// Each measure's baseline: its last value in [day 0 - ssc_baseline_days,
// day 0] (per measure, so an mRSS and an FVC measured on different days
// before the transplant are both baselines).
struct SscBaseline {
  std::optional<int> mrss;
  std::optional<double> fvc_pct;
  std::optional<double> dlco_pct;
};
SscBaseline BaselineOf(const std::vector<SscAssessmentRecord>& assessments,
                       Date day0, const OutcomeDefinition& definition);

// Skin progression: an mRSS rise of more than 5 points and of at least
// 25 % from the baseline (EUSTAR).
bool IsSkinProgression(int baseline_mrss, int mrss);

// Lung progression: an FVC decline of at least 10 % from the baseline, or
// of 5 % to under 10 % with a DLCO decline of at least 15 % at the same
// assessment (Goh et al., ERJ 2020). Changes relative to the baseline, or
// in %-predicted points with `absolute` (fvc_change_absolute).
bool IsLungProgression(double baseline_fvc, double fvc,
                       std::optional<double> baseline_dlco,
                       std::optional<double> dlco, bool absolute);

// The dates of one SSc patient's first events after day 0.
struct SscCourse {
  SscBaseline baseline;
  std::optional<Date> skin_progression;
  std::optional<Date> lung_progression;
  std::optional<Date> organ_failure;             // any, after day 0
  std::optional<Date> persistent_organ_failure;  // persistent ones
  std::optional<Date> centre_progression;        // a progression/relapse status
  // The first of skin, lung, organ failure and centre-reported progression.
  std::optional<Date> progression;
};
SscCourse DescribeSsc(const PatientClinicalData& data, Date day0,
                      const OutcomeDefinition& definition);

}  // namespace registry

#endif  // REGISTRY_CORE_SSC_RULES_H_
