// libFuzzer target for record parsing and validation (core/records.h).
//
// Input: the first byte picks the kind ('0' patients, '1' transplants,
// '2' visits, '3' relapses, '4' mri, '5' treatments, '6' deaths; any other
// byte b picks kind (b - '0') mod 7); the rest is split on TAB into the
// cells of a row (any number of them). ParseRecord (with a fixed latest
// valid date) and ParseRecordKey run on the row. Checks, aborting with
// __builtin_trap() on any violation:
//   - a result has a value exactly when it has no violations, and every
//     violation names a column of the kind ("" only for a wrong cell count);
//   - for a record that parses: it has the requested kind and no date after
//     the latest valid date; its canonical row ToRow(record) has one cell
//     per column, parses again to an equal record whose canonical row is the
//     same; KeyOf(record) equals ParseRecordKey of the canonical row and of
//     the original row; the stored form FormatCsvRow(canonical row) reads
//     back through ParseCsv as exactly that row.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/records.h"

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

// Fixed, so that runs are reproducible.
constexpr Date kLatestValidDate(2024, 6, 30);

bool IsColumn(Kind kind, std::string_view name) {
  for (const Column& column : ColumnsOf(kind)) {
    if (column.name == name) return true;
  }
  return false;
}

template <typename T>
void CheckWellFormed(Kind kind, const Row& row, const Parsed<T>& parsed) {
  FUZZ_CHECK(parsed.value.has_value() == parsed.violations.empty());
  const bool size_ok = row.size() == ColumnsOf(kind).size();
  for (const FieldViolation& violation : parsed.violations) {
    FUZZ_CHECK(size_ok ? IsColumn(kind, violation.field)
                       : violation.field.empty());
    FUZZ_CHECK(!violation.description.empty());
  }
}

void TestOneInput(std::string_view input) {
  if (input.empty()) return;
  const Kind kind =
      kAllKinds[static_cast<uint8_t>(input[0] - '0') % kAllKinds.size()];
  // Debian's Abseil has its own absl::string_view, not std::string_view.
  const Row row = absl::StrSplit(
      absl::string_view(input.data() + 1, input.size() - 1), '\t');

  const Parsed<Record> parsed = ParseRecord(kind, row, kLatestValidDate);
  CheckWellFormed(kind, row, parsed);
  const Parsed<RecordKey> parsed_key = ParseRecordKey(kind, row);
  CheckWellFormed(kind, row, parsed_key);
  if (!parsed.value) return;

  const Record& record = *parsed.value;
  FUZZ_CHECK(KindOf(record) == kind);
  const std::optional<Date> latest = LatestDateOf(record);
  FUZZ_CHECK(!latest || *latest <= kLatestValidDate);

  const Row canonical = ToRow(record);
  FUZZ_CHECK(canonical.size() == ColumnsOf(kind).size());
  const Parsed<Record> reparsed =
      ParseRecord(kind, canonical, kLatestValidDate);
  FUZZ_CHECK(reparsed.violations.empty() && reparsed.value == record);
  FUZZ_CHECK(ToRow(*reparsed.value) == canonical);

  const RecordKey key = KeyOf(record);
  FUZZ_CHECK(key.kind == kind && key.patient_id == PatientIdOf(record));
  const Parsed<RecordKey> canonical_key = ParseRecordKey(kind, canonical);
  FUZZ_CHECK(canonical_key.violations.empty() && canonical_key.value == key);
  // A row that imports is also a row that names the record to retract.
  FUZZ_CHECK(parsed_key.value == key);

  // The store keeps FormatCsvRow(ToRow(record)) and reads it with ParseCsv.
  const absl::StatusOr<std::vector<CsvRow>> stored =
      ParseCsv(FormatCsvRow(canonical));
  FUZZ_CHECK(stored.ok() && stored->size() == 1 &&
             (*stored)[0].fields == canonical);
}

}  // namespace
}  // namespace registry

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  registry::TestOneInput(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
