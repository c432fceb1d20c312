// End-to-end: a submission is all or nothing whatever the client sends.
// Raw gRPC messages (through the generic stub) that regctl would never
// send: an unparsable message in the middle of a stream, a cancelled
// stream, fewer records than the stream stated, text that is not UTF-8;
// and regctl naming the line and byte of such text before sending.
#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "api/convert.h"
#include "core/violations.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "registry/v1/submission.grpc.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSubmit[] = "/registry.v1.SubmissionService/Submit";
constexpr char kSubmitBatch[] = "/registry.v1.SubmissionService/SubmitBatch";

v1::Record Visit(const std::string& patient, int year) {
  v1::Record record;
  v1::Visit* visit = record.mutable_visit();
  visit->set_patient_id(patient);
  visit->mutable_visit_date()->set_year(year);
  visit->mutable_visit_date()->set_month(1);
  visit->mutable_visit_date()->set_day(1);
  visit->set_edss(2.0);
  return record;
}

// A treatment whose drug holds a Latin-1 'é' (0xE9), as a spreadsheet saved
// in Windows-1252 has it; `Latin1` puts the byte into serialized bytes.
v1::Record Treatment(const std::string& patient) {
  v1::Record record;
  v1::Treatment* treatment = record.mutable_treatment();
  treatment->set_patient_id(patient);
  treatment->set_drug("CladribinX");
  treatment->mutable_start_date()->set_year(2020);
  treatment->mutable_start_date()->set_month(1);
  treatment->mutable_start_date()->set_day(1);
  return record;
}
std::string Latin1(std::string bytes) {
  return absl::StrReplaceAll(bytes, {{"CladribinX", "Cladribin\xE9"}});
}

// A serialized SubmitRequest; `record_count` is appended as field 4 by
// hand, so that these bytes mean the same to servers that know it or not.
std::string RequestBytes(v1::Operation operation,
                         const std::vector<v1::Record>& records,
                         std::optional<int64_t> record_count = std::nullopt) {
  v1::SubmitRequest request;
  request.set_operation(operation);
  for (const v1::Record& r : records) *request.add_records() = r;
  std::string bytes = request.SerializeAsString();
  if (record_count) {
    bytes.push_back(0x20);  // field 4, varint
    uint64_t n = static_cast<uint64_t>(*record_count);
    do {
      bytes.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
      n >>= 7;
    } while (n != 0);
  }
  return bytes;
}

class RequestIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string token_file = registry_.IssueToken("submitter", "C1");
    token_ = std::string(absl::StripAsciiWhitespace(ReadFile(token_file)));
    token_file_ = token_file;
    channel_ = grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP));
    RegctlResult patients = registry_.Regctl(
        {"submit", "import", "patients",
         registry_.WriteCsv("patients.csv",
                            "patient_id,sex,birth_year,disease,diagnosis_date\n"
                            "P1,F,1980,RRMS,2010-01-01\n"
                            "P2,M,1975,RRMS,2005-01-01\n")},
        token_file_);
    ASSERT_EQ(patients.exit_code, 0) << patients.err;
  }

  grpc::Status StreamSubmit(const std::vector<std::string>& messages,
                            bool cancel = false) {
    return RawClientStream(channel_, kSubmit, "Bearer " + token_, messages,
                           cancel);
  }
  grpc::Status UnarySubmitBatch(const std::string& message) {
    return RawUnaryCall(channel_, kSubmitBatch, "Bearer " + token_, message);
  }

  int64_t Count(const std::string& kind) {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement query(db,
                            "SELECT count(*) FROM current_records WHERE kind "
                            "= ?");
    query.bind(1, kind);
    query.executeStep();
    return query.getColumn(0).getInt64();
  }

  static std::string Fields(const grpc::Status& status) {
    std::string fields;
    for (const FieldViolation& v : ViolationsOf(status)) {
      absl::StrAppend(&fields, v.field, ": ", v.description, "\n");
    }
    return fields;
  }

  TestRegistry registry_;
  std::string token_;
  std::string token_file_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RequestIntegrityTest, AnUnparsableMessageInTheMiddleWritesNothing) {
  const grpc::Status status = StreamSubmit({
      RequestBytes(v1::OPERATION_IMPORT, {Visit("P1", 2011), Visit("P1", 2012)},
                   4),
      Latin1(RequestBytes(v1::OPERATION_UNSPECIFIED, {Treatment("P1")})),
      RequestBytes(v1::OPERATION_UNSPECIFIED, {Visit("P2", 2011)}),
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(Fields(status), HasSubstr("records[2].treatment.drug"));
  EXPECT_THAT(Fields(status), HasSubstr("UTF-8"));
  EXPECT_EQ(Count("visits"), 0);
  EXPECT_EQ(Count("treatments"), 0);
}

TEST_F(RequestIntegrityTest, AStreamThatIsCancelledWritesNothing) {
  // Two of three records, then the client goes away.
  const grpc::Status status =
      StreamSubmit({RequestBytes(v1::OPERATION_IMPORT,
                                 {Visit("P1", 2011), Visit("P1", 2012)}, 3)},
                   /*cancel=*/true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Count("visits"), 0);
}

TEST_F(RequestIntegrityTest, FewerRecordsThanTheStreamStatedWritesNothing) {
  const grpc::Status status = StreamSubmit({
      RequestBytes(v1::OPERATION_IMPORT, {Visit("P1", 2011), Visit("P1", 2012)},
                   1500),
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(Fields(status), HasSubstr("record_count"));
  EXPECT_THAT(Fields(status), HasSubstr("received 2"));
  EXPECT_EQ(Count("visits"), 0);
}

TEST_F(RequestIntegrityTest, AStreamMustStateItsRecordCount) {
  const grpc::Status status = StreamSubmit({
      RequestBytes(v1::OPERATION_IMPORT, {Visit("P1", 2011)}),
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(Fields(status), HasSubstr("record_count"));
  EXPECT_EQ(Count("visits"), 0);
}

TEST_F(RequestIntegrityTest, AStreamWithItsCountStatedIsTaken) {
  const grpc::Status status = StreamSubmit({
      RequestBytes(v1::OPERATION_IMPORT, {Visit("P1", 2011)}, 3),
      RequestBytes(v1::OPERATION_UNSPECIFIED, {Visit("P1", 2012)}),
      RequestBytes(v1::OPERATION_UNSPECIFIED, {Visit("P2", 2012)}),
  });
  EXPECT_TRUE(status.ok()) << status.error_message() << Fields(status);
  EXPECT_EQ(Count("visits"), 3);
}

TEST_F(RequestIntegrityTest, SubmitBatchNamesTheFieldThatIsNotUtf8) {
  const grpc::Status status = UnarySubmitBatch(Latin1(RequestBytes(
      v1::OPERATION_IMPORT, {Visit("P1", 2011), Treatment("P1")})));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(Fields(status), HasSubstr("records[1].treatment.drug"));
  EXPECT_EQ(Count("visits"), 0);
}

TEST_F(RequestIntegrityTest, RegctlNamesTheLineAndByteOfTextThatIsNotUtf8) {
  std::string csv = "patient_id,drug,start_date,end_date\n";
  for (int i = 0; i < 1500; ++i) {
    // Line i + 2 of the file; line 1202 holds the Latin-1 byte.
    const std::string drug = i + 2 == 1202 ? "Cladribin\xE9" : "Cladribine";
    absl::StrAppend(&csv, i % 2 ? "P1," : "P2,", drug, ",",
                    FormatIsoDate(Date(2011, 1, 1) + i), ",\n");
  }
  RegctlResult result =
      registry_.Regctl({"submit", "import", "treatments",
                        registry_.WriteCsv("treatments.csv", csv)},
                       token_file_);
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_THAT(result.err, HasSubstr("treatments.csv:1202: drug:"));
  EXPECT_THAT(result.err, HasSubstr("UTF-8"));
  EXPECT_THAT(result.err, HasSubstr("byte 10"));
  EXPECT_THAT(result.err, HasSubstr("nothing was sent"));
  EXPECT_EQ(Count("treatments"), 0);
}

TEST_F(RequestIntegrityTest, AnAnswerListsTheFirstProblemsAndCountsThemAll) {
  // Visits of 10,000 patients the center never imported.
  v1::SubmitRequest request;
  request.set_operation(v1::OPERATION_IMPORT);
  for (int p = 0; p < 10000; ++p) {
    *request.add_records() = Visit(absl::StrCat("X", p), 2011);
  }
  const grpc::Status status = UnarySubmitBatch(request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(),
              HasSubstr("10000 invalid field(s); nothing was written (the "
                        "first 50 of 10000 problems are listed)"));
  EXPECT_EQ(ViolationsOf(status).size(), 50u);
  EXPECT_EQ(ProblemCountOf(status), 10000);

  // Decoded as any gRPC client's standard helper does: the details are a
  // google.rpc.Status with the same code and message, holding a
  // google.rpc.BadRequest and an ErrorInfo with the total.
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc.code(), 3);  // INVALID_ARGUMENT
  EXPECT_EQ(rpc.message(), status.error_message());
  ASSERT_EQ(rpc.details_size(), 2);
  EXPECT_EQ(rpc.details(0).type_url(),
            "type.googleapis.com/google.rpc.BadRequest");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 50);
  EXPECT_EQ(bad_request.field_violations(0).field(), "records[0].patient_id");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(1).UnpackTo(&info));
  EXPECT_EQ(info.domain(), "registry.v1");
  EXPECT_EQ(info.reason(), "INVALID_FIELDS");
  EXPECT_EQ(info.metadata().at("problems"), "10000");
  EXPECT_EQ(info.metadata().at("listed"), "50");
  // Far below gRPC's 8 KiB metadata limit, even base64-encoded.
  EXPECT_LT(status.error_details().size(), kMaxDetailBytes + 200);
}

// Through regctl: 10,000 visits before their patients (the commonest first
// mistake) print the first 50 by file line and the count of the rest.
TEST_F(RequestIntegrityTest, RegctlPrintsTheFirstProblemsAndTheRestCounted) {
  std::string csv = "patient_id,visit_date,edss\n";
  for (int p = 0; p < 10000; ++p)
    absl::StrAppend(&csv, "X", p, ",2011-01-01,2.0\n");
  RegctlResult result = registry_.Regctl(
      {"submit", "import", "visits", registry_.WriteCsv("visits.csv", csv)},
      token_file_);
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_THAT(result.err, HasSubstr("visits.csv:2: patient_id:"));
  EXPECT_THAT(result.err,
              HasSubstr("... and 9950 more (the registry listed 50; --dry-run "
                        "lists all)"));
  EXPECT_LT(std::count(result.err.begin(), result.err.end(), '\n'), 60);
  EXPECT_EQ(Count("visits"), 0);
}

// A dry run makes every server check, writes nothing, and gives the whole
// list: --errors-out has all 10,000 problems as CSV a spreadsheet sorts.
TEST_F(RequestIntegrityTest, ADryRunListsEveryProblemAndWritesNothing) {
  std::string csv = "patient_id,visit_date,edss\n";
  for (int p = 0; p < 10000; ++p) {
    absl::StrAppend(&csv, "X", p, ",2011-01-01,2.0\n");
  }
  const std::string errors = registry_.dir().File("errors.csv");
  RegctlResult result = registry_.Regctl(
      {"submit", "import", "visits", registry_.WriteCsv("visits.csv", csv),
       "--dry-run", "--errors-out", errors},
      token_file_);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("dry run of import visits from " +
                        registry_.dir().File("visits.csv") +
                        ": 10000 records, 10000 problem(s); 0 would be "
                        "accepted, 0 unchanged; nothing was written"));
  EXPECT_THAT(result.err, HasSubstr("... and 9950 more\n"));
  const std::string written = ReadFile(errors);
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 10001);
  EXPECT_THAT(written, HasSubstr("file_line,column,value,message\n2,patient_"
                                 "id,X0,unknown patient 'X0'"));
  EXPECT_THAT(written, HasSubstr("\n10001,patient_id,X9999,"));
  EXPECT_EQ(Count("visits"), 0);

  // A clean file: what would happen, and still nothing written.
  RegctlResult clean = registry_.Regctl(
      {"submit", "import", "patients",
       registry_.WriteCsv("patients.csv",
                          "patient_id,sex,birth_year,disease,diagnosis_date\n"
                          "N1,F,1980,RRMS,2010-01-01\n"),
       "--dry-run"},
      token_file_);
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("0 problem(s); 1 would be accepted"));
  RegctlResult exported =
      registry_.Regctl({"submit", "export", "patients"}, token_file_);
  EXPECT_THAT(exported.out, Not(HasSubstr("N1,")));
}

// The whole list is streamed (DryRun), however long: 100,000 problems take
// some 12 MB, more than one answer could carry.
TEST_F(RequestIntegrityTest, ADryRunStreamsProblemsBeyondOneMessage) {
  std::string csv = "patient_id,visit_date,edss\n";
  constexpr int kRows = 100000;
  for (int p = 0; p < kRows; ++p) {
    absl::StrAppend(&csv, "UNREGISTERED-PATIENT-", p, ",2011-01-01,2.0\n");
  }
  const std::string errors = registry_.dir().File("errors.csv");
  RegctlResult result = registry_.Regctl(
      {"submit", "import", "visits", registry_.WriteCsv("visits.csv", csv),
       "--dry-run", "--errors-out", errors},
      token_file_);
  EXPECT_EQ(result.exit_code, 1) << result.err.substr(0, 2000);
  EXPECT_THAT(result.out, HasSubstr("100000 records, 100000 problem(s)"));
  const std::string written = ReadFile(errors);
  EXPECT_GT(written.size(), size_t{12} << 20);
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), kRows + 1);
  EXPECT_THAT(written,
              HasSubstr("\n100001,patient_id,UNREGISTERED-PATIENT-99999,"));
  EXPECT_EQ(Count("visits"), 0);
}

// A key twice in one file is a duplicate at both lines, not "already
// exists" at the second, and nothing is written.
TEST_F(RequestIntegrityTest, ADuplicateKeyInOneFileIsReportedAtBothLines) {
  const int64_t before = Count("patients");
  RegctlResult result = registry_.Regctl(
      {"submit", "import", "patients",
       registry_.WriteCsv("patients.csv",
                          "patient_id,sex,birth_year,disease,diagnosis_date\n"
                          "D1,F,1980,RRMS,2010-01-01\n"
                          "D2,M,1975,RRMS,2011-01-01\n"
                          "D1,F,1981,RRMS,2010-01-01\n")},
      token_file_);
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_THAT(result.err,
              HasSubstr("patients.csv:2: patient_id: duplicate key: the same "
                        "patients key is also given at line 4"));
  EXPECT_THAT(result.err,
              HasSubstr("patients.csv:4: patient_id: duplicate key: the same "
                        "patients key is also given at line 2"));
  EXPECT_THAT(result.err, Not(HasSubstr("already exists")));
  EXPECT_EQ(Count("patients"), before);
}

// Descriptions quote submitted text; however long it is, the details stay
// within their budget and say how many they list.
TEST(ErrorDetailsTest, LongDescriptionsAreCutAndTheBudgetHolds) {
  std::vector<FieldViolation> violations;
  for (int i = 0; i < 50; ++i) {
    violations.push_back({absl::StrCat("records[", i, "].patient_id"),
                          "unknown patient '" + std::string(20000, 'x') + "'"});
  }
  const grpc::Status status = ToGrpcStatus(StatusWithViolations(
      absl::StatusCode::kInvalidArgument, "bad", violations, 70000));
  EXPECT_LT(status.error_details().size(), kMaxDetailBytes + 200);
  const std::vector<FieldViolation> read = ViolationsOf(status);
  ASSERT_GT(read.size(), 5u);
  EXPECT_LT(read.size(), 50u);
  EXPECT_EQ(read[0].description.size(), kMaxDetailDescription + 3);
  EXPECT_TRUE(read[0].description.ends_with("..."));
  EXPECT_EQ(ProblemCountOf(status), 70000);
}

SubmissionLimits SmallLimits() {
  SubmissionLimits limits;
  limits.max_request_records = 100;
  limits.max_request_bytes = 8 * 1024;
  limits.max_in_flight_records = 150;
  return limits;
}

TEST(SubmissionLimits, ARequestOverALimitIsRefusedAndWritesNothing) {
  TestRegistry registry(
      [](ServerOptions& o) { o.submission_limits = SmallLimits(); });
  const std::string token = registry.IssueToken("submitter", "C1");
  std::string patients = "patient_id,sex,birth_year,disease,diagnosis_date\n";
  for (int p = 0; p < 150; ++p) {
    absl::StrAppend(&patients, "P", p, ",F,1980,RRMS,2010-01-01\n");
  }
  RegctlResult over =
      registry.Regctl({"submit", "import", "patients",
                       registry.WriteCsv("patients.csv", patients)},
                      token);
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_THAT(over.err, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(over.err, HasSubstr("at most 100 records"));
  RegctlResult exported = registry.Regctl(
      {"submit", "export", "patients", "--format", "csv"}, token);
  EXPECT_EQ(exported.out, "patient_id,sex,birth_year,disease,diagnosis_date\n");

  // 100 records whose messages pass 8 KiB.
  std::string wide = "patient_id,drug,start_date,end_date\n";
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&wide, "P1,", std::string(90, 'a' + i % 26), i, ",",
                    FormatIsoDate(Date(2011, 1, 1) + i), ",\n");
  }
  RegctlResult bytes = registry.Regctl(
      {"submit", "import", "treatments", registry.WriteCsv("wide.csv", wide)},
      token);
  EXPECT_EQ(bytes.exit_code, 1);
  EXPECT_THAT(bytes.err, HasSubstr("at most 8 KiB of messages"));
}

// A registry with small limits, two submitter tokens of one center and a
// stub: for the tests of what submissions in flight may hold.
class InFlightTest : public ::testing::Test {
 protected:
  InFlightTest()
      : registry_([](ServerOptions& o) {
          o.submission_limits = SmallLimits();
          o.submit_idle_timeout = absl::Seconds(1);
        }) {}
  void SetUp() override {
    for (std::string* token : {&first_token_, &second_token_}) {
      *token = std::string(absl::StripAsciiWhitespace(
          ReadFile(registry_.IssueToken("submitter", "C1"))));
    }
    stub_ = v1::SubmissionService::NewStub(grpc::CreateChannel(
        registry_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP)));
  }
  static v1::SubmitRequest Patients(int first, int n) {
    v1::SubmitRequest request;
    request.set_operation(v1::OPERATION_IMPORT);
    request.set_record_count(n);
    for (int p = first; p < first + n; ++p) {
      v1::Patient* patient = request.add_records()->mutable_patient();
      patient->set_patient_id(absl::StrCat("P", p));
      patient->set_sex(v1::SEX_FEMALE);
      patient->set_birth_year(1980);
      patient->set_disease(v1::DISEASE_RRMS);
      patient->mutable_diagnosis_date()->set_year(2010);
      patient->mutable_diagnosis_date()->set_month(1);
      patient->mutable_diagnosis_date()->set_day(1);
    }
    return request;
  }
  void Prepare(grpc::ClientContext& context, const std::string& token) {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
  }
  grpc::Status Batch(const std::string& token, int first, int n) {
    grpc::ClientContext context;
    Prepare(context, token);
    v1::SubmitResponse response;
    return stub_->SubmitBatch(&context, Patients(first, n), &response);
  }

  TestRegistry registry_;
  std::string first_token_, second_token_;
  std::unique_ptr<v1::SubmissionService::Stub> stub_;
};

TEST_F(InFlightTest, SubmissionsInFlightShareABudget) {
  // The first stream holds 100 records and stays open.
  grpc::ClientContext context;
  Prepare(context, first_token_);
  v1::SubmitResponse response;
  auto first = stub_->Submit(&context, &response);
  ASSERT_TRUE(first->Write(Patients(0, 100)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Another token's 100 would take the 150 in flight past the budget.
  const grpc::Status refused = Batch(second_token_, 100, 100);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("retry"));
  // The first token may not hold more than one full request's worth.
  const grpc::Status own = Batch(first_token_, 200, 10);
  EXPECT_EQ(own.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(own.error_message(), HasSubstr("this token's"));
  EXPECT_TRUE(Batch(second_token_, 300, 40).ok());
  // Once the first is done, the budget is back.
  first->WritesDone();
  ASSERT_TRUE(first->Finish().ok());
  EXPECT_TRUE(Batch(second_token_, 100, 100).ok());
}

TEST_F(InFlightTest, AStalledStreamIsEndedAndItsBudgetGivenBack) {
  grpc::ClientContext context;
  Prepare(context, first_token_);
  v1::SubmitResponse response;
  auto stalled = stub_->Submit(&context, &response);
  ASSERT_TRUE(stalled->Write(Patients(0, 100)));
  // No more messages, no half-close: ended after the 1 s idle timeout.
  const grpc::Status ended = stalled->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::ABORTED)
      << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("nothing was written"));
  // Its budget is back soon after (when the call is done).
  grpc::Status next;
  for (int i = 0; i < 50; ++i) {
    next = Batch(second_token_, 100, 100);
    if (next.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(next.ok()) << next.error_message();
  RegctlResult exported = registry_.Regctl(
      {"submit", "export", "patients"}, registry_.WriteCsv("t", first_token_));
  EXPECT_THAT(exported.out, Not(HasSubstr("P0,")));
}

}  // namespace
}  // namespace registry::testing
