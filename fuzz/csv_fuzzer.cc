// libFuzzer target for the CSV parser (core/csv.h).
//
// The input bytes are CSV text. Checks, aborting with __builtin_trap() on
// any violation:
//   - ParseCsv, a CsvReader over an std::istringstream and a CsvReader over
//     a stream buffer that hands out one byte per underflow agree: same
//     success or failure, same error, same rows (line numbers and fields);
//   - every row has at least one field, line numbers start at 1 and
//     increase, an error reads "line N: ..." with N within the input;
//   - the rows formatted with FormatCsvRow, joined with "\n", parse back to
//     the same fields (the documented FormatCsvRow contract), and so does
//     each row formatted on its own.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/csv.h"

// Aborts with the failed invariant's text and line, so that a crash report
// says which one broke.
#define FUZZ_CHECK(condition)                                         \
  do {                                                                \
    if (!(condition)) {                                               \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                   __LINE__, #condition);                             \
      __builtin_trap();                                               \
    }                                                                 \
  } while (0)

namespace registry {
namespace {

// Hands out the text one byte per underflow(), so the reader's look-ahead
// and BOM probing cross buffer refills at every position.
class OneByteBuf : public std::streambuf {
 public:
  explicit OneByteBuf(std::string_view text) : text_(text) {}

 protected:
  int_type underflow() override {
    if (pos_ >= text_.size()) return traits_type::eof();
    current_ = text_[pos_++];
    setg(&current_, &current_, &current_ + 1);
    return traits_type::to_int_type(current_);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  char current_ = 0;
};

absl::StatusOr<std::vector<CsvRow>> ReadAll(std::istream& in) {
  CsvReader reader(in);
  std::vector<CsvRow> rows;
  CsvRow row;
  while (reader.Next(&row)) rows.push_back(row);
  // Once Next() returned false, it keeps returning false.
  FUZZ_CHECK(!reader.Next(&row));
  if (!reader.status().ok()) return reader.status();
  return rows;
}

bool SameRows(const std::vector<CsvRow>& a, const std::vector<CsvRow>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].line != b[i].line || a[i].fields != b[i].fields) return false;
  }
  return true;
}

bool SameResult(const absl::StatusOr<std::vector<CsvRow>>& a,
                const absl::StatusOr<std::vector<CsvRow>>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.status() == b.status();
  return SameRows(*a, *b);
}

bool SameFields(const std::vector<CsvRow>& rows,
                const std::vector<std::vector<std::string>>& fields) {
  if (rows.size() != fields.size()) return false;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].fields != fields[i]) return false;
  }
  return true;
}

void TestOneInput(std::string_view text) {
  const absl::StatusOr<std::vector<CsvRow>> parsed = ParseCsv(text);

  std::istringstream string_stream{std::string(text)};
  FUZZ_CHECK(SameResult(parsed, ReadAll(string_stream)));

  OneByteBuf one_byte_buf(text);
  std::istream one_byte_stream(&one_byte_buf);
  FUZZ_CHECK(SameResult(parsed, ReadAll(one_byte_stream)));

  const int physical_lines =
      1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    // Debian's Abseil has its own absl::string_view, not std::string_view.
    const std::string message(parsed.status().message());
    FUZZ_CHECK(message.starts_with("line "));
    const int line = std::atoi(message.c_str() + 5);
    FUZZ_CHECK(line >= 1 && line <= physical_lines);
    return;
  }

  int previous_line = 0;
  std::vector<std::vector<std::string>> fields;
  std::string formatted;
  for (const CsvRow& row : *parsed) {
    FUZZ_CHECK(!row.fields.empty());
    FUZZ_CHECK(row.line > previous_line && row.line <= physical_lines);
    previous_line = row.line;
    fields.push_back(row.fields);

    const std::string line = FormatCsvRow(row.fields);
    const absl::StatusOr<std::vector<CsvRow>> single = ParseCsv(line);
    FUZZ_CHECK(single.ok() && SameFields(*single, {row.fields}));
    formatted += line;
    formatted += '\n';
  }
  const absl::StatusOr<std::vector<CsvRow>> reparsed = ParseCsv(formatted);
  FUZZ_CHECK(reparsed.ok() && SameFields(*reparsed, fields));
}

}  // namespace
}  // namespace registry

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  registry::TestOneInput(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
