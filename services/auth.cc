#include "services/auth.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "services/convert.h"

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
  // Identity-less calls go on: only the health and reflection services
  // answer them, registry handlers refuse them.
  absl::StatusOr<std::optional<std::string>> secret =
      BearerSecret(auth_metadata);
  if (!secret.ok()) return ToGrpcStatus(secret.status());
  if (!secret->has_value()) return grpc::Status::OK;
  absl::StatusOr<Principal> principal = Authenticate(*store_, **secret);
  // The AuthContext is shared by every call of a connection on this gRPC
  // version, so the principal is not stored in it: handlers derive it from
  // their own call's header (AuthorizeCall).
  return ToGrpcStatus(principal.status());
}

absl::StatusOr<RequestContext> AuthorizeCall(
    grpc::ServerContext* context, RegistryStore& store,
    std::initializer_list<Role> allowed) {
  ASSIGN_OR_RETURN(std::optional<std::string> secret,
                   BearerSecret(context->client_metadata()));
  if (!secret) {
    return absl::UnauthenticatedError(
        "missing token: send 'authorization: Bearer <token>'");
  }
  RequestContext request;
  ASSIGN_OR_RETURN(request.principal, Authenticate(store, *secret));
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

std::string NewRequestId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  return "req_" + absl::BytesToHexString(absl::string_view(
                      reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace registry
