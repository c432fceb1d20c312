#include "services/auth.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "services/convert.h"
#include "services/observability.h"

namespace registry {
namespace {

constexpr std::string_view kBearerPrefix = "Bearer ";

// The bearer secret of a call, nullopt without an authorization header,
// or an error status for a malformed one.
absl::StatusOr<std::optional<std::string>> BearerSecret(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto header = metadata.find("authorization");
  if (header == metadata.end()) return std::nullopt;
  const std::string value(header->second.data(), header->second.size());
  if (value.rfind(std::string(kBearerPrefix), 0) != 0) {
    return absl::UnauthenticatedError("authorization must be 'Bearer <token>'");
  }
  return value.substr(kBearerPrefix.size());
}

absl::StatusOr<Principal> Authenticate(RegistryStore& store,
                                       const std::string& secret) {
  absl::StatusOr<std::optional<Principal>> principal =
      store.Authenticate(secret);
  if (!principal.ok()) {
    return absl::UnavailableError("cannot check the token now, retry");
  }
  if (!principal->has_value()) {
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  return **principal;
}

}  // namespace

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata* response_metadata) {
  absl::StatusOr<std::optional<std::string>> secret =
      BearerSecret(auth_metadata);
  if (!secret.ok()) return ToGrpcStatus(secret.status());
  if (!secret->has_value()) {
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
  // A presented token is checked by the handler's AuthorizeCall, which
  // alone sees the caller's address (to slow down repeated failures) and
  // its own call's header: on this gRPC version the AuthContext filled here
  // is shared by every call of a connection, so it cannot carry identity.
  return grpc::Status::OK;
}

FailedAuthTracker::FailedAuthTracker(int free_failures,
                                     std::function<absl::Time()> clock)
    : free_failures_(free_failures), clock_(std::move(clock)) {}

absl::Duration FailedAuthTracker::RecordFailure(const std::string& peer) {
  absl::MutexLock lock(&mutex_);
  const absl::Time now = clock_();
  Failures& f = failures_[peer];
  if (now - f.window_start > kWindow) f = {now, 0};
  ++f.count;
  if (failures_.size() > 10000) failures_.clear();  // bounded memory
  if (f.count <= free_failures_) return absl::ZeroDuration();
  const int doublings = std::min(f.count - free_failures_ - 1, 6);
  return std::min(kFirstDelay * (1 << doublings), kMaxDelay);
}

void FailedAuthTracker::RecordSuccess(const std::string& peer) {
  absl::MutexLock lock(&mutex_);
  failures_.erase(peer);
}

std::string PeerHost(const std::string& peer) {
  // "ipv4:127.0.0.1:54321" or "ipv6:[::1]:54321": drop the port.
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

absl::StatusOr<RequestContext> AuthorizeCallNoWait(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::initializer_list<Role> allowed, std::string* failed_peer) {
  ASSIGN_OR_RETURN(std::optional<std::string> secret,
                   BearerSecret(context->client_metadata()));
  if (!secret) {
    return absl::UnauthenticatedError(
        "missing token: send 'authorization: Bearer <token>'");
  }
  RequestContext request;
  const std::string peer = PeerHost(context->peer());
  absl::StatusOr<Principal> principal = Authenticate(auth.store(), *secret);
  if (principal.status().code() == absl::StatusCode::kUnauthenticated) {
    *failed_peer = peer;
    return principal.status();
  }
  if (!principal.ok()) return principal.status();
  auth.tracker().RecordSuccess(peer);
  request.principal = *std::move(principal);
  context->AddTrailingMetadata(kPrincipalMetadata, request.principal.token_id);
  if (std::find(allowed.begin(), allowed.end(), request.principal.role) ==
      allowed.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("the ", std::string(RoleName(request.principal.role)),
                     " role may not call this method"));
  }
  request.request_id = NewRequestId();
  context->AddTrailingMetadata("x-request-id", request.request_id);
  return request;
}

void PenalizeFailedAuth(Authenticator& auth, const std::string& peer) {
  const absl::Duration delay = auth.tracker().RecordFailure(peer);
  const RequestContext anonymous{{"unauthenticated", Role::kAnonymous, 0, ""},
                                 NewRequestId()};
  (void)auth.store().RecordAction(
      anonymous, "auth.failed", "peer/" + peer,
      absl::StrCat("delay_ms=", absl::ToInt64Milliseconds(delay)));
  absl::SleepFor(delay);
}

absl::StatusOr<RequestContext> AuthorizeCall(
    grpc::ServerContextBase* context, Authenticator& auth,
    std::initializer_list<Role> allowed) {
  std::string failed_peer;
  absl::StatusOr<RequestContext> request =
      AuthorizeCallNoWait(context, auth, allowed, &failed_peer);
  if (!failed_peer.empty()) PenalizeFailedAuth(auth, failed_peer);
  return request;
}

std::string NewRequestId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  return "req_" + absl::BytesToHexString(absl::string_view(
                      reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace registry
