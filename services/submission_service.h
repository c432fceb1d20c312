// gRPC adapter of registry.v1.SubmissionService over RegistryStore: checks
// the caller's role, converts messages, and nothing else.
#ifndef REGISTRY_SERVICES_SUBMISSION_SERVICE_H_
#define REGISTRY_SERVICES_SUBMISSION_SERVICE_H_

#include <string>
#include <vector>

#include "core/violations.h"
#include "registry/v1/submission.grpc.pb.h"
#include "services/auth.h"
#include "storage/registry_store.h"

namespace registry {

// SubmitBatch uses the callback API, so that a call waiting for its group
// commit holds no thread; the other methods are synchronous.
class SubmissionServiceImpl final
    : public v1::SubmissionService::WithCallbackMethod_SubmitBatch<
          v1::SubmissionService::Service> {
 public:
  // `store` and `auth` must outlive the service.
  SubmissionServiceImpl(RegistryStore* store, Authenticator* auth)
      : store_(store), auth_(auth) {}

  grpc::Status Submit(grpc::ServerContext* context,
                      grpc::ServerReader<v1::SubmitRequest>* reader,
                      v1::SubmitResponse* response) override;
  grpc::ServerUnaryReactor* SubmitBatch(grpc::CallbackServerContext* context,
                                        const v1::SubmitRequest* request,
                                        v1::SubmitResponse* response) override;
  grpc::Status Export(grpc::ServerContext* context,
                      const v1::ExportRequest* request,
                      grpc::ServerWriter<v1::ExportResponse>* writer) override;
  grpc::Status GetPatientHistory(
      grpc::ServerContext* context, const v1::GetPatientHistoryRequest* request,
      v1::GetPatientHistoryResponse* response) override;

 private:
  RegistryStore* store_;
  Authenticator* auth_;
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_SUBMISSION_SERVICE_H_
