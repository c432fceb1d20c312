#include "api/convert.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "api/enum_maps.h"
#include "core/violations.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace registry {
namespace {

std::string DateText(const v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

v1::Date DateProto(Date date) {
  v1::Date proto;
  proto.set_year(static_cast<int32_t>(date.year()));
  proto.set_month(date.month());
  proto.set_day(date.day());
  return proto;
}

// Reads the fields of one proto message into the values of its kind, in
// column order, typed as they came: unset fields empty, a date that is not
// a real date and an enum value this build does not know reported.
class ProtoReader {
 public:
  explicit ProtoReader(Kind kind)
      : columns_(ColumnsOf(kind)), out_{kind, {}, {}} {
    out_.values.reserve(columns_.size());
  }

  ProtoReader& Text(const std::string& text) {
    if (text.empty()) return Add(std::monostate{});
    return Add(text);
  }
  ProtoReader& DateField(const v1::Date& date) {
    const std::string text = DateText(date);
    if (text.empty()) return Add(std::monostate{});
    if (std::optional<Date> parsed = ParseIsoDate(text)) return Add(*parsed);
    out_.violations.push_back(NotADate(Next().name, text));
    return Add(Unreadable{});
  }
  template <typename ProtoEnum>
  ProtoReader& Code(ProtoEnum value) {
    if (static_cast<int>(value) == 0) return Add(std::monostate{});
    if (const auto core = FromProto(value)) return Add(CodeOf(*core));
    out_.violations.push_back(
        NotACode(Next(), absl::StrCat(static_cast<int>(value))));
    return Add(Unreadable{});
  }
  // A yes/no column ("no", "yes") from a proto bool: unset is no.
  ProtoReader& Flag(bool value) { return Add(CodeIndex{value ? 1u : 0u}); }
  ProtoReader& Int(bool has, int32_t value) {
    if (!has) return Add(std::monostate{});
    return Add(int64_t{value});
  }
  ProtoReader& Number(bool has, double value) {
    if (!has) return Add(std::monostate{});
    return Add(value == 0 ? 0.0 : value);  // -0 is 0
  }

  RecordValues Take() { return std::move(out_); }

 private:
  const Column& Next() const { return columns_[out_.values.size()]; }
  // Constructs the alternative in place: moving a temporary Value here makes
  // GCC 12 warn (falsely) that the variant may be used uninitialised.
  template <typename T>
  ProtoReader& Add(T&& value) {
    out_.values.emplace_back(std::forward<T>(value));
    return *this;
  }

  absl::Span<const Column> columns_;
  RecordValues out_;
};

}  // namespace

RecordValues ValuesOfProto(const v1::Record& record) {
  switch (record.record_case()) {
    case v1::Record::kPatient: {
      const v1::Patient& p = record.patient();
      return ProtoReader(Kind::kPatients)
          .Text(p.patient_id())
          .Code(p.sex())
          .Int(p.birth_year() != 0, p.birth_year())
          .Code(p.disease())
          .DateField(p.diagnosis_date())
          .Take();
    }
    case v1::Record::kTransplant: {
      const v1::Transplant& t = record.transplant();
      return ProtoReader(Kind::kTransplants)
          .Text(t.patient_id())
          .DateField(t.transplant_date())
          .Code(t.type())
          .Text(t.regimen())
          .Take();
    }
    case v1::Record::kVisit: {
      const v1::Visit& v = record.visit();
      return ProtoReader(Kind::kVisits)
          .Text(v.patient_id())
          .DateField(v.visit_date())
          .Number(v.has_edss(), v.edss())
          .Take();
    }
    case v1::Record::kRelapse: {
      const v1::Relapse& r = record.relapse();
      return ProtoReader(Kind::kRelapses)
          .Text(r.patient_id())
          .DateField(r.onset_date())
          .Code(r.phenotype())
          .Take();
    }
    case v1::Record::kMri: {
      const v1::MriScan& m = record.mri();
      return ProtoReader(Kind::kMri)
          .Text(m.patient_id())
          .DateField(m.scan_date())
          .Int(m.has_new_t2(), m.new_t2())
          .Int(m.has_enlarging_t2(), m.enlarging_t2())
          .Int(m.has_gd_enhancing(), m.gd_enhancing())
          .Number(m.has_brain_volume_change_pct(), m.brain_volume_change_pct())
          .Take();
    }
    case v1::Record::kTreatment: {
      const v1::Treatment& t = record.treatment();
      return ProtoReader(Kind::kTreatments)
          .Text(t.patient_id())
          .Text(t.drug())
          .DateField(t.start_date())
          .DateField(t.end_date())
          .Code(t.class_())
          .Number(t.has_dose(), t.dose())
          .Text(t.dose_unit())
          .Flag(t.protocol())
          .Take();
    }
    case v1::Record::kDeath: {
      const v1::Death& d = record.death();
      return ProtoReader(Kind::kDeaths)
          .Text(d.patient_id())
          .DateField(d.death_date())
          .Text(d.cause())
          .Code(d.cause_code())
          .Take();
    }
    case v1::Record::kAdverseEvent: {
      const v1::AdverseEvent& a = record.adverse_event();
      return ProtoReader(Kind::kAdverseEvents)
          .Text(a.patient_id())
          .DateField(a.onset_date())
          .Code(a.category())
          .Code(a.grade())
          .DateField(a.resolution_date())
          .Text(a.description())
          .Take();
    }
    case v1::Record::kEngraftment: {
      const v1::Engraftment& e = record.engraftment();
      return ProtoReader(Kind::kEngraftment)
          .Text(e.patient_id())
          .DateField(e.transplant_date())
          .DateField(e.neutrophil_date())
          .DateField(e.platelet_date())
          .Take();
    }
    case v1::Record::kDiseaseStatus: {
      const v1::DiseaseStatus& s = record.disease_status();
      return ProtoReader(Kind::kDiseaseStatus)
          .Text(s.patient_id())
          .DateField(s.status_date())
          .Code(s.status())
          .Take();
    }
    case v1::Record::kSscAssessment: {
      const v1::SscAssessment& a = record.ssc_assessment();
      return ProtoReader(Kind::kSscAssessments)
          .Text(a.patient_id())
          .DateField(a.assessment_date())
          .Int(a.has_mrss(), a.mrss())
          .Number(a.has_fvc_pct(), a.fvc_pct())
          .Number(a.has_dlco_pct(), a.dlco_pct())
          .Number(a.has_lvef_pct(), a.lvef_pct())
          .Number(a.has_haq_di(), a.haq_di())
          .Number(a.has_patient_global(), a.patient_global())
          .Number(a.has_physician_global(), a.physician_global())
          .Take();
    }
    case v1::Record::kOrganFailure: {
      const v1::OrganFailure& f = record.organ_failure();
      return ProtoReader(Kind::kOrganFailures)
          .Text(f.patient_id())
          .DateField(f.event_date())
          .Code(f.organ())
          .Text(f.kind())
          .Flag(f.persistent())
          .Take();
    }
    case v1::Record::kSleAssessment: {
      const v1::SleAssessment& a = record.sle_assessment();
      return ProtoReader(Kind::kSleAssessments)
          .Text(a.patient_id())
          .DateField(a.assessment_date())
          .Text(a.sledai_descriptors())
          .Number(a.has_pga(), a.pga())
          .Number(a.has_prednisolone_mg_day(), a.prednisolone_mg_day())
          .Take();
    }
    case v1::Record::kLabResult: {
      const v1::LabResult& l = record.lab_result();
      return ProtoReader(Kind::kLabResults)
          .Text(l.patient_id())
          .DateField(l.sample_date())
          .Text(l.test())
          .Code(l.result())
          .Number(l.has_value(), l.value())
          .Text(l.unit())
          .Text(l.assay())
          .Text(l.titre())
          .Take();
    }
    case v1::Record::kConsent: {
      const v1::Consent& c = record.consent();
      return ProtoReader(Kind::kConsents)
          .Text(c.patient_id())
          .DateField(c.consent_date())
          .Text(c.form_version())
          .Text(c.scopes())
          .DateField(c.withdrawal_date())
          .Take();
    }
    case v1::Record::RECORD_NOT_SET:
      break;
  }
  return RecordValues{};
}

std::optional<Record> ToCore(const v1::Record& record) {
  return BuildRecord(ValuesOfProto(record), Date(9999, 12, 31)).value;
}

v1::Record ToProto(const Record& record) {
  struct Visitor {
    v1::Record out;
    void operator()(const PatientRecord& r) {
      v1::Patient* p = out.mutable_patient();
      p->set_patient_id(r.patient_id);
      p->set_sex(ToProto(r.sex));
      p->set_birth_year(r.birth_year);
      p->set_disease(ToProto(r.disease));
      *p->mutable_diagnosis_date() = DateProto(r.diagnosis_date);
    }
    void operator()(const TransplantRecord& r) {
      v1::Transplant* t = out.mutable_transplant();
      t->set_patient_id(r.patient_id);
      *t->mutable_transplant_date() = DateProto(r.transplant_date);
      t->set_type(ToProto(r.type));
      t->set_regimen(r.regimen);
    }
    void operator()(const VisitRecord& r) {
      v1::Visit* v = out.mutable_visit();
      v->set_patient_id(r.patient_id);
      *v->mutable_visit_date() = DateProto(r.visit_date);
      v->set_edss(r.edss);
    }
    void operator()(const RelapseRecord& r) {
      v1::Relapse* p = out.mutable_relapse();
      p->set_patient_id(r.patient_id);
      *p->mutable_onset_date() = DateProto(r.onset_date);
      if (r.phenotype) p->set_phenotype(ToProto(*r.phenotype));
    }
    void operator()(const MriRecord& r) {
      v1::MriScan* m = out.mutable_mri();
      m->set_patient_id(r.patient_id);
      *m->mutable_scan_date() = DateProto(r.scan_date);
      m->set_new_t2(r.new_t2);
      m->set_enlarging_t2(r.enlarging_t2);
      m->set_gd_enhancing(r.gd_enhancing);
      if (r.brain_volume_change_pct) {
        m->set_brain_volume_change_pct(*r.brain_volume_change_pct);
      }
    }
    void operator()(const TreatmentRecord& r) {
      v1::Treatment* t = out.mutable_treatment();
      t->set_patient_id(r.patient_id);
      t->set_drug(r.drug);
      *t->mutable_start_date() = DateProto(r.start_date);
      if (r.end_date) *t->mutable_end_date() = DateProto(*r.end_date);
      t->set_class_(ToProto(r.treatment_class));
      if (r.dose) t->set_dose(*r.dose);
      t->set_dose_unit(r.dose_unit);
      t->set_protocol(r.protocol);
    }
    void operator()(const DeathRecord& r) {
      v1::Death* d = out.mutable_death();
      d->set_patient_id(r.patient_id);
      *d->mutable_death_date() = DateProto(r.death_date);
      d->set_cause(r.cause);
      d->set_cause_code(ToProto(r.cause_code));
    }
    void operator()(const AdverseEventRecord& r) {
      v1::AdverseEvent* a = out.mutable_adverse_event();
      a->set_patient_id(r.patient_id);
      *a->mutable_onset_date() = DateProto(r.onset_date);
      a->set_category(ToProto(r.category));
      a->set_grade(ToProto(r.grade));
      if (r.resolution_date) {
        *a->mutable_resolution_date() = DateProto(*r.resolution_date);
      }
      a->set_description(r.description);
    }
    void operator()(const EngraftmentRecord& r) {
      v1::Engraftment* e = out.mutable_engraftment();
      e->set_patient_id(r.patient_id);
      *e->mutable_transplant_date() = DateProto(r.transplant_date);
      if (r.neutrophil_date) {
        *e->mutable_neutrophil_date() = DateProto(*r.neutrophil_date);
      }
      if (r.platelet_date) {
        *e->mutable_platelet_date() = DateProto(*r.platelet_date);
      }
    }
    void operator()(const DiseaseStatusRecord& r) {
      v1::DiseaseStatus* s = out.mutable_disease_status();
      s->set_patient_id(r.patient_id);
      *s->mutable_status_date() = DateProto(r.status_date);
      s->set_status(ToProto(r.status));
    }
    void operator()(const SscAssessmentRecord& r) {
      v1::SscAssessment* a = out.mutable_ssc_assessment();
      a->set_patient_id(r.patient_id);
      *a->mutable_assessment_date() = DateProto(r.assessment_date);
      if (r.mrss) a->set_mrss(*r.mrss);
      if (r.fvc_pct) a->set_fvc_pct(*r.fvc_pct);
      if (r.dlco_pct) a->set_dlco_pct(*r.dlco_pct);
      if (r.lvef_pct) a->set_lvef_pct(*r.lvef_pct);
      if (r.haq_di) a->set_haq_di(*r.haq_di);
      if (r.patient_global) a->set_patient_global(*r.patient_global);
      if (r.physician_global) a->set_physician_global(*r.physician_global);
    }
    void operator()(const OrganFailureRecord& r) {
      v1::OrganFailure* f = out.mutable_organ_failure();
      f->set_patient_id(r.patient_id);
      *f->mutable_event_date() = DateProto(r.event_date);
      f->set_organ(ToProto(r.organ));
      f->set_kind(r.kind);
      f->set_persistent(r.persistent);
    }
    void operator()(const SleAssessmentRecord& r) {
      v1::SleAssessment* a = out.mutable_sle_assessment();
      a->set_patient_id(r.patient_id);
      *a->mutable_assessment_date() = DateProto(r.assessment_date);
      a->set_sledai_descriptors(FormatSledaiSet(r.descriptors));
      if (r.pga) a->set_pga(*r.pga);
      if (r.prednisolone_mg_day) {
        a->set_prednisolone_mg_day(*r.prednisolone_mg_day);
      }
    }
    void operator()(const LabResultRecord& r) {
      v1::LabResult* l = out.mutable_lab_result();
      l->set_patient_id(r.patient_id);
      *l->mutable_sample_date() = DateProto(r.sample_date);
      l->set_test(r.test);
      if (r.result) l->set_result(ToProto(*r.result));
      if (r.value) l->set_value(*r.value);
      l->set_unit(r.unit);
      l->set_assay(r.assay);
      l->set_titre(r.titre);
    }
    void operator()(const ConsentRecord& r) {
      v1::Consent* c = out.mutable_consent();
      c->set_patient_id(r.patient_id);
      *c->mutable_consent_date() = DateProto(r.consent_date);
      c->set_form_version(r.form_version);
      c->set_scopes(FormatConsentScopes(r.scopes));
      if (r.withdrawal_date) {
        *c->mutable_withdrawal_date() = DateProto(*r.withdrawal_date);
      }
    }
  };
  Visitor visitor;
  std::visit(visitor, record);
  return visitor.out;
}

v1::Record KeyOnlyProto(const RecordKey& key) {
  const std::vector<std::string> parts = absl::StrSplit(key.key, '|');
  auto date = [&](size_t i) {
    std::optional<Date> parsed =
        i < parts.size() ? ParseIsoDate(parts[i]) : std::nullopt;
    return parsed ? DateProto(*parsed) : v1::Date();
  };
  v1::Record out;
  switch (key.kind) {
    case Kind::kPatients:
      out.mutable_patient()->set_patient_id(key.patient_id);
      break;
    case Kind::kTransplants:
      out.mutable_transplant()->set_patient_id(key.patient_id);
      *out.mutable_transplant()->mutable_transplant_date() = date(0);
      break;
    case Kind::kVisits:
      out.mutable_visit()->set_patient_id(key.patient_id);
      *out.mutable_visit()->mutable_visit_date() = date(0);
      break;
    case Kind::kRelapses:
      out.mutable_relapse()->set_patient_id(key.patient_id);
      *out.mutable_relapse()->mutable_onset_date() = date(0);
      break;
    case Kind::kMri:
      out.mutable_mri()->set_patient_id(key.patient_id);
      *out.mutable_mri()->mutable_scan_date() = date(0);
      break;
    case Kind::kTreatments:
      out.mutable_treatment()->set_patient_id(key.patient_id);
      out.mutable_treatment()->set_drug(parts.empty() ? "" : parts[0]);
      *out.mutable_treatment()->mutable_start_date() = date(1);
      break;
    case Kind::kDeaths:
      out.mutable_death()->set_patient_id(key.patient_id);
      break;
    case Kind::kAdverseEvents: {
      v1::AdverseEvent* a = out.mutable_adverse_event();
      a->set_patient_id(key.patient_id);
      *a->mutable_onset_date() = date(0);
      if (parts.size() > 1) {
        const absl::Span<const std::string_view> codes =
            ColumnsOf(Kind::kAdverseEvents)[2].codes;
        for (size_t i = 0; i < codes.size(); ++i) {
          if (codes[i] == parts[1]) {
            a->set_category(ToProto(static_cast<AdverseEventCategory>(i)));
          }
        }
      }
      break;
    }
    case Kind::kEngraftment:
      out.mutable_engraftment()->set_patient_id(key.patient_id);
      *out.mutable_engraftment()->mutable_transplant_date() = date(0);
      break;
    case Kind::kDiseaseStatus:
      out.mutable_disease_status()->set_patient_id(key.patient_id);
      *out.mutable_disease_status()->mutable_status_date() = date(0);
      break;
    case Kind::kSscAssessments:
      out.mutable_ssc_assessment()->set_patient_id(key.patient_id);
      *out.mutable_ssc_assessment()->mutable_assessment_date() = date(0);
      break;
    case Kind::kOrganFailures: {
      v1::OrganFailure* f = out.mutable_organ_failure();
      f->set_patient_id(key.patient_id);
      *f->mutable_event_date() = date(0);
      const absl::Span<const std::string_view> codes =
          ColumnsOf(Kind::kOrganFailures)[2].codes;
      for (size_t i = 0; parts.size() > 1 && i < codes.size(); ++i) {
        if (codes[i] == parts[1]) f->set_organ(ToProto(static_cast<Organ>(i)));
      }
      break;
    }
    case Kind::kSleAssessments:
      out.mutable_sle_assessment()->set_patient_id(key.patient_id);
      *out.mutable_sle_assessment()->mutable_assessment_date() = date(0);
      break;
    case Kind::kLabResults:
      out.mutable_lab_result()->set_patient_id(key.patient_id);
      *out.mutable_lab_result()->mutable_sample_date() = date(0);
      out.mutable_lab_result()->set_test(parts.size() > 1 ? parts[1] : "");
      break;
    case Kind::kConsents:
      out.mutable_consent()->set_patient_id(key.patient_id);
      *out.mutable_consent()->mutable_consent_date() = date(0);
      break;
  }
  return out;
}

std::optional<Date> FromProto(const v1::Date& date) {
  const std::string text = DateText(date);
  if (text.empty()) return std::nullopt;
  return ParseIsoDate(text);
}

v1::Date ToProtoDate(Date date) { return DateProto(date); }

google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t micros = absl::ToUnixMicros(time);
  timestamp.set_seconds(micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0));
  timestamp.set_nanos(
      static_cast<int32_t>(((micros % 1000000) + 1000000) % 1000000 * 1000));
  return timestamp;
}

absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

std::string StatusCodeName(int code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  return code >= 0 && code < static_cast<int>(std::size(kNames))
             ? kNames[code]
             : absl::StrCat("CODE_", code);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::vector<FieldViolation> violations = registry::ViolationsOf(status);
  std::string details;
  if (!violations.empty()) {
    // google.rpc.Status travels in the grpc-status-details-bin trailer,
    // base64-encoded, under gRPC's metadata limit (8 KiB by default): a
    // budget keeps it well below that whatever the descriptions quote.
    google::rpc::BadRequest bad_request;
    size_t bytes = 0;
    for (const FieldViolation& v : violations) {
      std::string description = v.description;
      if (description.size() > kMaxDetailDescription) {
        size_t cut = kMaxDetailDescription;
        while (cut > 0 && (description[cut] & 0xC0) == 0x80) --cut;  // UTF-8
        description = description.substr(0, cut) + "...";
      }
      bytes += v.field.size() + description.size() + 8;
      if (bytes > kMaxDetailBytes) break;
      google::rpc::BadRequest::FieldViolation* out =
          bad_request.add_field_violations();
      out->set_field(v.field);
      out->set_description(std::move(description));
    }
    google::rpc::ErrorInfo info;
    info.set_reason(status.code() == absl::StatusCode::kAlreadyExists
                        ? "RECORDS_CONFLICT"
                        : "INVALID_FIELDS");
    info.set_domain(std::string(kErrorDomain));
    (*info.mutable_metadata())["problems"] =
        absl::StrCat(registry::ProblemCountOf(status));
    (*info.mutable_metadata())["listed"] =
        absl::StrCat(bad_request.field_violations_size());
    google::rpc::Status rpc;
    rpc.set_code(static_cast<int>(status.code()));
    rpc.set_message(std::string(status.message()));
    rpc.add_details()->PackFrom(bad_request);
    rpc.add_details()->PackFrom(info);
    rpc.SerializeToString(&details);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), details);
}

namespace {

// The google.rpc.Status of a received status's details, if it has one.
std::optional<google::rpc::Status> RpcStatusOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (status.error_details().empty() ||
      !rpc.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  return rpc;
}

}  // namespace

std::vector<FieldViolation> ViolationsOf(const grpc::Status& status) {
  std::vector<FieldViolation> violations;
  std::optional<google::rpc::Status> rpc = RpcStatusOf(status);
  if (!rpc) return violations;
  for (const google::protobuf::Any& any : rpc->details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& v : bad_request.field_violations()) {
      violations.push_back({v.field(), v.description()});
    }
  }
  return violations;
}

int64_t ProblemCountOf(const grpc::Status& status) {
  const int64_t listed = static_cast<int64_t>(ViolationsOf(status).size());
  std::optional<google::rpc::Status> rpc = RpcStatusOf(status);
  if (!rpc) return listed;
  for (const google::protobuf::Any& any : rpc->details()) {
    google::rpc::ErrorInfo info;
    int64_t count;
    if (any.UnpackTo(&info) && info.domain() == kErrorDomain &&
        absl::SimpleAtoi(info.metadata().count("problems")
                             ? info.metadata().at("problems")
                             : std::string(),
                         &count)) {
      return std::max(count, listed);
    }
  }
  return listed;
}

}  // namespace registry
