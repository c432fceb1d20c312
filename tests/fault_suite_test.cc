// The fault suite: a real registryd process on a full disk, a read-only
// store, a removed WAL after SIGKILL, a second process on the same
// database, stalled streaming readers, a flood of failed logins under a
// task limit and a stream with an unparsable message. Tests that need root
// (to mount a tmpfs, to run registryd as another user) skip without it.
//
// $REGISTRY_TEST_REGISTRYD runs them against another registryd build.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/date.h"
#include "core/sync.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"
#include "storage/registry_store.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

std::string Registryd() { return RegistrydUnderTest(REGISTRYD_PATH); }

// A registry process with one center, a submitter token and patients
// P0..P9, on a database at `db`.
struct Running {
  Running(const TempDir& dir, const std::string& db,
          std::vector<std::string> flags = {},
          std::vector<std::string> launcher = {})
      : server(Registryd(), dir, db, std::move(flags), std::move(launcher)),
        address(absl::StrCat("127.0.0.1:", server.WaitForPort())),
        admin(db + ".admin-token") {}

  void Prepare(const TempDir& dir) {
    ASSERT_EQ(RegctlAt(address, admin,
                       {"admin", "center", "add", "C1", "--name", "One"})
                  .exit_code,
              0);
    RegctlResult token = RegctlAt(
        address, admin,
        {"admin", "token", "issue", "--role", "submitter", "--center", "C1"});
    ASSERT_EQ(token.exit_code, 0) << token.err;
    submitter = dir.File("submitter.token");
    WriteFile(submitter, token.out);
    std::string csv = "patient_id,sex,birth_year,disease,diagnosis_date\n";
    for (int p = 0; p < 10; ++p) {
      absl::StrAppend(&csv, "P", p, ",F,1980,RRMS,2000-01-01\n");
    }
    WriteFile(dir.File("patients.csv"), csv);
    RegctlResult imported =
        RegctlAt(address, submitter,
                 {"submit", "import", "patients", dir.File("patients.csv")});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  RegistrydProcess server;
  std::string address;
  std::string admin;
  std::string submitter;
};

// `n` visits of P0 from 2001-01-01 + `offset` days, as a CSV file.
std::string VisitsFile(const TempDir& dir, int n, int offset = 0) {
  std::string csv = "patient_id,visit_date,edss\n";
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&csv, "P0,", FormatIsoDate(Date(2001, 1, 1) + offset + i),
                    ",2.0\n");
  }
  const std::string path = dir.File(absl::StrCat("visits-", offset, ".csv"));
  WriteFile(path, csv);
  return path;
}

// --- A full disk ----------------------------------------------------------

TEST(FullDiskTest, WritesFailReadsGoOnAndWritesResumeWithoutARestart) {
  TempDir dir;
  Tmpfs disk(dir.File("disk"), 40);
  if (!disk.mounted()) GTEST_SKIP() << "needs to mount a tmpfs (root)";
  Running registry(dir, disk.path() + "/registry.db");
  registry.Prepare(dir);
  const std::string visits = VisitsFile(dir, 3000);

  disk.Fill("filler");
  RegctlResult full = RegctlAt(registry.address, registry.submitter,
                               {"submit", "import", "visits", visits});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_THAT(full.err, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(full.err, HasSubstr("disk is full"));
  ASSERT_TRUE(registry.server.Alive()) << registry.server.log();

  // Reads, and the audit entries they need, go on.
  RegctlResult history = RegctlAt(registry.address, registry.submitter,
                                  {"patient", "history", "P0"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  RegctlResult verify =
      RegctlAt(registry.address, registry.admin, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  // A second submission is refused at once, with what to do.
  RegctlResult again = RegctlAt(registry.address, registry.submitter,
                                {"submit", "import", "visits", visits});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("RESOURCE_EXHAUSTED"));

  // Space back: the same process takes the import (it looks once a second).
  std::filesystem::remove(disk.path() + "/filler");
  RegctlResult resumed;
  for (int i = 0; i < 50; ++i) {
    resumed = RegctlAt(registry.address, registry.submitter,
                       {"submit", "import", "visits", visits});
    if (resumed.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("3000 accepted"));
  EXPECT_EQ(registry.server.StopWith(SIGTERM), 0) << registry.server.log();
}

TEST(FullDiskTest, StartsOnAFullDiskSayingSoAndServesReads) {
  TempDir dir;
  Tmpfs disk(dir.File("disk"), 40);
  if (!disk.mounted()) GTEST_SKIP() << "needs to mount a tmpfs (root)";
  const std::string db = disk.path() + "/registry.db";
  std::string submitter;
  {
    Running registry(dir, db);
    registry.Prepare(dir);
    submitter = registry.submitter;
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  disk.Fill("filler");
  Running registry(dir, db);
  EXPECT_THAT(registry.server.log(), HasSubstr("is full"));
  RegctlResult history =
      RegctlAt(registry.address, submitter, {"patient", "history", "P0"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  RegctlResult import =
      RegctlAt(registry.address, submitter,
               {"submit", "import", "visits", VisitsFile(dir, 100)});
  EXPECT_EQ(import.exit_code, 1);
  EXPECT_THAT(import.err, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_EQ(registry.server.StopWith(SIGTERM), 0) << registry.server.log();
}

// --- A read-only store ----------------------------------------------------

TEST(ReadOnlyStoreTest, StartUpOnAReadOnlyFileSystemSaysSo) {
  TempDir dir;
  Tmpfs disk(dir.File("disk"), 40);
  if (!disk.mounted()) GTEST_SKIP() << "needs to mount a tmpfs (root)";
  const std::string db = disk.path() + "/registry.db";
  {
    Running registry(dir, db);
    registry.Prepare(dir);
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  ASSERT_TRUE(disk.SetReadOnly(true));
  RegistrydProcess refused(Registryd(), dir, db);
  EXPECT_EQ(refused.WaitForExit(), 1) << refused.log();
  EXPECT_THAT(refused.log(), HasSubstr("read-only file system"));
  EXPECT_THAT(refused.log(), HasSubstr(disk.path()));

  ASSERT_TRUE(disk.SetReadOnly(false));
  Running again(dir, db);
  RegctlResult history = RegctlAt(again.address, dir.File("submitter.token"),
                                  {"patient", "history", "P0"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
}

// Runs registryd as user nobody; skips without root or setpriv.
std::vector<std::string> AsNobody() {
  if (geteuid() != 0 || !std::filesystem::exists("/usr/bin/setpriv")) {
    return {};
  }
  return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
          "--clear-groups"};
}

TEST(ReadOnlyStoreTest, ALeftoverReadOnlyShmFileIsNamedAtStartUp) {
  if (AsNobody().empty()) GTEST_SKIP() << "needs root and setpriv";
  TempDir dir;
  const std::string store = dir.File("store");
  std::filesystem::create_directory(store);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chown(store.c_str(), 65534, 65534), 0);
  const std::string db = store + "/registry.db";
  {
    Running registry(dir, db, {}, AsNobody());
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  // A -shm file left by someone else (root), read-only to registryd.
  WriteFile(db + "-shm", std::string(32768, '\0'));
  ASSERT_EQ(::chmod((db + "-shm").c_str(), 0444), 0);
  RegistrydProcess refused(Registryd(), dir, db, {}, AsNobody());
  EXPECT_EQ(refused.WaitForExit(), 1) << refused.log();
  EXPECT_THAT(refused.log(), HasSubstr(db + "-shm"));
  EXPECT_THAT(refused.log(), HasSubstr("remove it"));

  std::filesystem::remove(db + "-shm");
  Running again(dir, db, {}, AsNobody());
  EXPECT_EQ(again.server.StopWith(SIGTERM), 0) << again.server.log();
}

TEST(ReadOnlyStoreTest, AReadOnlyDirectoryIsNamedAtStartUp) {
  if (AsNobody().empty()) GTEST_SKIP() << "needs root and setpriv";
  TempDir dir;
  const std::string store = dir.File("store");
  std::filesystem::create_directory(store);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chown(store.c_str(), 65534, 65534), 0);
  const std::string db = store + "/registry.db";
  {
    Running registry(dir, db, {}, AsNobody());
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  ASSERT_EQ(::chown(store.c_str(), 0, 0), 0);  // no longer registryd's
  RegistrydProcess refused(Registryd(), dir, db, {}, AsNobody());
  EXPECT_EQ(refused.WaitForExit(), 1) << refused.log();
  EXPECT_THAT(refused.log(),
              HasSubstr("cannot write in the directory " + store));
}

// --- A stream with an unparsable message ------------------------------------

TEST(UnparsableStreamTest, AMiddleMessageThatDoesNotParseWritesNothing) {
  TempDir dir;
  Running registry(dir, dir.File("registry.db"));
  registry.Prepare(dir);
  auto visits = [](int first_year, int n) {
    v1::SubmitRequest request;
    for (int i = 0; i < n; ++i) {
      v1::Visit* v = request.add_records()->mutable_visit();
      v->set_patient_id("P1");
      v->mutable_visit_date()->set_year(first_year + i);
      v->mutable_visit_date()->set_month(1);
      v->mutable_visit_date()->set_day(1);
      v->set_edss(2.0);
    }
    return request;
  };
  v1::SubmitRequest first = visits(2001, 1000);
  first.set_operation(v1::OPERATION_IMPORT);
  first.set_record_count(1500);
  v1::SubmitRequest middle;
  v1::Treatment* treatment = middle.add_records()->mutable_treatment();
  treatment->set_patient_id("P1");
  treatment->set_drug("CladribinX");
  std::string bad = middle.SerializeAsString();
  bad.replace(bad.find("CladribinX"), 10, "Cladribin\xE9");  // Latin-1
  const grpc::Status status = RawClientStream(
      grpc::CreateChannel(registry.address,
                          grpc::experimental::LocalCredentials(LOCAL_TCP)),
      "/registry.v1.SubmissionService/Submit",
      "Bearer " +
          std::string(absl::StripAsciiWhitespace(ReadFile(registry.submitter))),
      {first.SerializeAsString(), bad, visits(1000, 499).SerializeAsString()});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  RegctlResult exported = RegctlAt(registry.address, registry.submitter,
                                   {"submit", "export", "visits"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "patient_id,visit_date,edss\n");
  // registryd's stderr: its own start-up lines, then JSON lines only.
  EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  for (absl::string_view line :
       absl::StrSplit(registry.server.log(), '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "registryd: ")) continue;
    EXPECT_TRUE(absl::StartsWith(line, "{\"time\":") &&
                absl::EndsWith(line, "}"))
        << line;
  }
  EXPECT_THAT(registry.server.log(), HasSubstr("\"source\":\"protobuf\""));
}

// --- A second process -------------------------------------------------------

TEST(SecondProcessTest, ASecondRegistrydOnTheSamePortOrDatabaseRefuses) {
  TempDir dir;
  Running first(dir, dir.File("registry.db"));
  first.Prepare(dir);
  TempDir other;
  RegistrydProcess same_port(Registryd(), other, other.File("other.db"),
                             {"--listen", first.address});
  EXPECT_EQ(same_port.WaitForExit(), 1) << same_port.log();
  EXPECT_THAT(same_port.log(), HasSubstr(first.address + " is in use"));
  TempDir third;
  RegistrydProcess same_db(Registryd(), third, dir.File("registry.db"));
  EXPECT_EQ(same_db.WaitForExit(), 1) << same_db.log();
  EXPECT_THAT(same_db.log(), HasSubstr(absl::StrCat("another process (pid ",
                                                    first.server.pid(),
                                                    ") holds the "
                                                    "database")));
  // The first one serves on, alone.
  RegctlResult history =
      RegctlAt(first.address, first.submitter, {"patient", "history", "P0"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
}

// --- A removed WAL, the first admin token -----------------------------------

TEST(LostWalTest, ARegistryWhoseWalWasRemovedRefusesToStartAgainEmpty) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  {
    Running registry(dir, db);
    registry.Prepare(dir);
    registry.server.StopWith(SIGKILL);  // all of it is still in the WAL
  }
  const std::string token = ReadFile(db + ".admin-token");
  ASSERT_FALSE(token.empty());
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  RegistrydProcess again(Registryd(), dir, db);
  EXPECT_EQ(again.WaitForExit(), 1) << again.log();
  EXPECT_THAT(again.log(), HasSubstr("not a new registry"));
  EXPECT_THAT(again.log(), HasSubstr("-wal"));
  EXPECT_EQ(ReadFile(db + ".admin-token"), token);  // never overwritten
}

TEST(LostWalTest, TheWalIsCopiedIntoTheDatabaseWithinItsTimeBound) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  std::string submitter;
  {
    Running registry(dir, db, {"--wal-checkpoint-seconds", "1"});
    registry.Prepare(dir);
    submitter = registry.submitter;
    std::this_thread::sleep_for(std::chrono::seconds(3));
    registry.server.StopWith(SIGKILL);
  }
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  // What was older than the bound is in the database file itself.
  Running again(dir, db);
  RegctlResult history =
      RegctlAt(again.address, submitter, {"patient", "history", "P9"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
}

TEST(AdminTokenTest, ATokenFileThatCannotBeWrittenLeavesNoTokenBehind) {
  TempDir dir;
  Tmpfs disk(dir.File("disk"), 4);
  if (!disk.mounted()) GTEST_SKIP() << "needs to mount a tmpfs (root)";
  const std::string db = dir.File("registry.db");
  const std::string token_file = disk.path() + "/admin.token";
  disk.Fill("filler");  // the file can be created, not written
  RegistrydProcess refused(Registryd(), dir, db,
                           {"--admin-token-file", token_file});
  EXPECT_EQ(refused.WaitForExit(), 1) << refused.log();
  EXPECT_THAT(refused.log(), HasSubstr(token_file));
  std::filesystem::remove(disk.path() + "/filler");
  // Nothing was committed, so the next start is a first start again.
  Running registry(dir, db, {"--admin-token-file", token_file});
  EXPECT_THAT(registry.server.log(), HasSubstr("new database"));
  RegctlResult list =
      RegctlAt(registry.address, token_file, {"admin", "center", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
}

// A first start that wrote its token file and stopped before the token was
// committed is finished by the next start, with the secret in the file.
TEST(AdminTokenTest, AnInterruptedFirstStartIsFinishedWithItsTokenFile) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  const std::string secret = "rgt_" + std::string(64, 'a');
  WriteFile(db + ".admin-token", secret + "\n");
  Running registry(dir, db);
  RegctlResult list = RegctlAt(registry.address, db + ".admin-token",
                               {"admin", "center", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err << registry.server.log();
}

TEST(AdminTokenTest, RecoveryNeedsARegistryWithTokens) {
  TempDir dir;
  RegistrydProcess missing(Registryd(), dir, dir.File("typo.db"),
                           {"--issue-admin-token", dir.File("t")});
  EXPECT_EQ(missing.WaitForExit(), 1);
  EXPECT_THAT(missing.log(), HasSubstr("there is no database"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("typo.db")));
  // A database that lost its data (here: one that never had any).
  {
    auto store = RegistryStore::Open(dir.File("empty.db"));
    ASSERT_TRUE(store.ok()) << store.status();
  }
  RegistrydProcess empty(Registryd(), dir, dir.File("empty.db"),
                         {"--issue-admin-token", dir.File("t")});
  EXPECT_EQ(empty.WaitForExit(), 1);
  EXPECT_THAT(empty.log(), HasSubstr("holds no token at all"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("t")));
}

TEST(AdminTokenTest, ALostAdminTokenIsReplacedByTheRecoveryCommand) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  const std::string recovered = dir.File("recovered.token");
  {
    Running registry(dir, db);
    registry.Prepare(dir);
    // Refused while the server holds the database.
    TempDir other;
    RegistrydProcess busy(Registryd(), other, db,
                          {"--issue-admin-token", recovered});
    EXPECT_EQ(busy.WaitForExit(), 1) << busy.log();
    EXPECT_THAT(busy.log(), HasSubstr("holds the database"));
    EXPECT_FALSE(std::filesystem::exists(recovered));
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  std::filesystem::remove(db + ".admin-token");  // lost
  RegistrydProcess recovery(Registryd(), dir, db,
                            {"--issue-admin-token", recovered});
  EXPECT_EQ(recovery.WaitForExit(), 0) << recovery.log();
  struct stat info;
  ASSERT_EQ(::stat(recovered.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // It refuses to overwrite a file.
  RegistrydProcess again(Registryd(), dir, db,
                         {"--issue-admin-token", recovered});
  EXPECT_EQ(again.WaitForExit(), 1) << again.log();
  EXPECT_THAT(again.log(), HasSubstr("never overwritten"));
  Running registry(dir, db);
  RegctlResult list =
      RegctlAt(registry.address, recovered, {"admin", "center", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("C1"));
}

// --- Files the server creates ---------------------------------------------

TEST(FileModesTest, EveryFileTheServerCreatesIsPrivateWhateverTheUmask) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  const mode_t saved = ::umask(0);  // registryd inherits it
  Running registry(dir, db);
  ::umask(saved);
  registry.Prepare(dir);
  RegctlResult backup =
      RegctlAt(registry.address, registry.admin,
               {"admin", "backup", "--out", dir.File("backup.db")});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  for (const std::string& file :
       {db, db + "-wal", db + "-shm", db + ".admin-token",
        db + ".checkpoint-key", db + ".lock", db + ".reserve",
        dir.File("backup.db")}) {
    struct stat info;
    ASSERT_EQ(::stat(file.c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
}

TEST(FileModesTest, LeftoversOfAnInterruptedBackupAreRemovedAtStart) {
  TempDir dir;
  const std::string db = dir.File("registry.db");
  {
    Running registry(dir, db);
    EXPECT_EQ(registry.server.StopWith(SIGTERM), 0);
  }
  const std::string leftover = db + ".backup-req_0123456789abcdef.tmp";
  WriteFile(leftover, "a copy of every patient code");
  Running registry(dir, db);
  EXPECT_FALSE(std::filesystem::exists(leftover));
}

// --- Stalled streaming readers ----------------------------------------------

TEST(StalledReadersTest, ExportsThatNeverReadFreezeNoOtherRead) {
  TempDir dir;
  Running registry(dir, dir.File("registry.db"));
  registry.Prepare(dir);
  // 40,000 visits: an export of them is far more than flow control lets
  // through to a client that does not read.
  std::string csv = "patient_id,visit_date,edss\n";
  for (int p = 0; p < 10; ++p) {
    for (int i = 0; i < 4000; ++i) {
      absl::StrAppend(&csv, "P", p, ",", FormatIsoDate(Date(1981, 1, 1) + i),
                      ",2.0\n");
    }
  }
  WriteFile(dir.File("many.csv"), csv);
  RegctlResult imported =
      RegctlAt(registry.address, registry.submitter,
               {"submit", "import", "visits", dir.File("many.csv")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  std::vector<std::string> tokens = {
      std::string(absl::StripAsciiWhitespace(ReadFile(registry.submitter)))};
  for (int t = 0; t < 3; ++t) {
    RegctlResult issued = RegctlAt(
        registry.address, registry.admin,
        {"admin", "token", "issue", "--role", "submitter", "--center", "C1"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    tokens.push_back(std::string(absl::StripAsciiWhitespace(issued.out)));
  }

  // 8 exports per token, 32 in all (twice the readers' pool), each on a
  // connection of its own, none ever read.
  struct Stalled {
    std::shared_ptr<grpc::Channel> channel;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::ExportResponse>> reader;
  };
  std::vector<std::unique_ptr<Stalled>> stalled;
  auto open_export = [&](const std::string& token, int n) {
    auto s = std::make_unique<Stalled>();
    grpc::ChannelArguments args;
    args.SetInt("registry.test.connection", n);  // no shared connection
    // A client that reads nothing, with the small receive window of a slow
    // link: the server soon has to wait for it.
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
    s->channel = grpc::CreateCustomChannel(
        registry.address, grpc::experimental::LocalCredentials(LOCAL_TCP),
        args);
    s->context.AddMetadata("authorization", "Bearer " + token);
    s->context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(120));
    v1::ExportRequest request;
    request.set_kind(v1::RECORD_KIND_VISITS);
    s->reader = v1::SubmissionService::NewStub(s->channel)
                    ->Export(&s->context, request);
    return s;
  };
  for (int i = 0; i < 32; ++i) {
    stalled.push_back(open_export(tokens[i % 4], i));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // Reads go on: a history, an audit verification, and the first call of a
  // token no one has used yet.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + tokens[0]);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::GetPatientHistoryRequest request;
  request.set_patient_id("P3");
  v1::GetPatientHistoryResponse history;
  const grpc::Status read =
      v1::SubmissionService::NewStub(
          grpc::CreateChannel(registry.address,
                              grpc::experimental::LocalCredentials(LOCAL_TCP)))
          ->GetPatientHistory(&context, request, &history);
  EXPECT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(history.current_records_size(), 4001);
  RegctlResult verify =
      RegctlAt(registry.address, registry.admin, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  RegctlResult issued =
      RegctlAt(registry.address, registry.admin,
               {"admin", "token", "issue", "--role", "analyst"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  WriteFile(dir.File("analyst.token"), issued.out);
  RegctlResult first_use = RegctlAt(registry.address, dir.File("analyst.token"),
                                    {"report", "km", "--endpoint", "os"});
  EXPECT_EQ(first_use.exit_code, 0) << first_use.err;

  // A ninth stream of one token is refused.
  std::unique_ptr<Stalled> ninth = open_export(tokens[1], 99);
  v1::ExportResponse message;
  while (ninth->reader->Read(&message)) {
  }
  const grpc::Status refused = ninth->reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();

  for (auto& s : stalled) s->context.TryCancel();
  for (auto& s : stalled) s->reader->Finish();
}

// --- A flood of failed logins under a task limit ---------------------------

TEST(LoginFloodTest, AThousandFailedLoginsHoldNoThreadsAndSigtermStillStops) {
  TempDir dir;
  std::vector<std::string> launcher;
  std::string db = dir.File("registry.db");
  if (!AsNobody().empty() && std::filesystem::exists("/usr/bin/prlimit")) {
    // A task limit like systemd's TasksMax or a container's pids limit:
    // RLIMIT_NPROC counts the threads of registryd's user.
    const std::string store = dir.File("store");
    std::filesystem::create_directory(store);
    ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
    ASSERT_EQ(::chown(store.c_str(), 65534, 65534), 0);
    db = store + "/registry.db";
    launcher = {"/usr/bin/prlimit", "--nproc=400:400"};
    for (const std::string& arg : AsNobody()) launcher.push_back(arg);
  }
  Running registry(dir, db, {}, launcher);
  registry.Prepare(dir);
  const std::string submitter =
      std::string(absl::StripAsciiWhitespace(ReadFile(registry.submitter)));
  auto channel = grpc::CreateChannel(
      registry.address, grpc::experimental::LocalCredentials(LOCAL_TCP));
  auto admin = v1::AdminService::NewStub(channel);

  constexpr int kGuesses = 1000;
  struct Guess {
    grpc::ClientContext context;
    v1::ListCentersRequest request;
    v1::ListCentersResponse response;
  };
  std::vector<std::unique_ptr<Guess>> guesses;
  registry::Mutex mutex;
  int answered = 0;
  for (int i = 0; i < kGuesses; ++i) {
    auto guess = std::make_unique<Guess>();
    guess->context.AddMetadata("authorization",
                               absl::StrCat("Bearer rgt_guess", i));
    guess->context.set_deadline(std::chrono::system_clock::now() +
                                std::chrono::seconds(60));
    admin->async()->ListCenters(&guess->context, &guess->request,
                                &guess->response, [&](grpc::Status) {
                                  registry::MutexLock lock(&mutex);
                                  ++answered;
                                });
    guesses.push_back(std::move(guess));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int threads = registry.server.Threads();
  EXPECT_GT(threads, 0);
  EXPECT_LT(threads, 120) << "registryd runs " << threads << " threads";

  // A submission goes through meanwhile.
  auto submission = v1::SubmissionService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + submitter);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::SubmitRequest request;
  request.set_operation(v1::OPERATION_IMPORT);
  v1::Relapse* relapse = request.add_records()->mutable_relapse();
  relapse->set_patient_id("P1");
  relapse->mutable_onset_date()->set_year(2020);
  relapse->mutable_onset_date()->set_month(2);
  relapse->mutable_onset_date()->set_day(3);
  v1::SubmitResponse response;
  const grpc::Status submitted =
      submission->SubmitBatch(&context, request, &response);
  EXPECT_TRUE(submitted.ok()) << submitted.error_message();

  // SIGTERM stops it, held answers and all.
  EXPECT_EQ(registry.server.StopWith(SIGTERM), 0) << registry.server.log();
  registry::MutexLock lock(&mutex);
  EXPECT_TRUE(mutex.AwaitWithTimeout(
      absl::Condition(
          +[](int* n) { return *n == kGuesses; }, &answered),
      absl::Seconds(30)));
}

}  // namespace
}  // namespace registry::testing
