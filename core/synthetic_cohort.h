// A deterministic synthetic cohort of transplanted patients, for demos,
// tests and benchmarks. Not clinical data: shares and rates are plausible
// round numbers, chosen so every record kind and rule is exercised.
#ifndef REGISTRY_CORE_SYNTHETIC_COHORT_H_
#define REGISTRY_CORE_SYNTHETIC_COHORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/records.h"

namespace registry {

struct CohortOptions {
  int patients = 100;
  int centers = 3;
  uint64_t seed = 1;
  // No record is dated after this day (the generator's "today").
  Date last_date = Date(2026, 1, 1);
};

// One center's records, each kind in the order an import needs.
struct CenterCohort {
  std::string center_code;      // "C01", "C02", ...
  std::vector<Record> records;  // patients first, then the other kinds
};

// The same options (and seed) always give the same cohort. Patients are
// spread over the centers round-robin; patient codes are "<center>-0001"...
std::vector<CenterCohort> GenerateCohort(const CohortOptions& options);

}  // namespace registry

#endif  // REGISTRY_CORE_SYNTHETIC_COHORT_H_
