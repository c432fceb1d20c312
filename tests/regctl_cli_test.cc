// regctl's command line without a server: every command group refuses a
// flag it does not take (exit 2, naming the flag, nothing sent), `--` ends
// the options, each command has its own --help, and every binary has
// --version.
#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include "clients/regctl/regctl.h"
#include "core/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Ran {
  int code;
  std::string out;
  std::string err;
};

// Nothing listens on port 1: a command that got past parsing fails with
// exit 1 (UNAVAILABLE), not 2.
Ran Regctl(std::vector<std::string> args) {
  std::ostringstream out, err;
  RegctlIo io{out, err, {{"REGISTRY_SERVER", "127.0.0.1:1"}}, false};
  args.insert(args.begin(), {"--timeout", "2"});
  const int code = RunRegctl(args, io);
  return {code, out.str(), err.str()};
}

TEST(RegctlCliTest, AFlagACommandDoesNotTakeIsAUsageErrorInEveryGroup) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  const std::vector<Case> cases = {
      // Once quietly ignored: exported today's records.
      {{"submit", "export", "visits", "--as-of", "2024-01-01"}, "--as-of"},
      {{"submit", "import", "visits", "v.csv", "--as-of", "2024-01-01"},
       "--as-of"},
      {{"report", "export", "visits", "--as-of", "2026-01-01"}, "--as-of"},
      {{"report", "km", "--endpoint", "os", "--min-cell-size", "3"},
       "--min-cell-size"},
      {{"patient", "history", "P1", "--endpoint", "os"}, "--endpoint"},
      {{"patient", "status", "P1", "--min-cell-size", "3"}, "--min-cell-size"},
      {{"admin", "token", "list", "--reason", "x"}, "--reason"},
      {{"admin", "center", "add", "C9", "--name", "N", "--format", "csv"},
       "--format"},
      {{"admin", "audit", "check-proof", "p.txt", "--deidentify"},
       "--deidentify"},
  };
  for (const Case& c : cases) {
    const Ran ran = Regctl(c.args);
    EXPECT_EQ(ran.code, 2) << c.args[0] << " " << c.args[1] << ": " << ran.err;
    EXPECT_THAT(ran.err, HasSubstr(c.flag)) << c.args[1];
    EXPECT_THAT(ran.err, HasSubstr("does not take")) << c.args[1];
    EXPECT_THAT(ran.err, Not(HasSubstr("UNAVAILABLE"))) << c.args[1];
  }
}

TEST(RegctlCliTest, OperandsAndFormatsAreChecked) {
  Ran ran = Regctl({"submit", "import", "visits"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("FILE"));
  ran = Regctl({"admin", "token", "revoke", "t1", "t2"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("t2"));
  ran = Regctl({"report", "export", "visits", "--format", "svg"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("svg"));
  ran = Regctl({"report", "teleport"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("teleport"));
  ran = Regctl({"admin"});
  EXPECT_EQ(ran.code, 2);
  // Both or neither: one patient.
  ran = Regctl({"patient", "history", "P1", "--registry-id", "R1"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("one of them"));
}

TEST(RegctlCliTest, GlobalFlagsGoBeforeOrAfterTheCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--server", "127.0.0.1:1", "admin", "center", "list"},
           {"admin", "center", "list", "--server", "127.0.0.1:1"},
           {"admin", "center", "list", "--format=csv"}}) {
    const Ran ran = Regctl(args);
    EXPECT_EQ(ran.code, 1) << ran.err;  // parsed, then no server
    EXPECT_THAT(ran.err, HasSubstr("UNAVAILABLE"));
  }
}

TEST(RegctlCliTest, DoubleDashEndsTheOptions) {
  // A patient code that looks like a flag.
  Ran ran = Regctl({"patient", "history", "--", "--registry-id"});
  EXPECT_EQ(ran.code, 1) << ran.err;
  EXPECT_THAT(ran.err, HasSubstr("UNAVAILABLE"));
  ran = Regctl({"patient", "history", "--registry-id"});
  EXPECT_EQ(ran.code, 2);
}

TEST(RegctlCliTest, EachCommandHasItsOwnHelp) {
  Ran ran = Regctl({"submit", "import", "--help"});
  EXPECT_EQ(ran.code, 0);
  EXPECT_THAT(ran.out, HasSubstr("KIND"));
  EXPECT_THAT(ran.out, HasSubstr("FILE"));
  EXPECT_THAT(ran.out, HasSubstr("import a CSV file"));
  EXPECT_THAT(ran.out, Not(HasSubstr("--as-of")));
  // The columns of every kind, from the core's declaration.
  EXPECT_THAT(ran.out, HasSubstr("visits: patient_id*+,visit_date*+,edss*"));
  EXPECT_THAT(ran.out, HasSubstr("brain_volume_change_pct"));
  ran = Regctl({"report", "km", "--help"});
  EXPECT_EQ(ran.code, 0);
  EXPECT_THAT(ran.out, HasSubstr("--endpoint"));
  EXPECT_THAT(ran.out, HasSubstr("--confirmation-days"));
  EXPECT_THAT(ran.out, HasSubstr("svg"));
  ran = Regctl({"--help"});
  EXPECT_EQ(ran.code, 0);
  for (const char* group : {"admin", "submit", "patient", "report"}) {
    EXPECT_THAT(ran.out, HasSubstr(group));
  }
  ran = Regctl({});
  EXPECT_EQ(ran.code, 2);
}

TEST(RegctlCliTest, NonUtf8ArgumentsAreRefused) {
  const Ran ran =
      Regctl({"admin", "center", "add", "C1", "--name", "Gen\xe8ve"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_THAT(ran.err, HasSubstr("UTF-8"));
}

// Runs `command`, returning its exit status and stdout.
std::pair<int, std::string> Shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buffer[256];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
    out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(VersionTest, EveryBinaryPrintsTheOneVersion) {
  const std::string version(RegistryVersion());
  EXPECT_FALSE(version.empty());
  EXPECT_EQ(Regctl({"--version"}).out, "regctl " + version + "\n");
  EXPECT_EQ(Regctl({"--version"}).code, 0);
  for (const std::string& binary :
       {std::string(REGISTRYD_PATH), std::string(COHORTGEN_PATH)}) {
    const auto [code, out] = Shell(binary + " --version");
    EXPECT_EQ(code, 0) << binary;
    EXPECT_THAT(out, HasSubstr(version)) << binary;
  }
}

TEST(VersionTest, CohortgenTakesFlagsWithDashes) {
  const auto [code, out] =
      Shell(std::string(COHORTGEN_PATH) +
            " --out /dev/null/x --last-date 2020-01-01 --patients 0 2>&1");
  // Refused for its values, not for an unknown --last-date.
  EXPECT_THAT(out, Not(HasSubstr("Unknown command line flag")));
}

}  // namespace
}  // namespace registry
