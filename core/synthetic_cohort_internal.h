// The parts of the synthetic cohort generator (core/synthetic_cohort.h),
// shared by its source files: one patient's frame and the record kinds
// generated per patient.
#ifndef REGISTRY_CORE_SYNTHETIC_COHORT_INTERNAL_H_
#define REGISTRY_CORE_SYNTHETIC_COHORT_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/random.h"
#include "core/records.h"

namespace registry::synthetic {

// What is fixed about a patient before the course after day 0 is drawn.
struct PatientFrame {
  std::string id;
  Disease disease = Disease::kOther;
  Date diagnosis;
  Date day0;  // the one transplant
  TransplantType type = TransplantType::kAutologous;
  std::string regimen;
  Date last;  // the generator's "today"
};

// The transplant course: haematopoietic recovery, complications and
// death. Dates are never after `end`.
struct Course {
  std::optional<EngraftmentRecord> engraftment;
  bool graft_failure = false;  // no neutrophil recovery by day 28
  std::vector<AdverseEventRecord> adverse_events;  // by onset
  std::optional<DeathRecord> death;
  Date end;  // death, else the last date
};

// Draws the course of `frame`'s transplant, including its death, if any.
Course DrawCourse(Random& random, const PatientFrame& frame);

// The centre's assessments of the disease (remission ... progression) at
// follow-up, up to `end`: for most patients with other indications than
// MS, and a few with MS. `relapses` are the clinical relapses recorded
// (MS, NMOSD); `visits` the EDSS visits.
std::vector<DiseaseStatusRecord> DrawDiseaseStatus(
    Random& random, const PatientFrame& frame, Date end,
    const std::vector<Date>& relapses, const std::vector<VisitRecord>& visits);

// Treatments before the transplant, in its protocol, after relapse or
// progression and for GvHD, up to `end`: unique by drug and start date.
std::vector<TreatmentRecord> DrawTreatments(
    Random& random, const PatientFrame& frame, const Course& course,
    const std::vector<Date>& relapses,
    const std::vector<DiseaseStatusRecord>& statuses);

// Each disease's own measures, up to `end`: SSc assessments (the mRSS
// falling in most, the lung progressing in some) and a few organ
// failures, lupus assessments (SLEDAI-2K falling, flares in some),
// AQP4-IgG results (seroreversion in some NMOSD patients), and the
// phenotype of each of the `relapses` (NMOSD attacks; none otherwise).
struct Measures {
  std::vector<SscAssessmentRecord> ssc;
  std::vector<OrganFailureRecord> organ_failures;
  std::vector<SleAssessmentRecord> sle;
  std::vector<LabResultRecord> lab_results;
  std::vector<std::optional<AttackPhenotype>> phenotypes;  // one a relapse
};
Measures DrawMeasures(Random& random, const PatientFrame& frame, Date end,
                      size_t relapses);

}  // namespace registry::synthetic

#endif  // REGISTRY_CORE_SYNTHETIC_COHORT_INTERNAL_H_
