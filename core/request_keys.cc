#include "core/request_keys.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace registry {
namespace {

// The column a duplicate is reported at: patient_id for patients.
std::string KeyFieldOf(Kind kind) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  for (size_t i = 1; i < columns.size(); ++i) {
    if (columns[i].key) return std::string(columns[i].name);
  }
  return std::string(columns[0].name);
}

}  // namespace

std::vector<FieldViolation> RequestKeys::Add(size_t row, const RecordKey& key) {
  const std::string kind(KindName(key.kind));
  std::vector<size_t>& rows =
      rows_[absl::StrCat(kind, "\x1f", key.patient_id, "\x1f", key.key)];
  rows.push_back(row);
  if (rows.size() == 1) return {};
  const std::string field = KeyFieldOf(key.kind);
  auto violation = [&](size_t at) {
    std::vector<std::string> others;
    for (size_t other : rows) {
      if (other != at) others.push_back(absl::StrCat("records[", other, "]"));
    }
    return FieldViolation{
        absl::StrCat("records[", at, "].", field),
        absl::StrCat("duplicate key: the same ", kind, " key is also given at ",
                     absl::StrJoin(others, ", "), "; give each record once")};
  };
  std::vector<FieldViolation> found;
  if (rows.size() == 2) found.push_back(violation(rows[0]));
  found.push_back(violation(row));
  return found;
}

}  // namespace registry
