// Carries field-level violations inside an absl::Status, so the storage
// layer can report every bad field at once and the gRPC edge can turn them
// into a BadRequest detail.
#ifndef REGISTRY_CORE_VIOLATIONS_H_
#define REGISTRY_CORE_VIOLATIONS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/records.h"

namespace registry {

// A status with `code` and `message` whose payload lists `violations`,
// the first of `problem_count` problems (0: exactly those listed).
absl::Status StatusWithViolations(absl::StatusCode code,
                                  std::string_view message,
                                  const std::vector<FieldViolation>& violations,
                                  int64_t problem_count = 0);

// The violations a status carries; empty when it carries none.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// How many problems the status stands for, listed or not: at least the
// number of its violations.
int64_t ProblemCountOf(const absl::Status& status);

// Prefixes each violation's field with `prefix` ("records[3]." + "edss").
void PrefixFields(std::string_view prefix,
                  std::vector<FieldViolation>& violations);

}  // namespace registry

#endif  // REGISTRY_CORE_VIOLATIONS_H_
