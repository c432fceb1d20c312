// End-to-end: failed authentications are counted per host, in flight too,
// cleared by nothing but time, held back without a thread each, audited
// per host and interval, and released when the server stops.
#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "registry/v1/admin.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

constexpr char kBadToken[] =
    "Bearer rgt_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffff";

class FailedAuthTest : public ::testing::Test {
 protected:
  FailedAuthTest()
      : registry_([](ServerOptions& o) { o.auth.free_failures = 2; }) {}
  void SetUp() override {
    stub_ = v1::AdminService::NewStub(grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
  }

  // ListCenters with `authorization` (none when empty); the time it took.
  absl::Duration Call(const std::string& authorization,
                      grpc::StatusCode* code = nullptr) {
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::ListCentersResponse response;
    const absl::Time start = absl::Now();
    grpc::Status status =
        stub_->ListCenters(&context, v1::ListCentersRequest(), &response);
    if (code != nullptr) *code = status.error_code();
    return absl::Now() - start;
  }
  std::string Bearer(const std::string& token_file) {
    return "Bearer " +
           std::string(absl::StripAsciiWhitespace(ReadFile(token_file)));
  }
  // Failures recorded in the audit trail, summed over its entries, and
  // the number of entries; after the registry has stopped (which writes
  // what is still due).
  std::pair<int64_t, int> AuditedFailures() {
    registry_.Stop();
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT new_value FROM audit_log WHERE action = "
                        "'auth.failed'");
    int64_t failures = 0;
    int entries = 0;
    while (q.executeStep()) {
      ++entries;
      for (absl::string_view field :
           absl::StrSplit(q.getColumn(0).getString(), ' ')) {
        int64_t n;
        if (absl::ConsumePrefix(&field, "failures=") &&
            absl::SimpleAtoi(field, &n)) {
          failures += n;
        }
      }
    }
    return {failures, entries};
  }

  TestRegistry registry_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(FailedAuthTest, AValidTokenDoesNotClearTheFailuresOfItsHost) {
  const std::string analyst = Bearer(registry_.IssueToken("analyst"));
  for (int i = 0; i < 3; ++i) Call(kBadToken);  // the third is held 100 ms
  grpc::StatusCode code;
  Call(analyst, &code);  // a valid token, refused for its role
  EXPECT_EQ(code, grpc::StatusCode::PERMISSION_DENIED);
  Call(Bearer(registry_.admin_token_file()), &code);  // and one allowed
  EXPECT_EQ(code, grpc::StatusCode::OK);
  // The fourth failure is held 200 ms: nothing cleared the count.
  EXPECT_GE(Call(kBadToken, &code), absl::Milliseconds(190));
  EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(FailedAuthTest, MalformedHeadersAreCountedHeldAndAudited) {
  grpc::StatusCode code;
  absl::Duration last;
  for (const char* header : {"Basic dXNlcjpwYXNz", "Bearer", "bearer x",
                             "Token abc", "Basic again"}) {
    last = Call(header, &code);
    EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED) << header;
  }
  // Free, free, 100, 200, 400 ms.
  EXPECT_GE(last, absl::Milliseconds(390));
  EXPECT_EQ(AuditedFailures().first, 5);
}

TEST_F(FailedAuthTest, ParallelGuessesAreCountedWhileTheirAnswersWait) {
  constexpr int kGuesses = 12;
  std::atomic<int> quick{0};
  std::vector<std::thread> guesses;
  for (int i = 0; i < kGuesses; ++i) {
    guesses.emplace_back([&] {
      grpc::StatusCode code;
      if (Call(kBadToken, &code) < absl::Milliseconds(90)) ++quick;
      EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
    });
  }
  for (std::thread& t : guesses) t.join();
  // Only the free failures are answered at once, however many run at once.
  EXPECT_LE(quick.load(), 2);
}

TEST_F(FailedAuthTest, FailuresAreAuditedAsOneEntryPerHostAndInterval) {
  for (int i = 0; i < 30; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", kBadToken);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(50));
    v1::ListCentersResponse response;
    stub_->ListCenters(&context, v1::ListCentersRequest(), &response);
  }
  const auto [failures, entries] = AuditedFailures();
  EXPECT_EQ(failures, 30);
  EXPECT_LE(entries, 2);  // the host's first at once, the rest together
}

// A public service's handler checks no token, so the gate never holds it:
// released by the timer, a reflection stream would keep the timer's thread
// for as long as its client keeps it open.
TEST_F(FailedAuthTest, APublicStreamWithABadTokenIsNotHeld) {
  for (int i = 0; i < 3; ++i) Call(kBadToken);  // past the free failures
  grpc::GenericStub generic(grpc::CreateChannel(
      registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
  grpc::CompletionQueue queue;
  grpc::ClientContext reflection;
  reflection.AddMetadata("authorization", kBadToken);
  auto stream = generic.PrepareCall(
      &reflection,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag;
  bool ok;
  stream->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  const char list_services[] = {0x3a, 0x00};
  grpc::Slice slice(list_services, sizeof list_services);
  stream->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  // The stream stays open; held calls are still released on time.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  grpc::StatusCode code;
  EXPECT_LT(Call(kBadToken, &code), absl::Seconds(3));
  EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED);
  reflection.TryCancel();
  grpc::Status ignored;
  stream->Finish(&ignored, reinterpret_cast<void*>(3));
  while (queue.Next(&tag, &ok) && tag != reinterpret_cast<void*>(3)) {
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

TEST_F(FailedAuthTest, StoppingReleasesTheHeldAnswers) {
  // Enough failures for 5 s delays, then calls held that long.
  for (int i = 0; i < 12; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", kBadToken);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(20));
    v1::ListCentersResponse response;
    stub_->ListCenters(&context, v1::ListCentersRequest(), &response);
  }
  std::vector<std::thread> held;
  for (int i = 0; i < 8; ++i) held.emplace_back([&] { Call(kBadToken); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Time start = absl::Now();
  registry_.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  for (std::thread& t : held) t.join();
}

// A host whose failures fill its held answers is refused unchecked, but a
// token already known good still passes from it (others behind the same
// NAT, or loopback, keep working).
TEST(RefusedHostTest, KnownGoodTokensStillPass) {
  TestRegistry registry([](ServerOptions& o) {
    o.auth.free_failures = 0;
    o.auth.max_held_per_host = 2;
    o.auth.first_delay = absl::Seconds(5);
  });
  const std::string known = std::string(
      absl::StripAsciiWhitespace(ReadFile(registry.admin_token_file())));
  RegctlResult issued = registry.Regctl(
      {"admin", "token", "issue", "--role", "analyst"},
      registry.admin_token_file());  // the admin token is now cached
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string unused =
      std::string(absl::StripAsciiWhitespace(issued.out));
  auto stub = v1::AdminService::NewStub(grpc::CreateChannel(
      registry.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
  auto call = [&](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::ListCentersResponse response;
    return stub->ListCenters(&context, v1::ListCentersRequest(), &response)
        .error_code();
  };
  std::vector<std::thread> held;
  for (int i = 0; i < 2; ++i) held.emplace_back([&] { call("rgt_bad"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(call("rgt_another_bad"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(call(known), grpc::StatusCode::OK);
  // A token never used is not known good: refused unchecked too.
  EXPECT_EQ(call(unused), grpc::StatusCode::RESOURCE_EXHAUSTED);
  for (std::thread& t : held) t.join();
}

// --- Token lifecycle -------------------------------------------------------

class TokenExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stub_ = v1::AdminService::NewStub(grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
    admin_ = std::string(
        absl::StripAsciiWhitespace(ReadFile(registry_.admin_token_file())));
  }
  void Prepare(grpc::ClientContext& context, const std::string& token) {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
  }
  grpc::Status Issue(int64_t expires_in_seconds,
                     v1::IssueTokenResponse* response) {
    grpc::ClientContext context;
    Prepare(context, admin_);
    v1::IssueTokenRequest request;
    request.set_role(v1::ROLE_ADMIN);
    request.set_label("expiring admin");
    request.set_expires_in_seconds(expires_in_seconds);
    return stub_->IssueToken(&context, request, response);
  }
  grpc::Status Rotate(const std::string& token, int64_t expires_in_seconds,
                      v1::RotateTokenResponse* response) {
    grpc::ClientContext context;
    Prepare(context, token);
    v1::RotateTokenRequest request;
    request.set_expires_in_seconds(expires_in_seconds);
    return stub_->RotateToken(&context, request, response);
  }
  bool Works(const std::string& token) {
    grpc::ClientContext context;
    Prepare(context, token);
    v1::ListCentersResponse response;
    return stub_->ListCenters(&context, v1::ListCentersRequest(), &response)
        .ok();
  }

  TestRegistry registry_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
  std::string admin_;
};

TEST_F(TokenExpiryTest, ANegativeExpiryIsRefusedAndTheTokenKeepsWorking) {
  v1::RotateTokenResponse rotated;
  const grpc::Status status = Rotate(admin_, -10, &rotated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_TRUE(Works(admin_));
}

TEST_F(TokenExpiryTest, ExpiriesAreBoundedToTenYears) {
  v1::IssueTokenResponse issued;
  for (int64_t seconds : {int64_t{11} * 366 * 86400,        // 11 years
                          int64_t{20000} * 366 * 86400}) {  // past year 9999
    const grpc::Status status = Issue(seconds, &issued);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << seconds << ": " << status.error_message();
  }
  v1::RotateTokenResponse rotated;
  EXPECT_EQ(Rotate(admin_, int64_t{20000} * 366 * 86400, &rotated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Issue(int64_t{10} * 365 * 86400, &issued).ok());
  EXPECT_TRUE(Works(issued.token()));
}

TEST_F(TokenExpiryTest, ARotatedTokenKeepsTheExpiryOfTheOldOne) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(3600, &issued).ok());
  ASSERT_TRUE(issued.info().has_expires_at());
  v1::RotateTokenResponse rotated;
  ASSERT_TRUE(Rotate(issued.token(), 0, &rotated).ok());
  ASSERT_TRUE(rotated.info().has_expires_at());
  EXPECT_EQ(rotated.info().expires_at().seconds(),
            issued.info().expires_at().seconds());
  // Asked for, a rotation may set another expiry.
  v1::RotateTokenResponse longer;
  ASSERT_TRUE(Rotate(rotated.token(), 7200, &longer).ok());
  EXPECT_GT(longer.info().expires_at().seconds(),
            issued.info().expires_at().seconds());
}

// --- Attribution ------------------------------------------------------------

TEST(AttributionTest, EveryAuditEntryOfATokenNamesWhoIssuedIt) {
  TestRegistry registry;
  // An admin issues itself a submitter token and writes clinical data.
  const std::string submitter = registry.IssueToken("submitter", "C1");
  RegctlResult imported = registry.Regctl(
      {"submit", "import", "patients",
       registry.WriteCsv("p.csv",
                         "patient_id,sex,birth_year,disease,diagnosis_date\n"
                         "P1,F,1980,RRMS,2010-01-01\n")},
      submitter);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  registry.Stop();
  SQLite::Database db(registry.db_path(), SQLite::OPEN_READONLY);
  const std::string admin =
      db.execAndGet("SELECT token_id FROM tokens WHERE role = 'admin'")
          .getString();
  SQLite::Statement created(db,
                            "SELECT principal, issued_by FROM audit_log "
                            "WHERE action = 'record.create'");
  ASSERT_TRUE(created.executeStep());
  EXPECT_NE(created.getColumn(0).getString(), admin);
  EXPECT_EQ(created.getColumn(1).getString(), admin);
  // The admin token itself was issued by the server.
  SQLite::Statement listed(db,
                           "SELECT issued_by FROM audit_log WHERE action = "
                           "'center.add'");
  ASSERT_TRUE(listed.executeStep());
  EXPECT_EQ(listed.getColumn(0).getString(), "registryd");
}

TEST(AttributionTest, ALabelIsQuotedInTheAuditTrail) {
  TestRegistry registry;
  RegctlResult issued =
      registry.Regctl({"admin", "token", "issue", "--role", "analyst",
                       "--label", "stats\" role=admin expires=2099"},
                      registry.admin_token_file());
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  registry.Stop();
  SQLite::Database db(registry.db_path(), SQLite::OPEN_READONLY);
  const std::string value =
      db.execAndGet(
            "SELECT new_value FROM audit_log WHERE action = "
            "'token.issue' ORDER BY seq DESC LIMIT 1")
          .getString();
  EXPECT_EQ(value, "role=analyst label=\"stats\\\" role=admin expires=2099\"");
}

}  // namespace
}  // namespace registry::testing
