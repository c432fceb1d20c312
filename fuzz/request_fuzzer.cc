// libFuzzer target for the server's request validation path.
//
// Input: a serialized registry.v1.SubmitRequest (bytes that do not parse
// are skipped). Each record goes through registry::ToRow (services/
// convert.h), then ParseRecord with a fixed latest valid date and
// ParseRecordKey, as SubmissionService::Submit and RegistryStore::Submit do.
// It must not crash or trigger a sanitizer report. Also checks, aborting
// with __builtin_trap() on any violation:
//   - ToRow gives a row exactly when a record kind is set, of that kind,
//     with one cell per column;
//   - a parse result has a value exactly when it has no violations;
//   - a valid record: ToCore agrees; KeyOf equals ParseRecordKey of the same
//     row; ToProto then ToRow parses back to an equal record;
//   - a valid key: KeyOnlyProto then ToRow parses back to the same key;
//   - the violations of the whole request, prefixed "records[i]." as the
//     store does, survive StatusWithViolations -> ToGrpcStatus ->
//     ViolationsOf(grpc::Status), i.e. the client gets what was found.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "core/date.h"
#include "core/records.h"
#include "core/violations.h"
#include "google/protobuf/stubs/logging.h"
#include "registry/v1/records.pb.h"
#include "registry/v1/submission.pb.h"

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

template <typename T>
void CheckWellFormed(const Parsed<T>& parsed) {
  FUZZ_CHECK(parsed.value.has_value() == parsed.violations.empty());
}

// The violations of one record (fields not prefixed), checking the
// invariants on the way; nullopt when no record kind is set.
std::optional<std::vector<FieldViolation>> ValidateRecord(
    const v1::Record& proto) {
  const std::optional<KindAndRow> row = ToRow(proto);
  FUZZ_CHECK(row.has_value() ==
             (proto.record_case() != v1::Record::RECORD_NOT_SET));
  if (!row) return std::nullopt;
  FUZZ_CHECK(static_cast<int>(proto.record_case()) ==
             static_cast<int>(ToProto(row->kind)));
  FUZZ_CHECK(row->row.size() == ColumnsOf(row->kind).size());

  const Parsed<Record> parsed =
      ParseRecord(row->kind, row->row, kLatestValidDate);
  CheckWellFormed(parsed);
  const Parsed<RecordKey> key = ParseRecordKey(row->kind, row->row);
  CheckWellFormed(key);

  if (parsed.value) {
    const Record& record = *parsed.value;
    FUZZ_CHECK(KindOf(record) == row->kind);
    FUZZ_CHECK(ToCore(proto) == record);
    FUZZ_CHECK(key.value == KeyOf(record));
    const std::optional<KindAndRow> again = ToRow(ToProto(record));
    FUZZ_CHECK(again && again->kind == row->kind);
    const Parsed<Record> reparsed =
        ParseRecord(again->kind, again->row, kLatestValidDate);
    FUZZ_CHECK(reparsed.violations.empty() && reparsed.value == record);
  }
  if (key.value) {
    const std::optional<KindAndRow> key_row = ToRow(KeyOnlyProto(*key.value));
    FUZZ_CHECK(key_row && key_row->kind == row->kind);
    const Parsed<RecordKey> reparsed_key =
        ParseRecordKey(key_row->kind, key_row->row);
    FUZZ_CHECK(reparsed_key.violations.empty() &&
               reparsed_key.value == key.value);
  }
  return parsed.violations;
}

void TestOneInput(const uint8_t* data, size_t size) {
  v1::SubmitRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;

  std::vector<FieldViolation> violations;
  for (int i = 0; i < request.records_size(); ++i) {
    std::optional<std::vector<FieldViolation>> found =
        ValidateRecord(request.records(i));
    if (!found) {
      violations.push_back(
          {absl::StrCat("records[", i, "]"), "no record kind is set"});
      continue;
    }
    PrefixFields(absl::StrCat("records[", i, "]."), *found);
    violations.insert(violations.end(), found->begin(), found->end());
  }
  if (violations.empty()) return;

  const grpc::Status status = ToGrpcStatus(StatusWithViolations(
      absl::StatusCode::kInvalidArgument, "invalid request", violations));
  FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  FUZZ_CHECK(ViolationsOf(status) == violations);
}

}  // namespace
}  // namespace registry

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Parse errors (e.g. invalid UTF-8 in a string field) are expected; do not
  // flood the output with protobuf's log lines.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  registry::TestOneInput(data, size);
  return 0;
}
