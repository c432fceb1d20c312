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
  std::optional<double> lvef_pct, haq_di, patient_global, physician_global;
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

// The assessment 12 months after day 0: the one nearest day 365 in
// [day 274, day 456], with the baseline it is judged against; nullptr
// without one.
const SscAssessmentRecord* TwelveMonthAssessment(
    const std::vector<SscAssessmentRecord>& assessments, Date day0);

// Response at 12 months (ASSIST; Henes 2021): an mRSS decrease of more
// than 25 % from a baseline mRSS over 14, or an FVC increase of at least
// 10 % (relative). Unset when neither can be judged.
std::optional<bool> SscResponse(const SscBaseline& baseline,
                                const SscAssessmentRecord& at12);

// The five ACR-CRISS core items at baseline (the last value of each in the
// baseline window) and at 12 months, and whether step 1 applies.
struct CrissInput {
  double delta_mrss = 0;     // follow-up - baseline
  double delta_fvc_pct = 0;  // %-predicted points
  double delta_patient_global = 0;
  double delta_physician_global = 0;
  double delta_haq_di = 0;
  bool step1_worsening = false;  // new renal crisis, lung, heart failure
};
// Step 2 of ACR-CRISS (Khanna et al. 2016): the predicted probability of
// improvement, exp(L) / (1 + exp(L)) with L = -5.54 - 0.81 dmRSS + 0.21
// dFVC% - 0.40 dPtGlobal - 0.44 dMDGlobal - 3.41 dHAQ-DI; 0 when step 1
// applies.
double CrissProbability(const CrissInput& input);

// The baseline and 12-month values of the five core items, for the
// revised CRISS.
struct CoreItems {
  double mrss = 0, fvc_pct = 0, patient_global = 0, physician_global = 0,
         haq_di = 0;
};
// Revised CRISS (Khanna 2021): not improved after a step-1 worsening;
// otherwise improved when at least 3 of the 5 items improved: mRSS,
// patient and physician global and HAQ-DI falling by at least `percent` %
// of their baseline, FVC % predicted rising by at least 5 %.
bool RevisedCrissImproved(const CoreItems& baseline, const CoreItems& at12,
                          bool step1_worsening, int percent);

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
  // At 12 months (TwelveMonthAssessment): response, and ACR-CRISS with
  // its "improved" (probability >= 0.6), unset when an item is missing.
  std::optional<bool> response_12m;
  std::optional<double> criss_12m;
  std::optional<bool> rcriss_12m;  // with rcriss_percent
};
SscCourse DescribeSsc(const PatientClinicalData& data, Date day0,
                      const OutcomeDefinition& definition);

}  // namespace registry

#endif  // REGISTRY_CORE_SSC_RULES_H_
