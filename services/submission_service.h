// gRPC adapter of registry.v1.SubmissionService over RegistryStore: checks
// the caller's role, converts messages, and nothing else.
#ifndef REGISTRY_SERVICES_SUBMISSION_SERVICE_H_
#define REGISTRY_SERVICES_SUBMISSION_SERVICE_H_

#include <string>
#include <vector>

#include "core/violations.h"
#include "registry/v1/submission.grpc.pb.h"
#include "services/auth.h"
#include "services/submit_handlers.h"
#include "storage/registry_store.h"

namespace registry {

// Submit, SubmitBatch and DryRun use the callback API over raw bytes (see
// submit_handlers.h), so that a call waiting for its group commit holds no
// thread and every message is parsed, and checked, by the handler itself;
// the other methods are synchronous.
class SubmissionServiceImpl final
    : public v1::SubmissionService::WithRawCallbackMethod_Submit<
          v1::SubmissionService::WithRawCallbackMethod_SubmitBatch<
              v1::SubmissionService::WithRawCallbackMethod_DryRun<
                  v1::SubmissionService::Service>>> {
 public:
  // What `deps` points to must outlive the service.
  explicit SubmissionServiceImpl(SubmitDeps deps)
      : store_(deps.store), auth_(deps.auth), deps_(deps) {}

  grpc::ServerReadReactor<grpc::ByteBuffer>* Submit(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitBatch(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* DryRun(
      grpc::CallbackServerContext* context) override;
  grpc::Status Export(grpc::ServerContext* context,
                      const v1::ExportRequest* request,
                      grpc::ServerWriter<v1::ExportResponse>* writer) override;
  grpc::Status GetPatientHistory(
      grpc::ServerContext* context, const v1::GetPatientHistoryRequest* request,
      v1::GetPatientHistoryResponse* response) override;

 private:
  RegistryStore* store_;
  Authenticator* auth_;
  const SubmitDeps deps_;
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_SUBMISSION_SERVICE_H_
