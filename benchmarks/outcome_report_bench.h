// The end-to-end outcome reports over a synthetic cohort (every
// indication, every record kind) against a ceiling measured in the same
// run: raw SQLite reading the same current records in patient order in
// one process, and the outcome engine on them.
#ifndef REGISTRY_BENCHMARKS_OUTCOME_REPORT_BENCH_H_
#define REGISTRY_BENCHMARKS_OUTCOME_REPORT_BENCH_H_

#include <string>
#include <vector>

#include "benchmarks/bench_util.h"

namespace registry::bench {

struct OutcomeReportOptions {
  std::string bin;  // registryd, regctl and cohortgen
  std::string dir;  // scratch: the database and import files
  int patients = 100000;
  int repetitions = 5;  // timed pairs of report and ceiling, per report
};

// Builds the cohort's database through registryd (not timed), then times
// each report and its ceiling in alternating order; medians.
std::vector<Figure> MeasureOutcomeReports(const OutcomeReportOptions& options);

}  // namespace registry::bench

#endif  // REGISTRY_BENCHMARKS_OUTCOME_REPORT_BENCH_H_
