#include "core/synthetic_cohort.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace registry {
namespace {

// splitmix64: fully specified, so a seed gives the same cohort with any
// standard library (std:: distributions are implementation-defined).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
  int Between(int low, int high) {  // inclusive
    return low +
           static_cast<int>(Next() % static_cast<uint64_t>(high - low + 1));
  }
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

double ClampEdss(double edss) {
  edss = std::clamp(edss, 0.0, 9.5);
  if (edss > 0 && edss < 1.0) edss = 1.0;
  return edss;
}

Disease PickDisease(Random& random) {
  const double u = random.Uniform();
  if (u < 0.55) return Disease::kRrms;
  if (u < 0.75) return Disease::kSpms;
  if (u < 0.83) return Disease::kPpms;
  if (u < 0.88) return Disease::kNmosd;
  if (u < 0.96) return Disease::kSsc;
  return Disease::kSle;
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
  const Date last = options.last_date;
  for (int i = 0; i < options.patients; ++i) {
    const size_t center = static_cast<size_t>(i) % centers.size();
    const std::string id = absl::StrFormat(
        "%s-%04d", centers[center].center_code, i / centers.size() + 1);
    const Disease disease = PickDisease(random);
    const bool ms = disease == Disease::kRrms || disease == Disease::kSpms ||
                    disease == Disease::kPpms;
    // Transplants between 12 years and 6 months before the last date.
    const Date day0 = last - random.Between(183, 12 * 365);
    const int birth_year =
        static_cast<int>(day0.year()) - random.Between(20, 55);
    const Date diagnosis = std::max(day0 - random.Between(2 * 365, 15 * 365),
                                    Date(birth_year + 12, 1, 1));
    add(center,
        PatientRecord{id, random.Chance(0.65) ? Sex::kFemale : Sex::kMale,
                      birth_year, disease, diagnosis});
    const double u = random.Uniform();
    add(center,
        TransplantRecord{id, day0,
                         random.Chance(0.97) ? TransplantType::kAutologous
                                             : TransplantType::kAllogeneic,
                         u < 0.5    ? "BEAM-ATG"
                         : u < 0.95 ? "CY-ATG"
                                    : "CY-ALEM"});

    // Death: transplant-related in the first year, or later.
    std::optional<Date> death;
    if (random.Chance(0.015))
      death = day0 + random.Between(10, 300);
    else if (random.Chance(0.03))
      death = day0 + random.Between(365, 10 * 365);
    if (death && *death > last) death.reset();
    const Date end = death ? *death : last;

    // Relapses: one to three in the two years before day 0; after it, rare
    // for relapsing disease.
    std::vector<Date> relapses;
    if (disease != Disease::kPpms && disease != Disease::kSsc) {
      for (int n = random.Between(1, 3), k = 0; k < n; ++k) {
        relapses.push_back(day0 - random.Between(40, 720));
      }
      for (Date d = day0 + 200; d < end; d += 365) {
        if (random.Chance(disease == Disease::kRrms ? 0.04 : 0.02)) {
          relapses.push_back(d + random.Between(0, 300));
        }
      }
    }
    std::sort(relapses.begin(), relapses.end());
    relapses.erase(std::unique(relapses.begin(), relapses.end()),
                   relapses.end());
    for (Date d : relapses) {
      if (d <= end) add(center, RelapseRecord{id, d});
    }

    // Visits: before day 0, at 3, 6 and 12 months, then yearly.
    double edss =
        ms ? (disease == Disease::kRrms ? random.Between(2, 10) * 0.5 + 1.0
                                        : random.Between(8, 13) * 0.5)
           : random.Between(0, 4) * 0.5;
    edss = ClampEdss(edss);
    std::vector<int> visit_days = {-random.Between(7, 60), 91, 182, 365};
    for (int year = 2; year <= 15; ++year) visit_days.push_back(year * 365);
    const bool worsens = random.Chance(ms ? 0.25 : 0.05);
    for (int day : visit_days) {
      const Date date = day0 + day + (day > 0 ? random.Between(-14, 14) : 0);
      if (date > end) break;
      if (day > 0) {
        if (worsens && random.Chance(0.2))
          edss = ClampEdss(edss + 1.0);
        else if (random.Chance(0.15))
          edss = ClampEdss(edss - 0.5);
        else if (random.Chance(0.1))
          edss = ClampEdss(edss + 0.5);
      }
      add(center, VisitRecord{id, date, edss});
    }

    // MRI: before day 0, at 6 and 12 months, then yearly.
    std::vector<int> scan_days = {-random.Between(10, 90), 182, 365};
    for (int year = 2; year <= 10; ++year) scan_days.push_back(year * 365);
    for (int day : scan_days) {
      const Date date = day0 + day + (day > 0 ? random.Between(-20, 20) : 0);
      if (date > end) break;
      const bool early = day <= 182;
      const int new_t2 =
          random.Chance(early ? 0.25 : 0.05) ? random.Between(1, 3) : 0;
      const int gd = day < 0               ? random.Between(0, 4)
                     : random.Chance(0.03) ? 1
                                           : 0;
      std::optional<double> bvc;
      if (day > 0 && random.Chance(0.7)) {
        bvc =
            (early ? -random.Between(20, 120) : -random.Between(0, 60)) / 100.0;
      }
      add(center, MriRecord{id, date, new_t2,
                            new_t2 > 0 ? random.Between(0, 1) : 0, gd, bvc});
    }

    // A disease-modifying treatment restarted in a minority.
    if (ms && random.Chance(0.12)) {
      const Date start = day0 + random.Between(365, 6 * 365);
      if (start <= end) {
        std::optional<Date> stop;
        if (random.Chance(0.4))
          stop = std::min(end, start + random.Between(90, 900));
        add(center, TreatmentRecord{
                        id, random.Chance(0.5) ? "Ocrelizumab" : "Natalizumab",
                        start, stop});
      }
    }
    if (death)
      add(center,
          DeathRecord{id, *death, random.Chance(0.5) ? "infection" : ""});
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
