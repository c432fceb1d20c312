// The in-memory figures: the outcome engine and the survival statistics on
// synthetic patients, one thread, at 10,000 and 100,000 patients.
#ifndef REGISTRY_BENCHMARKS_ENGINE_BENCH_H_
#define REGISTRY_BENCHMARKS_ENGINE_BENCH_H_

#include "benchmarks/bench_util.h"

namespace registry::bench {

Figure EngineFigure();
// The engine over a cohort of every indication and record kind
// (GenerateCohort): the outcome, the transplant course and every endpoint
// per patient.
Figure MixedEngineFigure();
Figure StatisticsFigure();

}  // namespace registry::bench

#endif  // REGISTRY_BENCHMARKS_ENGINE_BENCH_H_
