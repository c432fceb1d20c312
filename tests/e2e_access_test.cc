// End-to-end access control: every RPC x every role x own/other center x
// no, unknown and revoked tokens, against a real server on a loopback port.
#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "api/convert.h"
#include "core/access.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/outcomes.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using grpc::StatusCode;

enum Caller {
  kNoToken,
  kUnknownToken,
  kRevokedToken,
  kSubmitterA,  // center A: owns patient PA1
  kSubmitterB,  // center B
  kAnalyst,
  kAdmin,
};
constexpr Caller kAllCallers[] = {kNoToken,    kUnknownToken, kRevokedToken,
                                  kSubmitterA, kSubmitterB,   kAnalyst,
                                  kAdmin};
const char* CallerName(Caller c) {
  static const char* kNames[] = {
      "no token",    "unknown token", "revoked token", "submitter A",
      "submitter B", "analyst",       "admin"};
  return kNames[c];
}

class AccessTest : public ::testing::Test {
 public:
  void SetUp() override {
    tokens_[kAdmin] = Secret(registry_.admin_token_file());
    tokens_[kSubmitterA] = Secret(registry_.IssueToken("submitter", "A"));
    tokens_[kSubmitterB] = Secret(registry_.IssueToken("submitter", "B"));
    tokens_[kAnalyst] = Secret(registry_.IssueToken("analyst"));
    tokens_[kUnknownToken] = "rgt_" + std::string(64, '0');
    const std::string revoked_file = registry_.IssueToken("submitter", "A");
    tokens_[kRevokedToken] = Secret(revoked_file);
    RegctlResult list =
        registry_.Regctl({"admin", "token", "list", "--format", "csv"},
                         registry_.admin_token_file());
    // The newest token is the one to revoke: the last row.
    std::string last =
        list.out.substr(list.out.rfind('\n', list.out.size() - 2) + 1);
    const std::string revoked_id = last.substr(0, last.find(','));
    ASSERT_EQ(registry_
                  .Regctl({"admin", "token", "revoke", revoked_id},
                          registry_.admin_token_file())
                  .exit_code,
              0);

    channel_ = grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
    submission_ = v1::SubmissionService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    outcomes_ = v1::OutcomeService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);

    // Patient PA1 of center A, with one visit.
    v1::SubmitRequest patient;
    patient.set_operation(v1::OPERATION_IMPORT);
    v1::Patient* p = patient.add_records()->mutable_patient();
    p->set_patient_id("PA1");
    p->set_sex(v1::SEX_FEMALE);
    p->set_birth_year(1980);
    p->set_disease(v1::DISEASE_RRMS);
    SetDate(p->mutable_diagnosis_date(), 2010, 1, 1);
    v1::Visit* v = patient.add_records()->mutable_visit();
    v->set_patient_id("PA1");
    SetDate(v->mutable_visit_date(), 2019, 1, 1);
    v->set_edss(2.0);
    ASSERT_EQ(Submit(kSubmitterA, patient).error_code(), StatusCode::OK);
    v1::GetPatientHistoryResponse history;
    v1::GetPatientHistoryRequest request;
    request.set_patient_id("PA1");
    ASSERT_TRUE(History(kSubmitterA, request, &history).ok());
    pa1_registry_id_ = history.registry_id();
  }

  static std::string Secret(const std::string& file) {
    return std::string(absl::StripAsciiWhitespace(ReadFile(file)));
  }
  static void SetDate(v1::Date* date, int y, int m, int d) {
    date->set_year(y);
    date->set_month(m);
    date->set_day(d);
  }

  void Prepare(grpc::ClientContext& context, Caller caller) {
    PrepareWith(context, caller == kNoToken ? "" : tokens_[caller]);
  }
  void PrepareWith(grpc::ClientContext& context, const std::string& secret) {
    if (!secret.empty()) {
      context.AddMetadata("authorization", "Bearer " + secret);
    }
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
  }

  grpc::Status Submit(Caller caller, const v1::SubmitRequest& request) {
    grpc::ClientContext context;
    Prepare(context, caller);
    v1::SubmitResponse response;
    auto writer = submission_->Submit(&context, &response);
    v1::SubmitRequest counted = request;
    counted.set_record_count(request.records_size());
    writer->Write(counted);
    writer->WritesDone();
    return writer->Finish();
  }
  grpc::Status SubmitBatch(Caller caller, const v1::SubmitRequest& request,
                           v1::SubmitResponse* response = nullptr) {
    grpc::ClientContext context;
    Prepare(context, caller);
    v1::SubmitResponse ignored;
    return submission_->SubmitBatch(&context, request,
                                    response ? response : &ignored);
  }
  grpc::Status History(Caller caller, const v1::GetPatientHistoryRequest& r,
                       v1::GetPatientHistoryResponse* response) {
    grpc::ClientContext context;
    Prepare(context, caller);
    return submission_->GetPatientHistory(&context, r, response);
  }
  // Exports visits; returns the status and the patient ids seen.
  grpc::Status Export(Caller caller, std::vector<std::string>* patients) {
    grpc::ClientContext context;
    Prepare(context, caller);
    v1::ExportRequest request;
    request.set_kind(v1::RECORD_KIND_VISITS);
    auto reader = submission_->Export(&context, request);
    v1::ExportResponse batch;
    while (reader->Read(&batch)) {
      for (const auto& r : batch.records()) {
        patients->push_back(r.visit().patient_id());
      }
    }
    return reader->Finish();
  }
  int64_t Count(const char* table) {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    return db.execAndGet(absl::StrCat("SELECT count(*) FROM ", table))
        .getInt64();
  }

  TestRegistry registry_;
  std::map<Caller, std::string> tokens_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SubmissionService::Stub> submission_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::OutcomeService::Stub> outcomes_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::string pa1_registry_id_;
};

// One call of an RPC. What each caller gets follows from the access policy
// (core/access.h): no, unknown or revoked token UNAUTHENTICATED; a role
// without reach PERMISSION_DENIED; otherwise OK, except where the row says
// what the other centre's submitter (to whom PA1 is unknown) or an analyst
// gets instead.
struct Expectation {
  std::string method;  // "Service/Method", as in the policy
  std::string what;
  std::function<grpc::Status(AccessTest&, Caller)> call;
  StatusCode other_center = StatusCode::OK;
  StatusCode analyst = StatusCode::OK;
};

StatusCode Expected(const Expectation& row, Caller caller) {
  auto reach = [&](Role role) { return ReachOf(row.method, role); };
  switch (caller) {
    case kNoToken:
    case kUnknownToken:
    case kRevokedToken:
      return StatusCode::UNAUTHENTICATED;
    case kSubmitterA:
      return reach(Role::kSubmitter) == Reach::kNone
                 ? StatusCode::PERMISSION_DENIED
                 : StatusCode::OK;
    case kSubmitterB:
      return reach(Role::kSubmitter) == Reach::kNone
                 ? StatusCode::PERMISSION_DENIED
                 : row.other_center;
    case kAnalyst:
      return reach(Role::kAnalyst) == Reach::kNone
                 ? StatusCode::PERMISSION_DENIED
                 : row.analyst;
    case kAdmin:
      return reach(Role::kAdmin) == Reach::kNone ? StatusCode::PERMISSION_DENIED
                                                 : StatusCode::OK;
  }
  return StatusCode::UNKNOWN;
}

// Reads a server stream to its end.
template <typename Reader, typename Message>
grpc::Status Drain(Reader& reader, Message& message) {
  while (reader->Read(&message)) {
  }
  return reader->Finish();
}

TEST_F(AccessTest, EveryRpcEveryCaller) {
  int center_counter = 0;

  std::vector<Expectation> table = {
      // For center B, PA1 is simply unknown: nothing about A leaks.
      {"SubmissionService/Submit", "a visit of PA1",
       [](AccessTest& t, Caller c) {
         v1::SubmitRequest r;
         r.set_operation(v1::OPERATION_IMPORT);
         v1::Visit* v = r.add_records()->mutable_visit();
         v->set_patient_id("PA1");
         SetDate(v->mutable_visit_date(), 2020, 1, 1);
         v->set_edss(2.0);
         return t.Submit(c, r);
       },
       StatusCode::INVALID_ARGUMENT},
      {"SubmissionService/SubmitBatch", "a visit of PA1",
       [](AccessTest& t, Caller c) {
         v1::SubmitRequest r;
         r.set_operation(v1::OPERATION_IMPORT);
         v1::Visit* v = r.add_records()->mutable_visit();
         v->set_patient_id("PA1");
         SetDate(v->mutable_visit_date(), 2020, 2, 1);
         v->set_edss(2.0);
         return t.SubmitBatch(c, r);
       },
       StatusCode::INVALID_ARGUMENT},
      // Problems come back in the answer: an unknown patient is shown as
      // INVALID_ARGUMENT here, and nothing is written even for centre A.
      {"SubmissionService/DryRun", "a visit of PA1",
       [](AccessTest& t, Caller c) {
         v1::SubmitRequest r;
         r.set_operation(v1::OPERATION_IMPORT);
         r.set_record_count(1);
         v1::Visit* v = r.add_records()->mutable_visit();
         v->set_patient_id("PA1");
         SetDate(v->mutable_visit_date(), 2020, 3, 1);
         v->set_edss(2.0);
         const int64_t events = t.Count("events");
         grpc::ClientContext context;
         t.Prepare(context, c);
         auto stream = t.submission_->DryRun(&context);
         stream->Write(r);
         stream->WritesDone();
         v1::DryRunResponse answer;
         int64_t problems = 0;
         while (stream->Read(&answer)) problems += answer.problems_size();
         grpc::Status status = stream->Finish();
         if (t.Count("events") != events) {
           return grpc::Status(grpc::StatusCode::INTERNAL, "it wrote");
         }
         if (status.ok() && problems > 0) {
           return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               answer.problems_size() > 0
                                   ? answer.problems(0).description()
                                   : "problems");
         }
         return status;
       },
       StatusCode::INVALID_ARGUMENT},
      {"SubmissionService/Export", "visits",
       [](AccessTest& t, Caller c) {
         std::vector<std::string> patients;
         grpc::Status s = t.Export(c, &patients);
         // Each center sees only its own patients.
         if (s.ok() && c == kSubmitterB && !patients.empty()) {
           return grpc::Status(StatusCode::INTERNAL, "B saw A's data");
         }
         if (s.ok() && c == kSubmitterA && patients.empty()) {
           return grpc::Status(StatusCode::INTERNAL, "A saw nothing");
         }
         return s;
       }},
      {"SubmissionService/GetPatientHistory", "by registry id",
       [](AccessTest& t, Caller c) {
         v1::GetPatientHistoryRequest r;
         r.set_registry_id(t.pa1_registry_id_);
         v1::GetPatientHistoryResponse response;
         grpc::Status s = t.History(c, r, &response);
         if (s.ok() && c == kAnalyst &&
             (!response.patient_id().empty() ||
              !response.current_records(0).patient().patient_id().empty())) {
           return grpc::Status(StatusCode::INTERNAL, "analyst saw a code");
         }
         return s;
       },
       StatusCode::NOT_FOUND},
      // Analysts name patients by registry id only.
      {"SubmissionService/GetPatientHistory", "by patient code",
       [](AccessTest& t, Caller c) {
         v1::GetPatientHistoryRequest r;
         r.set_patient_id("PA1");
         v1::GetPatientHistoryResponse response;
         return t.History(c, r, &response);
       },
       StatusCode::NOT_FOUND, StatusCode::INVALID_ARGUMENT},
      {"OutcomeService/GetPatientStatus", "by registry id",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::GetPatientStatusRequest r;
         r.set_registry_id(t.pa1_registry_id_);
         v1::GetPatientStatusResponse response;
         grpc::Status s = t.outcomes_->GetPatientStatus(&context, r, &response);
         if (s.ok() && c == kAnalyst &&
             !response.outcome().patient().patient_id().empty()) {
           return grpc::Status(StatusCode::INTERNAL, "analyst saw a code");
         }
         return s;
       },
       StatusCode::NOT_FOUND},
      {"OutcomeService/StreamCohortOutcomes", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         auto reader = t.outcomes_->StreamCohortOutcomes(&context, {});
         v1::StreamCohortOutcomesResponse message;
         int rows = 0;
         bool codes = false;
         while (reader->Read(&message)) {
           for (const auto& o : message.outcomes()) {
             ++rows;
             codes |= !o.patient().patient_id().empty();
           }
         }
         grpc::Status s = reader->Finish();
         if (s.ok() && c == kSubmitterB && rows > 0) {
           return grpc::Status(StatusCode::INTERNAL, "B saw A's patients");
         }
         if (s.ok() && c == kAnalyst && (rows == 0 || codes)) {
           return grpc::Status(StatusCode::INTERNAL, "analyst view wrong");
         }
         return s;
       }},
      {"OutcomeService/ListDisabilityEvents", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         auto reader = t.outcomes_->ListDisabilityEvents(&context, {});
         v1::ListDisabilityEventsResponse message;
         return Drain(reader, message);
       }},
      {"OutcomeService/ListDiseaseStates", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         auto reader = t.outcomes_->ListDiseaseStates(&context, {});
         v1::ListDiseaseStatesResponse message;
         return Drain(reader, message);
       }},
      {"ReportService/KaplanMeier", "overall survival",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::KaplanMeierRequest r;
         r.set_endpoint(v1::ENDPOINT_OS);
         v1::KaplanMeierResponse response;
         return t.reports_->KaplanMeier(&context, r, &response);
       }},
      {"ReportService/CumulativeIncidence", "relapse",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::CumulativeIncidenceRequest r;
         r.set_endpoint(v1::ENDPOINT_RELAPSE);
         v1::CumulativeIncidenceResponse response;
         return t.reports_->CumulativeIncidence(&context, r, &response);
       }},
      {"ReportService/CohortSummary", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::CohortSummaryResponse response;
         return t.reports_->CohortSummary(&context, {}, &response);
       }},
      {"ReportService/FollowUpDue", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::FollowUpDueResponse response;
         return t.reports_->FollowUpDue(&context, {}, &response);
       }},
      {"ReportService/FollowUpCompleteness", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::FollowUpCompletenessResponse response;
         return t.reports_->FollowUpCompleteness(&context, {}, &response);
       }},
      {"ReportService/ExportRecords", "visits",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::ExportRecordsRequest r;
         r.set_kind(v1::RECORD_KIND_VISITS);
         auto reader = t.reports_->ExportRecords(&context, r);
         v1::ExportRecordsResponse message;
         return Drain(reader, message);
       }},
      {"AdminService/AddCenter", "",
       [&center_counter](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::AddCenterRequest r;
         r.set_code(absl::StrCat("N", ++center_counter));
         r.set_name("New");
         v1::AddCenterResponse response;
         return t.admin_->AddCenter(&context, r, &response);
       }},
      {"AdminService/ListCenters", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::ListCentersResponse response;
         return t.admin_->ListCenters(&context, {}, &response);
       }},
      {"AdminService/IssueToken", "an analyst's",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::IssueTokenRequest r;
         r.set_role(v1::ROLE_ANALYST);
         v1::IssueTokenResponse response;
         return t.admin_->IssueToken(&context, r, &response);
       }},
      {"AdminService/ListTokens", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::ListTokensResponse response;
         return t.admin_->ListTokens(&context, {}, &response);
       }},
      {"AdminService/RevokeToken", "a fresh analyst token",
       [](AccessTest& t, Caller c) {
         // Issue a fresh token as admin, then let `c` try to revoke it.
         grpc::ClientContext issue_context;
         t.Prepare(issue_context, kAdmin);
         v1::IssueTokenRequest issue;
         issue.set_role(v1::ROLE_ANALYST);
         v1::IssueTokenResponse issued;
         t.admin_->IssueToken(&issue_context, issue, &issued);
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::RevokeTokenRequest r;
         r.set_token_id(issued.info().token_id());
         v1::RevokeTokenResponse response;
         return t.admin_->RevokeToken(&context, r, &response);
       }},
      {"AdminService/RotateToken", "the caller's own",
       [](AccessTest& t, Caller c) {
         // The admin rotates a second admin token, so that its own stays.
         grpc::ClientContext context;
         if (c == kAdmin) {
           t.PrepareWith(context, Secret(t.registry_.IssueToken("admin")));
         } else {
           t.Prepare(context, c);
         }
         v1::RotateTokenResponse response;
         return t.admin_->RotateToken(&context, {}, &response);
       }},
      {"AdminService/VerifyAudit", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::VerifyAuditResponse response;
         return t.admin_->VerifyAudit(&context, {}, &response);
       }},
      {"AdminService/GetCheckpoint", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::GetCheckpointResponse response;
         return t.admin_->GetCheckpoint(&context, {}, &response);
       }},
      {"AdminService/ProveConsistency", "from the first entry",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::ProveConsistencyRequest r;
         r.set_old_size(1);
         v1::ProveConsistencyResponse response;
         return t.admin_->ProveConsistency(&context, r, &response);
       }},
      {"AdminService/ProveInclusion", "of the first entry",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::ProveInclusionRequest r;
         r.set_entry_seq(1);
         v1::ProveInclusionResponse response;
         return t.admin_->ProveInclusion(&context, r, &response);
       }},
      {"AdminService/Backup", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         auto reader = t.admin_->Backup(&context, {});
         v1::BackupChunk chunk;
         return Drain(reader, chunk);
       }},
      {"AdminService/GetMetrics", "",
       [](AccessTest& t, Caller c) {
         grpc::ClientContext context;
         t.Prepare(context, c);
         v1::GetMetricsResponse response;
         return t.admin_->GetMetrics(&context, {}, &response);
       }},
  };
  // Every method of the policy is called.
  std::set<std::string> called;
  for (const Expectation& row : table) called.insert(row.method);
  for (const MethodPolicy& policy : AccessPolicy()) {
    EXPECT_TRUE(called.count(std::string(policy.method)))
        << policy.method << " is in the access policy but not in this test";
  }
  for (Expectation& row : table) {
    ASSERT_NE(PolicyOf(row.method), nullptr) << row.method;
    for (Caller caller : kAllCallers) {
      const int64_t events = Count("events");
      grpc::Status status = row.call(*this, caller);
      EXPECT_EQ(status.error_code(), Expected(row, caller))
          << row.method << " (" << row.what << ") as " << CallerName(caller)
          << ": " << status.error_message();
      if (!status.ok()) {
        EXPECT_EQ(Count("events"), events)
            << row.method << " as " << CallerName(caller) << " wrote an event";
      }
    }
  }
}

TEST_F(AccessTest, HealthAnswersWithoutAToken) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::ByteBuffer request, response;
  // grpc.health.v1.Health/Check with an empty HealthCheckRequest.
  grpc::GenericStub generic(channel_);
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AccessTest, ReflectionListsTheRegistryServicesWithoutAToken) {
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto call = generic.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag;
  bool ok;
  auto next = [&](intptr_t expected) {
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(next(1));
  // ServerReflectionRequest{list_services: ""}: field 7, length 0.
  const char request_bytes[] = {0x3a, 0x00};
  grpc::Slice slice(request_bytes, sizeof request_bytes);
  call->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  ASSERT_TRUE(next(2));
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  ASSERT_TRUE(next(3));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  EXPECT_THAT(bytes, ::testing::HasSubstr("registry.v1.SubmissionService"));
  EXPECT_THAT(bytes, ::testing::HasSubstr("registry.v1.AdminService"));
  call->WritesDone(reinterpret_cast<void*>(4));
  next(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  next(5);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

TEST_F(AccessTest, RejectedCallsAreNotRecordedAsReads) {
  const int64_t entries = Count("audit_log");
  v1::GetPatientHistoryRequest r;
  r.set_registry_id(pa1_registry_id_);
  v1::GetPatientHistoryResponse response;
  EXPECT_EQ(History(kSubmitterB, r, &response).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("audit_log"), entries);
  EXPECT_TRUE(History(kAnalyst, r, &response).ok());
  EXPECT_EQ(Count("audit_log"), entries + 1);
}

TEST_F(AccessTest, ServerValidatesRecordsItselfAndReportsEveryField) {
  // A client that skips local checks still cannot write a bad record.
  v1::SubmitRequest r;
  r.set_operation(v1::OPERATION_IMPORT);
  v1::Visit* v = r.add_records()->mutable_visit();
  v->set_patient_id("PA1");
  SetDate(v->mutable_visit_date(), 2021, 2, 29);
  v->set_edss(3.3);
  v1::MriScan* m = r.add_records()->mutable_mri();
  m->set_patient_id("PA1");
  SetDate(m->mutable_scan_date(), 2020, 1, 1);
  m->set_new_t2(-2);
  m->set_gd_enhancing(0);
  r.add_records();  // no kind at all
  const int64_t events = Count("events");
  grpc::Status status = Submit(kSubmitterA, r);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const FieldViolation& f : ViolationsOf(status))
    fields.push_back(f.field);
  EXPECT_THAT(fields, ::testing::IsSupersetOf(
                          {"records[0].visit_date", "records[0].edss",
                           "records[1].new_t2", "records[1].enlarging_t2",
                           "records[2]"}));
  EXPECT_EQ(Count("events"), events);
}

TEST_F(AccessTest, SubmitBatchChecksAndAppliesLikeSubmit) {
  v1::SubmitRequest bad;
  bad.set_operation(v1::OPERATION_IMPORT);
  v1::Visit* v = bad.add_records()->mutable_visit();
  v->set_patient_id("PA1");
  SetDate(v->mutable_visit_date(), 2021, 2, 29);
  v->set_edss(3.3);
  const int64_t events = Count("events");
  grpc::Status status = SubmitBatch(kSubmitterA, bad);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const FieldViolation& f : ViolationsOf(status))
    fields.push_back(f.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("records[0].visit_date",
                                                      "records[0].edss"));
  EXPECT_EQ(Count("events"), events);

  v1::SubmitRequest good;
  v1::Visit* first = good.add_records()->mutable_visit();
  first->set_patient_id("PA1");
  SetDate(first->mutable_visit_date(), 2021, 3, 1);
  first->set_edss(3.5);
  *good.add_records()->mutable_visit() = *first;
  SetDate(good.mutable_records(1)->mutable_visit()->mutable_visit_date(), 2021,
          4, 1);
  status = SubmitBatch(kSubmitterA, good);  // no operation
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(ViolationsOf(status).size(), 1u);
  EXPECT_EQ(ViolationsOf(status)[0].field, "operation");
  EXPECT_EQ(Count("events"), events);

  good.set_operation(v1::OPERATION_IMPORT);
  v1::SubmitResponse response;
  ASSERT_TRUE(SubmitBatch(kSubmitterA, good, &response).ok());
  EXPECT_EQ(response.received(), 2);
  EXPECT_EQ(response.accepted(), 2);
  EXPECT_FALSE(response.request_id().empty());
  EXPECT_EQ(Count("events"), events + 2);
  ASSERT_TRUE(SubmitBatch(kSubmitterA, good, &response).ok());
  EXPECT_EQ(response.unchanged(), 2);
  EXPECT_EQ(Count("events"), events + 2);
}

TEST_F(AccessTest, LargeImportsStreamInManyMessagesAsOneTransaction) {
  RegctlResult r;
  std::string csv = "patient_id,visit_date,edss\n";
  absl::CivilDay day(2000, 1, 1);
  for (int i = 0; i < 2500; ++i, ++day) {
    csv += absl::StrFormat("PA1,%04d-%02d-%02d,%s\n", day.year(), day.month(),
                           day.day(), i % 2 ? "2.0" : "2.5");
  }
  const std::string file = registry_.WriteCsv("many.csv", csv);
  const std::string token = registry_.IssueToken("submitter", "A");
  r = registry_.Regctl({"submit", "import", "visits", file}, token);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("2500 records, 2500 accepted"));
}

}  // namespace
}  // namespace registry::testing
