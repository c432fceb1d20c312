#include "benchmarks/outcome_report_bench.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "core/endpoints.h"
#include "core/outcomes.h"
#include "core/survival.h"
#include "registry/v1/outcomes.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "storage/audit_rows.h"
#include "storage/store_internal.h"

namespace registry::bench {
namespace {

constexpr int kCenters = 3;

// What an analyst's cohort read selects (store_reads.cc, all centers): the
// current records joined to their patients, in registry id order, here in
// one statement instead of batches of patients.
constexpr char kRecordsInPatientOrderSql[] =
    "SELECT p.registry_id, '', c.code, r.kind, r.payload FROM patients p "
    "JOIN centers c ON c.center_id = p.center_id JOIN current_records r ON "
    "r.registry_id = p.registry_id ORDER BY p.registry_id";

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "outcome report benchmark: " << what << "\n";
  std::exit(1);
}

// Hands `work` each patient's current records, decoded, in patient order;
// returns the number of patients.
template <typename Work>
int64_t ReadInPatientOrder(const std::string& path, Work work) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    Fail("cannot open " + path);
  }
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* query = nullptr;
  if (sqlite3_prepare_v2(db, kRecordsInPatientOrderSql, -1, &query, nullptr) !=
      SQLITE_OK) {
    Fail(sqlite3_errmsg(db));
  }
  std::string patient;
  std::vector<Record> records;
  int64_t patients = 0;
  while (sqlite3_step(query) == SQLITE_ROW) {
    const std::string_view id = ColumnText(query, 0);
    if (id != patient) {
      if (!records.empty()) work(records), ++patients;
      records.clear();
      patient.assign(id);
    }
    const std::optional<Kind> kind = ParseKind(ColumnText(query, 3));
    if (!kind) Fail("unknown record kind");
    absl::StatusOr<Record> record =
        DecodePayload(*kind, std::string(ColumnText(query, 4)));
    if (!record.ok()) Fail(std::string(record.status().message()));
    records.push_back(*std::move(record));
  }
  if (!records.empty()) work(records), ++patients;
  sqlite3_finalize(query);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return patients;
}

class OutcomeReports {
 public:
  explicit OutcomeReports(const OutcomeReportOptions& options)
      : options_(options),
        db_(File(absl::StrCat("cohort-", options.patients, ".db"))) {}

  std::vector<Figure> Measure() {
    Build();
    server_.Start(options_.bin, db_, File("cohort-registryd.log"));
    Connect();
    // Untimed first runs: the file in the page cache, code and heap warm.
    OutcomesReport();
    OutcomesCeiling();
    KmReport();
    KmCeiling();
    std::vector<double> outcomes, outcomes_ceiling, km, km_ceiling;
    const double load_before = LoadAverage();
    for (int r = 0; r < options_.repetitions; ++r) {
      // Alternating order, so that neither side always runs first.
      if (r % 2 == 0) {
        outcomes.push_back(OutcomesReport());
        outcomes_ceiling.push_back(OutcomesCeiling());
        km.push_back(KmReport());
        km_ceiling.push_back(KmCeiling());
      } else {
        outcomes_ceiling.push_back(OutcomesCeiling());
        outcomes.push_back(OutcomesReport());
        km_ceiling.push_back(KmCeiling());
        km.push_back(KmReport());
      }
    }
    const double load_after = LoadAverage();
    server_.Stop();
    const std::string load =
        absl::StrFormat("1-minute load average %.1f before, %.1f after",
                        load_before, load_after);
    std::vector<Figure> figures;
    Pair(figures, "outcome_report",
         absl::StrFormat("outcome report end to end: StreamCohortOutcomes "
                         "(what regctl report outcomes calls) for %d "
                         "patients, every indication and record kind (%lld "
                         "current records), analyst, registryd on "
                         "127.0.0.1, request to last message received",
                         options_.patients, static_cast<long long>(records_)),
         "ClinicalDataFromRecords, ComputeOutcome and DescribeCourse", outcomes,
         outcomes_ceiling, load);
    Pair(figures, "km_os_report",
         absl::StrFormat("Kaplan–Meier of os end to end: "
                         "ReportService/KaplanMeier for the same %d patients",
                         options_.patients),
         "ClinicalDataFromRecords, ComputeOutcome, ObserveEndpoint(os) and "
         "KaplanMeier",
         km, km_ceiling, load);
    return figures;
  }

 private:
  std::string File(const std::string& name) const {
    return (std::filesystem::path(options_.dir) / name).string();
  }
  void Regctl(const std::string& token, std::vector<std::string> args,
              const std::string& out = "/dev/null") {
    std::vector<std::string> full = {options_.bin + "/regctl",
                                     "--server",
                                     server_.address(),
                                     "--token-file",
                                     token,
                                     "--timeout",
                                     "3600"};
    full.insert(full.end(), args.begin(), args.end());
    RunMeasured(full, out, File("cohort-regctl.err"));
  }

  // The cohort through cohortgen's files and regctl imports, one
  // submitter per center, as a registry is filled.
  void Build() {
    const auto start = Clock::now();
    const std::string files = File("cohort");
    RunMeasured(
        {options_.bin + "/cohortgen", "--out", files, "--patients",
         absl::StrCat(options_.patients), "--centers", absl::StrCat(kCenters),
         "--seed", "11", "--last-date", "2026-01-01"},
        "/dev/null", File("cohortgen.err"));
    server_.Start(options_.bin, db_, File("cohort-registryd.log"));
    const std::string admin = db_ + ".admin-token";
    for (int center = 1; center <= kCenters; ++center) {
      const std::string code = absl::StrFormat("C%02d", center);
      const std::string token = File(code + ".token");
      Regctl(admin, {"admin", "center", "add", code, "--name", code});
      Regctl(
          admin,
          {"admin", "token", "issue", "--role", "submitter", "--center", code},
          token);
      for (Kind kind : kAllKinds) {
        const std::string name(KindName(kind));
        const std::string csv = files + "/" + code + "/" + name + ".csv";
        const std::string text = Slurp(csv);
        if (std::count(text.begin(), text.end(), '\n') > 1) {
          Regctl(token, {"submit", "import", name, csv});
        }
      }
    }
    analyst_ = File("cohort-analyst.token");
    Regctl(admin, {"admin", "token", "issue", "--role", "analyst"}, analyst_);
    server_.Stop();
    std::filesystem::remove_all(files);
    SQLite::Database db(db_, SQLite::OPEN_READWRITE, 60000);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    records_ = db.execAndGet("SELECT count(*) FROM current_records").getInt64();
    std::cout << "cohort of " << options_.patients << " patients, " << records_
              << " current records, imported in "
              << absl::StrFormat("%.0f s", Seconds(Clock::now() - start))
              << std::endl;
  }

  void Connect() {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    channel_ = grpc::CreateCustomChannel(
        server_.address(), grpc::experimental::LocalCredentials(LOCAL_TCP),
        arguments);
    if (!channel_->WaitForConnected(std::chrono::system_clock::now() +
                                    std::chrono::seconds(30))) {
      Fail("no connection to registryd");
    }
    outcomes_ = v1::OutcomeService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);
    token_ = std::string(absl::StripAsciiWhitespace(Slurp(analyst_)));
  }
  void Prepare(grpc::ClientContext& context) const {
    context.AddMetadata("authorization", "Bearer " + token_);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(3600));
  }

  double OutcomesReport() {
    const auto start = Clock::now();
    grpc::ClientContext context;
    Prepare(context);
    v1::StreamCohortOutcomesRequest request;
    auto reader = outcomes_->StreamCohortOutcomes(&context, request);
    v1::StreamCohortOutcomesResponse message;
    int64_t received = 0;
    while (reader->Read(&message)) received += message.outcomes_size();
    const grpc::Status status = reader->Finish();
    const double seconds = Seconds(Clock::now() - start);
    if (!status.ok()) Fail("StreamCohortOutcomes: " + status.error_message());
    if (received != options_.patients) Fail("StreamCohortOutcomes: count");
    return seconds;
  }

  double KmReport() {
    const auto start = Clock::now();
    grpc::ClientContext context;
    Prepare(context);
    v1::KaplanMeierRequest request;
    request.set_endpoint(v1::ENDPOINT_OS);
    v1::KaplanMeierResponse response;
    const grpc::Status status =
        reports_->KaplanMeier(&context, request, &response);
    const double seconds = Seconds(Clock::now() - start);
    if (!status.ok()) Fail("KaplanMeier: " + status.error_message());
    km_observed_ = response.curves_size() == 1 ? response.curves(0).n() : -1;
    return seconds;
  }

  double OutcomesCeiling() {
    const OutcomeDefinition definition;
    const auto start = Clock::now();
    int64_t evaluable = 0;
    const int64_t patients =
        ReadInPatientOrder(db_, [&](const std::vector<Record>& records) {
          const PatientClinicalData data = ClinicalDataFromRecords(records);
          const PatientOutcome outcome = ComputeOutcome(data, definition);
          const TransplantCourse course =
              DescribeCourse(data, outcome, definition);
          evaluable += outcome.neda3_evaluable + course.tfr_end.has_value();
        });
    const double seconds = Seconds(Clock::now() - start);
    if (patients != options_.patients || evaluable < 0) {
      Fail("outcome ceiling: count");
    }
    return seconds;
  }

  double KmCeiling() {
    const OutcomeDefinition definition;
    const auto start = Clock::now();
    std::vector<SurvivalObservation> observations;
    ReadInPatientOrder(db_, [&](const std::vector<Record>& records) {
      const PatientClinicalData data = ClinicalDataFromRecords(records);
      const std::optional<EndpointObservation> observed = ObserveEndpoint(
          Endpoint::kOs, data, ComputeOutcome(data, definition), definition);
      if (observed) observations.push_back({observed->time, observed->event});
    });
    const int n = static_cast<int>(observations.size());
    const KaplanMeierCurve curve = KaplanMeier(std::move(observations));
    const double seconds = Seconds(Clock::now() - start);
    if (curve.n != n || (km_observed_ >= 0 && n != km_observed_)) {
      Fail("Kaplan–Meier ceiling: not the report's patients");
    }
    return seconds;
  }

  void Pair(std::vector<Figure>& figures, const std::string& key,
            const std::string& what, const std::string& engine,
            const std::vector<double>& report,
            const std::vector<double>& ceiling, const std::string& load) {
    const double r = Median(report), c = Median(ceiling);
    const double ratio = c / r;
    const int n = options_.repetitions;
    figures.push_back(
        {key + "_e2e_seconds", absl::StrFormat("%s, median of %d", what, n),
         absl::StrFormat("%.2f s (%.2f to %.2f)", r,
                         *std::min_element(report.begin(), report.end()),
                         *std::max_element(report.begin(), report.end())),
         "", "", true, r, r});
    figures.push_back(
        {key + "_ceiling_ratio",
         absl::StrFormat("ceiling: raw SQLite reading the same current "
                         "records in patient order, decoded and grouped per "
                         "patient, then %s, one process, no gRPC; median of "
                         "%d, alternating with the report (%s)",
                         engine, n, load),
         absl::StrFormat("%.2f s (%.2f to %.2f)", c,
                         *std::min_element(ceiling.begin(), ceiling.end()),
                         *std::max_element(ceiling.begin(), ceiling.end())),
         ">= 50% of the ceiling",
         absl::StrFormat("report at %.0f%% of the ceiling", 100 * ratio),
         ratio >= 0.5, ratio, c});
  }

  const OutcomeReportOptions& options_;
  const std::string db_;
  Server server_;
  std::string analyst_, token_;
  int64_t records_ = 0;
  int km_observed_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::OutcomeService::Stub> outcomes_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

}  // namespace

std::vector<Figure> MeasureOutcomeReports(const OutcomeReportOptions& options) {
  std::filesystem::create_directories(options.dir);
  return OutcomeReports(options).Measure();
}

}  // namespace registry::bench
