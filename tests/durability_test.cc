// Fault tolerance of a real registryd process: SIGKILL at random moments
// during concurrent imports, amendments, retractions, audit checkpoints and
// backups, 30 times in a row, losing nothing that was acknowledged and
// half-writing nothing; and a bounded soak of 64 concurrent clients mixing
// writes and reads.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
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
#include "storage/registry_store.h"
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

// Amends (EDSS 2.0 -> 4.5) or retracts the three visits of one request.
grpc::Status EditTriple(v1::SubmissionService::Stub& stub,
                        const std::string& token, int patient, Date first,
                        bool retract) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::SubmitRequest request;
  request.set_operation(retract ? v1::OPERATION_RETRACT : v1::OPERATION_AMEND);
  request.set_reason("crash test");
  request.set_record_count(3);
  for (int i = 0; i < 3; ++i) {
    v1::Visit* v = request.add_records()->mutable_visit();
    v->set_patient_id(absl::StrCat("P", patient));
    *v->mutable_visit_date() = ProtoDate(first + i);
    if (!retract) v->set_edss(4.5);
  }
  v1::SubmitResponse response;
  return stub.SubmitBatch(&context, request, &response);
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
  using Triple = std::pair<int, int>;  // (patient, first day)
  std::set<Triple> acknowledged;
  std::set<Triple> attempted;
  // Edits of triples acknowledged in earlier rounds, each edited once.
  std::set<Triple> edited, amended, retracted;
  std::string last_checkpoint;  // the newest one acknowledged
  int backups = 0, backups_made = 0;
  std::string last_backup;
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
    // An editor amends or retracts requests acknowledged before this round.
    std::vector<Triple> editable;
    for (const Triple& t : acknowledged) {
      if (!edited.count(t)) editable.push_back(t);
    }
    std::shuffle(editable.begin(), editable.end(), random);
    writers.emplace_back([&, editable] {
      auto stub = v1::SubmissionService::NewStub(grpc::CreateChannel(
          address, grpc::experimental::LocalCredentials(LOCAL_TCP)));
      for (const Triple& t : editable) {
        if (stop) break;
        const bool retract = (t.first + t.second / 3) % 2 == 0;
        {
          std::lock_guard<std::mutex> lock(mu);
          edited.insert(t);
        }
        const grpc::Status status =
            EditTriple(*stub, token, t.first, origin + t.second, retract);
        if (status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          (retract ? retracted : amended).insert(t);
        } else {
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
            ADD_FAILURE() << "unexpected " << status.error_code() << ": "
                          << status.error_message();
          }
          break;
        }
      }
    });
    // Audit checkpoints and backups meanwhile.
    writers.emplace_back([&] {
      while (!stop) {
        RegctlResult checkpoint =
            Regctl(address, admin_token, {"admin", "audit", "checkpoint"});
        if (checkpoint.exit_code != 0) break;
        std::lock_guard<std::mutex> lock(mu);
        last_checkpoint = checkpoint.out;
      }
    });
    writers.emplace_back([&] {
      while (!stop) {
        const std::string out =
            dir.File(absl::StrCat("backup-", ++backups, ".db"));
        RegctlResult backup =
            Regctl(address, admin_token, {"admin", "backup", "--out", out});
        if (backup.exit_code != 0) break;
        std::lock_guard<std::mutex> lock(mu);
        last_backup = out;
        ++backups_made;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(30, 250)(random)));
    server.StopWith(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }

  // Kills during backups leave temporary copies; the next start removes
  // them.
  int leftovers = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    leftovers += entry.path().filename().string().ends_with(".tmp");
  }
  RecordProperty("backup_leftovers_before_restart", leftovers);

  // After the last crash: every acknowledged request is there as its last
  // acknowledged edit left it, each request is whole or absent (an edit of
  // unknown outcome applied to all three visits or none), the audit trail
  // verifies and extends every acknowledged checkpoint, no backup left a
  // temporary copy, and a completed backup is a registry of its own.
  RegistrydProcess server(REGISTRYD_PATH, dir, db);
  const std::string address = absl::StrCat("127.0.0.1:", server.WaitForPort());
  RegctlResult exported =
      Regctl(address, token_file, {"submit", "export", "visits"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::map<Triple, int> present;  // request -> visits present
  std::map<Triple, std::set<std::string>> edss;
  std::istringstream lines(exported.out);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    const int patient = std::stoi(line.substr(1, line.find(',') - 1));
    const Date date = *ParseIsoDate(line.substr(line.find(',') + 1, 10));
    const int day = static_cast<int>(date - origin);
    const Triple request{patient, day - day % 3};
    ++present[request];
    edss[request].insert(line.substr(line.rfind(',') + 1));
  }
  ASSERT_GT(acknowledged.size(), 30u) << "too few acknowledged requests";
  EXPECT_GT(amended.size() + retracted.size(), 10u) << "too few edits";
  auto visits_of = [&](const Triple& request) {
    auto it = present.find(request);
    return it == present.end() ? 0 : it->second;
  };
  for (const Triple& request : acknowledged) {
    const std::string what =
        absl::StrCat("patient ", request.first, " day ", request.second);
    if (retracted.count(request)) {
      EXPECT_EQ(visits_of(request), 0)
          << "acknowledged retraction lost: " << what;
    } else if (!edited.count(request) || amended.count(request)) {
      EXPECT_EQ(visits_of(request), 3) << "acknowledged request lost: " << what;
    }
    if (amended.count(request) && visits_of(request) > 0) {
      EXPECT_EQ(edss[request], std::set<std::string>{"4.5"})
          << "acknowledged amendment lost: " << what;
    }
  }
  for (const auto& [request, visits] : present) {
    EXPECT_EQ(visits, 3) << "half-written request: patient " << request.first
                         << " day " << request.second;
    EXPECT_EQ(edss[request].size(), 1u)
        << "half-applied amendment: patient " << request.first << " day "
        << request.second;
    EXPECT_TRUE(attempted.count(request)) << "a request nobody sent";
  }
  RegctlResult verify =
      Regctl(address, admin_token, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  ASSERT_FALSE(last_checkpoint.empty()) << "no checkpoint was acknowledged";
  WriteFile(dir.File("checkpoint.txt"), last_checkpoint);
  RegctlResult consistent = Regctl(
      address, admin_token,
      {"admin", "audit", "verify", "--checkpoint", dir.File("checkpoint.txt")});
  EXPECT_EQ(consistent.exit_code, 0) << consistent.err;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_FALSE(entry.path().filename().string().ends_with(".tmp"))
        << "a backup's temporary copy was left: " << entry.path();
  }
  ASSERT_GT(backups_made, 0) << "no backup completed";
  EXPECT_EQ(server.StopWith(SIGTERM), 0);
  auto copy = RegistryStore::Open(last_backup);
  ASSERT_TRUE(copy.ok()) << copy.status();
  const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "req_t"};
  auto report = (*copy)->VerifyAudit(system);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  RecordProperty("acknowledged_requests",
                 static_cast<int>(acknowledged.size()));
  RecordProperty("acknowledged_edits",
                 static_cast<int>(amended.size() + retracted.size()));
  RecordProperty("backups", backups_made);
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
