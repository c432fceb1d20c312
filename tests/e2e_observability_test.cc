// End-to-end: what operators read stays trustworthy whatever callers send.
// A method path of the caller's choosing can neither forge request-log
// lines nor grow the metrics without bound, and protobuf's own complaints
// arrive as JSON lines of the request log, not as free text beside it.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "registry/v1/submission.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& bearer,
                     const std::string& bytes) {
  return RawUnaryCall(channel, method, "Bearer " + bearer, bytes);
}

// Each line of `log` is one JSON object: opens with {"time": and closes
// with }, and no quote inside ends a string early.
void ExpectJsonLines(const std::string& log) {
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"time\":\"") &&
                absl::EndsWith(line, "}"))
        << line;
  }
}

class ObservedRegistryTest : public ::testing::Test {
 protected:
  ObservedRegistryTest()
      : registry_([&](ServerOptions& o) { o.request_log = &log_; }) {}
  void SetUp() override {
    channel_ = grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
  }
  std::string Metrics() {
    RegctlResult metrics =
        registry_.Regctl({"admin", "metrics"}, registry_.admin_token_file());
    EXPECT_EQ(metrics.exit_code, 0) << metrics.err;
    return metrics.out;
  }

  std::ostringstream log_;
  TestRegistry registry_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ObservedRegistryTest, AMethodPathCannotForgeALogLine) {
  const std::string forged =
      "/x\",\"principal\":\"tok_forged\",\"code\":\"OK\",\"latency_ms\":1}\n"
      "{\"time\":\"2026-01-01T00:00:00.000Z\",\"method\":\"/y";
  const grpc::Status status = RawCall(channel_, forged, "anything", "");
  EXPECT_FALSE(status.ok());
  const std::string log = log_.str();
  ExpectJsonLines(log);
  EXPECT_THAT(log, Not(HasSubstr("\"principal\":\"tok_forged\"")));
  EXPECT_THAT(log, HasSubstr("\"method\":\"unknown\""));
}

TEST_F(ObservedRegistryTest, UnknownMethodsAreCountedAsOneSeries) {
  for (int i = 0; i < 500; ++i) {
    RawCall(channel_, absl::StrCat("/attacker.Service/Method", i), "x", "");
  }
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, Not(HasSubstr("attacker.Service")));
  EXPECT_THAT(metrics, HasSubstr("registry_requests_total{method=\"unknown\","
                                 "code=\"UNIMPLEMENTED\"} 500"));
  // Bounded by the methods the registry has, not by what callers send.
  EXPECT_LT(metrics.size(), 64u * 1024) << metrics.size();
}

TEST_F(ObservedRegistryTest, ProtobufComplaintsAreJsonLinesOfTheLog) {
  registry_.AddCenter("C1");
  const std::string token = std::string(absl::StripAsciiWhitespace(
      ReadFile(registry_.IssueToken("submitter", "C1"))));
  // A SubmitRequest whose treatment drug is not UTF-8.
  v1::SubmitRequest request;
  request.set_operation(v1::OPERATION_IMPORT);
  v1::Treatment* treatment = request.add_records()->mutable_treatment();
  treatment->set_patient_id("P1");
  treatment->set_drug("CladribinX");
  std::string bytes = request.SerializeAsString();
  bytes.replace(bytes.find("CladribinX"), 10, "Cladribin\xE9");
  const grpc::Status status = RawCall(
      channel_, "/registry.v1.SubmissionService/SubmitBatch", token, bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  const std::string log = log_.str();
  ExpectJsonLines(log);
  EXPECT_THAT(log, HasSubstr("\"source\":\"protobuf\""));
  EXPECT_THAT(log, HasSubstr("invalid UTF-8"));
}

}  // namespace
}  // namespace registry::testing
