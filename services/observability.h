// What operators see of a running server: one structured log line per
// request (method, principal token id, status code, latency; never a
// token or a patient code) and request counts with latency histograms.
#ifndef REGISTRY_SERVICES_OBSERVABILITY_H_
#define REGISTRY_SERVICES_OBSERVABILITY_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "core/sync.h"
#include "storage/registry_store.h"

namespace registry {

// Request counts per method and status code, and latency histograms per
// method. Thread-safe.
class RequestMetrics {
 public:
  // Upper bounds of the latency buckets, in milliseconds (exposed in
  // seconds, Prometheus' base unit).
  static constexpr std::array<double, 12> kBucketsMs = {
      1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 30000};

  void Record(const std::string& method, grpc::StatusCode code,
              double latency_ms);
  // Prometheus text exposition format: registry_requests_total and
  // registry_request_duration_seconds.
  std::string PrometheusText() const;

 private:
  struct MethodStats {
    std::map<int, uint64_t> by_code;
    std::array<uint64_t, kBucketsMs.size()> buckets{};
    uint64_t count = 0;
    double sum_ms = 0;
  };
  mutable Mutex mutex_;
  std::map<std::string, MethodStats> methods_ ABSL_GUARDED_BY(mutex_);
};

// The build and the store as Prometheus gauges (text exposition format):
// registry_build_info{version,rules,grpc} 1, registry_start_time_seconds,
// database and WAL bytes, audit entries, events, patients, centres, active
// tokens, the last full WAL checkpoint's time, and whether the disk is full.
std::string ServerFiguresText(const StoreFigures& figures, absl::Time started);

// Trailing metadata key under which handlers name the principal (the
// caller's own token id) for the request log.
inline constexpr char kPrincipalMetadata[] = "x-principal";

// Creates the interceptors that time each call, record it in `metrics`
// and, when `log` is set, write one JSON line per call to it. A method not
// in `known_methods` ("/package.Service/Method") is logged and counted as
// "unknown": callers choose the path, so it never reaches a log line or a
// metric label as such. `metrics` and `log` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestObserver(RequestMetrics* metrics, std::ostream* log,
                    std::set<std::string> known_methods);

// Sends protobuf's own log messages (a message that fails to parse, say)
// to `log` as JSON lines {"time","level","source":"protobuf","message"},
// instead of free text on stderr; null drops them. Process-wide: the last
// call wins. StopRoutingProtobufLogs(log) undoes it if `log` is current.
void RouteProtobufLogs(std::ostream* log);
void StopRoutingProtobufLogs(std::ostream* log);

}  // namespace registry

#endif  // REGISTRY_SERVICES_OBSERVABILITY_H_
