#include "services/report_service.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "api/outcome_convert.h"
#include "core/endpoints.h"
#include "core/outcomes.h"
#include "core/status_macros.h"
#include "core/survival.h"
#include "core/violations.h"
#include "services/auth.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;
constexpr double kMilestoneYears[] = {1, 2, 3, 5, 10};
constexpr int kExportBatch = 1000;

absl::Status Invalid(const std::string& field, const std::string& message) {
  return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                              "invalid report request", {{field, message}});
}

struct ReportCall {
  RequestContext context;
  OutcomeDefinition definition;
  std::optional<Date> as_of;
  Stratification by = Stratification::kNone;
};

absl::StatusOr<ReportCall> StartCall(grpc::ServerContext* context,
                                     Authenticator& auth,
                                     std::string_view method,
                                     const v1::OutcomeDefinition& definition,
                                     bool has_as_of, const v1::Date& as_of,
                                     v1::Stratification by) {
  ReportCall call;
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
    return Invalid("endpoint",
                   "must be neda3, neda4, relapse, cdw, pfs, mri or os");
  }
  return *core;
}

// Runs the outcome engine over every patient in scope.
absl::Status ForEachOutcome(
    RegistryStore& store, const ReportCall& call,
    const std::function<void(const PatientClinicalData&, const PatientOutcome&,
                             const std::string& center)>& visit) {
  return store.ReadPatients(
      call.context, std::nullopt, "reports.read",
      [&](PatientRecords&& patient) {
        PatientClinicalData data = ClinicalDataFromRecords(patient.records);
        if (call.as_of) data = DataAsOf(data, *call.as_of);
        visit(data, ComputeOutcome(data, call.definition), patient.center_code);
        return true;
      });
}

void ToProto(const KaplanMeierRow& row, v1::KaplanMeierRow* out) {
  out->set_time_days(row.time);
  out->set_n_risk(row.n_risk);
  out->set_n_event(row.n_event);
  out->set_n_censor(row.n_censor);
  out->set_surv(row.surv);
  if (row.std_err) out->set_std_err(*row.std_err);
  if (row.lower) out->set_lower(*row.lower);
  if (row.upper) out->set_upper(*row.upper);
}

v1::KaplanMeierCurve CurveProto(const std::string& stratum,
                                const KaplanMeierCurve& curve,
                                const std::vector<double>& times) {
  v1::KaplanMeierCurve out;
  out.set_stratum(stratum);
  out.set_n(curve.n);
  out.set_events(curve.events);
  for (const KaplanMeierRow& row : curve.rows) ToProto(row, out.add_rows());
  for (const KaplanMeierRow& row : SummaryAtTimes(curve, times)) {
    ToProto(row, out.add_at_times());
  }
  if (curve.median) out.set_median_days(*curve.median);
  if (curve.median_lower) out.set_median_lower_days(*curve.median_lower);
  if (curve.median_upper) out.set_median_upper_days(*curve.median_upper);
  return out;
}

// R's quantile type 7 of sorted values.
double Quantile7(const std::vector<double>& sorted, double p) {
  const double h = (sorted.size() - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

// The EDSS of the visit nearest to `day` days after day 0, within half a
// year; the baseline visit for year 0.
std::optional<double> EdssNear(const PatientClinicalData& data,
                               const PatientOutcome& o, int year) {
  if (year == 0) {
    if (o.disability_baseline && o.disability_baseline->date <= *o.day0) {
      return o.disability_baseline->edss;
    }
    return std::nullopt;
  }
  const Date target = *o.day0 + static_cast<int>(year * 365);
  std::optional<EdssVisit> best;
  for (const EdssVisit& v : data.visits) {
    const auto distance = std::abs(static_cast<long>(v.date - target));
    if (distance > 182) continue;
    if (!best || distance < std::abs(static_cast<long>(best->date - target))) {
      best = v;
    }
  }
  if (!best) return std::nullopt;
  return best->edss;
}

}  // namespace

grpc::Status ReportServiceImpl::KaplanMeier(
    grpc::ServerContext* context, const v1::KaplanMeierRequest* request,
    v1::KaplanMeierResponse* response) {
  absl::StatusOr<ReportCall> call = StartCall(
      context, *auth_, "ReportService/KaplanMeier", request->definition(),
      request->has_as_of(), request->as_of(), request->by());
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
  if (!std::is_sorted(times.begin(), times.end()) ||
      std::adjacent_find(times.begin(), times.end()) != times.end()) {
    return ToGrpcStatus(Invalid("times_days", "must be increasing"));
  }
  std::map<std::string, std::vector<SurvivalObservation>> strata;
  int excluded = 0;
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& outcome,
          const std::string& center) {
        std::optional<EndpointObservation> obs =
            ObserveEndpoint(*endpoint, data, outcome);
        if (!obs) {
          ++excluded;
          return;
        }
        strata[StratumOf(call->by, data, center)].push_back(
            {obs->time, obs->event});
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_definition() = ToAppliedDefinition(call->definition);
  response->set_endpoint(request->endpoint());
  response->set_conf_type(ToProto(type));
  response->set_excluded(excluded);
  std::vector<std::vector<SurvivalObservation>> groups;
  for (auto& [stratum, observations] : strata) {
    *response->add_curves() =
        CurveProto(stratum, registry::KaplanMeier(observations, type), times);
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
  absl::StatusOr<ReportCall> call =
      StartCall(context, *auth_, "ReportService/CumulativeIncidence",
                request->definition(), request->has_as_of(), request->as_of(),
                request->by());
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Endpoint> endpoint = EndpointOf(request->endpoint());
  if (!endpoint.ok()) return ToGrpcStatus(endpoint.status());
  if (*endpoint == Endpoint::kOs || *endpoint == Endpoint::kPfs) {
    return ToGrpcStatus(
        Invalid("endpoint", "death is part of os and pfs: no competing risk"));
  }
  std::map<std::string, std::vector<CompetingObservation>> strata;
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& outcome,
          const std::string& center) {
        std::optional<EndpointObservation> obs =
            ObserveEndpoint(*endpoint, data, outcome);
        if (!obs) return;
        strata[StratumOf(call->by, data, center)].push_back(
            {obs->time, obs->event  ? CompetingOutcome::kEvent
                        : obs->died ? CompetingOutcome::kCompeting
                                    : CompetingOutcome::kCensored});
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response->mutable_definition() = ToAppliedDefinition(call->definition);
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
      request->has_as_of(), request->as_of(), request->by());
  if (!call.ok()) return ToGrpcStatus(call.status());
  const int min_cell =
      request->has_min_cell_size() ? request->min_cell_size() : 5;
  if (min_cell < 1 || min_cell > 100) {
    return ToGrpcStatus(Invalid("min_cell_size", "must be 1 to 100"));
  }
  OutcomeDefinition cdi_definition = call->definition;
  cdi_definition.event = EventSelection::kFirstCdi;

  std::map<std::string, int> by_disease, by_center, by_regimen, by_drug;
  std::map<std::string, std::vector<SurvivalObservation>> neda3, pfs;
  std::vector<SurvivalObservation> os;
  std::vector<std::vector<double>> edss(11);
  int patients = 0, transplanted = 0, evaluable = 0, cdi = 0,
      cdi_assessable = 0, restarted = 0, relapses_pre = 0, relapses_post = 0;
  double years_pre = 0, years_post = 0;
  absl::Status status = ForEachOutcome(
      *store_, *call,
      [&](const PatientClinicalData& data, const PatientOutcome& o,
          const std::string& center) {
        ++patients;
        ++by_disease[StratumOf(Stratification::kDisease, data, center)];
        ++by_center[center];
        if (!o.day0) return;
        ++transplanted;
        ++by_regimen[StratumOf(Stratification::kRegimen, data, center)];
        const std::string group = StratumOf(call->by, data, center);
        if (auto obs = ObserveEndpoint(Endpoint::kNeda3, data, o)) {
          ++evaluable;
          neda3[group].push_back({obs->time, obs->event});
        }
        if (auto obs = ObserveEndpoint(Endpoint::kPfs, data, o)) {
          pfs[group].push_back({obs->time, obs->event});
        }
        if (auto obs = ObserveEndpoint(Endpoint::kOs, data, o)) {
          os.push_back({obs->time, obs->event});
        }
        relapses_pre += o.relapses_pre;
        years_pre += o.years_pre;
        relapses_post += o.relapses_post;
        years_post += o.years_post;
        for (int year = 0; year <= 10; ++year) {
          if (auto value = EdssNear(data, o, year))
            edss[year].push_back(*value);
        }
        if (o.disability_baseline &&
            std::any_of(data.visits.begin(), data.visits.end(),
                        [&](const EdssVisit& v) {
                          return v.date > o.disability_baseline->date;
                        })) {
          ++cdi_assessable;
          const PatientOutcome improved = ComputeOutcome(data, cdi_definition);
          cdi += !improved.disability_events.empty();
        }
        bool any_restart = false;
        std::map<std::string, bool> drugs;
        for (const TreatmentData& t : data.treatments) {
          if (t.start_date <= *o.day0) continue;
          any_restart = true;
          drugs[t.drug] = true;
        }
        restarted += any_restart;
        for (const auto& [drug, unused] : drugs) ++by_drug[drug];
      });
  if (!status.ok()) return ToGrpcStatus(status);

  const bool per_center = call->by == Stratification::kCenter;
  auto shown = [&](int n, bool suppress) {
    return suppress && n < min_cell ? absl::StrCat("<", min_cell)
                                    : absl::StrCat(n);
  };
  auto counts = [&](const std::map<std::string, int>& table, bool suppress,
                    google::protobuf::RepeatedPtrField<v1::Count>* out) {
    for (const auto& [group, n] : table) {
      v1::Count* count = out->Add();
      count->set_group(group);
      count->set_count(shown(n, suppress));
    }
  };
  *response->mutable_definition() = ToAppliedDefinition(call->definition);
  response->set_stratification(std::string(StratificationName(call->by)));
  response->set_min_cell_size(min_cell);
  response->set_patients(patients);
  response->set_transplanted(transplanted);
  response->set_neda3_evaluable(evaluable);
  counts(by_disease, false, response->mutable_by_disease());
  counts(by_center, true, response->mutable_by_center());
  counts(by_regimen, false, response->mutable_by_regimen());
  counts(by_drug, false, response->mutable_treatments_by_drug());

  const Quantile follow_up = MedianFollowUp(os);
  if (follow_up.value) response->set_median_follow_up_days(*follow_up.value);
  if (follow_up.lower) {
    response->set_median_follow_up_lower_days(*follow_up.lower);
  }
  if (follow_up.upper) {
    response->set_median_follow_up_upper_days(*follow_up.upper);
  }

  std::vector<double> milestone_days;
  for (double years : kMilestoneYears) {
    milestone_days.push_back(years * kDaysPerYear);
  }
  auto milestones =
      [&](std::map<std::string, std::vector<SurvivalObservation>>& groups,
          google::protobuf::RepeatedPtrField<v1::Milestone>* out,
          google::protobuf::RepeatedPtrField<v1::KaplanMeierCurve>* curves) {
        if (groups.size() > 1 || call->by != Stratification::kNone) {
          std::vector<SurvivalObservation> all;
          for (const auto& [group, observations] : groups) {
            all.insert(all.end(), observations.begin(), observations.end());
          }
          groups["(all)"] = std::move(all);
        }
        for (const auto& [group, observations] : groups) {
          const bool suppress =
              per_center && group != "(all)" &&
              static_cast<int>(observations.size()) < min_cell;
          const KaplanMeierCurve curve = registry::KaplanMeier(observations);
          const std::vector<KaplanMeierRow> rows =
              SummaryAtTimes(curve, milestone_days);
          for (size_t i = 0; i < milestone_days.size(); ++i) {
            v1::Milestone* m = out->Add();
            m->set_group(group);
            m->set_years(kMilestoneYears[i]);
            if (suppress) {
              m->set_n_risk(absl::StrCat("<", min_cell));
              continue;
            }
            if (i >= rows.size()) {
              m->set_n_risk("0");
              continue;
            }
            m->set_n_risk(
                shown(rows[i].n_risk, per_center && group != "(all)"));
            m->set_estimate(rows[i].surv);
            if (rows[i].lower) m->set_lower(*rows[i].lower);
            if (rows[i].upper) m->set_upper(*rows[i].upper);
          }
          if (!suppress && group != "(all)") {
            *curves->Add() = CurveProto(group, curve, {});
          } else if (!suppress && groups.size() == 1) {
            *curves->Add() = CurveProto("", curve, {});
          }
        }
      };
  milestones(neda3, response->mutable_neda3(),
             response->mutable_neda3_curves());
  milestones(pfs, response->mutable_pfs(), response->mutable_pfs_curves());

  const KaplanMeierCurve survival = registry::KaplanMeier(os);
  const std::vector<KaplanMeierRow> trm = SummaryAtTimes(survival, {100, 365});
  if (trm.size() > 0) response->set_trm_day100(1 - trm[0].surv);
  if (trm.size() > 1) response->set_trm_year1(1 - trm[1].surv);

  response->set_relapses_pre(relapses_pre);
  response->set_patient_years_pre(years_pre);
  response->set_relapses_post(relapses_post);
  response->set_patient_years_post(years_post);
  for (int year = 0; year <= 10; ++year) {
    std::vector<double>& values = edss[year];
    if (values.empty()) continue;
    std::sort(values.begin(), values.end());
    v1::EdssYear* out = response->add_edss_by_year();
    out->set_year(year);
    out->set_n(static_cast<int>(values.size()));
    double sum = 0;
    for (double v : values) sum += v;
    const double mean = sum / values.size();
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    out->set_mean(mean);
    out->set_sd(values.size() > 1 ? std::sqrt(squares / (values.size() - 1))
                                  : 0);
    out->set_median(Quantile7(values, 0.5));
    out->set_q1(Quantile7(values, 0.25));
    out->set_q3(Quantile7(values, 0.75));
  }
  response->set_cdi_patients(cdi);
  response->set_cdi_assessable(cdi_assessable);
  response->set_treatment_restarted(restarted);
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

  v1::ExportRecordsResponse message;
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
      *call, *kind,
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
