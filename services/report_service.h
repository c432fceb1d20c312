// gRPC adapter of registry.v1.ReportService: cohort statistics computed
// with the pure survival and outcome code over the patients in the
// caller's scope.
#ifndef REGISTRY_SERVICES_REPORT_SERVICE_H_
#define REGISTRY_SERVICES_REPORT_SERVICE_H_

#include "core/follow_up.h"
#include "registry/v1/reports.grpc.pb.h"
#include "services/auth.h"
#include "storage/registry_store.h"

namespace registry {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  // `store` and `auth` must outlive the service; `schedules` are the
  // follow-up schedules per indication.
  ReportServiceImpl(RegistryStore* store, Authenticator* auth,
                    FollowUpSchedules schedules = {})
      : store_(store), auth_(auth), schedules_(std::move(schedules)) {}

  grpc::Status KaplanMeier(grpc::ServerContext* context,
                           const v1::KaplanMeierRequest* request,
                           v1::KaplanMeierResponse* response) override;
  grpc::Status CumulativeIncidence(
      grpc::ServerContext* context,
      const v1::CumulativeIncidenceRequest* request,
      v1::CumulativeIncidenceResponse* response) override;
  grpc::Status CohortSummary(grpc::ServerContext* context,
                             const v1::CohortSummaryRequest* request,
                             v1::CohortSummaryResponse* response) override;
  grpc::Status FollowUpDue(grpc::ServerContext* context,
                           const v1::FollowUpDueRequest* request,
                           v1::FollowUpDueResponse* response) override;
  grpc::Status FollowUpCompleteness(
      grpc::ServerContext* context,
      const v1::FollowUpCompletenessRequest* request,
      v1::FollowUpCompletenessResponse* response) override;
  grpc::Status ExportRecords(
      grpc::ServerContext* context, const v1::ExportRecordsRequest* request,
      grpc::ServerWriter<v1::ExportRecordsResponse>* writer) override;

 private:
  RegistryStore* store_;
  Authenticator* auth_;
  const FollowUpSchedules schedules_;
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_REPORT_SERVICE_H_
