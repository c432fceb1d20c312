// Operations conventions against a real registryd process: systemd
// readiness (sd_notify), the health service per service, NOT_SERVING while
// draining, and `regctl health`'s exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "clients/regctl/regctl.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A datagram socket standing in for systemd's NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address),
                                sizeof(address)) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next message, or "" after `seconds` without one.
  std::string Next(int seconds = 20) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, seconds * 1000) != 1) return "";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(OperationsTest, ReadinessHealthAndDrain) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  NotifySocket notify(dir.File("notify.sock"));
  ASSERT_TRUE(notify.bound());
  RegistrydProcess server(
      REGISTRYD_PATH, dir, db, {"--drain-notice-seconds", "4"},
      {"/usr/bin/env", absl::StrCat("NOTIFY_SOCKET=", notify.path())});
  const std::string address = absl::StrCat("127.0.0.1:", server.WaitForPort());
  const std::string admin = db + ".admin-token";

  // READY=1 comes once the server listens, with the address in STATUS.
  const std::string ready = notify.Next();
  EXPECT_THAT(ready, HasSubstr("READY=1"));
  EXPECT_THAT(ready, HasSubstr(absl::StrCat("listening on 127.0.0.1:",
                                            address.substr(10))));

  // Every service is SERVING; no token is needed.
  RegctlResult serving = RegctlAt(address, "", {"health"});
  EXPECT_EQ(serving.exit_code, 0) << serving.err;
  for (const char* service :
       {"server", "registry.v1.SubmissionService", "registry.v1.AdminService",
        "registry.v1.OutcomeService", "registry.v1.ReportService"}) {
    EXPECT_THAT(serving.out, HasSubstr(service));
  }
  EXPECT_THAT(serving.out, Not(HasSubstr("NOT_SERVING")));
  RegctlResult unknown =
      RegctlAt(address, "", {"health", "--service", "registry.v1.Nothing"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_THAT(unknown.out, HasSubstr("SERVICE_UNKNOWN"));

  // SIGTERM: STOPPING=1, then NOT_SERVING for the notice period while
  // calls are still served.
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  EXPECT_THAT(notify.Next(), HasSubstr("STOPPING=1"));
  RegctlResult draining = RegctlAt(address, "", {"health", "--format", "csv"});
  EXPECT_EQ(draining.exit_code, 3) << draining.out << draining.err;
  EXPECT_THAT(draining.out, HasSubstr("server,NOT_SERVING"));
  EXPECT_THAT(draining.out,
              HasSubstr("registry.v1.SubmissionService,NOT_SERVING"));
  RegctlResult still = RegctlAt(address, admin, {"admin", "center", "list"});
  EXPECT_EQ(still.exit_code, 0) << still.err;
  EXPECT_TRUE(server.Alive());

  EXPECT_EQ(server.WaitForExit(30), 0) << server.log();
  EXPECT_THAT(server.log(), HasSubstr("reporting NOT_SERVING for 4 s"));
  // Gone: unreachable is 1, not 3.
  RegctlResult gone = RegctlAt(address, "", {"health"});
  EXPECT_EQ(gone.exit_code, 1);
}

TEST(OperationsTest, WithoutNoticeTheDrainBeginsAtOnce) {
  TempDir dir;
  RegistrydProcess server(REGISTRYD_PATH, dir, dir.File("registry.db"));
  server.WaitForPort();
  EXPECT_EQ(server.StopWith(SIGTERM), 0);
  EXPECT_THAT(server.log(), HasSubstr("draining in-flight calls"));
  EXPECT_THAT(server.log(), Not(HasSubstr("reporting NOT_SERVING")));
}

// The ExecStart of a unit file as arguments, continuation lines joined,
// without the program.
std::vector<std::string> ExecStartArgs(const std::string& unit) {
  std::string joined;
  bool in_exec = false;
  for (absl::string_view line : absl::StrSplit(ReadFile(unit), '\n')) {
    if (absl::StartsWith(line, "ExecStart=")) {
      in_exec = true;
      line.remove_prefix(10);
    }
    if (!in_exec) continue;
    const bool more = absl::EndsWith(line, "\\");
    if (more) line.remove_suffix(1);
    absl::StrAppend(&joined, line, " ");
    if (!more) break;
  }
  std::vector<std::string> args =
      absl::StrSplit(joined, ' ', absl::SkipEmpty());
  if (!args.empty()) args.erase(args.begin());
  return args;
}

// Prometheus' text format: comments, and `name{labels} value` lines.
void ExpectPrometheusText(const std::string& text) {
  static const std::regex kSample(
      R"re([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+Inf-]+)re");
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "# HELP ") ||
        absl::StartsWith(line, "# TYPE ")) {
      continue;
    }
    EXPECT_TRUE(std::regex_match(std::string(line), kSample)) << line;
  }
}

TEST(OperationsTest, MetricsReachTheTextfileCollectorAsTheUnitRunsThem) {
  TempDir pki;
  ASSERT_EQ(std::system((std::string(TEST_DATA_DIR) + "/make_test_certs.sh " +
                         pki.path() + " >/dev/null")
                            .c_str()),
            0);
  TestRegistry registry([&](ServerOptions& o) {
    o.tls_cert_file = pki.File("server.pem");
    o.tls_key_file = pki.File("server.key");
    o.tls_client_ca_file = pki.File("ca.pem");
  });
  registry.SetRegctlFlags({"--ca-cert", pki.File("ca.pem"), "--cert",
                           pki.File("client.pem"), "--key",
                           pki.File("client.key")});
  const std::string submitter = registry.IssueToken("submitter", "C1");
  ASSERT_EQ(registry
                .Regctl({"submit", "import", "patients",
                         registry.WriteCsv("p.csv",
                                           "patient_id,sex,birth_year,disease,"
                                           "diagnosis_date\n"
                                           "P1,F,1980,RRMS,2010-05-01\n")},
                        submitter)
                .exit_code,
            0);

  // The unit's own command line, its variables and directories replaced.
  TempDir credentials, collector;
  std::filesystem::copy_file(registry.admin_token_file(),
                             credentials.File("token"));
  std::filesystem::copy_file(pki.File("client.key"),
                             credentials.File("client.key"));
  std::vector<std::string> args = ExecStartArgs(
      std::string(TEST_DATA_DIR) + "/../../deploy/registry-metrics.service");
  ASSERT_THAT(args, ::testing::Contains("--textfile"));
  for (std::string& arg : args) {
    arg = absl::StrReplaceAll(
        arg, {{"${REGISTRY_SERVER}", registry.address()},
              {"${REGISTRY_CA_CERT}", pki.File("ca.pem")},
              {"${REGISTRY_CLIENT_CERT}", pki.File("client.pem")},
              {"${CREDENTIALS_DIRECTORY}", credentials.path()},
              {"/var/lib/prometheus/node-exporter", collector.path()}});
  }
  auto run = [&args] {
    std::ostringstream out, err;
    RegctlIo io{out, err, {}, false};
    return RegctlResult{RunRegctl(args, io), out.str(), err.str()};
  };
  RegctlResult scraped = run();
  ASSERT_EQ(scraped.exit_code, 0) << scraped.err;
  const std::string file = collector.File("hsct-registry.prom");
  const std::string text = ReadFile(file);
  ExpectPrometheusText(text);
  EXPECT_THAT(text, HasSubstr("\nregistry_up 1\n"));
  EXPECT_THAT(text, HasSubstr("registry_build_info{version=\""));
  EXPECT_THAT(text, HasSubstr("rules=\"hsct-outcomes/"));
  EXPECT_THAT(text, HasSubstr("\nregistry_patients 1\n"));
  EXPECT_THAT(text, HasSubstr("\nregistry_centers 1\n"));
  EXPECT_THAT(text, HasSubstr("\nregistry_events 1\n"));
  EXPECT_THAT(text, HasSubstr("\nregistry_disk_full 0\n"));
  EXPECT_THAT(text, HasSubstr("\nregistry_store_figures_ok 1\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\nregistry_audit_entries [1-9]"));
  EXPECT_THAT(text,
              ::testing::ContainsRegex("\nregistry_database_bytes [1-9]"));
  EXPECT_THAT(text, HasSubstr("registry_request_duration_seconds_bucket{method="
                              "\"/registry.v1.SubmissionService/Submit\","
                              "le=\"0.001\"}"));
  EXPECT_THAT(text, Not(HasSubstr("_ms")));
  EXPECT_THAT(text, Not(HasSubstr("P1")));
  EXPECT_EQ(std::filesystem::status(file).permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::others_read);

  // The server gone: the file says so instead of going stale.
  registry.Stop();
  RegctlResult down = run();
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(ReadFile(file), HasSubstr("\nregistry_up 0\n"));
  EXPECT_THAT(ReadFile(file), Not(HasSubstr("registry_patients")));
  for (const auto& entry :
       std::filesystem::directory_iterator(collector.path())) {
    EXPECT_EQ(entry.path().filename(),
              "hsct-registry.prom");  // no partial left
  }
}

}  // namespace
}  // namespace registry::testing
