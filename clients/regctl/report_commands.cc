// regctl report: outcome rows, disability events, Kaplan-Meier and
// cumulative incidence, the cohort summary, pseudonymised exports.
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/convert.h"
#include "clients/regctl/commands.h"
#include "clients/regctl/flags.h"
#include "clients/regctl/output.h"
#include "clients/report_render/render.h"
#include "core/csv.h"
#include "core/endpoints.h"
#include "core/survival.h"

namespace registry {

int ReportOutcomes(Client& client) {
  const Args& args = client.args();
  v1::StreamCohortOutcomesRequest request;
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.outcomes().StreamCohortOutcomes(&context, request);
  RowOutput rows(std::vector<std::string>{"registry_id",
                                          "patient_id",
                                          "center",
                                          "disease",
                                          "transplant_date",
                                          "neda3_evaluable",
                                          "eda_date",
                                          "eda_kind",
                                          "remission_days",
                                          "censored",
                                          "last_edss_date",
                                          "last_mri_date",
                                          "relapses_post",
                                          "arr_pre",
                                          "arr_post",
                                          "cdw_count",
                                          "neda4",
                                          "transplant_type",
                                          "death_cause",
                                          "relapse_progression_date",
                                          "tfr_end_date",
                                          "tfr_end_reason",
                                          "neutrophil_day",
                                          "platelet_day",
                                          "primary_graft_failure",
                                          "infection_date",
                                          "secondary_autoimmunity_date",
                                          "malignancy_date",
                                          "agvhd_date",
                                          "cgvhd_date",
                                          "ssc_progression_date",
                                          "skin_progression_date",
                                          "lung_progression_date",
                                          "persistent_organ_failure_date",
                                          "ssc_response_12m",
                                          "acr_criss_12m",
                                          "acr_criss_improved",
                                          "rcriss_improved_12m",
                                          "doris_date",
                                          "lldas_date",
                                          "sle_flare_date",
                                          "lldas_time_fraction",
                                          "aqp4_seroreversion_date",
                                          "aqp4_reconversion_date",
                                          "not_evaluable_reason"},
                 client.format("csv"), client.io().out);
  v1::StreamCohortOutcomesResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    if (message.has_definition())
      PrintDefinition(message.definition(), client.io());
    received += message.outcomes_size();
    for (const v1::PatientOutcome& o : message.outcomes()) {
      const bool evaluable = o.neda3_evaluable();
      std::vector<std::string> kinds;
      for (int kind : o.eda_kinds()) {
        kinds.push_back(kind == v1::EDA_KIND_RELAPSE ? "relapse"
                        : kind == v1::EDA_KIND_MRI   ? "mri"
                                                     : "cdw");
      }
      const v1::TransplantCourse& c = o.course();
      const std::optional<TransplantType> type =
          c.transplant_type() == v1::TRANSPLANT_TYPE_UNSPECIFIED
              ? std::nullopt
              : FromProto(c.transplant_type());
      const std::optional<DeathCause> cause =
          c.death_cause() == v1::DEATH_CAUSE_UNSPECIFIED
              ? std::nullopt
              : FromProto(c.death_cause());
      auto number = [](bool has, double value) {
        return has ? absl::StrFormat("%.4f", value) : std::string();
      };
      std::vector<std::string> row = {
          o.patient().registry_id(),
          o.patient().patient_id(),
          o.patient().center(),
          DiseaseText(o.patient().disease()),
          DateText(o.patient().transplant_date()),
          evaluable ? "1" : "0",
          DateText(o.eda_date()),
          absl::StrJoin(kinds, "+"),
          o.has_remission_days() ? absl::StrCat(o.remission_days()) : "",
          o.has_censored() ? (o.censored() ? "1" : "0") : "",
          DateText(o.last_edss_date()),
          DateText(o.last_mri_date()),
          absl::StrCat(o.relapses_post()),
          number(o.has_arr_pre(), o.arr_pre()),
          number(o.has_arr_post(), o.arr_post()),
          absl::StrCat(o.cdw_count()),
          o.has_neda4() ? (o.neda4() ? "1" : "0") : "",
          type ? std::string(TransplantTypeCode(*type)) : "",
          cause ? std::string(DeathCauseCode(*cause)) : "",
          DateText(c.relapse_or_progression()),
          DateText(c.tfr_end()),
          c.tfr_end_reason(),
          c.has_neutrophil_day() ? absl::StrCat(c.neutrophil_day()) : "",
          c.has_platelet_day() ? absl::StrCat(c.platelet_day()) : "",
          c.has_primary_graft_failure()
              ? (c.primary_graft_failure() ? "1" : "0")
              : "",
          DateText(c.first_severe_infection()),
          DateText(c.secondary_autoimmunity()),
          DateText(c.malignancy()),
          DateText(c.acute_gvhd()),
          DateText(c.chronic_gvhd()),
          DateText(c.ssc_progression()),
          DateText(c.skin_progression()),
          DateText(c.lung_progression()),
          DateText(c.persistent_organ_failure()),
          c.has_ssc_response_12m() ? (c.ssc_response_12m() ? "1" : "0") : "",
          number(c.has_acr_criss_12m(), c.acr_criss_12m()),
          c.has_acr_criss_12m() ? (c.acr_criss_12m() >= 0.6 ? "1" : "0") : "",
          c.has_rcriss_improved_12m() ? (c.rcriss_improved_12m() ? "1" : "0")
                                      : "",
          DateText(c.first_doris()),
          DateText(c.first_lldas()),
          DateText(c.first_flare()),
          number(c.has_lldas_time_fraction(), c.lldas_time_fraction()),
          DateText(c.aqp4_seroreversion()),
          DateText(c.aqp4_reconversion()),
          o.not_evaluable_reason()};
      rows.Add(std::move(row));
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

int ReportStates(Client& client) {
  const Args& args = client.args();
  v1::ListDiseaseStatesRequest request;
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.outcomes().ListDiseaseStates(&context, request);
  RowOutput rows({"registry_id", "patient_id", "disease", "assessment_date",
                  "days_from_day0", "sledai_2k", "clinical_sledai", "doris",
                  "lldas", "hsct_remission", "flare"},
                 client.format("csv"), client.io().out);
  auto flag = [](bool has, bool value) -> std::string {
    return has ? (value ? "1" : "0") : "NA";
  };
  v1::ListDiseaseStatesResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    if (message.has_definition()) {
      PrintDefinition(message.definition(), client.io());
    }
    for (const v1::PatientDiseaseStates& patient : message.patients()) {
      received += patient.sle_size();
      for (const v1::SleAssessmentState& s : patient.sle()) {
        rows.Add(
            {patient.patient().registry_id(), patient.patient().patient_id(),
             DiseaseText(patient.patient().disease()),
             DateText(s.assessment_date()),
             s.has_days_from_day0() ? absl::StrCat(s.days_from_day0()) : "NA",
             absl::StrCat(s.sledai_2k()), absl::StrCat(s.clinical_sledai()),
             flag(s.has_doris(), s.doris()), flag(s.has_lldas(), s.lldas()),
             flag(s.has_hsct_remission(), s.hsct_remission()),
             s.flare() ? "1" : "0"});
      }
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

int ReportDisabilityEvents(Client& client) {
  const Args& args = client.args();
  v1::ListDisabilityEventsRequest request;
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.outcomes().ListDisabilityEvents(&context, request);
  RowOutput rows(
      {"registry_id", "patient_id", "event_seq", "event_type", "cdw_type",
       "onset_date", "onset_edss", "baseline_date", "baseline_edss",
       "confirmation_date", "confirmation_edss", "days_from_day0"},
      client.format("csv"), client.io().out);
  v1::ListDisabilityEventsResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    if (message.has_definition())
      PrintDefinition(message.definition(), client.io());
    received += message.patients_size();
    for (const v1::PatientDisabilityEvents& patient : message.patients()) {
      int seq = 0;
      for (const v1::DisabilityEvent& e : patient.events()) {
        const bool cdw = e.type() == v1::DISABILITY_EVENT_TYPE_CDW;
        std::vector<std::string> row = {
            patient.patient().registry_id(),
            patient.patient().patient_id(),
            absl::StrCat(++seq),
            cdw ? "CDW" : "CDI",
            !cdw                                ? ""
            : e.cdw_type() == v1::CDW_TYPE_PIRA ? "PIRA"
            : e.cdw_type() == v1::CDW_TYPE_RAW  ? "RAW"
                                                : "undefined",
            DateText(e.onset_date()),
            EdssText(e.onset_edss()),
            DateText(e.baseline_date()),
            EdssText(e.baseline_edss()),
            DateText(e.confirmation_date()),
            EdssText(e.confirmation_edss()),
            absl::StrCat(e.days_from_day0())};
        rows.Add(std::move(row));
      }
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

int ReportKaplanMeier(Client& client) {
  const Args& args = client.args();
  v1::KaplanMeierRequest request;
  request.set_endpoint(EndpointFlag(args));
  request.set_by(ByFlag(args));
  if (!args.Flag("conf-type").empty()) {
    std::optional<ConfidenceType> type =
        ParseConfidenceType(args.Flag("conf-type"));
    if (!type) throw UsageError{"--conf-type must be log, log-log or plain"};
    request.set_conf_type(ToProto(*type));
  }
  const bool at_times = !args.Flag("times").empty();
  if (at_times) {
    for (absl::string_view part : absl::StrSplit(args.Flag("times"), ',')) {
      request.add_times_days(NumberFlag("times", std::string(part)));
    }
  }
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  const std::string format = client.format("csv");
  v1::KaplanMeierResponse response;
  grpc::Status status =
      client.Call(&v1::ReportService::Stub::KaplanMeier, request, &response);
  if (!status.ok()) return client.Fail(status);
  PrintDefinition(response.definition(), client.io());
  std::ostream& out = client.io().out;
  if (format == "json") {
    out << Json(response);
    return 0;
  }
  const std::optional<Endpoint> answered = FromProto(response.endpoint());
  const std::string endpoint(answered ? EndpointName(*answered) : "?");
  if (format == "svg") {
    PlotOptions options;
    static const std::map<std::string, std::string> kTitles = {
        {"neda3", "NEDA-3 (no evidence of disease activity)"},
        {"neda4", "NEDA-4"},
        {"relapse", "Relapse-free survival"},
        {"cdw", "Freedom from confirmed disability worsening"},
        {"pfs", "Progression-free survival (CDW or death)"},
        {"mri", "Freedom from MRI activity"},
        {"os", "Overall survival"},
        {"ri", "Freedom from relapse or progression"},
        {"nrm", "Survival without non-relapse death"},
        {"trm", "Survival without transplant-related death"},
        {"tfr", "Treatment-free remission"},
        {"infection", "Freedom from grade >= 3 infection"},
        {"secondary-autoimmunity", "Freedom from secondary autoimmune disease"},
        {"malignancy", "Freedom from malignancy"},
        {"agvhd", "Freedom from acute GvHD II-IV"},
        {"cgvhd", "Freedom from chronic GvHD"},
        {"neutrophil-engraftment", "Not yet neutrophil-engrafted"},
        {"platelet-engraftment", "Not yet platelet-engrafted"},
        {"ssc-pfs", "SSc progression-free survival"},
        {"ssc-efs", "SSc event-free survival (death or organ failure)"},
        {"lung-progression", "Freedom from lung progression"},
        {"skin-progression", "Freedom from skin progression"},
        {"doris", "Not yet in DORIS remission"},
        {"lldas", "Not yet in LLDAS"},
        {"sle-flare", "Freedom from lupus flare"},
        {"seroreversion", "AQP4-IgG still positive"}};
    const auto title = kTitles.find(endpoint);
    options.title = title == kTitles.end() ? endpoint : title->second;
    options.subtitle = absl::StrCat(
        "95% CI (",
        std::string(ConfidenceTypeName(
            FromProto(response.conf_type()).value_or(ConfidenceType::kLog))),
        "); ticks: censored; ", response.definition().rules_version());
    if (response.has_log_rank()) {
      absl::StrAppend(&options.subtitle,
                      absl::StrFormat("; log-rank p = %.3g",
                                      response.log_rank().p_value()));
    }
    out << KaplanMeierSvg({response.curves().begin(), response.curves().end()},
                          options);
    return 0;
  }
  if (format == "csv") {
    out << "stratum,time_days,n_risk,n_event,n_censor,surv,std_err,lower,"
           "upper\n";
    for (const v1::KaplanMeierCurve& curve : response.curves()) {
      for (const v1::KaplanMeierRow& row :
           at_times ? curve.at_times() : curve.rows()) {
        out << FormatCsvRow({curve.stratum(), Num(row.time_days()),
                             absl::StrCat(row.n_risk()),
                             absl::StrCat(row.n_event()),
                             absl::StrCat(row.n_censor()), Num(row.surv()),
                             OptNum(row.has_std_err(), row.std_err()),
                             OptNum(row.has_lower(), row.lower()),
                             OptNum(row.has_upper(), row.upper())})
            << "\n";
      }
    }
    return 0;
  }
  out << "Kaplan-Meier, endpoint " << endpoint << " (" << response.excluded()
      << " patients do not count for it)\n";
  Table table{
      {"stratum", "n", "events", "median_days", "median_lower", "median_upper"},
      {}};
  for (const v1::KaplanMeierCurve& curve : response.curves()) {
    table.rows.push_back(
        {curve.stratum().empty() ? "all" : curve.stratum(),
         absl::StrCat(curve.n()), absl::StrCat(curve.events()),
         OptNum(curve.has_median_days(), curve.median_days()),
         OptNum(curve.has_median_lower_days(), curve.median_lower_days()),
         OptNum(curve.has_median_upper_days(), curve.median_upper_days())});
  }
  PrintTable(table, "table", out);
  if (response.has_log_rank()) {
    out << absl::StrFormat("Log-rank: chisq = %.4f on %d df, p = %.4g\n",
                           response.log_rank().chisq(),
                           response.log_rank().df(),
                           response.log_rank().p_value());
  }
  if (at_times) {
    Table rows{{"stratum", "time_days", "n_risk", "surv", "lower", "upper"},
               {}};
    for (const v1::KaplanMeierCurve& curve : response.curves()) {
      for (const v1::KaplanMeierRow& row : curve.at_times()) {
        rows.rows.push_back(
            {curve.stratum(), Num(row.time_days()), absl::StrCat(row.n_risk()),
             absl::StrFormat("%.4f", row.surv()),
             row.has_lower() ? absl::StrFormat("%.4f", row.lower()) : "NA",
             row.has_upper() ? absl::StrFormat("%.4f", row.upper()) : "NA"});
      }
    }
    out << "\n";
    PrintTable(rows, "table", out);
  }
  return 0;
}

int ReportCumulativeIncidence(Client& client) {
  const Args& args = client.args();
  v1::CumulativeIncidenceRequest request;
  request.set_endpoint(EndpointFlag(args));
  request.set_by(ByFlag(args));
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  v1::CumulativeIncidenceResponse response;
  grpc::Status status = client.Call(
      &v1::ReportService::Stub::CumulativeIncidence, request, &response);
  if (!status.ok()) return client.Fail(status);
  PrintDefinition(response.definition(), client.io());
  if (client.format("csv") == "json") {
    client.io().out << Json(response);
    return 0;
  }
  Table table{{"stratum", "time_days", "n_risk", "n_event", "n_competing",
               "n_censor", "incidence", "competing_incidence"},
              {}};
  for (const v1::CumulativeIncidenceCurve& curve : response.curves()) {
    for (const v1::CumulativeIncidenceRow& row : curve.rows()) {
      table.rows.push_back(
          {curve.stratum(), Num(row.time_days()), absl::StrCat(row.n_risk()),
           absl::StrCat(row.n_event()), absl::StrCat(row.n_competing()),
           absl::StrCat(row.n_censor()), Num(row.incidence()),
           Num(row.competing_incidence())});
    }
  }
  PrintTable(table, client.format("csv"), client.io().out);
  return 0;
}

int ReportCohort(Client& client) {
  const Args& args = client.args();
  v1::CohortSummaryRequest request;
  request.set_by(ByFlag(args));
  if (!args.Flag("min-cell-size").empty()) {
    request.set_min_cell_size(IntFlag(args, "min-cell-size"));
  }
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  v1::CohortSummaryResponse response;
  grpc::Status status =
      client.Call(&v1::ReportService::Stub::CohortSummary, request, &response);
  if (!status.ok()) return client.Fail(status);
  const std::string format = client.format("table");
  if (format == "html") {
    client.io().out << CohortReportHtml(response);
  } else if (format == "json") {
    client.io().out << Json(response);
  } else if (format == "table") {
    client.io().out << CohortReportText(response);
  } else {
    throw UsageError{"report cohort prints table, json or html"};
  }
  return 0;
}

int ReportExport(Client& client) {
  const Args& args = client.args();
  v1::ExportRecordsRequest request;
  request.set_kind(ToProto(KindArg(args.operands[0])));
  request.set_deidentify(args.deidentify);
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  const std::string format = client.format("csv");
  if (format != "csv" && format != "ndjson") {
    throw UsageError{"report export prints csv or ndjson"};
  }
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.reports().ExportRecords(&context, request);
  std::vector<std::string> columns;
  v1::ExportRecordsResponse message;
  std::ostream& out = client.io().out;
  int64_t received = 0;
  while (reader->Read(&message)) {
    received += message.rows_size();
    if (message.has_data_as_of_recorded()) {
      client.io().err << "# data as recorded at "
                      << RecordedTimeText(message.data_as_of_recorded())
                      << "\n";
    }
    if (message.columns_size() > 0) {
      columns.assign(message.columns().begin(), message.columns().end());
      if (format == "csv") out << FormatCsvRow(columns) << "\n";
    }
    for (const v1::ExportRow& row : message.rows()) {
      if (format == "csv") {
        out << FormatCsvRow({row.values().begin(), row.values().end()}) << "\n";
        continue;
      }
      out << JsonObjectLine(columns,
                            {row.values().begin(), row.values().end()});
    }
  }
  return FinishStream(client, context, reader->Finish(), received);
}

}  // namespace registry
