// End-to-end tests of the registryd binary and of tamper detection through
// regctl: start-up on a new database, the admin token file, SIGTERM, and
// `regctl admin audit verify` after the database is changed behind the
// server's back.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/regctl/regctl.h"
#include "core/audit_chain.h"
#include "core/date.h"
#include "registry/v1/submission.grpc.pb.h"
#include "services/auth.h"
#include "tests/test_util.h"

extern char** environ;

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RegctlResult RunRegctl(const std::string& address,
                       const std::vector<std::string>& args) {
  std::ostringstream out, err;
  RegctlIo io{out, err, {{"REGISTRY_SERVER", address}}, false};
  const int code = RunRegctl(args, io);
  return {code, out.str(), err.str()};
}

TEST(RegistrydTest, NewDatabaseWritesAPrivateAdminTokenAndDrainsOnSigterm) {
  TempDir dir;
  const std::string db = dir.File("r.db");
  std::string token;
  {
    RegistrydProcess server(REGISTRYD_PATH, dir, db);
    const int port = server.WaitForPort();
    ASSERT_GT(port, 0);
    const std::string token_file = db + ".admin-token";
    struct stat info;
    ASSERT_EQ(stat(token_file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600);
    token = std::string(absl::StripAsciiWhitespace(ReadFile(token_file)));
    EXPECT_EQ(token.size(), 4u + 64u);  // "rgt_" + 256 bits in hex
    EXPECT_THAT(server.log(), Not(HasSubstr(token)));
    EXPECT_THAT(server.log(), HasSubstr(token_file));

    const std::string address = absl::StrCat("127.0.0.1:", port);
    RegctlResult added =
        RunRegctl(address, {"--token-file", token_file, "admin", "center",
                            "add", "C1", "--name", "One"});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    EXPECT_EQ(server.StopWith(SIGTERM), 0);
    EXPECT_THAT(server.log(), HasSubstr("stopped"));
  }
  {
    // A restart keeps the database and does not issue another token.
    RegistrydProcess server(REGISTRYD_PATH, dir, db);
    const int port = server.WaitForPort();
    EXPECT_THAT(server.log(), Not(HasSubstr("new database")));
    EXPECT_EQ(
        std::string(absl::StripAsciiWhitespace(ReadFile(db + ".admin-token"))),
        token);
    RegctlResult list = RunRegctl(absl::StrCat("127.0.0.1:", port),
                                  {"--token-file", db + ".admin-token", "admin",
                                   "center", "list", "--format", "csv"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_THAT(list.out, HasSubstr("C1,One,"));
    EXPECT_EQ(server.StopWith(SIGINT), 0);
  }
}

TEST(RegistrydTest, UsageErrorsExitWith2) {
  TempDir dir;
  RegistrydProcess server(REGISTRYD_PATH, dir, "");
  EXPECT_EQ(server.StopWith(0), 2);
  EXPECT_THAT(server.log(), HasSubstr("--db FILE is required"));
}

TEST(DrainTest, ShutdownLetsAnInFlightImportFinish) {
  TestRegistry registry;
  const std::string token = std::string(absl::StripAsciiWhitespace(
      ReadFile(registry.IssueToken("submitter", "C1"))));
  auto channel = grpc::CreateChannel(
      registry.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
  auto stub = v1::SubmissionService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  v1::SubmitResponse response;
  auto writer = stub->Submit(&context, &response);
  v1::SubmitRequest first;
  first.set_operation(v1::OPERATION_IMPORT);
  first.set_record_count(2);  // this and the relapse sent below
  v1::Patient* p = first.add_records()->mutable_patient();
  p->set_patient_id("P1");
  p->set_sex(v1::SEX_MALE);
  p->set_birth_year(1970);
  p->set_disease(v1::DISEASE_SPMS);
  p->mutable_diagnosis_date()->set_year(2000);
  p->mutable_diagnosis_date()->set_month(1);
  p->mutable_diagnosis_date()->set_day(1);
  ASSERT_TRUE(writer->Write(first));

  // Give the call time to reach its handler (which then waits for more
  // messages); the server starts draining while the client still sends.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::thread stopper([&] { registry.server().Shutdown(absl::Seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  v1::SubmitRequest second;
  v1::Relapse* r = second.add_records()->mutable_relapse();
  r->set_patient_id("P1");
  r->mutable_onset_date()->set_year(2020);
  r->mutable_onset_date()->set_month(5);
  r->mutable_onset_date()->set_day(1);
  EXPECT_TRUE(writer->Write(second));
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  stopper.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.accepted(), 2);
}

TEST(TokenLifecycleTest, ExpiredTokensStopWorking) {
  TestRegistry registry;
  registry.AddCenter("C1");
  RegctlResult issued = registry.Regctl(
      {"admin", "token", "issue", "--role", "analyst", "--expires-in", "1s"},
      registry.admin_token_file());
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string token = registry.WriteCsv("short.token", issued.out);
  RegctlResult list =
      registry.Regctl({"admin", "token", "list", "--format", "csv"},
                      registry.admin_token_file());
  EXPECT_THAT(list.out, HasSubstr(",analyst,,,"));
  // The list shows expiry, never a secret.
  EXPECT_THAT(list.out, Not(HasSubstr("rgt_")));
  EXPECT_THAT(list.out, HasSubstr("expires_at"));
  EXPECT_EQ(
      registry.Regctl({"report", "km", "--endpoint", "os"}, token).exit_code,
      0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  RegctlResult expired =
      registry.Regctl({"report", "km", "--endpoint", "os"}, token);
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_THAT(expired.err, HasSubstr("UNAUTHENTICATED"));
}

TEST(TokenLifecycleTest, RotationReplacesTheAdminToken) {
  TestRegistry registry;
  RegctlResult rotated = registry.Regctl({"admin", "token", "rotate"},
                                         registry.admin_token_file());
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const std::string fresh = registry.WriteCsv("new.token", rotated.out);
  EXPECT_EQ(registry.Regctl({"admin", "center", "list"}, fresh).exit_code, 0);
  RegctlResult old =
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file());
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_THAT(old.err, HasSubstr("UNAUTHENTICATED"));
}

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string token = registry_.IssueToken("submitter", "C1");
    for (const auto& [kind, csv] :
         std::vector<std::pair<std::string, std::string>>{
             {"patients",
              "patient_id,sex,birth_year,disease,diagnosis_date\n"
              "P1,F,1980,RRMS,2010-01-01\n"},
             {"visits",
              "patient_id,visit_date,edss\nP1,2019-01-01,2.0\n"
              "P1,2020-01-01,2.5\n"}}) {
      ASSERT_EQ(
          registry_
              .Regctl({"submit", "import", kind, registry_.WriteCsv(kind, csv)},
                      token)
              .exit_code,
          0);
    }
  }
  RegctlResult Verify() {
    return registry_.Regctl({"admin", "audit", "verify"},
                            registry_.admin_token_file());
  }
  void Tamper(const std::vector<std::string>& statements) {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READWRITE);
    for (const std::string& sql : statements) db.exec(sql);
  }

  TestRegistry registry_;
};

TEST_F(TamperTest, IntactTrailVerifies) {
  RegctlResult r = Verify();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 clinical events"));
}

TEST_F(TamperTest, UnreachableServerIsNotABrokenTrail) {
  // Exit 3 means "broken" only: a cron job that pages on it must not page
  // because the server was restarting.
  const std::string address = registry_.address();
  registry_.Stop();
  RegctlResult r = RegctlAt(address, registry_.admin_token_file(),
                            {"admin", "audit", "verify"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE"));
}

TEST_F(TamperTest, ChangedAuditRowIsNamed) {
  Tamper({"DROP TRIGGER audit_no_update",
          "UPDATE audit_log SET principal = 'someone-else' WHERE seq = 4"});
  RegctlResult r = Verify();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("entry 4: hash does not match"));
}

TEST_F(TamperTest, RewrittenEntryWithRecomputedHashBreaksTheNextLink) {
  // The forger rewrites entry 4 and recomputes its hash correctly; entry 5
  // still points at the old hash.
  AuditEntry entry;
  {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT seq, at, principal, role, center, action, "
                        "entity, old_value, new_value, reason, request_id, "
                        "event_seq, prev_hash, issued_by FROM audit_log WHERE "
                        "seq = 4");
    ASSERT_TRUE(q.executeStep());
    entry = {q.getColumn(0).getInt64(),  q.getColumn(1).getString(),
             q.getColumn(2).getString(), q.getColumn(3).getString(),
             q.getColumn(4).getString(), q.getColumn(5).getString(),
             q.getColumn(6).getString(), q.getColumn(7).getString(),
             q.getColumn(8).getString(), q.getColumn(9).getString(),
             q.getColumn(10).getString()};
    if (!q.getColumn(11).isNull()) entry.event_seq = q.getColumn(11).getInt64();
    entry.prev_hash = q.getColumn(12).getString();
    entry.issued_by = q.getColumn(13).getString();
  }
  entry.principal = "tok_forged";
  Tamper({"DROP TRIGGER audit_no_update",
          "UPDATE audit_log SET principal = 'tok_forged', hash = '" +
              ComputeAuditHash(entry) + "' WHERE seq = 4"});
  RegctlResult r = Verify();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("entry 5: prev_hash does not match"));
}

TEST_F(TamperTest, ChangedClinicalValueIsCaught) {
  Tamper({"DROP TRIGGER events_no_update",
          "UPDATE events SET payload = 'P1,2019-01-01,6.0' WHERE record_key = "
          "'2019-01-01'"});
  RegctlResult r = Verify();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("does not match event 2"));
}

}  // namespace
}  // namespace registry::testing

namespace registry::testing {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string command =
        std::string(TEST_DATA_DIR) + "/make_test_certs.sh " + pki_.path();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::string Pki(const std::string& name) { return pki_.File(name); }

  TempDir pki_;
};

TEST_F(TlsTest, TlsWorksAndPlaintextIsRefused) {
  TestRegistry registry([&](ServerOptions& o) {
    o.tls_cert_file = Pki("server.pem");
    o.tls_key_file = Pki("server.key");
  });
  EXPECT_EQ(registry.server().transport(), "TLS");
  // Local (plaintext) credentials do not get in.
  RegctlResult plain =
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file());
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_THAT(plain.err, HasSubstr("UNAVAILABLE"));
  registry.SetRegctlFlags({"--ca-cert", Pki("ca.pem")});
  RegctlResult tls =
      registry.Regctl({"admin", "center", "add", "C1", "--name", "One"},
                      registry.admin_token_file());
  EXPECT_EQ(tls.exit_code, 0) << tls.err;
  // A client trusting another CA refuses the server.
  registry.SetRegctlFlags({"--ca-cert", Pki("other-ca.pem")});
  EXPECT_EQ(
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file())
          .exit_code,
      1);
}

TEST_F(TlsTest, MutualTlsNeedsACertificateFromTheClientCa) {
  TestRegistry registry([&](ServerOptions& o) {
    o.tls_cert_file = Pki("server.pem");
    o.tls_key_file = Pki("server.key");
    o.tls_client_ca_file = Pki("ca.pem");
  });
  EXPECT_EQ(registry.server().transport(), "mutual TLS");
  registry.SetRegctlFlags({"--ca-cert", Pki("ca.pem")});
  EXPECT_EQ(
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file())
          .exit_code,
      1);
  registry.SetRegctlFlags({"--ca-cert", Pki("ca.pem"), "--cert",
                           Pki("stranger.pem"), "--key", Pki("stranger.key")});
  EXPECT_EQ(
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file())
          .exit_code,
      1);
  registry.SetRegctlFlags({"--ca-cert", Pki("ca.pem"), "--cert",
                           Pki("client.pem"), "--key", Pki("client.key")});
  RegctlResult ok =
      registry.Regctl({"admin", "center", "list"}, registry.admin_token_file());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  // The token is still required over mutual TLS.
  EXPECT_THAT(registry.Regctl({"admin", "center", "list"}, "").err,
              HasSubstr("UNAUTHENTICATED"));
}

TEST(ServerOptionsTest, HalfATlsConfigurationIsRefused) {
  TempDir dir;
  ServerOptions options;
  options.db_path = dir.File("r.db");
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = dir.File("missing.pem");
  EXPECT_EQ(RegistryServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace registry::testing

namespace registry::testing {
namespace {

TEST(BackupTest, BackupWhileWritingRestoresAndVerifies) {
  TestRegistry registry;
  const std::string token = registry.IssueToken("submitter", "C1");
  ASSERT_EQ(registry
                .Regctl({"submit", "import", "patients",
                         registry.WriteCsv("p.csv",
                                           "patient_id,sex,birth_year,"
                                           "disease,diagnosis_date\n"
                                           "P1,F,1980,RRMS,2010-01-01\n")},
                        token)
                .exit_code,
            0);
  // Imports go on in the background while the backup is taken.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    for (int day = 0; day < 300 && !stop; ++day) {
      const Date date = Date(2011, 1, 1) + day;
      const std::string file =
          registry.WriteCsv(absl::StrCat("v", day, ".csv"),
                            absl::StrCat("patient_id,visit_date,edss\nP1,",
                                         FormatIsoDate(date), ",2.0\n"));
      RegctlResult r =
          registry.Regctl({"submit", "import", "visits", file}, token);
      if (r.exit_code == 0) {
        ++acknowledged;
      } else if (day == 0) {
        ADD_FAILURE() << r.err;
      }
    }
  });
  while (acknowledged < 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string copy = registry.dir().File("backup.db");
  RegctlResult backup = registry.Regctl({"admin", "backup", "--out", copy},
                                        registry.admin_token_file());
  const int before_backup_done = acknowledged;
  stop = true;
  writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("backup written to"));
  // A second backup never overwrites a file.
  EXPECT_EQ(registry
                .Regctl({"admin", "backup", "--out", copy},
                        registry.admin_token_file())
                .exit_code,
            2);

  // Restore: start registryd on the copy and verify it.
  TempDir restored_dir;
  const std::string restored = restored_dir.File("registry.db");
  std::filesystem::copy_file(copy, restored);
  ServerOptions options;
  options.db_path = restored;
  options.listen = "127.0.0.1:0";
  options.admin_token_file = restored_dir.File("unused-token");
  auto server = RegistryServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE((*server)->bootstrapped());  // the copy has its tokens
  std::ostringstream out, err;
  RegctlIo io{out, err, {}, false};
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  EXPECT_EQ(RunRegctl({"--server", address, "--token-file",
                       registry.admin_token_file(), "admin", "audit", "verify"},
                      io),
            0)
      << err.str();
  std::ostringstream visits, visits_err;
  RegctlIo io2{visits, visits_err, {}, false};
  ASSERT_EQ(RunRegctl({"--server", address, "--token-file", token, "submit",
                       "export", "visits"},
                      io2),
            0)
      << visits_err.str();
  const std::string exported = visits.str();
  const int rows =
      static_cast<int>(std::count(exported.begin(), exported.end(), '\n')) - 1;
  // Every visit acknowledged before the backup began is in the copy.
  EXPECT_GE(rows, 20);
  EXPECT_LE(rows, before_backup_done + 1);
  (*server)->Shutdown(absl::Seconds(2));
}

TEST(ObservabilityTest, OneLogLinePerRequestAndMetrics) {
  std::ostringstream log;
  TestRegistry registry([&](ServerOptions& o) { o.request_log = &log; });
  const std::string token = registry.IssueToken("analyst");
  const std::string secret = ReadFile(token);
  EXPECT_EQ(
      registry.Regctl({"report", "km", "--endpoint", "os"}, token).exit_code,
      0);
  EXPECT_EQ(registry.Regctl({"admin", "center", "list"}, token).exit_code, 1);
  // SubmitBatch, a callback method, is logged and counted as well.
  registry.AddCenter("C1");
  const std::string submitter = registry.IssueToken("submitter", "C1");
  {
    auto stub = v1::SubmissionService::NewStub(grpc::CreateChannel(
        registry.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + std::string(absl::StripAsciiWhitespace(
                                        ReadFile(submitter))));
    v1::SubmitRequest request;
    request.set_operation(v1::OPERATION_IMPORT);
    v1::SubmitResponse response;
    ASSERT_TRUE(stub->SubmitBatch(&context, request, &response).ok());
  }
  const std::string lines = log.str();
  EXPECT_THAT(lines, HasSubstr("\"method\":\"/registry.v1.SubmissionService/"
                               "SubmitBatch\",\"principal\":\"tok_"));
  EXPECT_THAT(lines, HasSubstr("\"method\":\"/registry.v1.ReportService/"
                               "KaplanMeier\",\"principal\":\"tok_"));
  EXPECT_THAT(lines, HasSubstr("\"code\":\"PERMISSION_DENIED\""));
  EXPECT_THAT(lines, HasSubstr("\"latency_ms\":"));
  // Never a secret.
  EXPECT_THAT(lines, Not(HasSubstr(secret.substr(0, 20))));
  RegctlResult metrics =
      registry.Regctl({"admin", "metrics"}, registry.admin_token_file());
  ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
  EXPECT_THAT(metrics.out,
              HasSubstr("registry_requests_total{method=\"/registry.v1."
                        "ReportService/KaplanMeier\",code=\"OK\"} 1"));
  EXPECT_THAT(metrics.out,
              HasSubstr("registry_requests_total{method=\"/registry.v1."
                        "SubmissionService/SubmitBatch\",code=\"OK\"} 1"));
  EXPECT_THAT(metrics.out,
              HasSubstr("registry_request_duration_seconds_bucket"));
}

}  // namespace
}  // namespace registry::testing
