#include "core/violations.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr std::string_view kPayloadUrl =
    "type.registry/registry.FieldViolations";
constexpr std::string_view kCountUrl = "type.registry/registry.ProblemCount";

// Each part is its length in decimal, ':', then its bytes: descriptions
// quote submitted text, which may contain any byte.
void AppendPart(std::string& out, const std::string& part) {
  absl::StrAppend(&out, part.size(), ":", part);
}

bool ReadPart(absl::string_view& in, std::string* part) {
  const size_t colon = in.find(':');
  size_t size;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(in.substr(0, colon), &size) ||
      in.size() - colon - 1 < size) {
    return false;
  }
  *part = std::string(in.substr(colon + 1, size));
  in.remove_prefix(colon + 1 + size);
  return true;
}

}  // namespace

absl::Status StatusWithViolations(absl::StatusCode code,
                                  std::string_view message,
                                  const std::vector<FieldViolation>& violations,
                                  int64_t problem_count) {
  absl::Status status(code, std::string(message));
  if (problem_count > static_cast<int64_t>(violations.size())) {
    status.SetPayload(std::string(kCountUrl),
                      absl::Cord(absl::StrCat(problem_count)));
  }
  std::string encoded;
  for (const FieldViolation& v : violations) {
    AppendPart(encoded, v.field);
    AppendPart(encoded, v.description);
  }
  status.SetPayload(std::string(kPayloadUrl), absl::Cord(encoded));
  return status;
}

int64_t ProblemCountOf(const absl::Status& status) {
  const int64_t listed = static_cast<int64_t>(ViolationsOf(status).size());
  absl::optional<absl::Cord> payload =
      status.GetPayload(std::string(kCountUrl));
  int64_t count = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &count)) {
    return listed;
  }
  return std::max(count, listed);
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  absl::optional<absl::Cord> payload =
      status.GetPayload(std::string(kPayloadUrl));
  if (!payload) return violations;
  const std::string encoded(*payload);
  absl::string_view in(encoded);
  FieldViolation v;
  while (!in.empty() && ReadPart(in, &v.field) &&
         ReadPart(in, &v.description)) {
    violations.push_back(v);
  }
  return violations;
}

void PrefixFields(std::string_view prefix,
                  std::vector<FieldViolation>& violations) {
  for (FieldViolation& v : violations) v.field.insert(0, prefix);
}

}  // namespace registry
