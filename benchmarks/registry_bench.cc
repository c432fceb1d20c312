// The registry's benchmark suite: one command, every figure side by side
// with its ceiling, written to BENCHMARKS.md and a JSON file.
//
//   registry_bench --bin DIR [--md FILE] [--json FILE] [--patients N]
//
// DIR holds registryd and regctl (an optimised build). N patients (default
// 100,000) with 20 visits each are loaded through `regctl`, in two imports
// of N*10 visits; the figures are then measured on that database.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/audit_chain.h"
#include "core/outcomes.h"
#include "core/survival.h"
#include "registry/v1/submission.grpc.pb.h"
#include "storage/audit_rows.h"
#include "storage/registry_store.h"

extern char** environ;

namespace registry {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Between(int low, int high) {
    return low +
           static_cast<int>(Next() % static_cast<uint64_t>(high - low + 1));
  }

 private:
  uint64_t state_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& out,
            const std::string& err) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ)) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

double RssMiB(pid_t pid) {
  std::smatch match;
  const std::string status = Slurp(absl::StrCat("/proc/", pid, "/status"));
  static const std::regex rss("VmRSS:\\s+([0-9]+) kB");
  return std::regex_search(status, match, rss) ? std::stod(match[1]) / 1024
                                               : -1;
}

double PeakMiB(pid_t pid) {
  std::smatch match;
  const std::string status = Slurp(absl::StrCat("/proc/", pid, "/status"));
  static const std::regex hwm("VmHWM:\\s+([0-9]+) kB");
  return std::regex_search(status, match, hwm) ? std::stod(match[1]) / 1024
                                               : -1;
}

struct Measured {
  double seconds;
  double peak_mib;
};

// Runs a command to completion (exit 0 required): wall time and peak RSS.
Measured RunMeasured(const std::vector<std::string>& args,
                     const std::string& out, const std::string& err) {
  const auto start = Clock::now();
  const pid_t pid = Spawn(args, out, err);
  int status = 0;
  // The peak of the child's own memory after exec (VmHWM), sampled while it
  // runs: rusage's maxrss would also count the spawning process.
  double peak = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    peak = std::max(peak, PeakMiB(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "failed: " << args[0] << " ... " << args.back() << "\n"
              << Slurp(err);
    std::exit(1);
  }
  return {Seconds(Clock::now() - start), peak};
}

// One figure of the report.
struct Figure {
  std::string key;       // JSON name
  std::string what;      // table row
  std::string measured;  // as printed
  std::string target;
  std::string ratio;  // to the ceiling or target, or ""
  bool met = true;
  double value = 0;    // for JSON
  double seconds = 0;  // wall time, to show growth with the cohort size
};

class Suite {
 public:
  Suite(std::string bin, int patients)
      : bin_(std::move(bin)),
        patients_(patients),
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
    address_.clear();
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
    Engine();
    Statistics();
  }

  const std::vector<Figure>& figures() const { return figures_; }

 private:
  std::string File(const std::string& name) const {
    return (dir_ / name).string();
  }
  std::string db() const {
    return File(absl::StrCat("bench-", patients_, ".db"));
  }

  void StartServer() {
    const std::string log = File("registryd.log");
    server_ = Spawn({bin_ + "/registryd", "--db", db(), "--listen",
                     "127.0.0.1:0", "--log-requests=false"},
                    "/dev/null", log);
    for (int i = 0; i < 300 && address_.empty(); ++i) {
      std::smatch match;
      const std::string text = Slurp(log);
      static const std::regex listening(
          "listening on (127\\.0\\.0\\.1:[0-9]+)");
      if (std::regex_search(text, match, listening)) address_ = match[1];
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (address_.empty()) {
      std::cerr << "registryd did not start\n" << Slurp(log);
      std::exit(1);
    }
  }
  void StopServer() {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
      server_ = -1;
    }
  }
  Measured Regctl(const std::string& token, std::vector<std::string> args,
                  const std::string& out = "/dev/null") {
    std::vector<std::string> full = {
        bin_ + "/regctl", "--server", address_, "--token-file", token,
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
  // durability, one process, no gRPC: events, current records and chained
  // audit entries, one transaction.
  void Ceiling() {
    // Byte for byte the rows the first import wrote: random registry ids,
    // recorded times, request and token ids, payloads.
    struct Row {
      std::string registry_id, patient_id, key, payload, at, request_id,
          principal, issued_by;
    };
    std::vector<Row> rows;
    {
      SQLite::Database source(this->db(), SQLite::OPEN_READONLY);
      SQLite::Statement query(
          source,
          "SELECT e.registry_id, p.patient_id, e.record_key, e.payload, "
          "e.recorded_at, e.request_id, e.principal, t.issued_by FROM events "
          "e JOIN patients p ON p.registry_id = e.registry_id JOIN tokens t "
          "ON t.token_id = e.principal WHERE e.kind = 'visits' ORDER BY "
          "e.event_seq LIMIT ?");
      query.bind(1, static_cast<int64_t>(patients_) * 10);
      while (query.executeStep()) {
        Row row;
        int column = 0;
        for (std::string* field :
             {&row.registry_id, &row.patient_id, &row.key, &row.payload,
              &row.at, &row.request_id, &row.principal, &row.issued_by}) {
          *field = query.getColumn(column++).getString();
        }
        rows.push_back(std::move(row));
      }
    }
    // Best of three: the ceiling as high as this machine allows.
    auto run = [&](const std::string& path) {
      { (void)RegistryStore::Open(path); }  // the schema
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      // As in registryd: no checkpoint inside the commit.
      db.exec("PRAGMA wal_autocheckpoint = 0");
      db.exec(
          "INSERT INTO centers (code, name, created_at) VALUES ('C1', 'B', "
          "'t')");
      const auto start = Clock::now();
      SQLite::Transaction transaction(db,
                                      SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement patient(db,
                                "INSERT OR IGNORE INTO patients (registry_id, "
                                "center_id, patient_id, created_at) VALUES (?, "
                                "1, ?, ?)");
      SQLite::Statement event(db,
                              "INSERT INTO events (recorded_at, request_id, "
                              "principal, registry_id, kind, record_key, op, "
                              "payload, reason) VALUES (?, ?, ?, ?, "
                              "'visits', ?, 'create', ?, '')");
      SQLite::Statement current(
          db,
          "INSERT INTO current_records (registry_id, kind, "
          "record_key, record_date, event_seq, payload) "
          "VALUES (?, 'visits', ?, ?, ?, ?)");
      SQLite::Statement audit(
          db,
          "INSERT INTO audit_log (seq, at, principal, role, "
          "center, action, entity, old_value, new_value, "
          "reason, request_id, event_seq, prev_hash, hash, issued_by) "
          "VALUES (?, ?, ?, 'submitter', 'C1', "
          "'record.create', ?, '', ?, '', ?, ?, ?, ?, ?)");
      std::string prev(kGenesisHash);
      int64_t seq = 0;
      for (const Row& row : rows) {
        patient.bind(1, row.registry_id);
        patient.bind(2, row.patient_id);
        patient.bind(3, row.at);
        patient.exec();
        patient.reset();
        event.bind(1, row.at);
        event.bind(2, row.request_id);
        event.bind(3, row.principal);
        event.bind(4, row.registry_id);
        event.bind(5, row.key);
        event.bind(6, row.payload);
        event.exec();
        event.reset();
        const int64_t event_seq = db.getLastInsertRowid();
        current.bind(1, row.registry_id);
        current.bind(2, row.key);
        current.bind(3, row.key);
        current.bind(4, event_seq);
        current.bind(5, row.payload);
        current.exec();
        current.reset();
        AuditEntry e;
        e.seq = ++seq;
        e.at = row.at;
        e.principal = row.principal;
        e.role = "submitter";
        e.center = "C1";
        e.action = "record.create";
        e.entity = "visits/" + row.registry_id + "/" + row.key;
        e.new_value = ValueDigest(row.payload);
        e.request_id = row.request_id;
        e.event_seq = event_seq;
        e.prev_hash = prev;
        e.issued_by = row.issued_by;
        e.hash = ComputeAuditHash(e);
        audit.bind(1, e.seq);
        audit.bind(2, e.at);
        audit.bind(3, e.principal);
        audit.bind(4, e.entity);
        audit.bind(5, e.new_value);
        audit.bind(6, e.request_id);
        audit.bind(7, event_seq);
        audit.bind(8, e.prev_hash);
        audit.bind(9, e.hash);
        audit.bind(10, e.issued_by);
        audit.exec();
        audit.reset();
        prev = e.hash;
      }
      transaction.commit();
      return Seconds(Clock::now() - start);
    };
    double seconds = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const std::string path = File(absl::StrCat("ceiling", attempt, ".db"));
      const double took = run(path);
      seconds = attempt == 0 ? took : std::min(seconds, took);
      for (const char* suffix : {"", "-wal", "-shm", ".lock", ".reserve"}) {
        std::filesystem::remove(path + suffix);
      }
    }
    const double ratio = seconds / import_seconds_;
    Add({"import_ceiling_ratio",
         absl::StrFormat("ceiling: raw SQLite, same %zu rows, schema and "
                         "durability, one process, no gRPC, best of 3",
                         rows.size()),
         absl::StrFormat("%.1f s, %.0f visits/s", seconds,
                         rows.size() / seconds),
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
    address_.clear();
    StartServer();
    const double before = PeakMiB(server_);
    const Measured m = Regctl(analyst_, {"report", "export", "visits"});
    const double server = PeakMiB(server_);
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
    const double before = RssMiB(server_);
    std::atomic<bool> done{false};
    double highest = before;
    std::thread sampler([&] {
      while (!done) {
        highest = std::max(highest, RssMiB(server_));
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
    const double after = RssMiB(server_);
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
              address_, grpc::experimental::LocalCredentials(LOCAL_TCP));
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

  static PatientClinicalData Synthetic(int index, Random& random) {
    PatientClinicalData data;
    const Date day0 = Date(2012, 1, 1) + random.Between(0, 2000);
    data.disease = Disease::kRrms;
    data.diagnosis_date = Date(2008, 1, 1);
    data.transplant_dates = {day0};
    double edss = random.Between(2, 10) * 0.5 + 1.0;
    for (int v = 0; v < 20; ++v) {
      const int step = random.Between(0, 9);
      if (step == 0) edss = std::min(9.5, edss + 1.0);
      if (step == 1) edss = std::max(1.0, edss - 0.5);
      data.visits.push_back(
          {day0 - 30 + v * 120 + random.Between(0, 20), edss});
    }
    data.relapses = {day0 - random.Between(60, 600),
                     day0 + random.Between(100, 2200)};
    for (int s = 0; s < 8; ++s) {
      data.scans.push_back(
          {day0 - 40 + s * 210 + random.Between(0, 20),
           random.Between(0, 20) == 0 ? 1 : 0, 0,
           random.Between(0, 30) == 0 ? 1 : 0,
           s == 0 ? std::nullopt
                  : std::optional<double>(-random.Between(0, 80) / 100.0)});
    }
    (void)index;
    return data;
  }

  // Best of 3, in seconds.
  template <typename Body>
  static double Best(Body body) {
    double best = 1e9;
    for (int r = 0; r < 3; ++r) {
      const auto start = Clock::now();
      body();
      best = std::min(best, Seconds(Clock::now() - start));
    }
    return best;
  }

  void Engine() {
    std::vector<double> seconds;
    for (int n : {10000, 100000}) {
      Random random(3);
      std::vector<PatientClinicalData> cohort;
      for (int i = 0; i < n; ++i) cohort.push_back(Synthetic(i, random));
      const OutcomeDefinition definition;
      seconds.push_back(Best([&] {
        int evaluable = 0;
        for (const auto& data : cohort) {
          evaluable += ComputeOutcome(data, definition).neda3_evaluable;
        }
        if (evaluable < 0) std::abort();
      }));
    }
    Add({"engine_100k_seconds",
         "outcome engine, 100,000 patients (20 visits, 2 relapses, 8 scans), "
         "one thread",
         absl::StrFormat("%.0f ms; 10,000 patients %.1f ms", seconds[1] * 1000,
                         seconds[0] * 1000),
         "< 1 s; linear growth",
         absl::StrFormat("x%.1f for 10x the patients", seconds[1] / seconds[0]),
         seconds[1] < 1, seconds[1]});
  }

  void Statistics() {
    std::vector<double> seconds;
    for (int n : {10000, 100000}) {
      Random random(5);
      std::vector<std::vector<SurvivalObservation>> strata(6);
      for (int i = 0; i < n; ++i) {
        strata[random.Between(0, 5)].push_back(
            {static_cast<double>(random.Between(1, 4000)),
             random.Between(0, 2) == 0});
      }
      seconds.push_back(Best([&] {
        double sink = 0;
        for (const auto& group : strata) {
          const KaplanMeierCurve curve = KaplanMeier(group);
          sink += SummaryAtTimes(curve, {365.25, 1826.25}).size();
        }
        sink += LogRank(strata).chisq;
        if (sink < 0) std::abort();
      }));
    }
    Add({"km_100k_seconds",
         "Kaplan–Meier with 6 strata, milestones and log-rank, 100,000 "
         "patients, one thread",
         absl::StrFormat("%.1f ms; 10,000 patients %.1f ms", seconds[1] * 1000,
                         seconds[0] * 1000),
         "< 50 ms; linear growth",
         absl::StrFormat("x%.1f for 10x the patients", seconds[1] / seconds[0]),
         seconds[1] < 0.05, seconds[1]});
  }

  const std::string bin_;
  int patients_;
  bool probe_ = false;
  std::map<std::string, double> probe_seconds_;
  const std::filesystem::path dir_;
  pid_t server_ = -1;
  std::string address_;
  std::string admin_, submitter_, analyst_;
  double import_seconds_ = 0;
  std::vector<Figure> figures_;
};

std::string Machine() {
  std::string cpu = "unknown CPU";
  std::istringstream info(Slurp("/proc/cpuinfo"));
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname name{};
  uname(&name);
  return absl::StrFormat("%s, %u hardware threads, %s %s", cpu,
                         std::thread::hardware_concurrency(), name.sysname,
                         name.release);
}

void Write(const std::vector<Figure>& figures, const std::string& md,
           const std::string& json, const std::string& command) {
  const std::string date =
      absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  std::ofstream out(md);
  out << "# Benchmarks\n\nWritten by `" << command << "` on " << date
      << ".\nMachine: " << Machine()
      << ".\nEvery figure below was measured in that one run; absolute times "
         "vary by machine, the ratios are the figures that count.\n\n"
         "| what | measured | target | ratio | met |\n|---|---|---|---|---|\n";
  for (const Figure& f : figures) {
    out << "| " << f.what << " | " << f.measured << " | " << f.target << " | "
        << f.ratio << " | "
        << (f.target.empty() ? ""
            : f.met          ? "yes"
                             : "no")
        << " |\n";
  }
  out << "\nSee docs/benchmarks.md for what each figure measures and, for "
         "missed targets, what limits them.\n";
  std::ofstream j(json);
  j << "{\n  \"date\": \"" << date << "\",\n  \"machine\": \"" << Machine()
    << "\",\n  \"command\": \"" << command << "\",\n  \"figures\": {\n";
  for (size_t i = 0; i < figures.size(); ++i) {
    j << "    \"" << figures[i].key << "\": {\"value\": " << figures[i].value
      << ", \"met\": " << (figures[i].met ? "true" : "false") << "}"
      << (i + 1 < figures.size() ? "," : "") << "\n";
  }
  j << "  }\n}\n";
}

}  // namespace
}  // namespace registry

int main(int argc, char** argv) {
  std::string bin, md = "BENCHMARKS.md", json = "benchmarks/results.json";
  int patients = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bin")
      bin = argv[i + 1];
    else if (flag == "--md")
      md = argv[i + 1];
    else if (flag == "--json")
      json = argv[i + 1];
    else if (flag == "--patients")
      patients = std::atoi(argv[i + 1]);
    else
      bin.clear(), i = argc;
  }
  if (bin.empty() || patients < 100) {
    std::cerr << "usage: registry_bench --bin DIR [--md FILE] [--json FILE] "
                 "[--patients N]\n";
    return 2;
  }
  registry::Suite suite(bin, patients);
  suite.Run();
  registry::Write(suite.figures(), md, json, "deploy/bench.sh");
  return 0;
}
