// The access-policy table covers every method of the registry's services
// exactly, and says what the roles' documented reach is.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/access.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/outcomes.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"

namespace registry {
namespace {

std::set<std::string> ProtoMethods() {
  std::set<std::string> methods;
  for (const char* name : {v1::SubmissionService::service_full_name(),
                           v1::AdminService::service_full_name(),
                           v1::OutcomeService::service_full_name(),
                           v1::ReportService::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    if (service == nullptr) {
      ADD_FAILURE() << name;
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      methods.insert(
          absl::StrCat(service->name(), "/", service->method(i)->name()));
    }
  }
  return methods;
}

TEST(AccessPolicyTest, EveryMethodOnceAndNothingElse) {
  std::set<std::string> listed;
  for (const MethodPolicy& policy : AccessPolicy()) {
    EXPECT_TRUE(listed.insert(std::string(policy.method)).second)
        << policy.method;
  }
  EXPECT_EQ(listed, ProtoMethods());
}

TEST(AccessPolicyTest, RolesReachOnlyTheirOwnKind) {
  for (const MethodPolicy& policy : AccessPolicy()) {
    SCOPED_TRACE(policy.method);
    // Submitters never beyond their centre, analysts only pseudonymised,
    // administrators only the registry's own data.
    EXPECT_TRUE(policy.submitter == Reach::kNone ||
                policy.submitter == Reach::kOwnCenter);
    EXPECT_TRUE(policy.analyst == Reach::kNone ||
                policy.analyst == Reach::kPseudonymised);
    EXPECT_TRUE(policy.admin == Reach::kNone ||
                policy.admin == Reach::kRegistry);
    // Clinical and administrative methods are disjoint.
    EXPECT_TRUE(
        policy.admin == Reach::kNone ||
        (policy.submitter == Reach::kNone && policy.analyst == Reach::kNone));
    EXPECT_EQ(ReachOf(policy.method, Role::kSystem), Reach::kNone);
    EXPECT_EQ(ReachOf(policy.method, Role::kAnonymous), Reach::kNone);
  }
}

// The whole policy, written out independently of core/access.cc: the
// end-to-end access test derives its expectations from the table, so a
// wrong entry would pass there; here it does not. A change of policy
// changes this text on purpose.
TEST(AccessPolicyTest, TheWholePolicyAsDocumented) {
  std::string text;
  for (const MethodPolicy& p : AccessPolicy()) {
    absl::StrAppend(&text, std::string(p.method), ": submitter ",
                    std::string(ReachName(p.submitter)), "; analyst ",
                    std::string(ReachName(p.analyst)), "; admin ",
                    std::string(ReachName(p.admin)), "\n");
  }
  constexpr char kClinical[] =
      ": submitter own center; analyst all centers, pseudonymised; admin "
      "none\n";
  constexpr char kAdmin[] = ": submitter none; analyst none; admin registry\n";
  std::string expected =
      "SubmissionService/Submit: submitter own center; analyst none; admin "
      "none\n"
      "SubmissionService/SubmitBatch: submitter own center; analyst none; "
      "admin none\n"
      "SubmissionService/DryRun: submitter own center; analyst none; admin "
      "none\n"
      "SubmissionService/Export: submitter own center; analyst none; admin "
      "none\n";
  for (const char* method :
       {"SubmissionService/GetPatientHistory",
        "OutcomeService/GetPatientStatus",
        "OutcomeService/ListDisabilityEvents",
        "OutcomeService/StreamCohortOutcomes",
        "OutcomeService/ListDiseaseStates", "ReportService/KaplanMeier",
        "ReportService/CumulativeIncidence", "ReportService/CohortSummary"}) {
    absl::StrAppend(&expected, method, kClinical);
  }
  absl::StrAppend(&expected,
                  "ReportService/ExportRecords: submitter none; analyst all "
                  "centers, pseudonymised; admin none\n");
  for (const char* method :
       {"ReportService/FollowUpDue", "ReportService/FollowUpCompleteness"}) {
    absl::StrAppend(&expected, method, kClinical);
  }
  for (const char* method :
       {"AddCenter", "ListCenters", "IssueToken", "ListTokens", "RevokeToken",
        "RotateToken", "VerifyAudit", "GetCheckpoint", "ProveConsistency",
        "ProveInclusion", "Backup", "GetMetrics"}) {
    absl::StrAppend(&expected, "AdminService/", method, kAdmin);
  }
  EXPECT_EQ(text, expected);
}

TEST(AccessPolicyTest, SomeKnownEntries) {
  EXPECT_EQ(ReachOf("SubmissionService/Submit", Role::kSubmitter),
            Reach::kOwnCenter);
  EXPECT_EQ(ReachOf("SubmissionService/Submit", Role::kAnalyst), Reach::kNone);
  EXPECT_EQ(ReachOf("ReportService/ExportRecords", Role::kAnalyst),
            Reach::kPseudonymised);
  EXPECT_EQ(ReachOf("ReportService/ExportRecords", Role::kSubmitter),
            Reach::kNone);
  EXPECT_EQ(ReachOf("AdminService/Backup", Role::kAdmin), Reach::kRegistry);
  // A method the table does not know is refused to everyone.
  EXPECT_EQ(ReachOf("AdminService/DropEverything", Role::kAdmin), Reach::kNone);
  EXPECT_EQ(PolicyOf("AdminService/DropEverything"), nullptr);
}

TEST(AccessPolicyTest, RoleNamesRoundTrip) {
  for (Role role : {Role::kSubmitter, Role::kAnalyst, Role::kAdmin,
                    Role::kSystem, Role::kAnonymous}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
}

}  // namespace
}  // namespace registry
