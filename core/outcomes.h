// Per-patient outcomes after transplant: relapses and ARR, disability
// events, MRI activity with re-baselining, NEDA-3 and NEDA-4, the date of
// first evidence of disease activity (EDA) and remission duration. Pure
// functions over plain structs; the rules are stated in docs/outcomes.md.
#ifndef REGISTRY_CORE_OUTCOMES_H_
#define REGISTRY_CORE_OUTCOMES_H_

#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/disability.h"
#include "core/outcome_definition.h"
#include "core/records.h"

namespace registry {

struct MriScanData {
  Date date;
  int new_t2 = 0;
  int enlarging_t2 = 0;
  int gd_enhancing = 0;
  std::optional<double> brain_volume_change_pct;
};

struct TreatmentData {
  std::string drug;
  Date start_date;
  std::optional<Date> end_date;
  TreatmentClass treatment_class = TreatmentClass::kOther;
  bool protocol = false;  // part of the transplant protocol
};

// One patient's clinical data, as the outcome rules need it.
struct PatientClinicalData {
  std::optional<Disease> disease;
  std::optional<Date> diagnosis_date;
  std::vector<Date> transplant_dates;  // day 0 is the earliest
  std::string first_regimen;           // conditioning of the first transplant
  std::optional<TransplantType> first_type;  // of the first transplant
  std::vector<EdssVisit> visits;
  std::vector<Date> relapses;  // onsets
  std::vector<MriScanData> scans;
  std::vector<TreatmentData> treatments;
  std::optional<Date> death_date;
  DeathCause death_cause = DeathCause::kUnknown;  // with death_date
  // The transplant's course and the centre's assessments: not read by the
  // MS rules, but contacts all the same (overall survival is followed to
  // the last contact of any kind).
  std::vector<AdverseEventRecord> adverse_events;
  std::vector<EngraftmentRecord> engraftments;
  std::vector<DiseaseStatusRecord> disease_statuses;
  // Each disease's own measures, by date.
  std::vector<SscAssessmentRecord> ssc_assessments;
  std::vector<OrganFailureRecord> organ_failures;
  std::vector<SleAssessmentRecord> sle_assessments;
  std::vector<LabResultRecord> lab_results;
};

// Gathers one patient's current records (any kinds, any order).
PatientClinicalData ClinicalDataFromRecords(const std::vector<Record>& records);

// Keeps only what is dated on or before `as_of` (a treatment is kept with
// its end cleared when it ends later).
PatientClinicalData DataAsOf(const PatientClinicalData& data, Date as_of);

enum class EdaKind { kRelapse, kMri, kCdw };  // printed in this order

struct PatientOutcome {
  std::optional<Date> day0;  // first transplant
  // NEDA-3 can be judged: a transplant, an EDSS after day 0 and a scan on
  // or after the re-baseline day. Otherwise `not_evaluable_reason` says
  // why and the EDA, remission and NEDA-4 fields are empty.
  bool neda3_evaluable = false;
  std::string not_evaluable_reason;
  std::optional<Date> eda_date;
  std::vector<EdaKind> eda_kinds;     // every kind dated on eda_date
  std::optional<int> remission_days;  // day 0 to EDA or censoring
  std::optional<bool> censored;
  std::optional<Date> censoring_date;  // when no EDA
  std::optional<Date> last_edss_date;
  std::optional<Date> last_mri_date;
  // The death, else the last contact of any kind: a visit, scan, relapse,
  // transplant, treatment start or end, adverse event (onset or
  // resolution), engraftment, disease assessment, SSc or SLE assessment,
  // organ failure or lab sample.
  std::optional<Date> end_of_follow_up;
  int relapses_pre = 0;           // counted onsets in the pre-transplant window
  int relapses_post = 0;          // counted onsets after day 0
  std::optional<double> arr_pre;  // relapses per patient-year
  std::optional<double> arr_post;
  double years_pre = 0;
  double years_post = 0;
  std::optional<Date> first_relapse_post;
  std::optional<Date> first_active_scan;
  std::optional<Date> rebaseline_scan;
  std::optional<Date> first_cdw_onset;
  int cdw_count = 0;
  std::optional<EdssVisit> disability_baseline;
  std::vector<DisabilityEvent> disability_events;
  // NEDA-4: true, false, or empty when it cannot be judged.
  std::optional<bool> neda4;
  std::optional<double> brain_volume_loss_pct_per_year;
  // Data-quality notes (relapses merged, ...), in words.
  std::vector<std::string> warnings;
};

// Computes the outcome of one patient under `definition`; with `as_of`,
// only data dated on or before it is used (status as of that date: a
// worsening whose confirmation visit comes later is not yet confirmed).
// `data` may be in any order.
PatientOutcome ComputeOutcome(const PatientClinicalData& data,
                              const OutcomeDefinition& definition,
                              std::optional<Date> as_of = std::nullopt);

// One dated line of a patient's story, for people.
struct TimelineEntry {
  Date date;
  std::optional<int> day;  // days from day 0
  std::string what;
};

// The patient's records and outcome events in date order, in words a
// clinician reads at a glance.
std::vector<TimelineEntry> BuildTimeline(const PatientClinicalData& data,
                                         const PatientOutcome& outcome,
                                         const OutcomeDefinition& definition);

// One sentence on NEDA status ("NEDA-3 lost on ... by relapse").
std::string DescribeNedaStatus(const PatientOutcome& outcome);

}  // namespace registry

#endif  // REGISTRY_CORE_OUTCOMES_H_
