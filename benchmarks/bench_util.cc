#include "benchmarks/bench_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

extern char** environ;

namespace registry::bench {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

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

void Server::Start(const std::string& bin, const std::string& db,
                   const std::string& log) {
  Stop();
  pid_ = Spawn({bin + "/registryd", "--db", db, "--listen", "127.0.0.1:0",
                "--log-requests=false"},
               "/dev/null", log);
  for (int i = 0; i < 300 && address_.empty(); ++i) {
    std::smatch match;
    const std::string text = Slurp(log);
    static const std::regex listening("listening on (127\\.0\\.0\\.1:[0-9]+)");
    if (std::regex_search(text, match, listening)) address_ = match[1];
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (address_.empty()) {
    std::cerr << "registryd did not start\n" << Slurp(log);
    std::exit(1);
  }
}

void Server::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  address_.clear();
}

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

double LoadAverage() {
  std::istringstream in(Slurp("/proc/loadavg"));
  double load = -1;
  in >> load;
  return load;
}

namespace {

std::string Today() {
  return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
}

void Table(std::ostream& out, const std::vector<Figure>& figures) {
  out << "| what | measured | target | ratio | met |\n|---|---|---|---|---|\n";
  for (const Figure& f : figures) {
    out << "| " << f.what << " | " << f.measured << " | " << f.target << " | "
        << f.ratio << " | "
        << (f.target.empty() ? ""
            : f.met          ? "yes"
                             : "no")
        << " |\n";
  }
}

// The "figures" object's members, one a line, at `indent`.
void JsonFigures(std::ostream& j, const std::vector<Figure>& figures,
                 const std::string& indent) {
  for (size_t i = 0; i < figures.size(); ++i) {
    j << indent << "\"" << figures[i].key
      << "\": {\"value\": " << figures[i].value
      << ", \"met\": " << (figures[i].met ? "true" : "false") << "}"
      << (i + 1 < figures.size() ? "," : "") << "\n";
  }
}

constexpr char kSeparateHeading[] = "\n## Separate runs\n";
// The last member of the JSON object a full run writes, when a separate
// run added it; the object then ends with "\n  }\n}\n".
constexpr char kSeparateMember[] = ",\n  \"separate\": {";

}  // namespace

void WriteFigures(const std::vector<Figure>& figures, const std::string& md,
                  const std::string& json, const std::string& command) {
  const std::string date = Today();
  std::ofstream out(md);
  out << "# Benchmarks\n\nWritten by `" << command << "` on " << date
      << ".\nMachine: " << Machine()
      << ".\nEvery figure below was measured in that one run; absolute times "
         "vary by machine, the ratios are the figures that count.\n\n";
  Table(out, figures);
  out << "\nSee docs/benchmarks.md for what each figure measures and, for "
         "missed targets, what limits them.\n";
  std::ofstream j(json);
  j << "{\n  \"date\": \"" << date << "\",\n  \"machine\": \"" << Machine()
    << "\",\n  \"command\": \"" << command << "\",\n  \"figures\": {\n";
  JsonFigures(j, figures, "    ");
  j << "  }\n}\n";
}

void WriteSeparateFigures(const std::vector<Figure>& figures,
                          const std::string& md, const std::string& json,
                          const std::string& command,
                          const std::string& notes) {
  const std::string date = Today();
  std::string text = Slurp(md);
  if (size_t at = text.find(kSeparateHeading); at != std::string::npos) {
    text.resize(at);
  }
  std::ostringstream section;
  section << kSeparateHeading << "Written by `" << command << "` on " << date
          << ", apart from the full run above.\nMachine: " << Machine() << ". "
          << notes << "\n\n";
  Table(section, figures);
  std::ofstream(md) << text << section.str();

  std::string object = Slurp(json);
  if (size_t at = object.find(kSeparateMember); at != std::string::npos) {
    object.resize(at);
  } else if (object.size() >= 2 && object.ends_with("}\n")) {
    object.resize(object.size() - 2);
    while (!object.empty() && object.back() == '\n') object.pop_back();
  } else {
    object = "{\n  \"figures\": {}";
  }
  std::ofstream j(json);
  j << object << kSeparateMember << "\n    \"date\": \"" << date
    << "\",\n    \"command\": \"" << command << "\",\n    \"figures\": {\n";
  JsonFigures(j, figures, "      ");
  j << "    }\n  }\n}\n";
}

}  // namespace registry::bench
