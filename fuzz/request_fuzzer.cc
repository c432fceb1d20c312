// libFuzzer target for the server's request validation path.
//
// Input: a serialized registry.v1.SubmitRequest (bytes that do not parse
// are skipped). Each record goes through registry::ValuesOfProto
// (api/convert.h), then BuildRecord with a fixed latest valid date and
// BuildRecordKey, as SubmissionService::Submit and RegistryStore::Submit
// do. It must not crash or trigger a sanitizer report. Also checks,
// aborting with __builtin_trap() on any violation:
//   - ValuesOfProto gives a kind exactly when a record kind is set, that
//     kind, with one value per column;
//   - a build result has a value exactly when it has no violations;
//   - a valid record: ToCore agrees; KeyOf equals BuildRecordKey of the
//     same values; ToProto then ValuesOfProto builds an equal record, and
//     its canonical row parses (the CSV path) to an equal record;
//   - a valid key: KeyOnlyProto then ValuesOfProto gives the same key;
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
  const RecordValues values = ValuesOfProto(proto);
  FUZZ_CHECK(values.kind.has_value() ==
             (proto.record_case() != v1::Record::RECORD_NOT_SET));
  if (!values.kind) return std::nullopt;
  const Kind kind = *values.kind;
  FUZZ_CHECK(static_cast<int>(proto.record_case()) ==
             static_cast<int>(ToProto(kind)));
  FUZZ_CHECK(values.values.size() == ColumnsOf(kind).size());

  const Parsed<Record> parsed = BuildRecord(values, kLatestValidDate);
  CheckWellFormed(parsed);
  const Parsed<RecordKey> key = BuildRecordKey(values);
  CheckWellFormed(key);

  if (parsed.value) {
    const Record& record = *parsed.value;
    FUZZ_CHECK(KindOf(record) == kind);
    FUZZ_CHECK(ToCore(proto) == record);
    FUZZ_CHECK(key.value == KeyOf(record));
    const Parsed<Record> again =
        BuildRecord(ValuesOfProto(ToProto(record)), kLatestValidDate);
    FUZZ_CHECK(again.violations.empty() && again.value == record);
    const Parsed<Record> from_text =
        ParseRecord(kind, ToRow(record), kLatestValidDate);
    FUZZ_CHECK(from_text.violations.empty() && from_text.value == record);
  }
  if (key.value) {
    const Parsed<RecordKey> reparsed_key =
        BuildRecordKey(ValuesOfProto(KeyOnlyProto(*key.value)));
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
  // What travels is the first violations within the detail budget, each
  // description whole or cut with "...", and the count of all of them.
  const std::vector<FieldViolation> read = ViolationsOf(status);
  FUZZ_CHECK(!read.empty() && read.size() <= violations.size());
  for (size_t i = 0; i < read.size(); ++i) {
    FUZZ_CHECK(read[i].field == violations[i].field);
    const std::string& sent = violations[i].description;
    const std::string& got = read[i].description;
    FUZZ_CHECK(got == sent ||
               (got.size() <= kMaxDetailDescription + 3 &&
                got.ends_with("...") &&
                sent.starts_with(got.substr(0, got.size() - 3))));
  }
  FUZZ_CHECK(ProblemCountOf(status) == static_cast<int64_t>(violations.size()));
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
