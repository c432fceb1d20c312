// ReportService's follow-up reports: who is due or overdue, and how
// complete each center's follow-up is.
#include <map>
#include <tuple>

#include "api/convert.h"
#include "core/follow_up.h"
#include "core/violations.h"
#include "services/auth.h"
#include "services/report_service.h"

namespace registry {
namespace {

// `as_of`, or today (UTC) when unset; INVALID_ARGUMENT for a bad date.
absl::StatusOr<Date> AsOfOrToday(bool has, const v1::Date& as_of) {
  if (!has) return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  std::optional<Date> date = FromProto(as_of);
  if (!date) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid request",
                                {{"as_of", "not a valid date"}});
  }
  return *date;
}

// Every patient's points at `as_of`, with the patient and center named as
// the caller may see them.
absl::Status ForEachSchedule(
    RegistryStore& store, const FollowUpSchedules& schedules,
    const RequestContext& call, Date as_of,
    const std::function<void(const PatientRecords&,
                             const std::vector<PointStatus>&)>& visit) {
  return store.ReadPatients(
      call, std::nullopt, "reports.follow_up", std::nullopt,
      [&](PatientRecords&& patient) {
        visit(patient, FollowUpOf(schedules, patient.records, as_of));
        return true;
      });
}

}  // namespace

grpc::Status ReportServiceImpl::FollowUpDue(
    grpc::ServerContext* context, const v1::FollowUpDueRequest* request,
    v1::FollowUpDueResponse* response) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, *auth_, "ReportService/FollowUpDue");
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Date> as_of =
      AsOfOrToday(request->has_as_of(), request->as_of());
  if (!as_of.ok()) return ToGrpcStatus(as_of.status());
  const std::string& only = request->center();
  if (!only.empty() && call->principal.role == Role::kSubmitter &&
      only != call->principal.center_code) {
    return ToGrpcStatus(StatusWithViolations(
        absl::StatusCode::kPermissionDenied, "permission denied",
        {{"center", "submitters see their own center only"}}));
  }
  absl::Status status = ForEachSchedule(
      *store_, schedules_, *call, *as_of,
      [&](const PatientRecords& patient,
          const std::vector<PointStatus>& points) {
        if (!only.empty() && patient.center_code != only) return;
        for (const PointStatus& p : points) {
          v1::FollowUpPointStatus* out = response->add_points();
          out->set_patient(patient.patient_id.empty() ? patient.registry_id
                                                      : patient.patient_id);
          out->set_center(patient.center_code);
          *out->mutable_transplant_date() = ToProtoDate(p.transplant);
          out->set_point(p.point.name);
          *out->mutable_due_date() = ToProtoDate(p.due);
          *out->mutable_past_due_date() = ToProtoDate(p.past_due);
          out->set_state(std::string(PointStateName(p.state)));
          if (p.assessed) *out->mutable_assessed() = ToProtoDate(*p.assessed);
        }
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_as_of() = ToProtoDate(*as_of);
  return grpc::Status::OK;
}

grpc::Status ReportServiceImpl::FollowUpCompleteness(
    grpc::ServerContext* context,
    const v1::FollowUpCompletenessRequest* request,
    v1::FollowUpCompletenessResponse* response) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, *auth_, "ReportService/FollowUpCompleteness");
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Date> as_of =
      AsOfOrToday(request->has_as_of(), request->as_of());
  if (!as_of.ok()) return ToGrpcStatus(as_of.status());
  // (center, due day, point) -> (expected, done); "all" adds up every
  // center. Ordered by the point's day, not its name.
  std::map<std::tuple<std::string, int, std::string>,
           std::pair<int64_t, int64_t>>
      cells;
  absl::Status status = ForEachSchedule(
      *store_, schedules_, *call, *as_of,
      [&](const PatientRecords& patient,
          const std::vector<PointStatus>& points) {
        for (const PointStatus& p : points) {
          // A report is expected once past due, of a patient alive when
          // it fell due.
          if (p.past_due > *as_of || p.state == PointState::kNotExpected) {
            continue;
          }
          for (const std::string& center :
               {patient.center_code, std::string("all")}) {
            auto& [expected, done] = cells[{center, p.point.day, p.point.name}];
            ++expected;
            if (p.state == PointState::kDone) ++done;
          }
        }
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_as_of() = ToProtoDate(*as_of);
  for (const auto& [key, counts] : cells) {
    v1::CompletenessCell* cell = response->add_cells();
    cell->set_center(std::get<0>(key));
    cell->set_point(std::get<2>(key));
    cell->set_expected(counts.first);
    cell->set_done(counts.second);
    cell->set_share(counts.first > 0 ? static_cast<double>(counts.second) /
                                           static_cast<double>(counts.first)
                                     : 0);
  }
  return grpc::Status::OK;
}

}  // namespace registry
