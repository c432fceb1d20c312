#include "services/submission_service.h"

#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "core/status_macros.h"
#include "core/violations.h"
#include "services/auth.h"

namespace registry {
namespace {

// Records per streamed export message.
constexpr int kExportBatch = 512;

std::optional<absl::Time> AsOf(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return std::nullopt;
  return registry::FromProto(t);
}

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* SubmissionServiceImpl::Submit(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return StartSubmit(context, response, deps_);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
SubmissionServiceImpl::DryRun(grpc::CallbackServerContext* context) {
  return StartDryRun(context, deps_);
}

grpc::ServerUnaryReactor* SubmissionServiceImpl::SubmitBatch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return StartSubmitBatch(context, request, response, deps_);
}

grpc::Status SubmissionServiceImpl::Export(
    grpc::ServerContext* context, const v1::ExportRequest* request,
    grpc::ServerWriter<v1::ExportResponse>* writer) {
  absl::StatusOr<AuthorizedStream> stream =
      AuthorizeStream(context, *auth_, "SubmissionService/Export");
  if (!stream.ok()) return ToGrpcStatus(stream.status());
  const RequestContext* call = &stream->context;
  std::optional<Kind> kind = registry::FromProto(request->kind());
  if (!kind) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid export request",
        {{"kind", "must be one of the record kinds"}}));
  }
  v1::ExportResponse batch;
  int64_t sent = 0;
  auto send = [&] {
    if (!writer->Write(batch)) return false;
    sent += batch.records_size();
    batch.clear_records();
    return true;
  };
  bool open = true;
  absl::Status status = store_->ExportRecords(
      *call, *kind,
      AsOf(request->has_as_of_recorded(), request->as_of_recorded()),
      [&](const StoredRecord& stored) {
        *batch.add_records() = registry::ToProto(stored.record);
        if (batch.records_size() >= kExportBatch) open = send();
        return open;
      });
  if (!status.ok()) return ToGrpcStatus(status);
  if (!open || (batch.records_size() > 0 && !send())) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  context->AddTrailingMetadata(kItemsTrailer, absl::StrCat(sent));
  return grpc::Status::OK;
}

grpc::Status SubmissionServiceImpl::GetPatientHistory(
    grpc::ServerContext* context, const v1::GetPatientHistoryRequest* request,
    v1::GetPatientHistoryResponse* response) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, *auth_, "SubmissionService/GetPatientHistory");
  if (!call.ok()) return ToGrpcStatus(call.status());
  PatientRef ref{request->patient_id(), request->registry_id()};
  if (ref.patient_id.empty() == ref.registry_id.empty()) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid request",
        {{"patient", "give exactly one of patient_id and registry_id"}}));
  }
  if (call->principal.role == Role::kAnalyst && !ref.patient_id.empty()) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid request",
        {{"patient_id", "analysts name patients by registry_id"}}));
  }
  absl::StatusOr<PatientHistory> history = store_->GetPatientHistory(
      *call, ref,
      AsOf(request->has_as_of_recorded(), request->as_of_recorded()));
  if (!history.ok()) return ToGrpcStatus(history.status());
  response->set_registry_id(history->registry_id);
  response->set_patient_id(history->patient_id);
  // Analysts see patients by registry id only (no center: see reports).
  if (call->principal.role != Role::kAnalyst) {
    response->set_center(history->center_code);
  }
  for (const Record& record : history->current) {
    *response->add_current_records() = registry::ToProto(record);
  }
  for (const StoredEvent& event : history->events) {
    v1::RecordEvent* out = response->add_events();
    out->set_event_seq(event.event_seq);
    *out->mutable_recorded_at() = registry::ToProto(event.recorded_at);
    out->set_operation(ToProto(event.operation));
    *out->mutable_record() = registry::ToProto(event.record);
    out->set_reason(event.reason);
    out->set_request_id(event.request_id);
    out->set_token_id(event.token_id);
    out->set_token_role(event.token_role);
    out->set_token_label(event.token_label);
  }
  return grpc::Status::OK;
}

}  // namespace registry
