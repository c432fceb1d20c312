#include "core/ssc_rules.h"

namespace registry {
namespace {

// Thresholds are compared scaled by the baseline (rise * 100 >= pct *
// base) rather than as a division, so 24 -> 30 is exactly +25 %; the
// tolerance absorbs the binary fractions of decimal FVC values.
constexpr double kTolerance = 1e-9;

bool AtLeastPercent(double change, double base, double percent) {
  return change * 100 >= percent * base - kTolerance;
}

void KeepEarliest(std::optional<Date>& earliest, Date date) {
  if (!earliest || date < *earliest) earliest = date;
}

}  // namespace

SscBaseline BaselineOf(const std::vector<SscAssessmentRecord>& assessments,
                       Date day0, const OutcomeDefinition& d) {
  SscBaseline base;
  // Sorted by date: the last in the window wins.
  for (const SscAssessmentRecord& a : assessments) {
    if (a.assessment_date > day0 ||
        a.assessment_date < day0 - d.ssc_baseline_days) {
      continue;
    }
    if (a.mrss) base.mrss = a.mrss;
    if (a.fvc_pct) base.fvc_pct = a.fvc_pct;
    if (a.dlco_pct) base.dlco_pct = a.dlco_pct;
  }
  return base;
}

bool IsSkinProgression(int baseline_mrss, int mrss) {
  const int rise = mrss - baseline_mrss;
  return rise > 5 && AtLeastPercent(rise, baseline_mrss, 25);
}

bool IsLungProgression(double baseline_fvc, double fvc,
                       std::optional<double> baseline_dlco,
                       std::optional<double> dlco, bool absolute) {
  auto declined = [&](double base, double value, double percent) {
    const double fall = base - value;
    return absolute ? fall >= percent - kTolerance
                    : AtLeastPercent(fall, base, percent);
  };
  if (declined(baseline_fvc, fvc, 10)) return true;
  return declined(baseline_fvc, fvc, 5) && baseline_dlco && dlco &&
         declined(*baseline_dlco, *dlco, 15);
}

SscCourse DescribeSsc(const PatientClinicalData& data, Date day0,
                      const OutcomeDefinition& d) {
  SscCourse c;
  c.baseline = BaselineOf(data.ssc_assessments, day0, d);
  for (const SscAssessmentRecord& a : data.ssc_assessments) {
    if (a.assessment_date <= day0) continue;
    if (!c.skin_progression && c.baseline.mrss && a.mrss &&
        IsSkinProgression(*c.baseline.mrss, *a.mrss)) {
      c.skin_progression = a.assessment_date;
    }
    if (!c.lung_progression && c.baseline.fvc_pct && a.fvc_pct &&
        IsLungProgression(*c.baseline.fvc_pct, *a.fvc_pct, c.baseline.dlco_pct,
                          a.dlco_pct, d.fvc_change_absolute)) {
      c.lung_progression = a.assessment_date;
    }
  }
  for (const OrganFailureRecord& f : data.organ_failures) {
    if (f.event_date <= day0) continue;
    KeepEarliest(c.organ_failure, f.event_date);
    if (f.persistent) KeepEarliest(c.persistent_organ_failure, f.event_date);
  }
  for (const DiseaseStatusRecord& s : data.disease_statuses) {
    if (s.status_date > day0 && (s.status == DiseaseState::kProgression ||
                                 s.status == DiseaseState::kRelapse)) {
      KeepEarliest(c.centre_progression, s.status_date);
    }
  }
  for (const std::optional<Date>& first :
       {c.skin_progression, c.lung_progression, c.organ_failure,
        c.centre_progression}) {
    if (first) KeepEarliest(c.progression, *first);
  }
  return c;
}

}  // namespace registry
