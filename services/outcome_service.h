// gRPC adapter of registry.v1.OutcomeService: reads patients from the
// store, computes outcomes with the pure engine, converts the results.
#ifndef REGISTRY_SERVICES_OUTCOME_SERVICE_H_
#define REGISTRY_SERVICES_OUTCOME_SERVICE_H_

#include "registry/v1/outcomes.grpc.pb.h"
#include "services/auth.h"
#include "storage/registry_store.h"

namespace registry {

class OutcomeServiceImpl final : public v1::OutcomeService::Service {
 public:
  // `store` and `auth` must outlive the service.
  OutcomeServiceImpl(RegistryStore* store, Authenticator* auth)
      : store_(store), auth_(auth) {}

  grpc::Status GetPatientStatus(
      grpc::ServerContext* context, const v1::GetPatientStatusRequest* request,
      v1::GetPatientStatusResponse* response) override;
  grpc::Status ListDisabilityEvents(
      grpc::ServerContext* context,
      const v1::ListDisabilityEventsRequest* request,
      grpc::ServerWriter<v1::ListDisabilityEventsResponse>* writer) override;
  grpc::Status ListDiseaseStates(
      grpc::ServerContext* context, const v1::ListDiseaseStatesRequest* request,
      grpc::ServerWriter<v1::ListDiseaseStatesResponse>* writer) override;
  grpc::Status StreamCohortOutcomes(
      grpc::ServerContext* context,
      const v1::StreamCohortOutcomesRequest* request,
      grpc::ServerWriter<v1::StreamCohortOutcomesResponse>* writer) override;

 private:
  RegistryStore* store_;
  Authenticator* auth_;
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_OUTCOME_SERVICE_H_
