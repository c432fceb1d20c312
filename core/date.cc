#include "core/date.h"

#include "absl/strings/str_format.h"

namespace registry {
namespace {

bool ParseDigits(std::string_view text, int* value) {
  int result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

}  // namespace

std::optional<Date> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  int year, month, day;
  if (!ParseDigits(text.substr(0, 4), &year) ||
      !ParseDigits(text.substr(5, 2), &month) ||
      !ParseDigits(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  if (year < 1900 || month < 1 || month > 12 || day < 1) return std::nullopt;
  const Date date(year, month, day);
  // CivilDay normalises out-of-range days (Feb 30 -> Mar 2); reject those.
  if (date.month() != month || date.day() != day) return std::nullopt;
  return date;
}

std::string FormatIsoDate(Date date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

Date LatestValidDate(absl::Time now) {
  return absl::ToCivilDay(now + absl::Hours(14), absl::UTCTimeZone());
}

}  // namespace registry
