#include "core/synthetic_cohort.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "core/synthetic_cohort_internal.h"

namespace registry {
namespace {

using synthetic::Course;
using synthetic::PatientFrame;

double ClampEdss(double edss) {
  edss = std::clamp(edss, 0.0, 9.5);
  if (edss > 0 && edss < 1.0) edss = 1.0;
  return edss;
}

// EBMT-like shares of the autoimmune indications: MS about half, systemic
// sclerosis a fifth, then NMOSD, SLE and the others (Crohn's disease,
// CIDP, vasculitis, ...).
Disease PickDisease(Random& random) {
  const double u = random.Uniform();
  if (u < 0.30) return Disease::kRrms;
  if (u < 0.43) return Disease::kSpms;
  if (u < 0.50) return Disease::kPpms;
  if (u < 0.70) return Disease::kSsc;
  if (u < 0.80) return Disease::kNmosd;
  if (u < 0.88) return Disease::kSle;
  return Disease::kOther;
}

// Allogeneic transplants are rare, mostly for NMOSD and the others.
TransplantType PickType(Random& random, Disease disease) {
  double p = 0.005;  // MS
  switch (disease) {
    case Disease::kNmosd:
      p = 0.12;
      break;
    case Disease::kOther:
      p = 0.10;
      break;
    case Disease::kSle:
      p = 0.02;
      break;
    case Disease::kSsc:
      p = 0.01;
      break;
    default:
      break;
  }
  return random.Chance(p) ? TransplantType::kAllogeneic
                          : TransplantType::kAutologous;
}

std::string PickRegimen(Random& random, Disease disease, TransplantType type) {
  const double u = random.Uniform();
  if (type == TransplantType::kAllogeneic) {
    return u < 0.6 ? "FLU-CY-ATG" : u < 0.9 ? "FLU-MEL-ATG" : "BU-FLU-ATG";
  }
  switch (disease) {
    case Disease::kSsc:
      return u < 0.85 ? "CY-ATG" : "CY-TBI-ATG";
    case Disease::kSle:
      return u < 0.7 ? "CY-ATG" : "CY-ATG-RTX";
    case Disease::kNmosd:
      return u < 0.6 ? "CY-ATG-RTX" : "CY-ATG";
    case Disease::kOther:
      return u < 0.7 ? "CY-ATG" : "BEAM-ATG";
    default:
      return u < 0.5 ? "BEAM-ATG" : u < 0.95 ? "CY-ATG" : "CY-ALEM";
  }
}

// Clinical relapses (MS other than PPMS, NMOSD): one to three in the two
// years before day 0 (NMOSD up to four); after it, rare for relapsing MS
// and more frequent for NMOSD after an autologous transplant.
std::vector<Date> DrawRelapses(Random& random, const PatientFrame& frame,
                               Date end) {
  std::vector<Date> relapses;
  const Disease disease = frame.disease;
  if (disease != Disease::kRrms && disease != Disease::kSpms &&
      disease != Disease::kNmosd) {
    return relapses;
  }
  const bool nmosd = disease == Disease::kNmosd;
  for (int n = random.Between(1, nmosd ? 4 : 3), k = 0; k < n; ++k) {
    relapses.push_back(frame.day0 - random.Between(40, 720));
  }
  const double yearly =
      nmosd ? (frame.type == TransplantType::kAllogeneic ? 0.03 : 0.12)
      : disease == Disease::kRrms ? 0.04
                                  : 0.02;
  for (Date d = frame.day0 + 200; d < end; d += 365) {
    if (random.Chance(yearly)) relapses.push_back(d + random.Between(0, 300));
  }
  std::sort(relapses.begin(), relapses.end());
  relapses.erase(std::unique(relapses.begin(), relapses.end()), relapses.end());
  std::erase_if(relapses, [&](Date d) { return d > end; });
  return relapses;
}

// EDSS visits (MS, NMOSD): before day 0, at 3, 6 and 12 months, then
// yearly.
std::vector<VisitRecord> DrawVisits(Random& random, const PatientFrame& frame,
                                    Date end) {
  std::vector<VisitRecord> visits;
  const Disease disease = frame.disease;
  const bool ms = IsMultipleSclerosis(disease);
  if (!ms && disease != Disease::kNmosd) return visits;
  double edss = disease == Disease::kRrms || disease == Disease::kNmosd
                    ? random.Between(2, 10) * 0.5 + 1.0
                    : random.Between(8, 13) * 0.5;
  edss = ClampEdss(edss);
  std::vector<int> visit_days = {-random.Between(7, 60), 91, 182, 365};
  for (int year = 2; year <= 15; ++year) visit_days.push_back(year * 365);
  const bool worsens = random.Chance(ms ? 0.25 : 0.15);
  for (int day : visit_days) {
    const Date date =
        frame.day0 + day + (day > 0 ? random.Between(-14, 14) : 0);
    if (date > end) break;
    if (day > 0) {
      if (worsens && random.Chance(0.2))
        edss = ClampEdss(edss + 1.0);
      else if (random.Chance(0.15))
        edss = ClampEdss(edss - 0.5);
      else if (random.Chance(0.1))
        edss = ClampEdss(edss + 0.5);
    }
    visits.push_back(VisitRecord{frame.id, date, edss});
  }
  return visits;
}

// MRI (MS): before day 0, at 6 and 12 months, then yearly.
std::vector<MriRecord> DrawMri(Random& random, const PatientFrame& frame,
                               Date end) {
  std::vector<MriRecord> scans;
  if (!IsMultipleSclerosis(frame.disease)) return scans;
  std::vector<int> scan_days = {-random.Between(10, 90), 182, 365};
  for (int year = 2; year <= 10; ++year) scan_days.push_back(year * 365);
  for (int day : scan_days) {
    const Date date =
        frame.day0 + day + (day > 0 ? random.Between(-20, 20) : 0);
    if (date > end) break;
    const bool early = day <= 182;
    const int new_t2 =
        random.Chance(early ? 0.25 : 0.05) ? random.Between(1, 3) : 0;
    const int gd = day < 0 ? random.Between(0, 4) : random.Chance(0.03) ? 1 : 0;
    std::optional<double> bvc;
    if (day > 0 && random.Chance(0.7)) {
      bvc = (early ? -random.Between(20, 120) : -random.Between(0, 60)) / 100.0;
    }
    scans.push_back(MriRecord{frame.id, date, new_t2,
                              new_t2 > 0 ? random.Between(0, 1) : 0, gd, bvc});
  }
  return scans;
}

}  // namespace

std::vector<CenterCohort> GenerateCohort(const CohortOptions& options) {
  Random random(options.seed);
  std::vector<CenterCohort> centers(std::max(1, options.centers));
  for (size_t c = 0; c < centers.size(); ++c) {
    centers[c].center_code = absl::StrFormat("C%02d", c + 1);
  }
  std::vector<std::vector<Record>> by_kind_per_center(centers.size() *
                                                      kAllKinds.size());
  auto add = [&](size_t center, const Record& record) {
    by_kind_per_center[center * kAllKinds.size() +
                       static_cast<size_t>(KindOf(record))]
        .push_back(record);
  };
  for (int i = 0; i < options.patients; ++i) {
    const size_t center = static_cast<size_t>(i) % centers.size();
    PatientFrame frame;
    frame.id = absl::StrFormat("%s-%04d", centers[center].center_code,
                               i / centers.size() + 1);
    frame.last = options.last_date;
    frame.disease = PickDisease(random);
    // Transplants between 12 years and 6 months before the last date.
    frame.day0 = frame.last - random.Between(183, 12 * 365);
    const int birth_year =
        static_cast<int>(frame.day0.year()) - random.Between(20, 55);
    frame.diagnosis = std::max(frame.day0 - random.Between(2 * 365, 15 * 365),
                               Date(birth_year + 12, 1, 1));
    add(center,
        PatientRecord{frame.id, random.Chance(0.65) ? Sex::kFemale : Sex::kMale,
                      birth_year, frame.disease, frame.diagnosis});
    frame.type = PickType(random, frame.disease);
    frame.regimen = PickRegimen(random, frame.disease, frame.type);
    add(center,
        TransplantRecord{frame.id, frame.day0, frame.type, frame.regimen});

    const Course course = synthetic::DrawCourse(random, frame);
    const std::vector<Date> relapses = DrawRelapses(random, frame, course.end);
    // A stream of their own per patient: the measures added later left the
    // rest of a seed's cohort unchanged.
    Random measures_random(options.seed ^ (0x5851f42d4c957f2dULL *
                                           (static_cast<uint64_t>(i) + 1)));
    const synthetic::Measures measures = synthetic::DrawMeasures(
        measures_random, frame, course.end, relapses.size());
    for (size_t r = 0; r < relapses.size(); ++r) {
      add(center, RelapseRecord{frame.id, relapses[r], measures.phenotypes[r]});
    }
    const std::vector<VisitRecord> visits =
        DrawVisits(random, frame, course.end);
    for (const VisitRecord& v : visits) add(center, v);
    for (const MriRecord& m : DrawMri(random, frame, course.end)) {
      add(center, m);
    }
    const std::vector<DiseaseStatusRecord> statuses =
        synthetic::DrawDiseaseStatus(random, frame, course.end, relapses,
                                     visits);
    for (const TreatmentRecord& t :
         synthetic::DrawTreatments(random, frame, course, relapses, statuses)) {
      add(center, t);
    }
    if (course.death) add(center, *course.death);
    for (const AdverseEventRecord& a : course.adverse_events) add(center, a);
    if (course.engraftment) add(center, *course.engraftment);
    for (const DiseaseStatusRecord& s : statuses) add(center, s);
    for (const SscAssessmentRecord& a : measures.ssc) add(center, a);
    for (const OrganFailureRecord& f : measures.organ_failures) add(center, f);
    for (const SleAssessmentRecord& a : measures.sle) add(center, a);
    for (const LabResultRecord& l : measures.lab_results) add(center, l);
    // Consent on a stream of its own too: signed before the transplant,
    // most for research as well, some for transfer outside the EU/EEA, a
    // few withdrawn later.
    Random consent_random(options.seed ^ (0x2545f4914f6cdd1dULL *
                                          (static_cast<uint64_t>(i) + 1)));
    ConsentRecord consent{frame.id,
                          frame.day0 - consent_random.Between(14, 133),
                          consent_random.Chance(0.5) ? "v2" : "v3",
                          kConsentRegistry, std::nullopt};
    if (consent_random.Chance(0.9)) consent.scopes |= kConsentResearch;
    if (consent_random.Chance(0.3)) {
      consent.scopes |= kConsentTransferOutsideEea;
    }
    if (consent_random.Chance(0.03) && course.end > frame.day0 + 30) {
      consent.withdrawal_date =
          frame.day0 +
          consent_random.Between(30, static_cast<int>(course.end - frame.day0));
    }
    add(center, consent);
  }
  for (size_t c = 0; c < centers.size(); ++c) {
    for (size_t k = 0; k < kAllKinds.size(); ++k) {
      auto& records = by_kind_per_center[c * kAllKinds.size() + k];
      centers[c].records.insert(centers[c].records.end(), records.begin(),
                                records.end());
    }
  }
  return centers;
}

}  // namespace registry
