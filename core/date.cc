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
  const int64_t year = date.year();
  if (year < 0 || year > 9999) {
    return absl::StrFormat("%04d-%02d-%02d", year, date.month(), date.day());
  }
  // By hand: this runs for every stored record, and StrFormat costs more
  // than the rest of building the record's key.
  std::string text = "0000-00-00";
  auto put = [&](size_t end, int64_t value, int digits) {
    for (int i = 0; i < digits; ++i, value /= 10) {
      text[end - i] = static_cast<char>('0' + value % 10);
    }
  };
  put(3, year, 4);
  put(6, date.month(), 2);
  put(9, date.day(), 2);
  return text;
}

Date LatestValidDate(absl::Time now) {
  return absl::ToCivilDay(now + absl::Hours(14), absl::UTCTimeZone());
}

}  // namespace registry
