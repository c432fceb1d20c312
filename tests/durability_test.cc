// Fault tolerance of a real registryd process: SIGKILL at random moments
// during concurrent submissions, 30 times in a row, losing nothing that was
// acknowledged and half-writing nothing; and a bounded soak of 64
// concurrent clients mixing writes and reads.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/regctl/regctl.h"
#include "core/date.h"
#include "registry/v1/submission.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

RegctlResult Regctl(const std::string& address, const std::string& token_file,
                    const std::vector<std::string>& args) {
  std::ostringstream out, err;
  RegctlIo io{out, err, {}, false};
  std::vector<std::string> full = {"--server", address,        "--timeout",
                                   "30",       "--token-file", token_file};
  full.insert(full.end(), args.begin(), args.end());
  const int code = RunRegctl(full, io);
  return {code, out.str(), err.str()};
}

v1::Date ProtoDate(Date date) {
  v1::Date d;
  d.set_year(static_cast<int32_t>(date.year()));
  d.set_month(date.month());
  d.set_day(date.day());
  return d;
}

// Sets up one center, a submitter token and patients P0..P{n-1}.
std::string Prepare(const std::string& address, const std::string& admin_token,
                    const TempDir& dir, int patients) {
  EXPECT_EQ(Regctl(address, admin_token,
                   {"admin", "center", "add", "C1", "--name", "One"})
                .exit_code,
            0);
  RegctlResult token = Regctl(
      address, admin_token,
      {"admin", "token", "issue", "--role", "submitter", "--center", "C1"});
  const std::string token_file = dir.File("submitter.token");
  WriteFile(token_file, token.out);
  std::string csv = "patient_id,sex,birth_year,disease,diagnosis_date\n";
  for (int p = 0; p < patients; ++p) {
    csv += absl::StrCat("P", p, ",F,1980,RRMS,2000-01-01\n");
  }
  const std::string file = dir.File("patients.csv");
  WriteFile(file, csv);
  EXPECT_EQ(Regctl(address, token_file, {"submit", "import", "patients", file})
                .exit_code,
            0);
  return token_file;
}

// One request: three visits of one patient on consecutive days; through
// the streamed Submit for even patients, the unary SubmitBatch for odd.
grpc::Status SubmitTriple(v1::SubmissionService::Stub& stub,
                          const std::string& token, int patient, Date first) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::SubmitResponse response;
  v1::SubmitRequest request;
  request.set_operation(v1::OPERATION_IMPORT);
  request.set_record_count(3);
  for (int i = 0; i < 3; ++i) {
    v1::Visit* v = request.add_records()->mutable_visit();
    v->set_patient_id(absl::StrCat("P", patient));
    *v->mutable_visit_date() = ProtoDate(first + i);
    v->set_edss(2.0);
  }
  if (patient % 2 == 1) return stub.SubmitBatch(&context, request, &response);
  auto writer = stub.Submit(&context, &response);
  writer->Write(request);
  writer->WritesDone();
  return writer->Finish();
}

TEST(CrashTest, SigkillDuringSubmissionsLosesNothingAcknowledged) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  const std::string admin_token = db + ".admin-token";
  constexpr int kWriters = 4;
  std::string token_file;
  {
    RegistrydProcess server(REGISTRYD_PATH, dir, db);
    const std::string address =
        absl::StrCat("127.0.0.1:", server.WaitForPort());
    token_file = Prepare(address, admin_token, dir, kWriters);
    server.StopWith(SIGTERM);
  }
  const std::string token =
      std::string(absl::StripAsciiWhitespace(ReadFile(token_file)));
  std::mt19937 random(20261121);
  // Each writer's requests use its own patient and increasing dates.
  std::vector<int> next_day(kWriters, 0);
  std::set<std::pair<int, int>> acknowledged;  // (patient, first day)
  std::set<std::pair<int, int>> attempted;
  const Date origin(2001, 1, 1);
  for (int round = 0; round < 30; ++round) {
    RegistrydProcess server(REGISTRYD_PATH, dir, db);
    const int port = server.WaitForPort();
    ASSERT_GT(port, 0);
    const std::string address = absl::StrCat("127.0.0.1:", port);
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto stub = v1::SubmissionService::NewStub(grpc::CreateChannel(
            address, grpc::experimental::LocalCredentials(LOCAL_TCP)));
        while (!stop) {
          const int day = next_day[w];
          next_day[w] += 3;
          {
            std::lock_guard<std::mutex> lock(mu);
            attempted.insert({w, day});
          }
          const grpc::Status status =
              SubmitTriple(*stub, token, w, origin + day);
          if (status.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.insert({w, day});
          } else if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
            ADD_FAILURE() << "unexpected " << status.error_code() << ": "
                          << status.error_message();
          }
          if (!status.ok()) break;  // the server is gone
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(30, 250)(random)));
    server.StopWith(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }

  // After the last crash: every acknowledged request is there, each request
  // is whole or absent, and the audit trail verifies.
  RegistrydProcess server(REGISTRYD_PATH, dir, db);
  const std::string address = absl::StrCat("127.0.0.1:", server.WaitForPort());
  RegctlResult exported =
      Regctl(address, token_file, {"submit", "export", "visits"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::map<std::pair<int, int>, int> present;  // request -> visits present
  std::istringstream lines(exported.out);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    const int patient = std::stoi(line.substr(1, line.find(',') - 1));
    const Date date = *ParseIsoDate(line.substr(line.find(',') + 1, 10));
    const int day = static_cast<int>(date - origin);
    ++present[{patient, day - day % 3}];
  }
  ASSERT_GT(acknowledged.size(), 30u) << "too few acknowledged requests";
  for (const auto& request : acknowledged) {
    EXPECT_EQ(present[request], 3)
        << "acknowledged request lost: patient " << request.first << " day "
        << request.second;
  }
  for (const auto& [request, visits] : present) {
    EXPECT_EQ(visits, 3) << "half-written request: patient " << request.first
                         << " day " << request.second;
    EXPECT_TRUE(attempted.count(request)) << "a request nobody sent";
  }
  RegctlResult verify =
      Regctl(address, admin_token, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  RecordProperty("acknowledged_requests",
                 static_cast<int>(acknowledged.size()));
}

TEST(SoakTest, SixtyFourClientsMixingWritesAndReads) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  constexpr int kClients = 64;
  RegistrydProcess server(REGISTRYD_PATH, dir, db, {"--log-requests=false"});
  const std::string address = absl::StrCat("127.0.0.1:", server.WaitForPort());
  // Client c reads patient P{c}, whose 20 visits do not change, and writes
  // new visits for patient P{kClients + c}: the database grows as in use,
  // while each answer stays the same size, so memory should not.
  const std::string token_file =
      Prepare(address, db + ".admin-token", dir, 2 * kClients);
  std::string visits = "patient_id,visit_date,edss\n";
  for (int p = 0; p < kClients; ++p) {
    for (int v = 0; v < 20; ++v) {
      visits += absl::StrCat(
          "P", p, ",", FormatIsoDate(Date(2001, 1, 1) + 30 * v), ",3.0\n");
    }
  }
  WriteFile(dir.File("visits.csv"), visits);
  ASSERT_EQ(Regctl(address, token_file,
                   {"submit", "import", "visits", dir.File("visits.csv")})
                .exit_code,
            0);
  const std::string token =
      std::string(absl::StripAsciiWhitespace(ReadFile(token_file)));
  std::atomic<int> requests{0}, unexpected{0};
  std::vector<double> rss;
  // 20 s in the suite; REGISTRY_SOAK_SECONDS runs it longer.
  const char* seconds_env = std::getenv("REGISTRY_SOAK_SECONDS");
  const int seconds = std::max(20, seconds_env ? std::atoi(seconds_env) : 0);
  const int samples = seconds / 4 - 1;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto channel = grpc::CreateChannel(
          address, grpc::experimental::LocalCredentials(LOCAL_TCP));
      auto stub = v1::SubmissionService::NewStub(channel);
      int day = 0;
      for (int i = 0; std::chrono::steady_clock::now() < deadline && i < 100000;
           ++i) {
        grpc::Status status;
        if (i % 3 == 0) {
          status =
              SubmitTriple(*stub, token, kClients + c, Date(2001, 1, 1) + day);
          day += 3;
        } else {
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + token);
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
          v1::GetPatientHistoryRequest request;
          request.set_patient_id(absl::StrCat("P", c));
          v1::GetPatientHistoryResponse response;
          status = stub->GetPatientHistory(&context, request, &response);
        }
        ++requests;
        if (!status.ok()) {
          ++unexpected;
          ADD_FAILURE() << status.error_code() << ": "
                        << status.error_message();
        }
      }
    });
  }
  for (int i = 0; i < samples; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    rss.push_back(server.RssMiB());
    std::cout << "server RSS after " << 4 * (i + 1) << " s: " << rss.back()
              << " MiB" << std::endl;
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_GT(requests, kClients * 10);
  // Memory flat: no growth between the first sample (after warm-up) and the
  // last beyond noise.
  ASSERT_EQ(rss.size(), static_cast<size_t>(samples));
  EXPECT_LT(rss.back(), rss.front() * 1.15 + 4)
      << "RSS grew from " << rss.front() << " to " << rss.back() << " MiB";
  RecordProperty("requests", requests.load());
  RecordProperty("rss_first_mib", static_cast<int>(rss.front()));
  RecordProperty("rss_last_mib", static_cast<int>(rss.back()));
  RegctlResult verify =
      Regctl(address, db + ".admin-token", {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

}  // namespace
}  // namespace registry::testing
