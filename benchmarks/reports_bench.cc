// Report benchmarks:
//  1. Kaplan–Meier statistics with strata and the log-rank test for N
//     patients (pure code, one thread);
//  2. a database of P patients with 20 visits each (2 million visits at
//     the default), served by a real registryd: `regctl report export
//     visits` streamed to /dev/null with the peak memory of both
//     processes, and `regctl report km --by disease` end to end.
//
//   reports_bench --bin DIR [--patients N] [--db-patients P] [--repeat R]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/survival.h"
#include "storage/registry_store.h"

extern char** environ;

namespace registry {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
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

pid_t Spawn(const std::vector<std::string>& args, const std::string& out,
            const std::string& err) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) !=
      0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Peak resident memory of a running process, in MiB.
double PeakMiB(pid_t pid) {
  std::smatch match;
  const std::string status = Slurp(absl::StrCat("/proc/", pid, "/status"));
  static const std::regex hwm("VmHWM:\\s+([0-9]+) kB");
  if (!std::regex_search(status, match, hwm)) return -1;
  return std::stod(match[1]) / 1024;
}

// Runs a command to completion; returns wall ms and the child's peak RSS.
std::pair<double, double> RunMeasured(const std::vector<std::string>& args,
                                      const std::string& out,
                                      const std::string& err) {
  const auto start = Clock::now();
  const pid_t pid = Spawn(args, out, err);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double ms = Ms(Clock::now() - start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "command failed: " << args[0] << " " << args.back() << "\n"
              << Slurp(err);
    std::exit(1);
  }
  return {ms, usage.ru_maxrss / 1024.0};
}

int Run(const std::string& bin, int patients, int db_patients, int repeat) {
  // 1. Statistics.
  Random random(3);
  std::vector<std::vector<SurvivalObservation>> strata(6);
  for (int i = 0; i < patients; ++i) {
    strata[random.Between(0, 5)].push_back(
        {static_cast<double>(random.Between(1, 4000)),
         random.Between(0, 2) == 0});
  }
  std::vector<double> runs;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    double sink = 0;
    for (const auto& group : strata) {
      const KaplanMeierCurve curve = KaplanMeier(group, ConfidenceType::kLog);
      sink += curve.rows.back().surv +
              SummaryAtTimes(curve, {365.25, 730.5, 1826.25}).size();
    }
    sink += LogRank(strata).chisq;
    runs.push_back(Ms(Clock::now() - start));
    if (sink < 0) std::cerr << sink;
  }
  std::sort(runs.begin(), runs.end());
  std::cout << absl::StrFormat(
      "km statistics: %d patients in 6 strata (curves, milestone rows, "
      "log-rank): best %.1f ms, median %.1f ms of %d runs\n",
      patients, runs.front(), runs[runs.size() / 2], repeat);

  // 2. A database with 20 visits per patient.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("reports-bench-", getpid());
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "bench.db").string();
  std::string analyst_secret;
  {
    auto store = RegistryStore::Open(db);
    if (!store.ok()) return 1;
    const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "bench"};
    (void)(*store)->AddCenter(system, "C1", "Bench");
    auto admin = (*store)->IssueToken(system, Role::kAdmin, "", "bench");
    auto token = (*store)->IssueToken(system, Role::kSubmitter, "C1", "bench");
    analyst_secret =
        (*store)->IssueToken(system, Role::kAnalyst, "", "b")->secret;
    auto principal = (*store)->Authenticate(token->secret);
    const RequestContext submitter{**principal, "bench-load"};
    const auto start = Clock::now();
    Random data(5);
    std::vector<SubmittedRow> patients_rows, transplants, visits;
    const char* kDiseases[] = {"RRMS", "SPMS", "PPMS", "NMOSD", "SSC", "SLE"};
    auto flush = [&](std::vector<SubmittedRow>& rows) {
      if (rows.empty()) return;
      auto counts = (*store)->Submit(submitter, Operation::kImport, "", rows);
      if (!counts.ok()) {
        std::cerr << counts.status() << "\n";
        std::exit(1);
      }
      rows.clear();
    };
    for (int i = 0; i < db_patients; ++i) {
      const std::string id = absl::StrFormat("P%07d", i);
      const Date day0 = Date(2010, 1, 1) + data.Between(0, 4000);
      patients_rows.push_back(
          {Kind::kPatients,
           {id, "F", "1980", kDiseases[data.Between(0, 5)], "2005-01-01"}});
      transplants.push_back({Kind::kTransplants,
                             {id, FormatIsoDate(day0), "autologous", "BEAM"}});
      for (int v = 0; v < 20; ++v) {
        visits.push_back(
            {Kind::kVisits,
             {id, FormatIsoDate(day0 - 20 + v * 100),
              absl::StrFormat("%.1f", 2.0 + 0.5 * data.Between(0, 6))}});
      }
      if (patients_rows.size() >= 20000) {
        flush(patients_rows);
        flush(transplants);
        flush(visits);
      }
    }
    flush(patients_rows);
    flush(transplants);
    flush(visits);
    std::cout << absl::StrFormat(
        "database: %d patients, %d visits loaded in %.1f s\n", db_patients,
        db_patients * 20, Ms(Clock::now() - start) / 1000);
    std::ofstream(db + ".admin-token") << admin->secret << "\n";
  }
  const std::string token_file = (dir / "analyst.token").string();
  std::ofstream(token_file) << analyst_secret << "\n";

  const std::string log = (dir / "registryd.log").string();
  const pid_t server =
      Spawn({bin + "/registryd", "--db", db, "--listen", "127.0.0.1:0"},
            "/dev/null", log);
  int port = 0;
  for (int i = 0; i < 300 && port == 0; ++i) {
    std::smatch match;
    const std::string text = Slurp(log);
    static const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
    if (std::regex_search(text, match, listening)) port = std::stoi(match[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (port == 0) {
    std::cerr << "registryd did not start\n" << Slurp(log);
    return 1;
  }
  const std::string address = absl::StrCat("127.0.0.1:", port);
  const double server_before = PeakMiB(server);
  const std::string out = (dir / "export.csv").string();
  const auto [export_ms, client_mib] =
      RunMeasured({bin + "/regctl", "--server", address, "--token-file",
                   token_file, "report", "export", "visits"},
                  "/dev/null", (dir / "regctl.err").string());
  const double server_after = PeakMiB(server);
  std::cout << absl::StrFormat(
      "export: %d visits streamed to /dev/null in %.1f s; peak RSS: client "
      "%.1f MiB, server %.1f MiB (%.1f MiB before the export)\n",
      db_patients * 20, export_ms / 1000, client_mib, server_after,
      server_before);
  const auto [km_ms, km_client] = RunMeasured(
      {bin + "/regctl", "--server", address, "--token-file", token_file,
       "report", "km", "--endpoint", "cdw", "--by", "disease"},
      "/dev/null", (dir / "regctl.err").string());
  std::cout << absl::StrFormat(
      "km end to end: %d patients (read %d records, outcomes, curves by "
      "disease) in %.1f s; server peak RSS %.1f MiB\n",
      db_patients, db_patients * 22, km_ms / 1000, PeakMiB(server));
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace registry

int main(int argc, char** argv) {
  std::string bin;
  int patients = 100000, db_patients = 100000, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bin")
      bin = argv[i + 1];
    else if (flag == "--patients")
      patients = std::atoi(argv[i + 1]);
    else if (flag == "--db-patients")
      db_patients = std::atoi(argv[i + 1]);
    else if (flag == "--repeat")
      repeat = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: reports_bench --bin DIR [--patients N] "
                   "[--db-patients P] [--repeat R]\n";
      return 2;
    }
  }
  if (bin.empty() || patients < 1 || db_patients < 1 || repeat < 1) {
    std::cerr << "usage: reports_bench --bin DIR [--patients N] "
                 "[--db-patients P] [--repeat R]\n";
    return 2;
  }
  return registry::Run(bin, patients, db_patients, repeat);
}
