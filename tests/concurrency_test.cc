// Many clients at once against one in-process server: streamed and unary
// submissions from two centres, exports, histories, reports, audit
// verification, metrics and failed logins, all interleaved, then a drain
// while requests are in flight. The result must be exactly what the
// clients were told was accepted. These tests also run under
// ThreadSanitizer (tests/tsan_check.sh), where any data race fails them.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

namespace v1 = ::registry::v1;

constexpr int kClients = 6;
constexpr int kRounds = 20;

void Prepare(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
}

void SetDate(v1::Date* date, int year, int month, int day) {
  date->set_year(year);
  date->set_month(month);
  date->set_day(day);
}

// One patient with a transplant and `visits` visits, all new.
v1::SubmitRequest NewPatient(const std::string& id, int visits) {
  v1::SubmitRequest request;
  request.set_operation(v1::OPERATION_IMPORT);
  v1::Patient* patient = request.add_records()->mutable_patient();
  patient->set_patient_id(id);
  patient->set_sex(v1::SEX_FEMALE);
  patient->set_birth_year(1980);
  patient->set_disease(v1::DISEASE_RRMS);
  SetDate(patient->mutable_diagnosis_date(), 2010, 1, 1);
  v1::Transplant* transplant = request.add_records()->mutable_transplant();
  transplant->set_patient_id(id);
  SetDate(transplant->mutable_transplant_date(), 2014, 6, 1);
  transplant->set_type(v1::TRANSPLANT_TYPE_AUTOLOGOUS);
  transplant->set_regimen("BEAM-ATG");
  for (int v = 0; v < visits; ++v) {
    v1::Visit* visit = request.add_records()->mutable_visit();
    visit->set_patient_id(id);
    SetDate(visit->mutable_visit_date(), 2015 + v, 3, 1);
    visit->set_edss(2.0 + 0.5 * (v % 3));
  }
  request.set_record_count(request.records_size());
  return request;
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* center : {"C1", "C2"}) {
      submitters_.push_back(Token(registry_.IssueToken("submitter", center)));
    }
    analyst_ = Token(registry_.IssueToken("analyst"));
    admin_ = Token(registry_.admin_token_file());
    channel_ = grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
  }
  static std::string Token(const std::string& file) {
    return std::string(absl::StripAsciiWhitespace(ReadFile(file)));
  }

  // Streams `request` in messages of at most three records.
  grpc::Status Stream(const std::string& token,
                      const v1::SubmitRequest& request) {
    auto stub = v1::SubmissionService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, token);
    v1::SubmitResponse response;
    auto writer = stub->Submit(&context, &response);
    for (int first = 0; first < request.records_size(); first += 3) {
      v1::SubmitRequest part;
      if (first == 0) {
        part.set_operation(request.operation());
        part.set_record_count(request.record_count());
      }
      for (int i = first; i < std::min(first + 3, request.records_size());
           ++i) {
        *part.add_records() = request.records(i);
      }
      if (!writer->Write(part)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  grpc::Status Batch(const std::string& token,
                     const v1::SubmitRequest& request) {
    auto stub = v1::SubmissionService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, token);
    v1::SubmitResponse response;
    return stub->SubmitBatch(&context, request, &response);
  }

  // The number of records of `kind` the centre of `token` exports.
  int Exported(const std::string& token, v1::RecordKind kind) {
    auto stub = v1::SubmissionService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, token);
    v1::ExportRequest request;
    request.set_kind(kind);
    auto reader = stub->Export(&context, request);
    v1::ExportResponse response;
    int n = 0;
    while (reader->Read(&response)) n += response.records_size();
    return reader->Finish().ok() ? n : -1;
  }

  grpc::Status History(const std::string& token, const std::string& id) {
    auto stub = v1::SubmissionService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, token);
    v1::GetPatientHistoryRequest request;
    request.set_patient_id(id);
    v1::GetPatientHistoryResponse response;
    return stub->GetPatientHistory(&context, request, &response);
  }

  grpc::Status Summary() {
    auto stub = v1::ReportService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, analyst_);
    v1::CohortSummaryRequest request;
    v1::CohortSummaryResponse response;
    return stub->CohortSummary(&context, request, &response);
  }

  bool AuditVerifies() {
    auto stub = v1::AdminService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, admin_);
    v1::VerifyAuditResponse response;
    return stub->VerifyAudit(&context, v1::VerifyAuditRequest(), &response)
               .ok() &&
           response.ok();
  }

  grpc::Status Metrics(const std::string& token) {
    auto stub = v1::AdminService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(context, token);
    v1::GetMetricsResponse response;
    return stub->GetMetrics(&context, v1::GetMetricsRequest(), &response);
  }

  TestRegistry registry_;
  std::vector<std::string> submitters_;
  std::string analyst_, admin_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ConcurrencyTest, InterleavedClientsGetExactlyWhatTheyWereToldOf) {
  std::atomic<int> patients_accepted[2] = {0, 0};
  std::atomic<int> visits_accepted[2] = {0, 0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const int center = c % 2;
      const std::string& token = submitters_[center];
      for (int round = 0; round < kRounds; ++round) {
        const std::string id = absl::StrCat("T", c, "-", round);
        const int visits = 1 + (c + round) % 4;
        const v1::SubmitRequest request = NewPatient(id, visits);
        const grpc::Status status =
            round % 2 ? Stream(token, request) : Batch(token, request);
        if (status.ok()) {
          ++patients_accepted[center];
          visits_accepted[center] += visits;
        } else {
          ADD_FAILURE() << id << ": " << status.error_message();
        }
        // Readers and the other services between the writes.
        switch ((c + round) % 5) {
          case 0:
            if (Exported(token, v1::RECORD_KIND_VISITS) < 0) ++failures;
            break;
          case 1:
            if (!History(token, id).ok()) ++failures;
            break;
          case 2:
            if (!Summary().ok()) ++failures;
            break;
          case 3:
            if (!AuditVerifies()) ++failures;
            break;
          case 4:
            if (!Metrics(admin_).ok()) ++failures;
            // A token nobody issued: refused, and audited as a failure.
            if (Metrics("not-a-token").error_code() !=
                grpc::StatusCode::UNAUTHENTICATED) {
              ++failures;
            }
            break;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int center = 0; center < 2; ++center) {
    EXPECT_EQ(Exported(submitters_[center], v1::RECORD_KIND_PATIENTS),
              patients_accepted[center].load());
    EXPECT_EQ(Exported(submitters_[center], v1::RECORD_KIND_VISITS),
              visits_accepted[center].load());
  }
  EXPECT_EQ(patients_accepted[0] + patients_accepted[1], kClients * kRounds);
  EXPECT_TRUE(AuditVerifies());
}

TEST_F(ConcurrencyTest, ConflictingImportsOfOneKeyLeaveOneValue) {
  // Every client imports the same patient with its own birth year: one
  // wins, the others are told ALREADY_EXISTS, and the record is the
  // winner's.
  std::atomic<int> won{0}, refused{0};
  std::atomic<int> winner_year{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      v1::SubmitRequest request = NewPatient("SAME", 0);
      request.mutable_records(0)->mutable_patient()->set_birth_year(1970 + c);
      const grpc::Status status = c % 2 ? Stream(submitters_[0], request)
                                        : Batch(submitters_[0], request);
      if (status.ok()) {
        ++won;
        winner_year = 1970 + c;
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        ++refused;
      } else {
        ADD_FAILURE() << status.error_message();
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), kClients - 1);

  auto stub = v1::SubmissionService::NewStub(channel_);
  grpc::ClientContext context;
  Prepare(context, submitters_[0]);
  v1::ExportRequest request;
  request.set_kind(v1::RECORD_KIND_PATIENTS);
  auto reader = stub->Export(&context, request);
  v1::ExportResponse response;
  std::vector<int> years;
  while (reader->Read(&response)) {
    for (const v1::Record& record : response.records()) {
      years.push_back(record.patient().birth_year());
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_THAT(years, ::testing::ElementsAre(winner_year.load()));
  EXPECT_TRUE(AuditVerifies());
}

TEST_F(ConcurrencyTest, ShutdownDuringSubmissionsKeepsEveryAcknowledgedOne) {
  // Clients submit until the server goes away; what it acknowledged before
  // draining must be there after a restart, and nothing else.
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int round = 0; !stop && round < 200; ++round) {
        const v1::SubmitRequest request =
            NewPatient(absl::StrCat("D", c, "-", round), 2);
        const grpc::Status status = round % 2 ? Stream(submitters_[0], request)
                                              : Batch(submitters_[0], request);
        if (status.ok()) {
          ++acknowledged;
          continue;
        }
        // Refused once the server drains; never before.
        if (!stop) {
          ADD_FAILURE() << status.error_message() << " "
                        << absl::CHexEscape(status.error_details());
        }
        break;
      }
    });
  }
  for (int i = 0; acknowledged < 8 && i < 2000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  registry_.server().Shutdown(absl::Seconds(10));
  for (std::thread& t : clients) t.join();
  ASSERT_GE(acknowledged.load(), 8);
  registry_.Stop();
  registry_.Restart();
  channel_ = grpc::CreateChannel(
      registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
  EXPECT_EQ(Exported(submitters_[0], v1::RECORD_KIND_PATIENTS),
            acknowledged.load());
  EXPECT_EQ(Exported(submitters_[0], v1::RECORD_KIND_VISITS),
            2 * acknowledged.load());
  EXPECT_TRUE(AuditVerifies());
}

}  // namespace
}  // namespace registry::testing
