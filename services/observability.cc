#include "services/observability.h"

#include <google/protobuf/stubs/logging.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "api/convert.h"
#include "core/outcome_definition.h"
#include "core/text_escape.h"
#include "core/version.h"

namespace registry {
namespace {

std::string CodeName(int code) { return StatusCodeName(code); }

Mutex log_mutex;
std::ostream* protobuf_log ABSL_GUARDED_BY(log_mutex) = nullptr;

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

void ProtobufLogLine(google::protobuf::LogLevel level, const char* filename,
                     int line, const std::string& message) {
  static constexpr const char* kLevels[] = {"INFO", "WARNING", "ERROR",
                                            "FATAL"};
  const char* name =
      level >= 0 && level <= 3 ? kLevels[static_cast<int>(level)] : "ERROR";
  const std::string text = absl::StrCat(
      "{\"time\":\"", Now(), "\",\"level\":\"", name,
      "\",\"source\":\"protobuf\",\"message\":", JsonQuote(message), "}\n");
  MutexLock lock(&log_mutex);
  if (protobuf_log != nullptr) *protobuf_log << text << std::flush;
}

class Observer : public grpc::experimental::Interceptor {
 public:
  Observer(std::string method, RequestMetrics* metrics, std::ostream* log)
      : method_(std::move(method)), metrics_(metrics), log_(log) {
    HandingOver(this);
  }
  ~Observer() override { TakingOver(this); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    TakingOver(this);
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      std::string principal = "-";
      if (auto* trailing = methods->GetSendTrailingMetadata()) {
        auto it = trailing->find(kPrincipalMetadata);
        if (it != trailing->end()) principal = it->second;
      }
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
      metrics_->Record(method_, status.error_code(), ms);
      if (log_ != nullptr) {
        const std::string line = absl::StrFormat(
            "{\"time\":\"%s\",\"method\":%s,\"principal\":%s,"
            "\"code\":\"%s\",\"latency_ms\":%.3f}\n",
            Now(), JsonQuote(method_), JsonQuote(principal),
            CodeName(status.error_code()), ms);
        MutexLock lock(&log_mutex);
        *log_ << line << std::flush;
      }
    }
    HandingOver(this);
    methods->Proceed();
  }

 private:
  const std::string method_;
  RequestMetrics* metrics_;
  std::ostream* log_;
  // From the call's creation: a call held back for a failed
  // authentication counts its wait.
  const absl::Time start_ = absl::Now();
};

class ObserverFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  ObserverFactory(RequestMetrics* metrics, std::ostream* log,
                  std::set<std::string> known_methods)
      : metrics_(metrics), log_(log), known_(std::move(known_methods)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    const bool known = method != nullptr && known_.count(method) > 0;
    return new Observer(known ? method : "unknown", metrics_, log_);
  }

 private:
  RequestMetrics* metrics_;
  std::ostream* log_;
  const std::set<std::string> known_;
};

}  // namespace

void RequestMetrics::Record(const std::string& method, grpc::StatusCode code,
                            double latency_ms) {
  MutexLock lock(&mutex_);
  MethodStats& stats = methods_[method];
  ++stats.by_code[static_cast<int>(code)];
  ++stats.count;
  stats.sum_ms += latency_ms;
  for (size_t i = 0; i < kBucketsMs.size(); ++i) {
    if (latency_ms <= kBucketsMs[i]) ++stats.buckets[i];
  }
}

std::string RequestMetrics::PrometheusText() const {
  MutexLock lock(&mutex_);
  std::string text =
      "# HELP registry_requests_total Requests by method and status code.\n"
      "# TYPE registry_requests_total counter\n";
  for (const auto& [method, stats] : methods_) {
    for (const auto& [code, n] : stats.by_code) {
      absl::StrAppend(&text, "registry_requests_total{method=\"",
                      PrometheusLabelValue(method), "\",code=\"",
                      CodeName(code), "\"} ", n, "\n");
    }
  }
  absl::StrAppend(
      &text,
      "# HELP registry_request_duration_seconds Request latency, from the "
      "call's arrival to its status.\n"
      "# TYPE registry_request_duration_seconds histogram\n");
  for (const auto& [name, stats] : methods_) {
    const std::string method = PrometheusLabelValue(name);
    for (size_t i = 0; i < kBucketsMs.size(); ++i) {
      absl::StrAppend(
          &text, "registry_request_duration_seconds_bucket{method=\"", method,
          "\",le=\"", kBucketsMs[i] / 1000, "\"} ", stats.buckets[i], "\n");
    }
    absl::StrAppend(&text, "registry_request_duration_seconds_bucket{method=\"",
                    method, "\",le=\"+Inf\"} ", stats.count, "\n",
                    "registry_request_duration_seconds_sum{method=\"", method,
                    "\"} ", absl::StrFormat("%.6f", stats.sum_ms / 1000), "\n",
                    "registry_request_duration_seconds_count{method=\"", method,
                    "\"} ", stats.count, "\n");
  }
  return text;
}

std::string ServerFiguresText(const StoreFigures& figures, absl::Time started) {
  std::string text;
  auto gauge = [&text](const char* name, const char* help, auto value) {
    absl::StrAppend(&text, "# HELP ", name, " ", help, "\n# TYPE ", name,
                    " gauge\n", name, " ", value, "\n");
  };
  absl::StrAppend(
      &text,
      "# HELP registry_build_info The running build: its version, outcome "
      "rules and gRPC.\n# TYPE registry_build_info gauge\n"
      "registry_build_info{version=\"",
      PrometheusLabelValue(std::string(RegistryVersion())), "\",rules=\"",
      PrometheusLabelValue(std::string(kOutcomeRulesVersion)), "\",grpc=\"",
      PrometheusLabelValue(grpc::Version()), "\"} 1\n");
  gauge("registry_start_time_seconds",
        "When this registryd started (Unix time).",
        absl::ToUnixSeconds(started));
  gauge("registry_database_bytes", "Size of the database file.",
        figures.database_bytes);
  gauge("registry_wal_bytes",
        "Size of the write-ahead log (-wal) not yet copied away.",
        figures.wal_bytes);
  gauge("registry_audit_entries", "Entries in the audit trail.",
        figures.audit_entries);
  gauge("registry_events", "Clinical events stored (every version).",
        figures.events);
  gauge("registry_patients", "Patients registered.", figures.patients);
  gauge("registry_centers", "Transplant centres.", figures.centers);
  gauge("registry_active_tokens", "Tokens neither revoked nor expired.",
        figures.active_tokens);
  gauge("registry_last_wal_checkpoint_time_seconds",
        "When a WAL checkpoint last copied the whole WAL into the database "
        "(Unix time; 0 none since start).",
        figures.last_full_checkpoint
            ? absl::ToUnixSeconds(*figures.last_full_checkpoint)
            : 0);
  gauge("registry_disk_full",
        "1 while the disk counts as full (submissions refused).",
        figures.disk_full ? 1 : 0);
  return text;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestObserver(RequestMetrics* metrics, std::ostream* log,
                    std::set<std::string> known_methods) {
  return std::make_unique<ObserverFactory>(metrics, log,
                                           std::move(known_methods));
}

void RouteProtobufLogs(std::ostream* log) {
  {
    MutexLock lock(&log_mutex);
    protobuf_log = log;
  }
  google::protobuf::SetLogHandler(ProtobufLogLine);
}

void StopRoutingProtobufLogs(std::ostream* log) {
  MutexLock lock(&log_mutex);
  if (protobuf_log == log) protobuf_log = nullptr;
}

}  // namespace registry
