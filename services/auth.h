// Bearer-token authentication: who a call is, decided once at its start,
// and how repeated failures are slowed down without a thread per call.
//
// The gate (an interceptor, MakeAuthGate) runs before any handler. It
// checks the call's `authorization: Bearer <token>` and records the
// verdict; a failure is counted against the caller's host at once and,
// once the host has had its free failures, the call is held back (its
// handler does not run yet) by a timer on one thread. A host with too many
// answers held, or any host with failures while the total held is at its
// bound, has its calls refused before their token is checked, so a flood
// of guesses learns nothing and holds nothing but a timer entry. Nothing
// but time clears a host's failures. Failures are audited as one
// `auth.failed` entry per host and interval.
//
// Handlers start with AuthorizeCall, which reads the verdict (and only
// gates: an interceptor cannot refuse a call on this gRPC version). The
// credentials' processor refuses calls without a token except to the
// public health and reflection services.
#ifndef REGISTRY_SERVICES_AUTH_H_
#define REGISTRY_SERVICES_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/access.h"
#include "core/sync.h"
#include "storage/registry_store.h"

namespace registry {

class TokenAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  // Not blocking: it only looks for the header (a blocking processor
  // runs each call on a thread of a pool that grows with the calls).
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;
};

struct AuthOptions {
  // Streamed answers (exports, outcome streams, backups) one token may
  // have open at once; each holds a handler thread while its client reads.
  int max_streams_per_principal = 8;
  // Failures a host may make in a window before its answers are held
  // back: kFirstDelay, doubling per further failure up to kMaxDelay.
  int free_failures = 3;
  absl::Duration window = absl::Minutes(10);
  absl::Duration first_delay = absl::Milliseconds(100);
  absl::Duration max_delay = absl::Seconds(5);
  // Answers held back at once, for one host and for all; past them calls
  // of failing hosts are refused unchecked (RESOURCE_EXHAUSTED).
  int max_held_per_host = 64;
  int max_held = 1024;
  // A host's failures are audited at most once per interval (its first
  // at once), and at most this many hosts individually per entry batch.
  absl::Duration audit_interval = absl::Minutes(1);
  int max_audited_hosts = 100;
};

// Streams open at once per principal (token): a stream waits on its
// client, so one caller must not be able to open them without bound.
// Thread-safe.
class StreamLimiter {
 public:
  explicit StreamLimiter(int per_principal) : per_principal_(per_principal) {}
  StreamLimiter(const StreamLimiter&) = delete;
  StreamLimiter& operator=(const StreamLimiter&) = delete;

  // One open stream; gives its place back when destroyed.
  class Slot {
   public:
    Slot(StreamLimiter* limiter, std::string token_id)
        : limiter_(limiter), token_id_(std::move(token_id)) {}
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    StreamLimiter* limiter_;
    std::string token_id_;
  };
  // RESOURCE_EXHAUSTED when `token_id` has its limit of streams open.
  absl::StatusOr<std::unique_ptr<Slot>> Open(const std::string& token_id);
  int per_principal() const { return per_principal_; }

 private:
  const int per_principal_;
  Mutex mutex_;
  std::unordered_map<std::string, int> open_ ABSL_GUARDED_BY(mutex_);
};

// One `auth.failed` audit entry's worth: a host's failures since its last.
struct FailedAuthEntry {
  std::string host;  // "" for the hosts beyond max_audited_hosts, together
  int64_t failures = 0;
  int64_t refused = 0;  // of them, refused before their token was checked
  int64_t hosts = 1;
  absl::Duration last_delay;
};

// Failed authentications per host in fixed windows, the answers held back
// and what is still to be audited. Pure bookkeeping, thread-safe.
class FailedAuthTracker {
 public:
  explicit FailedAuthTracker(
      AuthOptions options,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // True when calls from `host` are to be refused before their token is
  // checked now (unless the token is already known good).
  bool Saturated(const std::string& host);
  // Counts a call refused that way as a failure.
  void RecordRefusal(const std::string& host);
  // Counts a failure of `host` and returns how long to hold its answer;
  // a positive delay counts as held until Released(host).
  absl::Duration RecordFailure(const std::string& host);
  void Released(const std::string& host);
  int held() const;
  // The entries due: each host with failures not yet audited whose last
  // entry is an interval old (or that never had one); all of them when
  // `all`. Hosts beyond max_audited_hosts come as one entry.
  std::vector<FailedAuthEntry> TakeAudit(bool all);

 private:
  struct Host {
    absl::Time window_start = absl::InfinitePast();
    int64_t failures = 0;  // in the window
    int held = 0;
    int64_t unaudited = 0;
    int64_t unaudited_refused = 0;
    absl::Duration last_delay;
    absl::Time audited_at = absl::InfinitePast();
  };
  Host& Get(const std::string& host) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const AuthOptions options_;
  const std::function<absl::Time()> clock_;
  mutable Mutex mutex_;
  // At most kMaxHosts entries; past them new hosts share one, "(others)".
  std::map<std::string, Host> hosts_ ABSL_GUARDED_BY(mutex_);
  int held_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Time pruned_at_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

// "ipv4:127.0.0.1" from gRPC's "ipv4:127.0.0.1:54321".
std::string PeerHost(const std::string& peer);

// Decides and remembers each call's verdict, holds back failing calls on
// one timer thread and audits failures from another. Must outlive the
// server; thread-safe.
class Authenticator {
 public:
  Authenticator(RegistryStore* store, AuthOptions options);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The interceptor factory of the gate; register it first.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  MakeGate();

  // The verdict of `call`: its principal, or UNAUTHENTICATED (no, unknown,
  // revoked or expired token, a malformed header), RESOURCE_EXHAUSTED (its
  // host refused), UNAVAILABLE (the token could not be checked).
  absl::StatusOr<Principal> VerdictFor(grpc::ServerContextBase* call);

  // Releases every held call now and every later one at once, and writes
  // the audit entries still due; for shutting down.
  void Drain();

  // Runs `fn` after `delay` on the server's timer thread (the one that
  // releases held calls); once draining, at once on the calling thread.
  // `fn` must be quick and must not block.
  void After(absl::Duration delay, std::function<void()> fn);
  bool draining();

  FailedAuthTracker& tracker() { return tracker_; }
  StreamLimiter& streams() { return streams_; }
  RegistryStore& store() { return *store_; }

 private:
  friend class AuthGate;
  // Checks the call's header and records its verdict; returns how long to
  // hold it back (zero: proceed now).
  absl::Duration Admit(
      grpc::ServerContextBase* call,
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);
  void Forget(grpc::ServerContextBase* call);
  void TimerLoop();
  void AuditLoop();
  void WriteAudit(bool all);

  RegistryStore* store_;
  FailedAuthTracker tracker_;
  StreamLimiter streams_;
  Mutex verdicts_mutex_;
  std::unordered_map<grpc::ServerContextBase*, absl::StatusOr<Principal>>
      verdicts_ ABSL_GUARDED_BY(verdicts_mutex_);

  struct Held {
    absl::Time due;
    uint64_t order;
    std::function<void()> release;
    bool operator>(const Held& other) const {
      return std::tie(due, order) > std::tie(other.due, other.order);
    }
  };
  Mutex timer_mutex_;
  CondVar timer_changed_;
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held_
      ABSL_GUARDED_BY(timer_mutex_);
  uint64_t next_order_ ABSL_GUARDED_BY(timer_mutex_) = 0;
  bool draining_ ABSL_GUARDED_BY(timer_mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(timer_mutex_) = false;
  std::thread timer_thread_;
  std::thread audit_thread_;
};

// The principal of the call's own bearer token (as the gate found it) and
// a fresh request id, or the verdict's error; PERMISSION_DENIED when the
// access policy (core/access.h) gives the role no reach in `method`
// ("Service/Method"). Never blocks. The request id is also sent back as
// `x-request-id`.
absl::StatusOr<RequestContext> AuthorizeCall(grpc::ServerContextBase* context,
                                             Authenticator& auth,
                                             std::string_view method);

// AuthorizeCall for a streaming call, which also takes one of the
// principal's stream slots for as long as `slot` lives.
struct AuthorizedStream {
  RequestContext context;
  std::unique_ptr<StreamLimiter::Slot> slot;
};
absl::StatusOr<AuthorizedStream> AuthorizeStream(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::string_view method);

// "req_" and 16 random hex digits.
std::string NewRequestId();

}  // namespace registry

#endif  // REGISTRY_SERVICES_AUTH_H_
