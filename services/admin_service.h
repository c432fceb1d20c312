// gRPC adapter of registry.v1.AdminService over RegistryStore. Admin tokens
// only.
#ifndef REGISTRY_SERVICES_ADMIN_SERVICE_H_
#define REGISTRY_SERVICES_ADMIN_SERVICE_H_

#include "absl/time/clock.h"
#include "core/checkpoint.h"
#include "registry/v1/admin.grpc.pb.h"
#include "services/auth.h"
#include "services/observability.h"
#include "storage/registry_store.h"

namespace registry {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `store`, `auth` and `signer` must outlive the service.
  AdminServiceImpl(RegistryStore* store, Authenticator* auth,
                   const CheckpointSigner* signer, RequestMetrics* metrics)
      : store_(store), auth_(auth), signer_(signer), metrics_(metrics) {}

  grpc::Status AddCenter(grpc::ServerContext* context,
                         const v1::AddCenterRequest* request,
                         v1::AddCenterResponse* response) override;
  grpc::Status ListCenters(grpc::ServerContext* context,
                           const v1::ListCentersRequest* request,
                           v1::ListCentersResponse* response) override;
  grpc::Status IssueToken(grpc::ServerContext* context,
                          const v1::IssueTokenRequest* request,
                          v1::IssueTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::RevokeTokenResponse* response) override;
  grpc::Status RotateToken(grpc::ServerContext* context,
                           const v1::RotateTokenRequest* request,
                           v1::RotateTokenResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context,
                             const v1::GetCheckpointRequest* request,
                             v1::GetCheckpointResponse* response) override;
  grpc::Status ProveConsistency(
      grpc::ServerContext* context, const v1::ProveConsistencyRequest* request,
      v1::ProveConsistencyResponse* response) override;
  grpc::Status ProveInclusion(grpc::ServerContext* context,
                              const v1::ProveInclusionRequest* request,
                              v1::ProveInclusionResponse* response) override;
  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      grpc::ServerWriter<v1::BackupChunk>* writer) override;
  grpc::Status GetMetrics(grpc::ServerContext* context,
                          const v1::GetMetricsRequest* request,
                          v1::GetMetricsResponse* response) override;
  grpc::Status VerifyAudit(grpc::ServerContext* context,
                           const v1::VerifyAuditRequest* request,
                           v1::VerifyAuditResponse* response) override;

 private:
  RegistryStore* store_;
  Authenticator* auth_;
  const CheckpointSigner* signer_;
  RequestMetrics* metrics_;
  const absl::Time started_ = absl::Now();
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_ADMIN_SERVICE_H_
