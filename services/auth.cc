#include "services/auth.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "services/observability.h"

namespace registry {
namespace {

constexpr std::string_view kBearerPrefix = "Bearer ";
// Hosts remembered at most; past it, hosts whose window has ended go.
constexpr size_t kMaxHosts = 100000;

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// The bearer secret of a call's header.
absl::StatusOr<std::string> BearerSecret(const Metadata& metadata) {
  auto header = metadata.find("authorization");
  if (header == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing token: send 'authorization: Bearer <token>'");
  }
  const std::string value(header->second.data(), header->second.size());
  if (value.rfind(std::string(kBearerPrefix), 0) != 0) {
    return absl::UnauthenticatedError("authorization must be 'Bearer <token>'");
  }
  return value.substr(kBearerPrefix.size());
}

// The principal of the call's bearer token.
absl::StatusOr<Principal> Check(RegistryStore& store,
                                const Metadata& metadata) {
  ASSIGN_OR_RETURN(std::string secret, BearerSecret(metadata));
  absl::StatusOr<std::optional<Principal>> principal =
      store.Authenticate(secret);
  if (!principal.ok()) {
    return absl::UnavailableError("cannot check the token now, retry");
  }
  if (!principal->has_value()) {
    return absl::UnauthenticatedError("unknown, revoked or expired token");
  }
  return **principal;
}

}  // namespace

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata* response_metadata) {
  if (auth_metadata.find("authorization") != auth_metadata.end()) {
    // Checked, counted and audited by the gate, which sees the caller's
    // host and its own call's header: on this gRPC version the AuthContext
    // filled here is shared by every call of a connection.
    return grpc::Status::OK;
  }
  // Without a token only the public health and reflection services.
  auto path = auth_metadata.find(":path");
  const std::string method =
      path == auth_metadata.end()
          ? ""
          : std::string(path->second.data(), path->second.size());
  if (method.rfind("/grpc.health.v1.Health/", 0) == 0 ||
      method.rfind("/grpc.reflection.", 0) == 0) {
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing token: send 'authorization: Bearer <token>'");
}

FailedAuthTracker::FailedAuthTracker(AuthOptions options,
                                     std::function<absl::Time()> clock)
    : options_(options), clock_(std::move(clock)) {}

FailedAuthTracker::Host& FailedAuthTracker::Get(const std::string& name) {
  const absl::Time now = clock_();
  std::string key = name;
  if (hosts_.size() >= kMaxHosts && hosts_.find(key) == hosts_.end()) {
    // Forget hosts whose window has ended, at most once a second (a scan
    // of every host); past the bound, new hosts share one entry, so that
    // neither memory nor the scan grows with the addresses a flood uses.
    if (now - pruned_at_ >= absl::Seconds(1)) {
      pruned_at_ = now;
      for (auto it = hosts_.begin(); it != hosts_.end();) {
        const Host& h = it->second;
        const bool idle = now - h.window_start > options_.window &&
                          h.held == 0 && h.unaudited == 0;
        it = idle ? hosts_.erase(it) : std::next(it);
      }
    }
    if (hosts_.size() >= kMaxHosts) key = "(others)";
  }
  Host& h = hosts_[key];
  if (now - h.window_start > options_.window) {
    h.window_start = now;
    h.failures = 0;
  }
  return h;
}

bool FailedAuthTracker::Saturated(const std::string& host) {
  MutexLock lock(&mutex_);
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return false;
  const Host& h = it->second;
  const bool in_window = clock_() - h.window_start <= options_.window;
  return h.held >= options_.max_held_per_host ||
         (held_ >= options_.max_held && in_window && h.failures > 0);
}

void FailedAuthTracker::RecordRefusal(const std::string& host) {
  MutexLock lock(&mutex_);
  Host& h = Get(host);
  ++h.failures;
  ++h.unaudited;
  ++h.unaudited_refused;
}

absl::Duration FailedAuthTracker::RecordFailure(const std::string& host) {
  MutexLock lock(&mutex_);
  Host& h = Get(host);
  ++h.failures;
  ++h.unaudited;
  absl::Duration delay;
  if (h.failures > options_.free_failures) {
    const int64_t doublings =
        std::min<int64_t>(h.failures - options_.free_failures - 1, 16);
    delay = std::min(options_.first_delay * (int64_t{1} << doublings),
                     options_.max_delay);
  }
  h.last_delay = delay;
  if (delay > absl::ZeroDuration()) {
    ++h.held;
    ++held_;
  }
  return delay;
}

void FailedAuthTracker::Released(const std::string& host) {
  MutexLock lock(&mutex_);
  auto it = hosts_.find(host);
  if (it == hosts_.end()) it = hosts_.find("(others)");
  if (it != hosts_.end() && it->second.held > 0) --it->second.held;
  if (held_ > 0) --held_;
}

int FailedAuthTracker::held() const {
  MutexLock lock(&mutex_);
  return held_;
}

std::vector<FailedAuthEntry> FailedAuthTracker::TakeAudit(bool all) {
  MutexLock lock(&mutex_);
  const absl::Time now = clock_();
  std::vector<FailedAuthEntry> entries;
  FailedAuthEntry others{.host = "", .hosts = 0};
  for (auto& [name, h] : hosts_) {
    if (h.unaudited == 0) continue;
    if (!all && now - h.audited_at < options_.audit_interval) continue;
    if (static_cast<int>(entries.size()) < options_.max_audited_hosts) {
      entries.push_back(
          {name, h.unaudited, h.unaudited_refused, 1, h.last_delay});
    } else {
      others.failures += h.unaudited;
      others.refused += h.unaudited_refused;
      ++others.hosts;
    }
    h.unaudited = 0;
    h.unaudited_refused = 0;
    h.audited_at = now;
  }
  if (others.hosts > 0) entries.push_back(others);
  return entries;
}

std::string PeerHost(const std::string& peer) {
  // "ipv4:127.0.0.1:54321" or "ipv6:[::1]:54321": drop the port.
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

bool IsPublicMethod(const char* method) {
  const std::string_view path = method == nullptr ? "" : method;
  return path.starts_with("/grpc.health.v1.Health/") ||
         path.starts_with("/grpc.reflection.");
}

// The interceptor that decides each call's verdict and holds back calls
// that failed, before any handler runs.
class AuthGate : public grpc::experimental::Interceptor {
 public:
  AuthGate(Authenticator* auth, grpc::experimental::ServerRpcInfo* info)
      : auth_(auth),
        call_(info->server_context()),
        public_(IsPublicMethod(info->method())) {
    HandingOver(this);
  }
  ~AuthGate() override {
    TakingOver(this);
    auth_->Forget(call_);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    TakingOver(this);
    using Hook = grpc::experimental::InterceptionHookPoints;
    // Health and reflection need no token and are never held: their
    // handlers check none, so one released by the timer could keep its
    // thread (a reflection stream runs until its client ends it).
    if (!public_ &&
        methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      const absl::Duration delay =
          auth_->Admit(call_, *methods->GetRecvInitialMetadata());
      if (delay > absl::ZeroDuration()) {
        // The call's handler does not run, and no thread waits, until the
        // timer releases it.
        const std::string host = PeerHost(call_->peer());
        HandingOver(this);
        auth_->After(delay, [gate = this, auth = auth_, host, methods] {
          TakingOver(gate);
          auth->tracker().Released(host);
          HandingOver(gate);
          methods->Proceed();
        });
        return;
      }
    }
    HandingOver(this);
    methods->Proceed();
  }

 private:
  Authenticator* auth_;
  grpc::ServerContextBase* call_;
  const bool public_;
};

namespace {

class AuthGateFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuthGateFactory(Authenticator* auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AuthGate(auth_, info);
  }

 private:
  Authenticator* auth_;
};

}  // namespace

StreamLimiter::Slot::~Slot() {
  MutexLock lock(&limiter_->mutex_);
  auto it = limiter_->open_.find(token_id_);
  if (it != limiter_->open_.end() && --it->second <= 0) {
    limiter_->open_.erase(it);
  }
}

absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> StreamLimiter::Open(
    const std::string& token_id) {
  MutexLock lock(&mutex_);
  int& open = open_[token_id];
  if (open >= per_principal_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this token already has ", open,
        " streams open, the most it may; wait for one to end (or cancel it) "
        "and retry"));
  }
  ++open;
  return std::make_unique<Slot>(this, token_id);
}

Authenticator::Authenticator(RegistryStore* store, AuthOptions options)
    : store_(store),
      tracker_(options),
      streams_(options.max_streams_per_principal) {
  timer_thread_ = std::thread([this] { TimerLoop(); });
  audit_thread_ = std::thread([this] { AuditLoop(); });
}

Authenticator::~Authenticator() {
  {
    MutexLock lock(&timer_mutex_);
    draining_ = true;
    stopping_ = true;
    timer_changed_.SignalAll();
  }
  timer_thread_.join();
  audit_thread_.join();
  // The server is gone, and with it every call: the last Forget ran on a
  // gRPC thread before this. Taking the lock orders those erasures before
  // the map's destruction for readers (and the sanitizer) without relying
  // on gRPC's own ordering, which they cannot see.
  MutexLock lock(&verdicts_mutex_);
  verdicts_.clear();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Authenticator::MakeGate() {
  return std::make_unique<AuthGateFactory>(this);
}

absl::Duration Authenticator::Admit(grpc::ServerContextBase* call,
                                    const Metadata& metadata) {
  absl::StatusOr<Principal> verdict;
  absl::Duration delay;
  if (metadata.find("authorization") == metadata.end()) {
    // The processor let it through: a public service, which needs none.
    verdict = absl::UnauthenticatedError(
        "missing token: send 'authorization: Bearer <token>'");
  } else {
    const std::string host = PeerHost(call->peer());
    absl::StatusOr<std::string> secret = BearerSecret(metadata);
    std::optional<Principal> known;
    if (secret.ok()) known = store_->CachedPrincipal(*secret);
    if (known) {
      // A token checked before passes whatever its host does: others
      // behind the same address (a NAT, loopback) keep working.
      verdict = *std::move(known);
    } else if (tracker_.Saturated(host)) {
      tracker_.RecordRefusal(host);
      verdict = absl::ResourceExhaustedError(absl::StrCat(
          "too many failed authentications from ", host,
          "; its calls are refused for now: retry in a few minutes"));
    } else {
      verdict = Check(*store_, metadata);
      if (verdict.status().code() == absl::StatusCode::kUnauthenticated) {
        delay = tracker_.RecordFailure(host);
      }
    }
  }
  MutexLock lock(&verdicts_mutex_);
  verdicts_.insert_or_assign(call, std::move(verdict));
  return delay;
}

void Authenticator::Forget(grpc::ServerContextBase* call) {
  MutexLock lock(&verdicts_mutex_);
  verdicts_.erase(call);
}

absl::StatusOr<Principal> Authenticator::VerdictFor(
    grpc::ServerContextBase* call) {
  {
    MutexLock lock(&verdicts_mutex_);
    auto it = verdicts_.find(call);
    if (it != verdicts_.end()) return it->second;
  }
  // No gate ran (an in-process call): check now, without counting.
  return Check(*store_, call->client_metadata());
}

void Authenticator::After(absl::Duration delay, std::function<void()> fn) {
  {
    MutexLock lock(&timer_mutex_);
    if (!draining_) {
      held_.push({absl::Now() + delay, next_order_++, std::move(fn)});
      timer_changed_.Signal();
      return;
    }
  }
  fn();
}

bool Authenticator::draining() {
  MutexLock lock(&timer_mutex_);
  return draining_;
}

void Authenticator::Drain() {
  {
    MutexLock lock(&timer_mutex_);
    draining_ = true;
    timer_changed_.SignalAll();
  }
  WriteAudit(true);
}

void Authenticator::TimerLoop() {
  timer_mutex_.Lock();
  for (;;) {
    if (stopping_ && held_.empty()) break;
    std::vector<std::function<void()>> due;
    const absl::Time now = absl::Now();
    while (!held_.empty() && (draining_ || held_.top().due <= now)) {
      due.push_back(held_.top().release);
      held_.pop();
    }
    if (due.empty()) {
      timer_changed_.WaitWithDeadline(
          &timer_mutex_,
          held_.empty() ? absl::InfiniteFuture() : held_.top().due);
      continue;
    }
    timer_mutex_.Unlock();
    for (auto& release : due) release();
    timer_mutex_.Lock();
  }
  timer_mutex_.Unlock();
}

void Authenticator::AuditLoop() {
  for (;;) {
    bool stopping;
    {
      MutexLock lock(&timer_mutex_);
      stopping = timer_mutex_.AwaitWithTimeout(absl::Condition(&stopping_),
                                               absl::Seconds(1));
    }
    if (stopping) break;
    WriteAudit(false);
  }
  WriteAudit(true);
}

void Authenticator::WriteAudit(bool all) {
  std::vector<FailedAuthEntry> entries = tracker_.TakeAudit(all);
  if (entries.empty()) return;
  const RequestContext anonymous{{"unauthenticated", Role::kAnonymous, 0, ""},
                                 NewRequestId()};
  std::vector<RegistryStore::Action> actions;
  for (const FailedAuthEntry& e : entries) {
    actions.push_back(
        {"auth.failed", e.host.empty() ? "peers/others" : "peer/" + e.host,
         absl::StrCat("failures=", e.failures, " refused=", e.refused,
                      e.host.empty() ? absl::StrCat(" hosts=", e.hosts)
                                     : absl::StrCat(" delay_ms=",
                                                    absl::ToInt64Milliseconds(
                                                        e.last_delay)))});
  }
  // A failure to record them (a full disk, say) loses only these counts.
  (void)store_->RecordActions(anonymous, actions);
}

absl::StatusOr<RequestContext> AuthorizeCall(grpc::ServerContextBase* context,
                                             Authenticator& auth,
                                             std::string_view method) {
  RequestContext request;
  ASSIGN_OR_RETURN(request.principal, auth.VerdictFor(context));
  context->AddTrailingMetadata(kPrincipalMetadata, request.principal.token_id);
  if (ReachOf(method, request.principal.role) == Reach::kNone) {
    return absl::PermissionDeniedError(
        absl::StrCat("the ", std::string(RoleName(request.principal.role)),
                     " role may not call ", std::string(method)));
  }
  request.request_id = NewRequestId();
  context->AddTrailingMetadata("x-request-id", request.request_id);
  return request;
}

absl::StatusOr<AuthorizedStream> AuthorizeStream(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::string_view method) {
  AuthorizedStream stream;
  ASSIGN_OR_RETURN(stream.context, AuthorizeCall(context, auth, method));
  ASSIGN_OR_RETURN(stream.slot,
                   auth.streams().Open(stream.context.principal.token_id));
  return stream;
}

std::string NewRequestId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  return "req_" + absl::BytesToHexString(absl::string_view(
                      reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace registry
