// Bearer-token authentication in the server credentials, and the helper
// every handler uses to turn the authenticated identity into a Principal.
//
// The processor runs before any handler: a call with an unknown or revoked
// token fails with UNAUTHENTICATED and never reaches a handler. A call with
// no token at all reaches only the public health and reflection services;
// every registry handler starts with AuthorizeCall, which refuses it.
#ifndef REGISTRY_SERVICES_AUTH_H_
#define REGISTRY_SERVICES_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <initializer_list>
#include <optional>

#include "absl/status/statusor.h"
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

// The principal of the call's own bearer token and a fresh request id, or
// UNAUTHENTICATED (no, unknown or revoked token) / PERMISSION_DENIED (role
// not in `allowed`). The request id is also sent back as `x-request-id`.
absl::StatusOr<RequestContext> AuthorizeCall(
    grpc::ServerContext* context, RegistryStore& store,
    std::initializer_list<Role> allowed);

// "req_" and 16 random hex digits.
std::string NewRequestId();

}  // namespace registry

#endif  // REGISTRY_SERVICES_AUTH_H_
