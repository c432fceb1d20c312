// Outcome benchmarks:
//  1. the pure engine: outcomes of N synthetic patients (about 20 visits,
//     2 relapses and 8 scans each) on one thread;
//  2. the server: `regctl report outcomes` streaming M patients from a real
//     server on 127.0.0.1:0 to the client.
//
//   outcomes_bench [--patients N] [--server-patients M] [--repeat R]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/regctl/regctl.h"
#include "core/outcomes.h"
#include "services/server.h"

namespace registry {
namespace {

using Clock = std::chrono::steady_clock;

// Deterministic pseudo-random numbers (splitmix64).
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

// One patient as records: 20 visits every ~4 months from just before day
// 0, 2 relapses, 8 scans every ~7 months.
std::vector<Record> SyntheticPatient(int index, Random& random) {
  const std::string id = absl::StrFormat("P%06d", index);
  const Date day0 = Date(2012, 1, 1) + random.Between(0, 2000);
  std::vector<Record> records;
  records.push_back(
      PatientRecord{id, Sex::kFemale, 1980, Disease::kRrms, Date(2008, 1, 1)});
  records.push_back(
      TransplantRecord{id, day0, TransplantType::kAutologous, "BEAM-ATG"});
  double edss = random.Between(2, 10) * 0.5 + 1.0;
  for (int v = 0; v < 20; ++v) {
    const int step = random.Between(0, 9);
    if (step == 0) edss = std::min(9.5, edss + 1.0);
    if (step == 1) edss = std::max(1.0, edss - 0.5);
    if (step == 2) edss = std::min(9.5, edss + 0.5);
    records.push_back(
        VisitRecord{id, day0 - 30 + v * 120 + random.Between(0, 20), edss});
  }
  records.push_back(RelapseRecord{id, day0 - random.Between(60, 600)});
  records.push_back(RelapseRecord{id, day0 + random.Between(100, 2200)});
  for (int s = 0; s < 8; ++s) {
    records.push_back(MriRecord{
        id, day0 - 40 + s * 210 + random.Between(0, 20),
        random.Between(0, 20) == 0 ? 1 : 0, 0,
        random.Between(0, 30) == 0 ? 1 : 0,
        s == 0 ? std::nullopt
               : std::optional<double>(-random.Between(0, 80) / 100.0)});
  }
  return records;
}

double Milliseconds(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

int Run(int patients, int server_patients, int repeat) {
  std::cout << absl::StrFormat("machine: %u hardware threads\n",
                               std::thread::hardware_concurrency());

  // 1. Engine.
  Random random(7);
  std::vector<PatientClinicalData> cohort;
  size_t visits = 0, scans = 0, relapses = 0;
  for (int i = 0; i < patients; ++i) {
    cohort.push_back(ClinicalDataFromRecords(SyntheticPatient(i, random)));
    visits += cohort.back().visits.size();
    scans += cohort.back().scans.size();
    relapses += cohort.back().relapses.size();
  }
  const OutcomeDefinition definition;
  std::vector<double> runs;
  size_t evaluable = 0;
  for (int r = 0; r < repeat; ++r) {
    evaluable = 0;
    const auto start = Clock::now();
    for (const PatientClinicalData& data : cohort) {
      evaluable += ComputeOutcome(data, definition).neda3_evaluable;
    }
    runs.push_back(Milliseconds(Clock::now() - start));
  }
  std::sort(runs.begin(), runs.end());
  std::cout << absl::StrFormat(
      "engine: %d patients (%.1f visits, %.1f relapses, %.1f scans each), "
      "%zu evaluable: best %.1f ms, median %.1f ms of %d runs, one thread\n",
      patients, 1.0 * visits / patients, 1.0 * relapses / patients,
      1.0 * scans / patients, evaluable, runs.front(), runs[runs.size() / 2],
      repeat);

  // 2. Server streaming to regctl.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("outcomes-bench-", ::getpid());
  std::filesystem::create_directories(dir);
  ServerOptions options;
  options.db_path = (dir / "bench.db").string();
  options.listen = "127.0.0.1:0";
  auto server = RegistryServer::Start(options);
  if (!server.ok()) {
    std::cerr << server.status() << "\n";
    return 1;
  }
  const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "bench"};
  RegistryStore& store = (*server)->store();
  if (!store.AddCenter(system, "C1", "Bench").ok()) return 1;
  auto token = store.IssueToken(system, Role::kSubmitter, "C1", "bench");
  auto analyst = store.IssueToken(system, Role::kAnalyst, "", "bench");
  auto principal = store.Authenticate(token->secret);
  const RequestContext submitter{**principal, "bench-load"};
  Random server_random(11);
  const auto load_start = Clock::now();
  std::vector<std::vector<SubmittedRow>> by_kind(kAllKinds.size());
  for (int i = 0; i < server_patients; ++i) {
    for (const Record& record : SyntheticPatient(i, server_random)) {
      by_kind[static_cast<size_t>(KindOf(record))].push_back(
          {KindOf(record), ToRow(record)});
    }
  }
  for (const auto& rows : by_kind) {
    if (rows.empty()) continue;
    absl::StatusOr<SubmitCounts> counts =
        store.Submit(submitter, Operation::kImport, "", rows);
    if (!counts.ok()) {
      std::cerr << counts.status() << "\n";
      return 1;
    }
  }
  std::cout << absl::StrFormat("server: loaded %d patients in %.1f s\n",
                               server_patients,
                               Milliseconds(Clock::now() - load_start) / 1000);
  const std::string token_file = (dir / "analyst.token").string();
  { std::ofstream(token_file) << analyst->secret << "\n"; }
  runs.clear();
  size_t bytes = 0;
  for (int r = 0; r < repeat; ++r) {
    std::ostringstream out, err;
    RegctlIo io{out, err, {}, false};
    const auto start = Clock::now();
    const int code =
        RunRegctl({"--server", absl::StrCat("127.0.0.1:", (*server)->port()),
                   "--token-file", token_file, "report", "outcomes"},
                  io);
    runs.push_back(Milliseconds(Clock::now() - start));
    if (code != 0) {
      std::cerr << err.str();
      return 1;
    }
    bytes = out.str().size();
  }
  std::sort(runs.begin(), runs.end());
  std::cout << absl::StrFormat(
      "server: regctl report outcomes, %d patients streamed (%zu bytes of "
      "CSV): best %.1f ms, median %.1f ms of %d runs\n",
      server_patients, bytes, runs.front(), runs[runs.size() / 2], repeat);
  (*server)->Shutdown(absl::Seconds(1));
  server->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace registry

int main(int argc, char** argv) {
  int patients = 100000, server_patients = 10000, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--patients")
      patients = value;
    else if (flag == "--server-patients")
      server_patients = value;
    else if (flag == "--repeat")
      repeat = value;
    else {
      std::cerr << "usage: outcomes_bench [--patients N] [--server-patients M] "
                   "[--repeat R]\n";
      return 2;
    }
  }
  if (patients < 1 || server_patients < 1 || repeat < 1) return 2;
  return registry::Run(patients, server_patients, repeat);
}
