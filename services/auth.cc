#include "services/auth.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr char kTokenIdProperty[] = "registry.token_id";
constexpr char kRoleProperty[] = "registry.role";
constexpr char kCenterIdProperty[] = "registry.center_id";
constexpr char kCenterCodeProperty[] = "registry.center_code";
constexpr std::string_view kBearerPrefix = "Bearer ";

std::string PropertyValue(const grpc::AuthContext& context, const char* name) {
  std::vector<grpc::string_ref> values = context.FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

}  // namespace

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata* response_metadata) {
  auto header = auth_metadata.find("authorization");
  if (header == auth_metadata.end()) {
    // Identity-less calls go on; registry handlers refuse them, so only the
    // health and reflection services answer.
    return grpc::Status::OK;
  }
  const std::string_view value(header->second.data(), header->second.size());
  if (!value.starts_with(kBearerPrefix)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization must be 'Bearer <token>'");
  }
  absl::StatusOr<std::optional<Principal>> principal =
      store_->Authenticate(value.substr(kBearerPrefix.size()));
  if (!principal.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "cannot check the token now, retry");
  }
  if (!principal->has_value()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "unknown or revoked token");
  }
  const Principal& p = **principal;
  context->AddProperty(kTokenIdProperty, p.token_id);
  context->AddProperty(kRoleProperty, std::string(RoleName(p.role)));
  context->AddProperty(kCenterIdProperty, absl::StrCat(p.center_id));
  context->AddProperty(kCenterCodeProperty, p.center_code);
  context->SetPeerIdentityPropertyName(kTokenIdProperty);
  consumed_auth_metadata->insert(std::make_pair(
      std::string("authorization"),
      std::string(header->second.data(), header->second.size())));
  return grpc::Status::OK;
}

absl::StatusOr<RequestContext> AuthorizeCall(
    grpc::ServerContext* context, std::initializer_list<Role> allowed) {
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  const std::string token_id =
      auth ? PropertyValue(*auth, kTokenIdProperty) : "";
  if (token_id.empty()) {
    return absl::UnauthenticatedError(
        "missing token: send 'authorization: Bearer <token>'");
  }
  RequestContext request;
  request.principal.token_id = token_id;
  std::optional<Role> role = ParseRole(PropertyValue(*auth, kRoleProperty));
  if (!role || std::find(allowed.begin(), allowed.end(), *role) ==
                   allowed.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("the ", PropertyValue(*auth, kRoleProperty),
                     " role may not call this method"));
  }
  request.principal.role = *role;
  if (!absl::SimpleAtoi(PropertyValue(*auth, kCenterIdProperty),
                        &request.principal.center_id)) {
    request.principal.center_id = 0;
  }
  request.principal.center_code = PropertyValue(*auth, kCenterCodeProperty);
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
