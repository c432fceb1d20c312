// regctl patient: one patient's records and history, and status.
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

namespace registry {
namespace {

// Each disease's own course in words, for its patients: one line each.
std::string DiseaseCourseText(v1::Disease disease,
                              const v1::TransplantCourse& c) {
  auto when = [](bool has, const v1::Date& date, const char* otherwise) {
    return has ? DateText(date) : std::string(otherwise);
  };
  std::string text;
  if (disease == v1::DISEASE_SSC) {
    absl::StrAppend(
        &text, "Systemic sclerosis: progression ",
        when(c.has_ssc_progression(), c.ssc_progression(), "none"), " (skin ",
        when(c.has_skin_progression(), c.skin_progression(), "none"), ", lung ",
        when(c.has_lung_progression(), c.lung_progression(), "none"),
        "); persistent organ failure ",
        when(c.has_persistent_organ_failure(), c.persistent_organ_failure(),
             "none"),
        "\n");
  }
  if (disease == v1::DISEASE_SLE) {
    absl::StrAppend(&text, "Lupus: first DORIS remission ",
                    when(c.has_first_doris(), c.first_doris(), "not reached"),
                    ", first LLDAS ",
                    when(c.has_first_lldas(), c.first_lldas(), "not reached"),
                    ", first flare ",
                    when(c.has_first_flare(), c.first_flare(), "none"));
    if (c.has_lldas_time_fraction()) {
      absl::StrAppend(&text, "; in LLDAS ",
                      absl::StrFormat("%.0f", c.lldas_time_fraction() * 100),
                      " % of the time assessed");
    }
    text += "\n";
  }
  if (c.aqp4_positive_before()) {
    absl::StrAppend(&text, "AQP4-IgG positive before transplant: ",
                    c.has_aqp4_seroreversion()
                        ? "seroreversion " + DateText(c.aqp4_seroreversion())
                        : std::string("no seroreversion seen"));
    if (c.has_aqp4_reconversion()) {
      absl::StrAppend(&text, ", re-conversion ",
                      DateText(c.aqp4_reconversion()));
    }
    text += "\n";
  }
  return text;
}

// Names the patient of `request`: the PATIENT_ID operand (a submitter's
// own code) or --registry-id, exactly one of them.
template <typename Request>
void SetPatient(const Args& args, const std::string& command,
                Request& request) {
  const bool by_id = !args.Flag("registry-id").empty();
  if (by_id == !args.operands.empty()) {
    throw UsageError{"patient " + command +
                     " takes PATIENT_ID or --registry-id ID (one of them)"};
  }
  if (by_id) {
    request.set_registry_id(args.Flag("registry-id"));
  } else {
    request.set_patient_id(args.operands[0]);
  }
}

// Fills an empty patient_id of whichever record kind `record` holds with
// the registry id, so that an analyst's copy parses like a submitter's.
void NameByRegistryId(v1::Record& record, const std::string& registry_id) {
  const google::protobuf::Reflection* reflection = record.GetReflection();
  const google::protobuf::OneofDescriptor* oneof =
      record.GetDescriptor()->oneof_decl(0);
  const google::protobuf::FieldDescriptor* set =
      reflection->GetOneofFieldDescriptor(record, oneof);
  if (set == nullptr || set->message_type() == nullptr) return;
  google::protobuf::Message* inner = reflection->MutableMessage(&record, set);
  const google::protobuf::FieldDescriptor* id =
      inner->GetDescriptor()->FindFieldByName("patient_id");
  if (id == nullptr ||
      id->type() != google::protobuf::FieldDescriptor::TYPE_STRING)
    return;
  if (inner->GetReflection()->GetString(*inner, id).empty()) {
    inner->GetReflection()->SetString(inner, id, registry_id);
  }
}

}  // namespace

int PatientHistory(Client& client) {
  const Args& args = client.args();
  v1::GetPatientHistoryRequest request;
  SetPatient(args, "history", request);
  if (auto as_of = AsOfFlag(args)) *request.mutable_as_of_recorded() = *as_of;
  v1::GetPatientHistoryResponse response;
  grpc::Status status = client.Call(
      &v1::SubmissionService::Stub::GetPatientHistory, request, &response);
  if (!status.ok()) return client.Fail(status);

  const std::string format = client.format();
  Table table{{"section", "event_seq", "recorded_at", "operation", "kind",
               "values", "reason", "changed_by", "role"},
              {}};
  // Analysts get records without the centre's patient code: their rows
  // name the patient by registry id instead.
  auto values =
      [&response](v1::Record record) -> std::pair<std::string, std::string> {
    NameByRegistryId(record, response.registry_id());
    std::optional<Record> parsed = ToCore(record);
    if (!parsed) return {"?", ""};
    return {std::string(KindName(KindOf(*parsed))),
            FormatCsvRow(registry::ToRow(*parsed))};
  };
  for (const v1::Record& record : response.current_records()) {
    auto [kind, text] = values(record);
    table.rows.push_back({"current", "", "", "", kind, text, "", "", ""});
  }
  for (const v1::RecordEvent& event : response.events()) {
    auto [kind, text] = values(event.record());
    const char* op = event.operation() == v1::OPERATION_IMPORT  ? "create"
                     : event.operation() == v1::OPERATION_AMEND ? "amend"
                                                                : "retract";
    table.rows.push_back(
        {"event", absl::StrCat(event.event_seq()),
         TimeText(event.recorded_at()), op, kind, text, event.reason(),
         event.token_label().empty()
             ? event.token_id()
             : absl::StrCat(event.token_label(), " (", event.token_id(), ")"),
         event.token_role()});
  }
  if (format == "table") {
    client.io().out << "registry_id: " << response.registry_id() << "\n"
                    << "patient_id:  " << response.patient_id() << "\n"
                    << "center:      " << response.center() << "\n\n";
  }
  PrintTable(table, format, client.io().out);
  return 0;
}

int PatientStatus(Client& client) {
  const Args& args = client.args();
  v1::GetPatientStatusRequest request;
  SetPatient(args, "status", request);
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  if (auto frozen = AsOfFlag(args)) *request.mutable_as_of_recorded() = *frozen;
  v1::GetPatientStatusResponse response;
  grpc::Status status = client.Call(&v1::OutcomeService::Stub::GetPatientStatus,
                                    request, &response);
  if (!status.ok()) return client.Fail(status);
  const v1::PatientOutcome& o = response.outcome();
  std::ostream& out = client.io().out;
  out << "Patient "
      << (o.patient().patient_id().empty()
              ? o.patient().registry_id()
              : o.patient().patient_id() + " (" + o.patient().registry_id() +
                    ")")
      << (o.patient().center().empty() ? ""
                                       : ", center " + o.patient().center())
      << ", " << DiseaseText(o.patient().disease());
  if (o.patient().has_transplant_date()) {
    out << ", transplant on " << DateText(o.patient().transplant_date());
  }
  out << "\n" << response.neda_status() << "\n";
  out << "Relapses after transplant: " << o.relapses_post();
  if (o.has_arr_pre() || o.has_arr_post()) {
    out << absl::StrFormat(
        " (ARR %s before, %s after)",
        o.has_arr_pre() ? absl::StrFormat("%.2f", o.arr_pre()) : "-",
        o.has_arr_post() ? absl::StrFormat("%.2f", o.arr_post()) : "-");
  }
  out << "; confirmed disability worsening: " << o.cdw_count() << "\n";
  if (o.patient().has_transplant_date()) {
    const v1::TransplantCourse& c = o.course();
    out << "Treatment-free remission: "
        << (c.has_tfr_end() ? "ended " + DateText(c.tfr_end()) + " (" +
                                  c.tfr_end_reason() + ")"
                            : std::string("ongoing at the last contact"))
        << "\n";
    out << DiseaseCourseText(o.patient().disease(), c);
  }
  for (const std::string& warning : o.warnings()) {
    out << "Note: " << warning << "\n";
  }
  out << "\nTimeline\n";
  for (const v1::TimelineEntry& entry : response.timeline()) {
    out << "  " << DateText(entry.date()) << "  "
        << (entry.has_day() ? absl::StrFormat("day %6d", entry.day())
                            : std::string(10, ' '))
        << "  " << entry.what() << "\n";
  }
  out << "\nDefinition " << response.definition().rules_version() << ": "
      << response.definition().text() << "\n";
  if (response.definition().has_data_as_of_recorded()) {
    out << "Data as recorded at " << DataAsOfText(response.definition())
        << "\n";
  }
  return 0;
}

}  // namespace registry
