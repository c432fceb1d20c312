// What the benchmark scenarios share: timing, child processes (registryd,
// regctl), a registryd on a free loopback port, the figures and how they
// are written to BENCHMARKS.md and the JSON file.
#ifndef REGISTRY_BENCHMARKS_BENCH_UTIL_H_
#define REGISTRY_BENCHMARKS_BENCH_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/random.h"

namespace registry::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The median of `values` (not empty).
double Median(std::vector<double> values);

std::string Slurp(const std::string& path);

// Starts `args` (args[0] a path) with stdout and stderr to files; -1 if it
// cannot be started.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out,
            const std::string& err);

// Resident and peak resident memory of a process, MiB (-1: unknown).
double RssMiB(pid_t pid);
double PeakMiB(pid_t pid);

struct Measured {
  double seconds;
  double peak_mib;
};

// Runs a command to completion (exit 0 required, else the benchmark
// exits): wall time and the child's peak RSS.
Measured RunMeasured(const std::vector<std::string>& args,
                     const std::string& out, const std::string& err);

// A registryd on 127.0.0.1:0 (the port it picks is read from its log).
class Server {
 public:
  Server() = default;
  ~Server() { Stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Exits the benchmark if registryd does not start.
  void Start(const std::string& bin, const std::string& db,
             const std::string& log);
  void Stop();
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = -1;
  std::string address_;
};

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

// CPU, hardware threads, kernel.
std::string Machine();

// The one-minute load average when called, from /proc/loadavg.
double LoadAverage();

// Writes the whole table of a full run (`md`) and its figures (`json`).
void WriteFigures(const std::vector<Figure>& figures, const std::string& md,
                  const std::string& json, const std::string& command);

// Figures of a run of some scenarios only: `md` and `json` keep what the
// last full run wrote; the section of separate runs (in `md`) and the
// "separate" object (in `json`) are replaced by these figures. `notes` is
// printed above their table.
void WriteSeparateFigures(const std::vector<Figure>& figures,
                          const std::string& md, const std::string& json,
                          const std::string& command, const std::string& notes);

}  // namespace registry::bench

#endif  // REGISTRY_BENCHMARKS_BENCH_UTIL_H_
