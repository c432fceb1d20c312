#include "core/ssc_rules.h"

#include <cmath>
#include <cstdlib>

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
    if (a.lvef_pct) base.lvef_pct = a.lvef_pct;
    if (a.haq_di) base.haq_di = a.haq_di;
    if (a.patient_global) base.patient_global = a.patient_global;
    if (a.physician_global) base.physician_global = a.physician_global;
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

const SscAssessmentRecord* TwelveMonthAssessment(
    const std::vector<SscAssessmentRecord>& assessments, Date day0) {
  const SscAssessmentRecord* nearest = nullptr;
  for (const SscAssessmentRecord& a : assessments) {
    const int day = static_cast<int>(a.assessment_date - day0);
    if (day < 274 || day > 456) continue;
    if (!nearest ||
        std::abs(day - 365) <
            std::abs(static_cast<int>(nearest->assessment_date - day0) - 365)) {
      nearest = &a;
    }
  }
  return nearest;
}

std::optional<bool> SscResponse(const SscBaseline& base,
                                const SscAssessmentRecord& at12) {
  std::optional<bool> response;
  if (base.mrss && *base.mrss > 14 && at12.mrss) {
    response = *base.mrss - *at12.mrss > 0 &&
               (*base.mrss - *at12.mrss) * 100 > 25 * *base.mrss;
  }
  if (base.fvc_pct && at12.fvc_pct) {
    const bool fvc =
        AtLeastPercent(*at12.fvc_pct - *base.fvc_pct, *base.fvc_pct, 10);
    response = response.value_or(false) || fvc;
  }
  return response;
}

double CrissProbability(const CrissInput& in) {
  if (in.step1_worsening) return 0;
  const double l = -5.54 - 0.81 * in.delta_mrss + 0.21 * in.delta_fvc_pct -
                   0.40 * in.delta_patient_global -
                   0.44 * in.delta_physician_global - 3.41 * in.delta_haq_di;
  return std::exp(l) / (1 + std::exp(l));
}

bool RevisedCrissImproved(const CoreItems& b, const CoreItems& f,
                          bool step1_worsening, int percent) {
  if (step1_worsening) return false;
  auto fell = [&](double base, double now) {
    return base > 0 && AtLeastPercent(base - now, base, percent);
  };
  const int improved =
      fell(b.mrss, f.mrss) + fell(b.patient_global, f.patient_global) +
      fell(b.physician_global, f.physician_global) + fell(b.haq_di, f.haq_di) +
      AtLeastPercent(f.fvc_pct - b.fvc_pct, b.fvc_pct, 5);
  return improved >= 3;
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
  const SscAssessmentRecord* at12 =
      TwelveMonthAssessment(data.ssc_assessments, day0);
  if (!at12) return c;
  const SscBaseline& b = c.baseline;
  c.response_12m = SscResponse(b, *at12);
  // Step 1: a renal crisis or heart failure reported by 12 months, an
  // FVC decline of 15 % (relative) to under 80 %, an LVEF falling to 45 %
  // or less.
  bool worse = false;
  for (const OrganFailureRecord& f : data.organ_failures) {
    worse = worse ||
            (f.event_date > day0 && f.event_date <= at12->assessment_date &&
             f.organ != Organ::kLung);
  }
  if (b.fvc_pct && at12->fvc_pct && *at12->fvc_pct < 80 &&
      AtLeastPercent(*b.fvc_pct - *at12->fvc_pct, *b.fvc_pct, 15)) {
    worse = true;
  }
  if (b.lvef_pct && at12->lvef_pct && *b.lvef_pct > 45 &&
      *at12->lvef_pct <= 45) {
    worse = true;
  }
  const bool complete = b.mrss && at12->mrss && b.fvc_pct && at12->fvc_pct &&
                        b.patient_global && at12->patient_global &&
                        b.physician_global && at12->physician_global &&
                        b.haq_di && at12->haq_di;
  if (complete) {
    c.rcriss_12m = RevisedCrissImproved(
        {static_cast<double>(*b.mrss), *b.fvc_pct, *b.patient_global,
         *b.physician_global, *b.haq_di},
        {static_cast<double>(*at12->mrss), *at12->fvc_pct,
         *at12->patient_global, *at12->physician_global, *at12->haq_di},
        worse, d.rcriss_percent);
  } else if (worse) {
    c.rcriss_12m = false;
  }
  if (worse) {
    c.criss_12m = 0;
  } else if (b.mrss && at12->mrss && b.fvc_pct && at12->fvc_pct &&
             b.patient_global && at12->patient_global && b.physician_global &&
             at12->physician_global && b.haq_di && at12->haq_di) {
    c.criss_12m = CrissProbability(
        {static_cast<double>(*at12->mrss - *b.mrss),
         *at12->fvc_pct - *b.fvc_pct, *at12->patient_global - *b.patient_global,
         *at12->physician_global - *b.physician_global,
         *at12->haq_di - *b.haq_di, false});
  }
  return c;
}

}  // namespace registry
