#include "core/access.h"

#include <array>

namespace registry {
namespace {

constexpr std::array<std::string_view, 5> kRoleNames = {
    "submitter", "analyst", "admin", "system", "anonymous"};

constexpr Reach kNo = Reach::kNone;
constexpr Reach kOwn = Reach::kOwnCenter;
constexpr Reach kPseudo = Reach::kPseudonymised;
constexpr Reach kReg = Reach::kRegistry;

// Submitters write and read their own centre; analysts read every centre
// pseudonymised; administrators run the registry and see no clinical data.
constexpr MethodPolicy kPolicy[] = {
    // method                                 submitter analyst admin
    {"SubmissionService/Submit", kOwn, kNo, kNo},
    {"SubmissionService/SubmitBatch", kOwn, kNo, kNo},
    {"SubmissionService/DryRun", kOwn, kNo, kNo},
    {"SubmissionService/Export", kOwn, kNo, kNo},
    {"SubmissionService/GetPatientHistory", kOwn, kPseudo, kNo},
    {"OutcomeService/GetPatientStatus", kOwn, kPseudo, kNo},
    {"OutcomeService/ListDisabilityEvents", kOwn, kPseudo, kNo},
    {"OutcomeService/StreamCohortOutcomes", kOwn, kPseudo, kNo},
    {"OutcomeService/ListDiseaseStates", kOwn, kPseudo, kNo},
    {"ReportService/KaplanMeier", kOwn, kPseudo, kNo},
    {"ReportService/CumulativeIncidence", kOwn, kPseudo, kNo},
    {"ReportService/CohortSummary", kOwn, kPseudo, kNo},
    {"ReportService/ExportRecords", kNo, kPseudo, kNo},
    {"ReportService/FollowUpDue", kOwn, kPseudo, kNo},
    {"ReportService/FollowUpCompleteness", kOwn, kPseudo, kNo},
    {"AdminService/AddCenter", kNo, kNo, kReg},
    {"AdminService/ListCenters", kNo, kNo, kReg},
    {"AdminService/IssueToken", kNo, kNo, kReg},
    {"AdminService/ListTokens", kNo, kNo, kReg},
    {"AdminService/RevokeToken", kNo, kNo, kReg},
    {"AdminService/RotateToken", kNo, kNo, kReg},
    {"AdminService/VerifyAudit", kNo, kNo, kReg},
    {"AdminService/GetCheckpoint", kNo, kNo, kReg},
    {"AdminService/ProveConsistency", kNo, kNo, kReg},
    {"AdminService/ProveInclusion", kNo, kNo, kReg},
    {"AdminService/Backup", kNo, kNo, kReg},
    {"AdminService/GetMetrics", kNo, kNo, kReg},
};

constexpr bool MethodsUnique() {
  for (size_t i = 0; i < std::size(kPolicy); ++i) {
    for (size_t j = i + 1; j < std::size(kPolicy); ++j) {
      if (kPolicy[i].method == kPolicy[j].method) return false;
    }
  }
  return true;
}
static_assert(MethodsUnique(), "a method appears twice in the access policy");

}  // namespace

std::string_view RoleName(Role role) {
  return kRoleNames[static_cast<size_t>(role)];
}

std::optional<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::string_view ReachName(Reach reach) {
  switch (reach) {
    case Reach::kNone:
      return "none";
    case Reach::kOwnCenter:
      return "own center";
    case Reach::kPseudonymised:
      return "all centers, pseudonymised";
    case Reach::kRegistry:
      return "registry";
  }
  return "?";
}

std::span<const MethodPolicy> AccessPolicy() { return kPolicy; }

const MethodPolicy* PolicyOf(std::string_view method) {
  for (const MethodPolicy& policy : kPolicy) {
    if (policy.method == method) return &policy;
  }
  return nullptr;
}

Reach ReachOf(std::string_view method, Role role) {
  const MethodPolicy* policy = PolicyOf(method);
  if (policy == nullptr) return Reach::kNone;
  switch (role) {
    case Role::kSubmitter:
      return policy->submitter;
    case Role::kAnalyst:
      return policy->analyst;
    case Role::kAdmin:
      return policy->admin;
    case Role::kSystem:
    case Role::kAnonymous:
      return Reach::kNone;
  }
  return Reach::kNone;
}

}  // namespace registry
