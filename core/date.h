// Calendar dates as the registry stores them: ISO 8601 `YYYY-MM-DD`, no time
// zone. Arithmetic (days between dates) uses absl::CivilDay directly.
#ifndef REGISTRY_CORE_DATE_H_
#define REGISTRY_CORE_DATE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace registry {

using Date = absl::CivilDay;

// Parses exactly `YYYY-MM-DD` (four-digit year 1900..9999, a day that exists
// in that month). Returns nullopt for anything else, including `2021-02-29`
// and surrounding spaces.
std::optional<Date> ParseIsoDate(std::string_view text);

// `YYYY-MM-DD`.
std::string FormatIsoDate(Date date);

// The latest calendar date anywhere on Earth at `now` (UTC+14), so a visit
// recorded today in any time zone is never "in the future".
Date LatestValidDate(absl::Time now);

}  // namespace registry

#endif  // REGISTRY_CORE_DATE_H_
