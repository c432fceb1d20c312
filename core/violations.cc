#include "core/violations.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace registry {
namespace {

constexpr std::string_view kPayloadUrl =
    "type.registry/registry.FieldViolations";

// Fields and descriptions never contain NUL: they are column paths and
// messages the registry wrote.
constexpr char kSeparator = '\0';

}  // namespace

absl::Status StatusWithViolations(
    absl::StatusCode code, std::string_view message,
    const std::vector<FieldViolation>& violations) {
  absl::Status status(code, std::string(message));
  std::string encoded;
  for (const FieldViolation& v : violations) {
    absl::StrAppend(&encoded, v.field, std::string(1, kSeparator),
                    v.description, std::string(1, kSeparator));
  }
  status.SetPayload(std::string(kPayloadUrl), absl::Cord(encoded));
  return status;
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  absl::optional<absl::Cord> payload =
      status.GetPayload(std::string(kPayloadUrl));
  if (!payload) return violations;
  std::vector<std::string> parts =
      absl::StrSplit(std::string(*payload), kSeparator);
  for (size_t i = 0; i + 1 < parts.size(); i += 2) {
    violations.push_back({parts[i], parts[i + 1]});
  }
  return violations;
}

void PrefixFields(std::string_view prefix,
                  std::vector<FieldViolation>& violations) {
  for (FieldViolation& v : violations) v.field.insert(0, prefix);
}

}  // namespace registry
