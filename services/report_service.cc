#include "services/report_service.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "api/outcome_convert.h"
#include "api/report_convert.h"
#include "core/cohort_summary.h"
#include "core/endpoints.h"
#include "core/outcomes.h"
#include "core/status_macros.h"
#include "core/survival.h"
#include "core/violations.h"
#include "services/auth.h"

namespace registry {
namespace {

constexpr int kExportBatch = 1000;

absl::Status Invalid(const std::string& field, const std::string& message) {
  return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                              "invalid report request", {{field, message}});
}

struct ReportCall {
  RequestContext context;
  OutcomeDefinition definition;
  std::optional<Date> as_of;
  std::optional<absl::Time> as_of_recorded;  // a data freeze
  absl::Time data_as_of;  // the freeze, else when the read began
  Stratification by = Stratification::kNone;
};

absl::StatusOr<ReportCall> StartCall(
    grpc::ServerContext* context, Authenticator& auth, std::string_view method,
    const v1::OutcomeDefinition& definition, bool has_as_of,
    const v1::Date& as_of, v1::Stratification by,
    const google::protobuf::Timestamp* frozen) {
  ReportCall call;
  if (frozen) call.as_of_recorded = FromProto(*frozen);
  call.data_as_of = call.as_of_recorded.value_or(absl::Now());
  ASSIGN_OR_RETURN(call.context, AuthorizeCall(context, auth, method));
  ASSIGN_OR_RETURN(call.definition, FromProto(definition));
  if (has_as_of) {
    call.as_of = FromProto(as_of);
    if (!call.as_of) return Invalid("as_of", "not a valid date");
  }
  const std::optional<Stratification> stratification = FromProto(by);
  if (!stratification) return Invalid("by", "unknown stratification");
  call.by = *stratification;
  return call;
}

absl::StatusOr<Endpoint> EndpointOf(v1::Endpoint endpoint) {
  const std::optional<Endpoint> core = FromProto(endpoint);
  if (!core) {
    return Invalid("endpoint", "must be one of " + EndpointNameList());
  }
  return *core;
}

// Runs the outcome engine over every patient in scope.
absl::Status ForEachOutcome(
    RegistryStore& store, const ReportCall& call,
    const std::function<void(const PatientClinicalData&, const PatientOutcome&,
                             const std::string& center)>& visit) {
  return store.ReadPatients(
      call.context, std::nullopt, "reports.read", call.as_of_recorded,
      [&](PatientRecords&& patient) {
        PatientClinicalData data = ClinicalDataFromRecords(patient.records);
        if (call.as_of) data = DataAsOf(data, *call.as_of);
        visit(data, ComputeOutcome(data, call.definition), patient.center_code);
        return true;
      });
}

}  // namespace

grpc::Status ReportServiceImpl::KaplanMeier(
    grpc::ServerContext* context, const v1::KaplanMeierRequest* request,
    v1::KaplanMeierResponse* response) {
  absl::StatusOr<ReportCall> call = StartCall(
      context, *auth_, "ReportService/KaplanMeier", request->definition(),
      request->has_as_of(), request->as_of(), request->by(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr);
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Endpoint> endpoint = EndpointOf(request->endpoint());
  if (!endpoint.ok()) return ToGrpcStatus(endpoint.status());
  // Unset: log, R's default.
  const std::optional<ConfidenceType> conf =
      request->conf_type() == v1::CONFIDENCE_TYPE_UNSPECIFIED
          ? ConfidenceType::kLog
          : FromProto(request->conf_type());
  if (!conf) {
    return ToGrpcStatus(Invalid("conf_type", "must be log, log-log or plain"));
  }
  const ConfidenceType type = *conf;
  std::vector<double> times(request->times_days().begin(),
                            request->times_days().end());
  // In any order, as summary(fit, times =) takes them: sorted, each once.
  if (std::any_of(times.begin(), times.end(),
                  [](double t) { return !std::isfinite(t) || t < 0; })) {
    return ToGrpcStatus(Invalid("times_days", "must be days, 0 or more"));
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::map<std::string, std::vector<SurvivalObservation>> strata;
  int excluded = 0;
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& outcome,
          const std::string& center) {
        std::optional<EndpointObservation> obs =
            ObserveEndpoint(*endpoint, data, outcome, call->definition);
        if (!obs) {
          ++excluded;
          return;
        }
        strata[StratumOf(call->by, data, center)].push_back(
            {obs->time, obs->event});
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_definition() =
      ToAppliedDefinition(call->definition, call->data_as_of);
  response->set_endpoint(request->endpoint());
  response->set_conf_type(ToProto(type));
  response->set_excluded(excluded);
  std::vector<std::vector<SurvivalObservation>> groups;
  for (auto& [stratum, observations] : strata) {
    *response->add_curves() =
        CurveToProto(stratum, registry::KaplanMeier(observations, type), times);
    groups.push_back(std::move(observations));
  }
  if (groups.size() >= 2) {
    const LogRankResult test = LogRank(groups);
    v1::LogRankTest* out = response->mutable_log_rank();
    for (const auto& [stratum, unused] : strata) out->add_strata(stratum);
    for (double o : test.observed) out->add_observed(o);
    for (double e : test.expected) out->add_expected(e);
    out->set_chisq(test.chisq);
    out->set_df(test.df);
    out->set_p_value(test.p_value);
  }
  return grpc::Status::OK;
}

grpc::Status ReportServiceImpl::CumulativeIncidence(
    grpc::ServerContext* context, const v1::CumulativeIncidenceRequest* request,
    v1::CumulativeIncidenceResponse* response) {
  absl::StatusOr<ReportCall> call = StartCall(
      context, *auth_, "ReportService/CumulativeIncidence",
      request->definition(), request->has_as_of(), request->as_of(),
      request->by(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr);
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Endpoint> endpoint = EndpointOf(request->endpoint());
  if (!endpoint.ok()) return ToGrpcStatus(endpoint.status());
  if (DeathIsAnEvent(*endpoint)) {
    return ToGrpcStatus(Invalid(
        "endpoint",
        absl::StrCat("death is part of ", std::string(EndpointName(*endpoint)),
                     " (and of os, pfs, tfr, ssc-pfs, ssc-efs): "
                     "no competing risk")));
  }
  std::map<std::string, std::vector<CompetingObservation>> strata;
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& outcome,
          const std::string& center) {
        std::optional<EndpointObservation> obs =
            ObserveEndpoint(*endpoint, data, outcome, call->definition);
        if (!obs) return;
        strata[StratumOf(call->by, data, center)].push_back(ToCompeting(*obs));
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_definition() =
      ToAppliedDefinition(call->definition, call->data_as_of);
  for (auto& [stratum, observations] : strata) {
    v1::CumulativeIncidenceCurve* curve = response->add_curves();
    curve->set_stratum(stratum);
    for (const CumulativeIncidenceRow& row : AalenJohansen(observations)) {
      v1::CumulativeIncidenceRow* out = curve->add_rows();
      out->set_time_days(row.time);
      out->set_n_risk(row.n_risk);
      out->set_n_event(row.n_event);
      out->set_n_competing(row.n_competing);
      out->set_n_censor(row.n_censor);
      out->set_incidence(row.incidence);
      out->set_competing_incidence(row.competing_incidence);
    }
  }
  return grpc::Status::OK;
}

grpc::Status ReportServiceImpl::CohortSummary(
    grpc::ServerContext* context, const v1::CohortSummaryRequest* request,
    v1::CohortSummaryResponse* response) {
  absl::StatusOr<ReportCall> call = StartCall(
      context, *auth_, "ReportService/CohortSummary", request->definition(),
      request->has_as_of(), request->as_of(), request->by(),
      request->has_as_of_recorded() ? &request->as_of_recorded() : nullptr);
  if (!call.ok()) return ToGrpcStatus(call.status());
  const int min_cell =
      request->has_min_cell_size() ? request->min_cell_size() : 5;
  if (min_cell < 1 || min_cell > 100) {
    return ToGrpcStatus(Invalid("min_cell_size", "must be 1 to 100"));
  }
  CohortSummaryBuilder summary(call->definition, call->by, min_cell);
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& outcome,
          const std::string& center) { summary.Add(data, outcome, center); });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_definition() =
      ToAppliedDefinition(call->definition, call->data_as_of);
  response->set_stratification(std::string(StratificationName(call->by)));
  response->set_min_cell_size(min_cell);
  ToProto(summary.Finish(), response);
  return grpc::Status::OK;
}

grpc::Status ReportServiceImpl::ExportRecords(
    grpc::ServerContext* context, const v1::ExportRecordsRequest* request,
    grpc::ServerWriter<v1::ExportRecordsResponse>* writer) {
  absl::StatusOr<AuthorizedStream> stream =
      AuthorizeStream(context, *auth_, "ReportService/ExportRecords");
  if (!stream.ok()) return ToGrpcStatus(stream.status());
  const RequestContext* call = &stream->context;
  std::optional<Kind> kind = registry::FromProto(request->kind());
  if (!kind) return ToGrpcStatus(Invalid("kind", "must be a record kind"));
  const bool deidentify = request->deidentify();
  absl::Span<const Column> columns = ColumnsOf(*kind);

  std::optional<absl::Time> frozen;
  if (request->has_as_of_recorded()) {
    frozen = FromProto(request->as_of_recorded());
  }
  v1::ExportRecordsResponse message;
  *message.mutable_data_as_of_recorded() =
      registry::ToProto(frozen.value_or(absl::Now()));
  // No center column: a center code on every row would undo the
  // small-cell suppression of the cohort summary.
  message.add_columns("registry_id");
  for (size_t i = 1; i < columns.size(); ++i) {
    const std::string name(columns[i].name);
    const bool dated = name.size() > 5 && name.ends_with("_date");
    message.add_columns(
        deidentify && dated ? name.substr(0, name.size() - 5) + "_day" : name);
  }
  std::map<std::string, Date> day0;
  int in_message = 0;
  int64_t sent = 0;
  auto send = [&] {
    if (!writer->Write(message)) return false;
    sent += in_message;
    message = v1::ExportRecordsResponse();
    in_message = 0;
    return true;
  };
  bool open = true;
  absl::Status status = store_->ExportAllCenters(
      *call, *kind, frozen,
      [&](const std::string& registry_id, Date date) {
        day0.emplace(registry_id, date);
      },
      [&](const StoredRecord& stored) {
        const Row row = registry::ToRow(stored.record);
        v1::ExportRow* out = message.add_rows();
        out->add_values(stored.registry_id);
        auto origin = day0.find(stored.registry_id);
        for (size_t i = 1; i < columns.size(); ++i) {
          std::string value = row[i];
          if (deidentify &&
              std::string_view(columns[i].name).ends_with("_date") &&
              !value.empty()) {
            std::optional<Date> date = ParseIsoDate(value);
            value = origin == day0.end() || !date
                        ? ""
                        : absl::StrCat(*date - origin->second);
          }
          out->add_values(std::move(value));
        }
        if (++in_message >= kExportBatch) open = send();
        return open;
      });
  if (!status.ok()) return ToGrpcStatus(status);
  if (!open || ((in_message > 0 || message.columns_size() > 0) && !send())) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  context->AddTrailingMetadata(kItemsTrailer, absl::StrCat(sent));
  return grpc::Status::OK;
}

}  // namespace registry
