#include "benchmarks/engine_bench.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/endpoints.h"
#include "core/outcomes.h"
#include "core/survival.h"
#include "core/synthetic_cohort.h"

namespace registry::bench {
namespace {

PatientClinicalData Synthetic(int index, Random& random) {
  PatientClinicalData data;
  const Date day0 = Date(2012, 1, 1) + random.Between(0, 2000);
  data.disease = Disease::kRrms;
  data.diagnosis_date = Date(2008, 1, 1);
  data.transplant_dates = {day0};
  double edss = random.Between(2, 10) * 0.5 + 1.0;
  for (int v = 0; v < 20; ++v) {
    const int step = random.Between(0, 9);
    if (step == 0) edss = std::min(9.5, edss + 1.0);
    if (step == 1) edss = std::max(1.0, edss - 0.5);
    data.visits.push_back({day0 - 30 + v * 120 + random.Between(0, 20), edss});
  }
  data.relapses = {day0 - random.Between(60, 600),
                   day0 + random.Between(100, 2200)};
  for (int s = 0; s < 8; ++s) {
    data.scans.push_back(
        {day0 - 40 + s * 210 + random.Between(0, 20),
         random.Between(0, 20) == 0 ? 1 : 0, 0,
         random.Between(0, 30) == 0 ? 1 : 0,
         s == 0 ? std::nullopt
                : std::optional<double>(-random.Between(0, 80) / 100.0)});
  }
  (void)index;
  return data;
}

// Best of 3, in seconds.
template <typename Body>
double Best(Body body) {
  double best = 1e9;
  for (int r = 0; r < 3; ++r) {
    const auto start = Clock::now();
    body();
    best = std::min(best, Seconds(Clock::now() - start));
  }
  return best;
}

// An engine figure from its times at 10,000 and 100,000 patients: under
// 1 s at 100,000, growing linearly.
Figure EngineGrowth(const std::string& key, const std::string& what,
                    const std::vector<double>& seconds) {
  return {
      key,
      what,
      absl::StrFormat("%.0f ms; 10,000 patients %.1f ms", seconds[1] * 1000,
                      seconds[0] * 1000),
      "< 1 s; linear growth",
      absl::StrFormat("x%.1f for 10x the patients", seconds[1] / seconds[0]),
      seconds[1] < 1,
      seconds[1]};
}

}  // namespace

Figure EngineFigure() {
  std::vector<double> seconds;
  for (int n : {10000, 100000}) {
    Random random(3);
    std::vector<PatientClinicalData> cohort;
    for (int i = 0; i < n; ++i) cohort.push_back(Synthetic(i, random));
    const OutcomeDefinition definition;
    seconds.push_back(Best([&] {
      int evaluable = 0;
      for (const auto& data : cohort) {
        evaluable += ComputeOutcome(data, definition).neda3_evaluable;
      }
      if (evaluable < 0) std::abort();
    }));
  }
  return EngineGrowth("engine_100k_seconds",
                      "outcome engine, 100,000 patients (20 visits, 2 "
                      "relapses, 8 scans), one thread",
                      seconds);
}

Figure MixedEngineFigure() {
  std::vector<double> seconds;
  size_t records = 0;
  for (int n : {10000, 100000}) {
    CohortOptions options;
    options.patients = n;
    options.centers = 3;
    options.seed = 2026;
    std::map<std::string, std::vector<Record>> by_patient;
    records = 0;
    for (const CenterCohort& center : GenerateCohort(options)) {
      for (const Record& r : center.records) {
        by_patient[PatientIdOf(r)].push_back(r);
        ++records;
      }
    }
    std::vector<PatientClinicalData> cohort;
    for (const auto& [id, patient] : by_patient) {
      cohort.push_back(ClinicalDataFromRecords(patient));
    }
    const OutcomeDefinition definition;
    seconds.push_back(Best([&] {
      int events = 0;
      for (const auto& data : cohort) {
        const PatientOutcome o = ComputeOutcome(data, definition);
        events += DescribeCourse(data, o, definition).tfr_end.has_value();
        for (int e = 0; e < kEndpointCount; ++e) {
          const auto obs =
              ObserveEndpoint(static_cast<Endpoint>(e), data, o, definition);
          events += obs && obs->event;
        }
      }
      if (events < 0) std::abort();
    }));
  }
  return EngineGrowth(
      "engine_mixed_100k_seconds",
      absl::StrFormat(
          "outcome engine, 100,000 patients of every indication (cohortgen, "
          "%d records), outcome, transplant course and all %d endpoints per "
          "patient, one thread",
          records, kEndpointCount),
      seconds);
}

Figure StatisticsFigure() {
  std::vector<double> seconds;
  for (int n : {10000, 100000}) {
    Random random(5);
    std::vector<std::vector<SurvivalObservation>> strata(6);
    for (int i = 0; i < n; ++i) {
      strata[random.Between(0, 5)].push_back(
          {static_cast<double>(random.Between(1, 4000)),
           random.Between(0, 2) == 0});
    }
    seconds.push_back(Best([&] {
      double sink = 0;
      for (const auto& group : strata) {
        const KaplanMeierCurve curve = KaplanMeier(group);
        sink += SummaryAtTimes(curve, {365.25, 1826.25}).size();
      }
      sink += LogRank(strata).chisq;
      if (sink < 0) std::abort();
    }));
  }
  return {
      "km_100k_seconds",
      "Kaplan–Meier with 6 strata, milestones and log-rank, 100,000 "
      "patients, one thread",
      absl::StrFormat("%.1f ms; 10,000 patients %.1f ms", seconds[1] * 1000,
                      seconds[0] * 1000),
      "< 50 ms; linear growth",
      absl::StrFormat("x%.1f for 10x the patients", seconds[1] / seconds[0]),
      seconds[1] < 0.05,
      seconds[1]};
}

}  // namespace registry::bench
