// Early-return helpers for absl::Status and absl::StatusOr (Abseil 20220623
// ships none).
#ifndef REGISTRY_CORE_STATUS_MACROS_H_
#define REGISTRY_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define REGISTRY_CONCAT_INNER_(a, b) a##b
#define REGISTRY_CONCAT_(a, b) REGISTRY_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    const absl::Status _status = (expr); \
    if (!_status.ok()) return _status;   \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` assigns the value of a StatusOr or
// returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(REGISTRY_CONCAT_(_status_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // REGISTRY_CORE_STATUS_MACROS_H_
