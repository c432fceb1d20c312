#include "services/submission_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/violations.h"
#include "services/auth.h"
#include "services/convert.h"

namespace registry {
namespace {

// Records per streamed export message.
constexpr int kExportBatch = 512;

std::optional<Operation> FromProto(v1::Operation operation) {
  switch (operation) {
    case v1::OPERATION_IMPORT:
      return Operation::kImport;
    case v1::OPERATION_AMEND:
      return Operation::kAmend;
    case v1::OPERATION_RETRACT:
      return Operation::kRetract;
    default:
      return std::nullopt;
  }
}

v1::Operation ToProto(Operation operation) {
  return static_cast<v1::Operation>(static_cast<int>(operation) + 1);
}

std::optional<absl::Time> AsOf(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return std::nullopt;
  return registry::FromProto(t);
}

// Converts one message's records, in order, for RegistryStore::Submit.
void AppendRows(const v1::SubmitRequest& message,
                std::vector<SubmittedRow>& rows) {
  for (const v1::Record& record : message.records()) {
    std::optional<KindAndRow> row = ToRow(record);
    if (!row) {
      rows.push_back({std::nullopt, {}});  // the store reports it
      continue;
    }
    rows.push_back({row->kind, std::move(row->row)});
  }
}

// The operation of a submission, or INVALID_ARGUMENT listing `violations`
// (found earlier) and a bad operation together.
absl::StatusOr<Operation> CheckOperation(
    v1::Operation operation, std::vector<FieldViolation> violations) {
  std::optional<Operation> op = FromProto(operation);
  if (!op) {
    violations.push_back({"operation", "must be import, amend or retract"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid request; nothing was written",
                                violations);
  }
  return *op;
}

void FillResponse(const std::string& request_id, const SubmitCounts& counts,
                  v1::SubmitResponse* response) {
  response->set_request_id(request_id);
  response->set_received(counts.received);
  response->set_accepted(counts.accepted);
  response->set_unchanged(counts.unchanged);
}

}  // namespace

grpc::Status SubmissionServiceImpl::Submit(
    grpc::ServerContext* context, grpc::ServerReader<v1::SubmitRequest>* reader,
    v1::SubmitResponse* response) {
  absl::StatusOr<RequestContext> request =
      AuthorizeCall(context, *auth_, {Role::kSubmitter});
  if (!request.ok()) return ToGrpcStatus(request.status());

  v1::SubmitRequest message;
  v1::Operation operation = v1::OPERATION_UNSPECIFIED;
  std::string reason;
  std::vector<SubmittedRow> rows;
  std::vector<FieldViolation> violations;
  bool first = true;
  while (reader->Read(&message)) {
    if (first) {
      operation = message.operation();
      reason = message.reason();
      first = false;
    } else if ((message.operation() != v1::OPERATION_UNSPECIFIED &&
                message.operation() != operation) ||
               (!message.reason().empty() && message.reason() != reason)) {
      violations.push_back({"operation",
                            "later messages must repeat or omit the operation "
                            "and reason of the first"});
    }
    AppendRows(message, rows);
  }
  absl::StatusOr<Operation> op =
      CheckOperation(operation, std::move(violations));
  if (!op.ok()) return ToGrpcStatus(op.status());
  absl::StatusOr<SubmitCounts> counts =
      store_->Submit(*request, *op, reason, rows);
  if (!counts.ok()) return ToGrpcStatus(counts.status());
  FillResponse(request->request_id, *counts, response);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* SubmissionServiceImpl::SubmitBatch(
    grpc::CallbackServerContext* context, const v1::SubmitRequest* request,
    v1::SubmitResponse* response) {
  // Nothing here waits for the disk: the store's answer thread answers
  // once the group holding this request is committed.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::string failed_peer;
  absl::StatusOr<RequestContext> call =
      AuthorizeCallNoWait(context, *auth_, {Role::kSubmitter}, &failed_peer);
  if (!call.ok()) {
    grpc::Status status = ToGrpcStatus(call.status());
    if (failed_peer.empty()) {
      reactor->Finish(status);
    } else {
      // The answer to a bad token waits; not on a callback thread.
      std::thread([auth = auth_, failed_peer, reactor, status] {
        PenalizeFailedAuth(*auth, failed_peer);
        reactor->Finish(status);
      }).detach();
    }
    return reactor;
  }
  absl::StatusOr<Operation> operation =
      CheckOperation(request->operation(), {});
  if (!operation.ok()) {
    reactor->Finish(ToGrpcStatus(operation.status()));
    return reactor;
  }
  std::vector<SubmittedRow> rows;
  AppendRows(*request, rows);
  const std::string request_id = call->request_id;
  store_->SubmitAsync(
      *std::move(call), *operation, request->reason(), std::move(rows),
      [reactor, response, request_id](absl::StatusOr<SubmitCounts> counts) {
        if (counts.ok()) FillResponse(request_id, *counts, response);
        reactor->Finish(ToGrpcStatus(counts.status()));
      });
  return reactor;
}

grpc::Status SubmissionServiceImpl::Export(
    grpc::ServerContext* context, const v1::ExportRequest* request,
    grpc::ServerWriter<v1::ExportResponse>* writer) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, *auth_, {Role::kSubmitter});
  if (!call.ok()) return ToGrpcStatus(call.status());
  std::optional<Kind> kind = registry::FromProto(request->kind());
  if (!kind) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kInvalidArgument, "invalid export request",
        {{"kind", "must be one of the record kinds"}}));
  }
  v1::ExportResponse batch;
  bool open = true;
  absl::Status status = store_->ExportRecords(
      *call, *kind,
      AsOf(request->has_as_of_recorded(), request->as_of_recorded()),
      [&](const StoredRecord& stored) {
        *batch.add_records() = registry::ToProto(stored.record);
        if (batch.records_size() >= kExportBatch) {
          open = writer->Write(batch);
          batch.clear_records();
        }
        return open;
      });
  if (status.ok() && open && batch.records_size() > 0) writer->Write(batch);
  return ToGrpcStatus(status);
}

grpc::Status SubmissionServiceImpl::GetPatientHistory(
    grpc::ServerContext* context, const v1::GetPatientHistoryRequest* request,
    v1::GetPatientHistoryResponse* response) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, *auth_, {Role::kSubmitter, Role::kAnalyst});
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
  response->set_center(history->center_code);
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
  }
  return grpc::Status::OK;
}

}  // namespace registry
