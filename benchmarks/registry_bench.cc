// The registry's benchmark suite: one command, every figure side by side
// with its ceiling, written to BENCHMARKS.md and a JSON file.
//
//   registry_bench --bin DIR [--md FILE] [--json FILE] [--patients N]
//                  [--only outcome-reports] [--repetitions N]
//
// DIR holds registryd, regctl and cohortgen (an optimised build). N
// patients (default 100,000) with 20 visits each are loaded through
// `regctl`, in two imports of N*10 visits; the figures are then measured on
// that database. The outcome reports are measured on a synthetic cohort of
// N patients of its own (benchmarks/outcome_report_bench.h), each report
// and its ceiling --repetitions times (default 5). With --only
// outcome-reports only those are measured, and written beside the last
// full run's figures.
#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/engine_bench.h"
#include "benchmarks/import_ceiling.h"
#include "benchmarks/outcome_report_bench.h"
#include "core/audit_chain.h"
#include "core/date.h"
#include "registry/v1/submission.grpc.pb.h"
#include "storage/audit_rows.h"

namespace registry::bench {
namespace {

class Suite {
 public:
  Suite(std::string bin, int patients, int repetitions)
      : bin_(std::move(bin)),
        patients_(patients),
        repetitions_(repetitions),
        dir_(std::filesystem::temp_directory_path() /
             absl::StrCat("registry-bench-", getpid())) {
    std::filesystem::create_directories(dir_);
  }
  ~Suite() {
    StopServer();
    // REGISTRY_BENCH_KEEP=1 keeps the databases, to profile on them.
    if (const char* keep = std::getenv("REGISTRY_BENCH_KEEP");
        keep != nullptr && std::string(keep) == "1") {
      std::cout << "databases kept in " << dir_.string() << std::endl;
      return;
    }
    std::filesystem::remove_all(dir_);
  }

  void Run() {
    // First the database figures at a tenth of the size, to show how each
    // grows with the cohort (linear: about x10).
    const int full = patients_;
    patients_ = std::max(100, full / 10);
    probe_ = true;
    StartServer();
    Load();
    Ceiling();
    AuditVerify();
    Export();
    ReportOutcomes();
    StopServer();
    patients_ = full;
    probe_ = false;
    StartServer();
    Load();
    Ceiling();
    AuditVerify();
    Export();
    ReportOutcomes();
    Unary();
    LargeSubmissions();
    StopServer();
    OutcomeReports();
    Add(EngineFigure());
    Add(MixedEngineFigure());
    Add(StatisticsFigure());
  }

  // The end-to-end outcome reports against their ceiling, on a synthetic
  // cohort of their own.
  void OutcomeReports() {
    for (Figure& f :
         MeasureOutcomeReports({bin_, (dir_ / "outcome-reports").string(),
                                patients_, repetitions_})) {
      Add(std::move(f));
    }
  }

  const std::vector<Figure>& figures() const { return figures_; }

 private:
  std::string File(const std::string& name) const {
    return (dir_ / name).string();
  }
  std::string db() const {
    return File(absl::StrCat("bench-", patients_, ".db"));
  }

  void StartServer() { server_.Start(bin_, db(), File("registryd.log")); }
  void StopServer() { server_.Stop(); }
  Measured Regctl(const std::string& token, std::vector<std::string> args,
                  const std::string& out = "/dev/null") {
    std::vector<std::string> full = {
        bin_ + "/regctl", "--server", server_.address(), "--token-file", token,
        "--timeout",      "3600"};

    full.insert(full.end(), args.begin(), args.end());
    return RunMeasured(full, out, File("regctl.err"));
  }
  void Add(Figure f) {
    if (probe_) {
      probe_seconds_[f.key] = f.seconds;
      return;
    }
    if (auto it = probe_seconds_.find(f.key);
        it != probe_seconds_.end() && it->second > 0 && f.seconds > 0) {
      absl::StrAppend(&f.ratio, f.ratio.empty() ? "" : "; ",
                      absl::StrFormat("x%.1f time for 10x the patients",
                                      f.seconds / it->second));
    }
    std::cout << f.what << ": " << f.measured
              << (f.ratio.empty() ? "" : " (" + f.ratio + ")") << std::endl;
    figures_.push_back(std::move(f));
  }

  // registryd checkpoints its WAL on a thread of its own after commits;
  // this finishes that work now, outside any timed section, so that it
  // does not slow whatever is measured next, and empties the WAL file, so
  // that an import starts as the ceiling does, with a WAL to grow from 0.
  void SettleWal() {
    SQLite::Database db(this->db(), SQLite::OPEN_READWRITE, 60000);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  // Patients and 2 x (patients * 10) visits through regctl.
  void Load() {
    admin_ = db() + ".admin-token";
    Regctl(admin_, {"admin", "center", "add", "C1", "--name", "Bench"});
    Regctl(admin_,
           {"admin", "token", "issue", "--role", "submitter", "--center", "C1"},
           File("submitter.token"));
    Regctl(admin_, {"admin", "token", "issue", "--role", "analyst"},
           File("analyst.token"));
    submitter_ = File("submitter.token");
    analyst_ = File("analyst.token");
    Random random(7);
    {
      std::ofstream patients(File("patients.csv"));
      patients << "patient_id,sex,birth_year,disease,diagnosis_date\n";
      std::ofstream transplants(File("transplants.csv"));
      transplants << "patient_id,transplant_date,type,regimen\n";
      const char* kDiseases[] = {"RRMS", "SPMS", "PPMS", "NMOSD", "SSC"};
      for (int p = 0; p < patients_; ++p) {
        patients << "P" << p << ",F,1980," << kDiseases[random.Between(0, 4)]
                 << ",2005-01-01\n";
        transplants << "P" << p << ","
                    << FormatIsoDate(Date(2010, 1, 1) + random.Between(0, 3000))
                    << ",autologous,BEAM-ATG\n";
      }
    }
    Regctl(submitter_, {"submit", "import", "patients", File("patients.csv")});
    Regctl(submitter_,
           {"submit", "import", "transplants", File("transplants.csv")});
    for (int half = 0; half < 2; ++half) {
      std::ofstream visits(File(absl::StrCat("visits", half, ".csv")));
      visits << "patient_id,visit_date,edss\n";
      for (int p = 0; p < patients_; ++p) {
        for (int v = 0; v < 10; ++v) {
          const Date date = Date(2009, 6, 1) + (half * 10 + v) * 150 + p % 97;
          visits << "P" << p << "," << FormatIsoDate(date) << ","
                 << absl::StrFormat("%.1f", 2.0 + 0.5 * random.Between(0, 6))
                 << "\n";
        }
      }
      visits.close();
      SettleWal();
      const Measured m =
          Regctl(submitter_, {"submit", "import", "visits",
                              File(absl::StrCat("visits", half, ".csv"))});
      if (half == 0) import_seconds_ = m.seconds;
      SettleWal();
    }
    const int visits = patients_ * 10;
    Add({"import_visits_per_second",
         absl::StrFormat("streamed import of %d visits (regctl -> registryd, "
                         "one request, synchronous=FULL)",
                         visits),
         absl::StrFormat("%.1f s, %.0f visits/s", import_seconds_,
                         visits / import_seconds_),
         "", "", true, visits / import_seconds_, import_seconds_});
  }

  // The same rows inserted by raw SQLite into the same schema, same
  // durability, one process, no gRPC (benchmarks/import_ceiling.h).
  void Ceiling() {
    const ImportCeiling ceiling = MeasureImportCeiling(
        db(), static_cast<int64_t>(patients_) * 10, File("ceiling"));
    const double seconds = ceiling.seconds;
    const double ratio = seconds / import_seconds_;
    Add({"import_ceiling_ratio",
         absl::StrFormat("ceiling: raw SQLite, same %zu rows, schema and "
                         "durability, one process, no gRPC, best of 3",
                         ceiling.rows),
         absl::StrFormat("%.1f s, %.0f visits/s", seconds,
                         ceiling.rows / seconds),
         ">= 50% of the ceiling",
         absl::StrFormat("registry at %.0f%% of the ceiling", 100 * ratio),
         ratio >= 0.5, ratio, seconds});
  }

  void AuditVerify() {
    SQLite::Database db(this->db(), SQLite::OPEN_READONLY);
    const int64_t entries =
        db.execAndGet("SELECT count(*) FROM audit_log").getInt64();
    const Measured m = Regctl(admin_, {"admin", "audit", "verify"});
    const double per_million = m.seconds / (entries / 1e6);
    Add({"audit_verify_seconds_per_million",
         absl::StrFormat("regctl admin audit verify of %lld entries",
                         static_cast<long long>(entries)),
         absl::StrFormat("%.2f s (%.2f s per million)", m.seconds, per_million),
         "< 3 s for 1 million", "", per_million < 3, per_million, m.seconds});
    // The same work in one process on the same database, without the
    // server: every entry's hash and link, every event's value digest.
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const double took = VerifyWork(db);
      best = attempt == 0 ? took : std::min(best, took);
    }
    const double ratio = best / m.seconds;
    Add({"audit_verify_ceiling_ratio",
         "ceiling: the same hash-chain and event checks, one process, raw "
         "SQLite, no gRPC, best of 3",
         absl::StrFormat("%.2f s", best), ">= 50% of the ceiling",
         absl::StrFormat("regctl at %.0f%% of the ceiling", 100 * ratio),
         ratio >= 0.5, ratio, best});
  }

  // Reads the audit log and the events in order, checking each entry's
  // link and hash and digesting each event's payload; returns seconds.
  static double VerifyWork(SQLite::Database& db) {
    const auto start = Clock::now();
    SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
    sqlite3* handle = db.getHandle();
    sqlite3_stmt* entries = nullptr;
    sqlite3_prepare_v2(handle, kAuditEntriesSql, -1, &entries, nullptr);
    std::string prev(kGenesisHash), scratch;
    int64_t expected = 1;
    while (sqlite3_step(entries) == SQLITE_ROW) {
      const AuditEntryView e = ViewAuditEntry(entries);
      if (CheckAuditLink(e, expected++, prev, scratch)) {
        std::cerr << "ceiling: audit entry " << e.seq << " does not check\n";
        std::exit(1);
      }
      prev.assign(e.hash);
    }
    sqlite3_finalize(entries);
    sqlite3_stmt* events = nullptr;
    sqlite3_prepare_v2(handle,
                       "SELECT event_seq, registry_id, kind, record_key, op, "
                       "payload, reason FROM events ORDER BY event_seq",
                       -1, &events, nullptr);
    size_t digests = 0;
    while (sqlite3_step(events) == SQLITE_ROW) {
      digests += ValueDigest(ColumnText(events, 5)).size();
    }
    sqlite3_finalize(events);
    if (digests == 0) std::exit(1);
    return Seconds(Clock::now() - start);
  }

  void Export() {
    const int64_t visits = static_cast<int64_t>(patients_) * 20;
    // A fresh server, so its peak memory is the export's, not the imports'.
    StopServer();
    StartServer();
    const double before = PeakMiB(server_.pid());
    const Measured m = Regctl(analyst_, {"report", "export", "visits"});
    const double server = PeakMiB(server_.pid());
    Add({"export_peak_mib",
         absl::StrFormat("analyst export of %lld visits to /dev/null",
                         static_cast<long long>(visits)),
         absl::StrFormat("%.1f s; peak RSS client %.1f MiB, server %.1f MiB "
                         "(%.1f MiB after start-up)",
                         m.seconds, m.peak_mib, server, before),
         "< 100 MB each", "", m.peak_mib < 100 && server < 100,
         std::max(m.peak_mib, server), m.seconds});
  }

  void ReportOutcomes() {
    const Measured m = Regctl(analyst_, {"report", "outcomes"});
    Add({"report_outcomes_seconds",
         absl::StrFormat("regctl report outcomes streaming %d patients "
                         "(%d records read)",
                         patients_, patients_ * 22),
         absl::StrFormat("%.2f s", m.seconds), "10,000 patients in < 2 s",
         absl::StrFormat("%.2f s per 10,000", m.seconds * 10000 / patients_),
         m.seconds * 10000 / patients_ < 2, m.seconds, m.seconds});
  }

  // 16 clients for 5 s each: unary submissions, then health checks.
  // Four imports of 400,000 visits each at once, by four tokens (a token
  // holds at most one request's worth in flight), the size that once left
  // 0.99 GB allocated after them: the server's memory before, at its
  // highest, and after.
  void LargeSubmissions() {
    constexpr int kStreams = 4, kRows = 400000;
    std::vector<std::string> files, tokens;
    for (int s = 0; s < kStreams; ++s) {
      tokens.push_back(File(absl::StrCat("large", s, ".token")));
      Regctl(
          admin_,
          {"admin", "token", "issue", "--role", "submitter", "--center", "C1"},
          tokens.back());
    }
    for (int s = 0; s < kStreams; ++s) {
      files.push_back(File(absl::StrCat("large", s, ".csv")));
      std::ofstream out(files.back());
      out << "patient_id,visit_date,edss\n";
      // Dates before any in the cohort, one per patient and day.
      for (int i = 0; i < kRows; ++i) {
        const int p = (s * kRows + i) % patients_;
        const int day = (s * kRows + i) / patients_;
        out << "P" << p << "," << FormatIsoDate(Date(2005, 1, 2) + day)
            << ",3.0\n";
      }
    }
    SettleWal();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double before = RssMiB(server_.pid());
    std::atomic<bool> done{false};
    double highest = before;
    std::thread sampler([&] {
      while (!done) {
        highest = std::max(highest, RssMiB(server_.pid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    const auto start = Clock::now();
    std::vector<std::thread> imports;
    for (int s = 0; s < kStreams; ++s) {
      imports.emplace_back([&, s] {
        Regctl(tokens[s], {"submit", "import", "visits", files[s]});
      });
    }
    for (std::thread& t : imports) t.join();
    const double seconds = Seconds(Clock::now() - start);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    done = true;
    sampler.join();
    const double after = RssMiB(server_.pid());
    const bool met = after <= before * 1.1 + 16;
    Add({"large_submissions_rss_after_mib",
         absl::StrFormat("%d concurrent imports of %d visits each: server "
                         "RSS before, highest, 2 s after",
                         kStreams, kRows),
         absl::StrFormat("%.1f / %.1f / %.1f MiB (%.1f s)", before, highest,
                         after, seconds),
         "after within 10 % + 16 MiB of before", "", met, after, seconds});
    SettleWal();
  }

  void Unary() {
    const std::string token =
        std::string(absl::StripAsciiWhitespace(Slurp(submitter_)));
    constexpr int kClients = 16;
    // Every submission is a new relapse: a unique (patient, onset) pair.
    std::atomic<int64_t> next_relapse{0};
    auto measure = [&](bool health, std::chrono::milliseconds duration) {
      std::atomic<int64_t> calls{0}, failures{0};
      const auto end = Clock::now() + duration;
      std::vector<std::thread> threads;
      for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&] {
          auto channel = grpc::CreateChannel(
              server_.address(),
              grpc::experimental::LocalCredentials(LOCAL_TCP));
          auto stub = v1::SubmissionService::NewStub(channel);
          grpc::GenericStub generic(channel);
          while (Clock::now() < end) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30));
            // Both calls are unary and use the same callback API; only
            // the work behind them differs.
            grpc::Status status;
            std::mutex mu;
            std::condition_variable cv;
            bool done = false;
            auto finished = [&](grpc::Status s) {
              std::lock_guard<std::mutex> lock(mu);
              status = s;
              done = true;
              cv.notify_one();
            };
            grpc::ByteBuffer health_request, health_response;
            v1::SubmitRequest request;
            v1::SubmitResponse response;
            if (health) {
              grpc::Slice empty("", 0);
              health_request = grpc::ByteBuffer(&empty, 1);
              generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                                grpc::StubOptions(), &health_request,
                                &health_response, finished);
            } else {
              context.AddMetadata("authorization", "Bearer " + token);
              request.set_operation(v1::OPERATION_IMPORT);
              v1::Relapse* r = request.add_records()->mutable_relapse();
              // Spread over the cohort, as a center's daily entries are.
              const int64_t n = next_relapse++;
              r->set_patient_id(absl::StrCat("P", n % patients_));
              const Date date =
                  Date(1990, 1, 1) + static_cast<int>(n / patients_);
              r->mutable_onset_date()->set_year(static_cast<int>(date.year()));
              r->mutable_onset_date()->set_month(date.month());
              r->mutable_onset_date()->set_day(date.day());
              stub->async()->SubmitBatch(&context, &request, &response,
                                         finished);
            }
            {
              std::unique_lock<std::mutex> lock(mu);
              cv.wait(lock, [&] { return done; });
            }
            (status.ok() ? calls : failures)++;
          }
        });
      }
      for (auto& t : threads) t.join();
      return std::make_pair(calls.load(), failures.load());
    };
    // Alternating rounds, so that both rates see the same machine.
    constexpr int kRounds = 5;
    constexpr std::chrono::milliseconds kRound(1000);
    int64_t submits = 0, submit_failures = 0, checks = 0, health_failures = 0;
    for (int round = 0; round < kRounds; ++round) {
      const auto [s, sf] = measure(false, kRound);
      const auto [h, hf] = measure(true, kRound);
      submits += s, submit_failures += sf, checks += h, health_failures += hf;
    }
    const double seconds = kRounds * kRound.count() / 1000.0;
    const double submit_rate = submits / seconds;
    const double health_rate = checks / seconds;
    const double ratio = submit_rate / health_rate;
    Add({"unary_submit_ratio",
         "unary submissions (SubmitBatch), 16 concurrent clients, one "
         "relapse each (synchronous=FULL commit before each answer)",
         absl::StrFormat("%.0f calls/s (%lld failed); ceiling: health check "
                         "%.0f calls/s (%lld failed)",
                         submit_rate, static_cast<long long>(submit_failures),
                         health_rate, static_cast<long long>(health_failures)),
         ">= 70% of the health-check rate",
         absl::StrFormat("%.0f%% of the ceiling", 100 * ratio), ratio >= 0.7,
         ratio});
  }
  const std::string bin_;
  int patients_;
  const int repetitions_;
  bool probe_ = false;
  std::map<std::string, double> probe_seconds_;
  const std::filesystem::path dir_;
  Server server_;
  std::string admin_, submitter_, analyst_;
  double import_seconds_ = 0;
  std::vector<Figure> figures_;
};

}  // namespace
}  // namespace registry::bench

int main(int argc, char** argv) {
  std::string bin, md = "BENCHMARKS.md", json = "benchmarks/results.json", only;
  int patients = 100000, repetitions = 5;
  // As deploy/bench.sh was called: without the flags it adds itself.
  std::string command = "deploy/bench.sh";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag != "--bin" && flag != "--md" && flag != "--json") {
      absl::StrAppend(&command, " ", flag, " ", argv[i + 1]);
    }
    if (flag == "--bin")
      bin = argv[i + 1];
    else if (flag == "--md")
      md = argv[i + 1];
    else if (flag == "--json")
      json = argv[i + 1];
    else if (flag == "--patients")
      patients = std::atoi(argv[i + 1]);
    else if (flag == "--repetitions")
      repetitions = std::atoi(argv[i + 1]);
    else if (flag == "--only")
      only = argv[i + 1];
    else
      bin.clear(), i = argc;
  }
  if (bin.empty() || patients < 100 || repetitions < 1 ||
      (!only.empty() && only != "outcome-reports")) {
    std::cerr << "usage: registry_bench --bin DIR [--md FILE] [--json FILE] "
                 "[--patients N] [--only outcome-reports] [--repetitions N]\n";
    return 2;
  }
  registry::bench::Suite suite(bin, patients, repetitions);
  if (only.empty()) {
    suite.Run();
    registry::bench::WriteFigures(suite.figures(), md, json, command);
    return 0;
  }
  const double load = registry::bench::LoadAverage();
  suite.OutcomeReports();
  registry::bench::WriteSeparateFigures(
      suite.figures(), md, json, command,
      absl::StrFormat("1-minute load average %.1f when it began and %.1f "
                      "when it ended.",
                      load, registry::bench::LoadAverage()));
  return 0;
}
