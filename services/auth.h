// Bearer-token authentication in the server credentials, and the helper
// every handler uses to turn the authenticated identity into a Principal.
//
// The processor runs before any handler: a call without a token reaches
// only the public health and reflection services, a malformed
// authorization header fails. Every registry handler starts with
// AuthorizeCall, which checks the token itself.
#ifndef REGISTRY_SERVICES_AUTH_H_
#define REGISTRY_SERVICES_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/registry_store.h"

namespace registry {

class TokenAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  // `store` must outlive the processor.
  explicit TokenAuthProcessor(RegistryStore* store) : store_(store) {}

  // Blocking: looks the token's hash up in the store.
  bool IsBlocking() const override { return true; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  RegistryStore* store_;
};

// Counts failed authentications per peer host and says how long to hold
// the answer back: nothing for the first 3 failures within 10 minutes,
// then 100 ms doubling up to 5 s. Thread-safe.
class FailedAuthTracker {
 public:
  static constexpr absl::Duration kWindow = absl::Minutes(10);
  static constexpr absl::Duration kFirstDelay = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxDelay = absl::Seconds(5);

  explicit FailedAuthTracker(
      int free_failures = 3,
      std::function<absl::Time()> clock = [] { return absl::Now(); });
  // Records a failure and returns the delay to apply to its answer.
  absl::Duration RecordFailure(const std::string& peer);
  void RecordSuccess(const std::string& peer);

 private:
  struct Failures {
    absl::Time window_start;
    int count = 0;
  };
  const int free_failures_;
  std::function<absl::Time()> clock_;
  absl::Mutex mutex_;
  std::map<std::string, Failures> failures_ ABSL_GUARDED_BY(mutex_);
};

// "ipv4:127.0.0.1" from gRPC's "ipv4:127.0.0.1:54321".
std::string PeerHost(const std::string& peer);

// What handlers authorise calls with: the store and the failure tracker.
// Both must outlive it; thread-safe.
class Authenticator {
 public:
  Authenticator(RegistryStore* store, int free_failures)
      : store_(store), tracker_(free_failures) {}
  RegistryStore& store() { return *store_; }
  FailedAuthTracker& tracker() { return tracker_; }

 private:
  RegistryStore* store_;
  FailedAuthTracker tracker_;
};

// The principal of the call's own bearer token and a fresh request id, or
// UNAUTHENTICATED (no, unknown, revoked or expired token; recorded in the
// audit trail as `auth.failed` and, when repeated from one host, answered
// late) / PERMISSION_DENIED (role not in `allowed`). The request id is
// also sent back as `x-request-id`. Blocks for the delay of a repeated
// failure: for synchronous handlers.
absl::StatusOr<RequestContext> AuthorizeCall(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::initializer_list<Role> allowed);

// AuthorizeCall without the blocking part, for callback handlers: after a
// failed authentication (UNAUTHENTICATED with `*failed_peer` set to the
// caller's host) the handler must call PenalizeFailedAuth off the callback
// thread before it answers.
absl::StatusOr<RequestContext> AuthorizeCallNoWait(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::initializer_list<Role> allowed, std::string* failed_peer);

// Records a failed authentication from `peer` in the audit trail, then
// sleeps for the delay its repetition earns.
void PenalizeFailedAuth(Authenticator& auth, const std::string& peer);

// "req_" and 16 random hex digits.
std::string NewRequestId();

}  // namespace registry

#endif  // REGISTRY_SERVICES_AUTH_H_
