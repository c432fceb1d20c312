#include "services/outcome_service.h"

#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "api/outcome_convert.h"
#include "core/outcomes.h"
#include "core/sle_rules.h"
#include "core/status_macros.h"
#include "core/violations.h"
#include "services/auth.h"

namespace registry {
namespace {

// Patients per streamed message.
constexpr int kBatch = 256;

// What every outcome call needs: the caller, the definition, the as-of date.
struct OutcomeCall {
  RequestContext context;
  OutcomeDefinition definition;
  std::optional<Date> as_of;
  std::optional<absl::Time> as_of_recorded;  // a data freeze
  absl::Time data_as_of;  // the freeze, else when the read began
  std::unique_ptr<StreamLimiter::Slot> stream;  // streaming calls
};

absl::StatusOr<OutcomeCall> StartCall(grpc::ServerContext* context,
                                      Authenticator& auth,
                                      std::string_view method,
                                      const v1::OutcomeDefinition& definition,
                                      bool has_as_of, const v1::Date& as_of,
                                      const google::protobuf::Timestamp* frozen,
                                      bool streaming = false) {
  OutcomeCall call;
  if (frozen) call.as_of_recorded = FromProto(*frozen);
  call.data_as_of = call.as_of_recorded.value_or(absl::Now());
  if (streaming) {
    ASSIGN_OR_RETURN(AuthorizedStream stream,
                     AuthorizeStream(context, auth, method));
    call.context = std::move(stream.context);
    call.stream = std::move(stream.slot);
  } else {
    ASSIGN_OR_RETURN(call.context, AuthorizeCall(context, auth, method));
  }
  ASSIGN_OR_RETURN(call.definition, FromProto(definition));
  if (has_as_of) {
    call.as_of = FromProto(as_of);
    if (!call.as_of) {
      return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                  "invalid request",
                                  {{"as_of", "not a valid date"}});
    }
  }
  return call;
}

// Analysts see patients by registry id only: a center code on every row
// would undo the suppression of small centers in the cohort summary.
void BlankCenterForAnalysts(const RequestContext& call,
                            PatientRecords& patient) {
  if (call.principal.role == Role::kAnalyst) patient.center_code.clear();
}

v1::PatientIdentity Identity(const PatientRecords& patient,
                             const PatientClinicalData& data) {
  v1::PatientIdentity identity;
  identity.set_registry_id(patient.registry_id);
  identity.set_patient_id(patient.patient_id);
  identity.set_center(patient.center_code);
  if (data.disease) {
    identity.set_disease(ToProto(*data.disease));
  }
  if (!data.transplant_dates.empty()) {
    *identity.mutable_transplant_date() =
        ToProtoDate(data.transplant_dates.front());
  }
  return identity;
}

// Streams `fill(patient, data, outcome, message)` over every patient in
// scope, kBatch patients per message, the definition in the first; `fill`
// returns how many items it added (the count in the trailer).
template <typename Response, typename Fill>
grpc::Status StreamPatients(RegistryStore& store, const OutcomeCall& call,
                            grpc::ServerContext* context,
                            grpc::ServerWriter<Response>* writer,
                            std::string_view action, Fill fill) {
  Response message;
  *message.mutable_definition() =
      ToAppliedDefinition(call.definition, call.data_as_of);
  int in_message = 0;
  int64_t items = 0, sent = 0;
  auto send = [&] {
    if (!writer->Write(message)) return false;
    sent += items;
    items = 0;
    message = Response();
    in_message = 0;
    return true;
  };
  bool open = true;
  absl::Status status =
      store.ReadPatients(call.context, std::nullopt, action,
                         call.as_of_recorded, [&](PatientRecords&& patient) {
                           BlankCenterForAnalysts(call.context, patient);
                           const PatientClinicalData data =
                               ClinicalDataFromRecords(patient.records);
                           const PatientOutcome outcome = ComputeOutcome(
                               data, call.definition, call.as_of);
                           items += fill(patient, data, outcome, message);
                           if (++in_message >= kBatch) open = send();
                           return open;
                         });
  if (!status.ok()) return ToGrpcStatus(status);
  if (!open || ((in_message > 0 || message.has_definition()) && !send())) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  context->AddTrailingMetadata(kItemsTrailer, absl::StrCat(sent));
  return grpc::Status::OK;
}

}  // namespace

grpc::Status OutcomeServiceImpl::GetPatientStatus(
    grpc::ServerContext* context, const v1::GetPatientStatusRequest* request,
    v1::GetPatientStatusResponse* response) {
  absl::StatusOr<OutcomeCall> call = StartCall(
      context, *auth_, "OutcomeService/GetPatientStatus", request->definition(),
      request->has_as_of(), request->as_of(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr);
  if (!call.ok()) return ToGrpcStatus(call.status());
  PatientRef ref{request->patient_id(), request->registry_id()};
  if (ref.patient_id.empty() == ref.registry_id.empty()) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid request",
        {{"patient", "give exactly one of patient_id and registry_id"}}));
  }
  if (call->context.principal.role == Role::kAnalyst &&
      !ref.patient_id.empty()) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid request",
        {{"patient_id", "analysts name patients by registry_id"}}));
  }
  absl::Status status = store_->ReadPatients(
      call->context, ref, "outcomes.read", call->as_of_recorded,
      [&](PatientRecords&& patient) {
        BlankCenterForAnalysts(call->context, patient);
        const PatientClinicalData data =
            ClinicalDataFromRecords(patient.records);
        const PatientOutcome outcome =
            ComputeOutcome(data, call->definition, call->as_of);
        *response->mutable_definition() =
            ToAppliedDefinition(call->definition, call->data_as_of);
        *response->mutable_outcome() =
            ToProto(outcome, Identity(patient, data));
        const PatientClinicalData shown =
            call->as_of ? DataAsOf(data, *call->as_of) : data;
        *response->mutable_outcome()->mutable_course() =
            ToProto(DescribeCourse(shown, outcome, call->definition));
        for (const TimelineEntry& entry :
             BuildTimeline(shown, outcome, call->definition)) {
          v1::TimelineEntry* out = response->add_timeline();
          *out->mutable_date() = ToProtoDate(entry.date);
          if (entry.day) out->set_day(*entry.day);
          out->set_what(entry.what);
        }
        response->set_neda_status(DescribeNedaStatus(outcome));
        return true;
      });
  return ToGrpcStatus(status);
}

grpc::Status OutcomeServiceImpl::ListDisabilityEvents(
    grpc::ServerContext* context,
    const v1::ListDisabilityEventsRequest* request,
    grpc::ServerWriter<v1::ListDisabilityEventsResponse>* writer) {
  absl::StatusOr<OutcomeCall> call = StartCall(
      context, *auth_, "OutcomeService/ListDisabilityEvents",
      request->definition(), request->has_as_of(), request->as_of(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr,
      /*streaming=*/true);
  if (!call.ok()) return ToGrpcStatus(call.status());
  return StreamPatients(
      *store_, *call, context, writer, "outcomes.read",
      [](const PatientRecords& patient, const PatientClinicalData& data,
         const PatientOutcome& outcome,
         v1::ListDisabilityEventsResponse& message) {
        if (outcome.disability_events.empty()) return 0;
        v1::PatientDisabilityEvents* out = message.add_patients();
        *out->mutable_patient() = Identity(patient, data);
        for (const DisabilityEvent& e : outcome.disability_events) {
          *out->add_events() = ToProto(e, outcome.day0);
        }
        return 1;
      });
}

grpc::Status OutcomeServiceImpl::ListDiseaseStates(
    grpc::ServerContext* context, const v1::ListDiseaseStatesRequest* request,
    grpc::ServerWriter<v1::ListDiseaseStatesResponse>* writer) {
  absl::StatusOr<OutcomeCall> call = StartCall(
      context, *auth_, "OutcomeService/ListDiseaseStates",
      request->definition(), request->has_as_of(), request->as_of(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr,
      /*streaming=*/true);
  if (!call.ok()) return ToGrpcStatus(call.status());
  const OutcomeDefinition& definition = call->definition;
  const std::optional<Date> as_of = call->as_of;
  return StreamPatients(
      *store_, *call, context, writer, "outcomes.read",
      [&](const PatientRecords& patient, const PatientClinicalData& all,
          const PatientOutcome& outcome,
          v1::ListDiseaseStatesResponse& message) {
        if (all.sle_assessments.empty()) return 0;
        const PatientClinicalData data = as_of ? DataAsOf(all, *as_of) : all;
        const std::vector<SleState> states = SleStates(data, definition);
        if (states.empty()) return 0;
        v1::PatientDiseaseStates* out = message.add_patients();
        *out->mutable_patient() = Identity(patient, data);
        for (const SleState& s : states) {
          v1::SleAssessmentState* row = out->add_sle();
          *row->mutable_assessment_date() = ToProtoDate(s.date);
          if (outcome.day0) {
            row->set_days_from_day0(static_cast<int>(s.date - *outcome.day0));
          }
          row->set_sledai_2k(s.sledai_2k);
          row->set_clinical_sledai(s.clinical_sledai);
          if (s.doris) row->set_doris(*s.doris);
          if (s.lldas) row->set_lldas(*s.lldas);
          if (s.hsct_remission) row->set_hsct_remission(*s.hsct_remission);
          row->set_flare(s.flare);
        }
        return static_cast<int>(states.size());
      });
}

grpc::Status OutcomeServiceImpl::StreamCohortOutcomes(
    grpc::ServerContext* context,
    const v1::StreamCohortOutcomesRequest* request,
    grpc::ServerWriter<v1::StreamCohortOutcomesResponse>* writer) {
  absl::StatusOr<OutcomeCall> call = StartCall(
      context, *auth_, "OutcomeService/StreamCohortOutcomes",
      request->definition(), request->has_as_of(), request->as_of(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr,
      /*streaming=*/true);
  if (!call.ok()) return ToGrpcStatus(call.status());
  return StreamPatients(
      *store_, *call, context, writer, "outcomes.read",
      [&](const PatientRecords& patient, const PatientClinicalData& data,
          const PatientOutcome& outcome,
          v1::StreamCohortOutcomesResponse& message) {
        v1::PatientOutcome* out = message.add_outcomes();
        *out = ToProto(outcome, Identity(patient, data));
        *out->mutable_course() = ToProto(
            DescribeCourse(call->as_of ? DataAsOf(data, *call->as_of) : data,
                           outcome, call->definition));
        return 1;
      });
}

}  // namespace registry
