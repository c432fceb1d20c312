#include "core/records.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/records_internal.h"

namespace registry {
namespace {

void Fail(std::vector<FieldViolation>& out, std::string_view column,
          std::string description) {
  out.push_back({std::string(column), std::move(description)});
}

// ------------------------------------------------------ The kinds' rules

// Typed access to the values of one kind by column name; nullptr when the
// value is empty or unreadable.
class ValuesView {
 public:
  ValuesView(Kind kind, const Values& values)
      : columns_(ColumnsOf(kind)), values_(values) {}
  template <typename V>
  const V* Get(std::string_view column) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == column) return std::get_if<V>(&values_[i]);
    }
    return nullptr;
  }

 private:
  absl::Span<const Column> columns_;
  const Values& values_;
};

// `later` (a date column) is not before `earlier`.
void NotBefore(const ValuesView& v, std::string_view later,
               std::string_view earlier, std::vector<FieldViolation>& out) {
  const Date* first = v.Get<Date>(earlier);
  const Date* last = v.Get<Date>(later);
  if (first && last && *last < *first) {
    Fail(out, later, "is before " + std::string(earlier));
  }
}

template <typename Enum>
std::optional<Enum> CodeAt(const ValuesView& v, std::string_view column) {
  const CodeIndex* code = v.Get<CodeIndex>(column);
  if (!code) return std::nullopt;
  return static_cast<Enum>(code->index);
}

// The grade scale follows the category.
void CheckGradeScale(const ValuesView& v, std::vector<FieldViolation>& out) {
  const auto category = CodeAt<AdverseEventCategory>(v, "category");
  const auto grade = CodeAt<AdverseEventGrade>(v, "grade");
  if (!category || !grade) return;
  using G = AdverseEventGrade;
  std::string_view scale = "1 to 5 (CTCAE)";
  bool fits = *grade <= G::k5;
  if (*category == AdverseEventCategory::kAcuteGvhd) {
    scale = "I to IV";
    fits = *grade >= G::kI && *grade <= G::kIV;
  } else if (*category == AdverseEventCategory::kChronicGvhd) {
    scale = "mild, moderate or severe (NIH)";
    fits = *grade >= G::kMild;
  }
  if (!fits) {
    Fail(out, "grade",
         std::string(AdverseEventCategoryCode(*category)) + " is graded " +
             std::string(scale) + " (got '" +
             std::string(AdverseEventGradeCode(*grade)) + "')");
  }
}

void CheckDose(const ValuesView& v, std::vector<FieldViolation>& out) {
  const double* dose = v.Get<double>("dose");
  const std::string* unit = v.Get<std::string>("dose_unit");
  // Below 0 is out of the declared range already.
  if (dose && *dose == 0) Fail(out, "dose", "must be more than 0");
  if (dose && !unit) Fail(out, "dose_unit", "is required with a dose");
  const bool dose_unreadable =
      std::any_of(out.begin(), out.end(),
                  [](const FieldViolation& f) { return f.field == "dose"; });
  if (unit && !dose && !dose_unreadable) {
    Fail(out, "dose", "is required with a dose_unit");
  }
  if (unit &&
      CodeAt<TreatmentClass>(v, "class") == TreatmentClass::kCorticosteroid &&
      *unit != "mg/day") {
    Fail(out, "dose_unit",
         "corticosteroid doses are prednisolone-equivalent mg/day (got '" +
             *unit + "')");
  }
}

// The measures present in an SSc assessment, at least one, HAQ-DI on its
// 0.125 grid.
void CheckSscAssessment(const ValuesView& v, std::vector<FieldViolation>& out) {
  constexpr std::string_view kMeasures[] = {
      "fvc_pct", "dlco_pct",       "lvef_pct",
      "haq_di",  "patient_global", "physician_global"};
  bool any = v.Get<int64_t>("mrss") != nullptr;
  for (std::string_view measure : kMeasures) {
    any = any || v.Get<double>(measure) != nullptr;
  }
  // A measure that was given but could not be read has its own message.
  const bool unreadable =
      std::any_of(out.begin(), out.end(), [&](const FieldViolation& f) {
        return f.field == "mrss" ||
               std::find(std::begin(kMeasures), std::end(kMeasures), f.field) !=
                   std::end(kMeasures);
      });
  if (!any && !unreadable) {
    Fail(out, "mrss",
         "an assessment needs at least one measure (mrss, fvc_pct, "
         "dlco_pct, lvef_pct, haq_di, patient_global, physician_global)");
  }
  if (const double* haq = v.Get<double>("haq_di")) {
    const double eighths = *haq * 8;
    if (eighths != std::floor(eighths)) {
      Fail(out, "haq_di",
           "HAQ-DI is 0 to 3 in steps of 0.125 (got " + FormatNumber(*haq) +
               ")");
    }
  }
}

// A lab result: a code for the test, a result or a value, a unit with a
// value.
void CheckLabResult(const ValuesView& v, std::vector<FieldViolation>& out) {
  if (const std::string* test = v.Get<std::string>("test");
      test && !std::all_of(test->begin(), test->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      })) {
    Fail(out, "test",
         "is a code of a-z, 0-9 and _ (aqp4_igg, mog_igg, anti_dsdna, c3, "
         "c4, ...; got '" +
             *test + "')");
  }
  const bool has_result = v.Get<CodeIndex>("result") != nullptr;
  const bool has_value = v.Get<double>("value") != nullptr;
  const bool unreadable =
      std::any_of(out.begin(), out.end(), [](const FieldViolation& f) {
        return f.field == "result" || f.field == "value";
      });
  if (!has_result && !has_value && !unreadable) {
    Fail(out, "result", "a lab result needs a result, a value or both");
  }
  const bool has_unit = v.Get<std::string>("unit") != nullptr;
  if (has_value && !has_unit) Fail(out, "unit", "is required with a value");
  if (has_unit && !has_value && has_result && !unreadable) {
    Fail(out, "value", "is required with a unit");
  }
}

}  // namespace

void CheckKindRules(Kind kind, const Values& values,
                    std::vector<FieldViolation>& out) {
  const ValuesView v(kind, values);
  switch (kind) {
    case Kind::kPatients: {
      const int64_t* birth_year = v.Get<int64_t>("birth_year");
      const Date* diagnosis = v.Get<Date>("diagnosis_date");
      if (birth_year && diagnosis && diagnosis->year() < *birth_year) {
        Fail(out, "diagnosis_date", "is before the birth year");
      }
      return;
    }
    case Kind::kVisits:
      if (const double* edss = v.Get<double>("edss");
          edss && !IsValidEdss(*edss)) {
        Fail(out, "edss",
             "EDSS must be 0 or 1.0 to 10 in steps of 0.5 (got " +
                 FormatNumber(*edss) + ")");
      }
      return;
    case Kind::kTreatments:
      NotBefore(v, "end_date", "start_date", out);
      CheckDose(v, out);
      return;
    case Kind::kAdverseEvents:
      CheckGradeScale(v, out);
      NotBefore(v, "resolution_date", "onset_date", out);
      return;
    case Kind::kEngraftment:
      NotBefore(v, "neutrophil_date", "transplant_date", out);
      NotBefore(v, "platelet_date", "transplant_date", out);
      return;
    case Kind::kSscAssessments:
      CheckSscAssessment(v, out);
      return;
    case Kind::kSleAssessments:
      if (const std::string* text = v.Get<std::string>("sledai_descriptors")) {
        std::string error;
        if (!ParseSledaiSet(*text, &error)) {
          Fail(out, "sledai_descriptors", error);
        }
      }
      return;
    case Kind::kLabResults:
      CheckLabResult(v, out);
      return;
    case Kind::kConsents:
      if (const std::string* text = v.Get<std::string>("scopes")) {
        std::string error;
        if (!ParseConsentScopes(*text, &error)) Fail(out, "scopes", error);
      }
      NotBefore(v, "withdrawal_date", "consent_date", out);
      return;
    case Kind::kTransplants:
    case Kind::kRelapses:
    case Kind::kMri:
    case Kind::kDeaths:
    case Kind::kDiseaseStatus:
    case Kind::kOrganFailures:
      return;
  }
}

namespace {

template <typename V>
V Take(Value& value) {
  return std::move(std::get<V>(value));
}
template <typename V>
std::optional<V> TakeOptional(Value& value) {
  if (auto* present = std::get_if<V>(&value)) return std::move(*present);
  return std::nullopt;
}
template <typename Enum>
Enum TakeCode(Value& value) {
  return static_cast<Enum>(std::get<CodeIndex>(value).index);
}
template <typename Enum>
Enum TakeCodeOr(Value& value, Enum absent) {
  if (auto* code = std::get_if<CodeIndex>(&value)) {
    return static_cast<Enum>(code->index);
  }
  return absent;
}
int TakeInt(Value& value) { return static_cast<int>(std::get<int64_t>(value)); }
template <typename Enum>
std::optional<Enum> TakeOptionalCode(Value& value) {
  if (auto* code = std::get_if<CodeIndex>(&value)) {
    return static_cast<Enum>(code->index);
  }
  return std::nullopt;
}

}  // namespace

Record RecordOf(Kind kind, Values v) {
  switch (kind) {
    case Kind::kPatients:
      return PatientRecord{Take<std::string>(v[0]), TakeCode<Sex>(v[1]),
                           TakeInt(v[2]), TakeCode<Disease>(v[3]),
                           Take<Date>(v[4])};
    case Kind::kTransplants:
      return TransplantRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                              TakeCode<TransplantType>(v[2]),
                              Take<std::string>(v[3])};
    case Kind::kVisits:
      return VisitRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                         Take<double>(v[2])};
    case Kind::kRelapses:
      return RelapseRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                           TakeOptionalCode<AttackPhenotype>(v[2])};
    case Kind::kMri:
      return MriRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                       TakeInt(v[2]),           TakeInt(v[3]),
                       TakeInt(v[4]),           TakeOptional<double>(v[5])};
    case Kind::kTreatments:
      return TreatmentRecord{Take<std::string>(v[0]),
                             Take<std::string>(v[1]),
                             Take<Date>(v[2]),
                             TakeOptional<Date>(v[3]),
                             TakeCodeOr(v[4], TreatmentClass::kOther),
                             TakeOptional<double>(v[5]),
                             TakeOptional<std::string>(v[6]).value_or(""),
                             TakeCodeOr(v[7], 0) == 1};
    case Kind::kDeaths:
      return DeathRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                         TakeOptional<std::string>(v[2]).value_or(""),
                         TakeCodeOr(v[3], DeathCause::kUnknown)};
    case Kind::kAdverseEvents:
      return AdverseEventRecord{Take<std::string>(v[0]),
                                Take<Date>(v[1]),
                                TakeCode<AdverseEventCategory>(v[2]),
                                TakeCode<AdverseEventGrade>(v[3]),
                                TakeOptional<Date>(v[4]),
                                TakeOptional<std::string>(v[5]).value_or("")};
    case Kind::kEngraftment:
      return EngraftmentRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                               TakeOptional<Date>(v[2]),
                               TakeOptional<Date>(v[3])};
    case Kind::kDiseaseStatus:
      return DiseaseStatusRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                                 TakeCode<DiseaseState>(v[2])};
    case Kind::kSscAssessments: {
      const std::optional<int64_t> mrss = TakeOptional<int64_t>(v[2]);
      return SscAssessmentRecord{
          Take<std::string>(v[0]),
          Take<Date>(v[1]),
          mrss ? std::optional<int>(static_cast<int>(*mrss)) : std::nullopt,
          TakeOptional<double>(v[3]),
          TakeOptional<double>(v[4]),
          TakeOptional<double>(v[5]),
          TakeOptional<double>(v[6]),
          TakeOptional<double>(v[7]),
          TakeOptional<double>(v[8])};
    }
    case Kind::kOrganFailures:
      return OrganFailureRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                                TakeCode<Organ>(v[2]), Take<std::string>(v[3]),
                                TakeCodeOr(v[4], 0) == 1};
    case Kind::kSleAssessments: {
      std::string error;
      const std::string text = TakeOptional<std::string>(v[2]).value_or("");
      return SleAssessmentRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                                 ParseSledaiSet(text, &error).value_or(0),
                                 TakeOptional<double>(v[3]),
                                 TakeOptional<double>(v[4])};
    }
    case Kind::kLabResults:
      return LabResultRecord{Take<std::string>(v[0]),
                             Take<Date>(v[1]),
                             Take<std::string>(v[2]),
                             TakeOptionalCode<LabResultState>(v[3]),
                             TakeOptional<double>(v[4]),
                             TakeOptional<std::string>(v[5]).value_or(""),
                             TakeOptional<std::string>(v[6]).value_or(""),
                             TakeOptional<std::string>(v[7]).value_or("")};
    case Kind::kConsents: {
      std::string error;
      const std::string scopes = Take<std::string>(v[3]);
      return ConsentRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                           Take<std::string>(v[2]),
                           ParseConsentScopes(scopes, &error).value_or(0),
                           TakeOptional<Date>(v[4])};
    }
  }
  return PatientRecord{};
}

namespace {

template <typename V>
Value Optional(const std::optional<V>& value) {
  if (value) return *value;
  return std::monostate{};
}
Value OptionalText(const std::string& text) {
  if (text.empty()) return std::monostate{};
  return text;
}
template <typename Enum>
Value OptionalCode(const std::optional<Enum>& value) {
  if (value) return CodeOf(*value);
  return std::monostate{};
}

}  // namespace

Kind KindOf(const Record& record) { return static_cast<Kind>(record.index()); }

const std::string& PatientIdOf(const Record& record) {
  return std::visit(
      [](const auto& r) -> const std::string& { return r.patient_id; }, record);
}

void SetPatientId(Record& record, std::string patient_id) {
  std::visit([&](auto& r) { r.patient_id = std::move(patient_id); }, record);
}

Values ValuesOf(const Record& record) {
  struct Visitor {
    Values operator()(const PatientRecord& r) {
      return {r.patient_id, CodeOf(r.sex), int64_t{r.birth_year},
              CodeOf(r.disease), r.diagnosis_date};
    }
    Values operator()(const TransplantRecord& r) {
      return {r.patient_id, r.transplant_date, CodeOf(r.type), r.regimen};
    }
    Values operator()(const VisitRecord& r) {
      return {r.patient_id, r.visit_date, r.edss};
    }
    Values operator()(const RelapseRecord& r) {
      return {r.patient_id, r.onset_date, OptionalCode(r.phenotype)};
    }
    Values operator()(const MriRecord& r) {
      return {r.patient_id,
              r.scan_date,
              int64_t{r.new_t2},
              int64_t{r.enlarging_t2},
              int64_t{r.gd_enhancing},
              Optional(r.brain_volume_change_pct)};
    }
    Values operator()(const TreatmentRecord& r) {
      return {r.patient_id,
              r.drug,
              r.start_date,
              Optional(r.end_date),
              CodeOf(r.treatment_class),
              Optional(r.dose),
              OptionalText(r.dose_unit),
              CodeIndex{r.protocol ? 1u : 0u}};
    }
    Values operator()(const DeathRecord& r) {
      return {r.patient_id, r.death_date, OptionalText(r.cause),
              CodeOf(r.cause_code)};
    }
    Values operator()(const AdverseEventRecord& r) {
      return {r.patient_id,
              r.onset_date,
              CodeOf(r.category),
              CodeOf(r.grade),
              Optional(r.resolution_date),
              OptionalText(r.description)};
    }
    Values operator()(const EngraftmentRecord& r) {
      return {r.patient_id, r.transplant_date, Optional(r.neutrophil_date),
              Optional(r.platelet_date)};
    }
    Values operator()(const DiseaseStatusRecord& r) {
      return {r.patient_id, r.status_date, CodeOf(r.status)};
    }
    Values operator()(const SscAssessmentRecord& r) {
      return {r.patient_id,
              r.assessment_date,
              r.mrss ? Value(int64_t{*r.mrss}) : Value(std::monostate{}),
              Optional(r.fvc_pct),
              Optional(r.dlco_pct),
              Optional(r.lvef_pct),
              Optional(r.haq_di),
              Optional(r.patient_global),
              Optional(r.physician_global)};
    }
    Values operator()(const OrganFailureRecord& r) {
      return {r.patient_id, r.event_date, CodeOf(r.organ), r.kind,
              CodeIndex{r.persistent ? 1u : 0u}};
    }
    Values operator()(const SleAssessmentRecord& r) {
      return {r.patient_id, r.assessment_date,
              OptionalText(FormatSledaiSet(r.descriptors)), Optional(r.pga),
              Optional(r.prednisolone_mg_day)};
    }
    Values operator()(const LabResultRecord& r) {
      return {
          r.patient_id,           r.sample_date,        r.test,
          OptionalCode(r.result), Optional(r.value),    OptionalText(r.unit),
          OptionalText(r.assay),  OptionalText(r.titre)};
    }
    Values operator()(const ConsentRecord& r) {
      return {r.patient_id, r.consent_date, r.form_version,
              FormatConsentScopes(r.scopes), Optional(r.withdrawal_date)};
    }
  };
  return std::visit(Visitor{}, record);
}

std::optional<Date> LatestDateOf(const Record& record) {
  struct Visitor {
    std::optional<Date> operator()(const PatientRecord&) {
      return std::nullopt;
    }
    std::optional<Date> operator()(const TransplantRecord& r) {
      return r.transplant_date;
    }
    std::optional<Date> operator()(const VisitRecord& r) {
      return r.visit_date;
    }
    std::optional<Date> operator()(const RelapseRecord& r) {
      return r.onset_date;
    }
    std::optional<Date> operator()(const MriRecord& r) { return r.scan_date; }
    std::optional<Date> operator()(const TreatmentRecord& r) {
      return r.end_date ? std::max(*r.end_date, r.start_date) : r.start_date;
    }
    std::optional<Date> operator()(const DeathRecord& r) {
      return r.death_date;
    }
    std::optional<Date> operator()(const AdverseEventRecord& r) {
      return r.resolution_date ? std::max(*r.resolution_date, r.onset_date)
                               : r.onset_date;
    }
    std::optional<Date> operator()(const EngraftmentRecord& r) {
      Date latest = r.transplant_date;
      if (r.neutrophil_date) latest = std::max(latest, *r.neutrophil_date);
      if (r.platelet_date) latest = std::max(latest, *r.platelet_date);
      return latest;
    }
    std::optional<Date> operator()(const DiseaseStatusRecord& r) {
      return r.status_date;
    }
    std::optional<Date> operator()(const SscAssessmentRecord& r) {
      return r.assessment_date;
    }
    std::optional<Date> operator()(const OrganFailureRecord& r) {
      return r.event_date;
    }
    std::optional<Date> operator()(const SleAssessmentRecord& r) {
      return r.assessment_date;
    }
    std::optional<Date> operator()(const LabResultRecord& r) {
      return r.sample_date;
    }
    // Not a contact with the patient: no record date (deaths, follow-up).
    std::optional<Date> operator()(const ConsentRecord&) {
      return std::nullopt;
    }
  };
  return std::visit(Visitor{}, record);
}

std::optional<Disease> DiseaseOfKind(Kind kind) {
  switch (kind) {
    case Kind::kSscAssessments:
    case Kind::kOrganFailures:
      return Disease::kSsc;
    case Kind::kSleAssessments:
      return Disease::kSle;
    default:
      return std::nullopt;
  }
}

bool TransplantsNeeded(Kind kind) {
  return kind == Kind::kEngraftment || kind == Kind::kAdverseEvents;
}

namespace {

struct DateSpan {
  std::string_view first_column;
  Date first_date;
  std::string_view last_column;
  Date last_date;
};

// The earliest and latest of a record's dates, with their columns.
DateSpan DateSpanOf(const Record& record) {
  absl::Span<const Column> columns = ColumnsOf(KindOf(record));
  const Values values = ValuesOf(record);
  DateSpan span;
  bool any = false;
  for (size_t i = 0; i < columns.size(); ++i) {
    const Date* date = std::get_if<Date>(&values[i]);
    if (!date) continue;
    if (!any || *date < span.first_date) {
      span.first_column = columns[i].name;
      span.first_date = *date;
    }
    if (!any || *date >= span.last_date) {  // ties: the later column
      span.last_column = columns[i].name;
      span.last_date = *date;
    }
    any = true;
  }
  return span;
}

}  // namespace

bool IsValidEdss(double edss) {
  if (edss == 0) return true;
  const double doubled = edss * 2;
  return edss >= 1.0 && edss <= 10.0 && doubled == std::floor(doubled);
}

std::vector<FieldViolation> CheckAgainstPatient(const Record& record,
                                                const PatientFacts& facts,
                                                bool is_new) {
  std::vector<FieldViolation> violations;
  if (const auto* patient = std::get_if<PatientRecord>(&record)) {
    if (facts.earliest_record_date &&
        facts.earliest_record_date->year() < patient->birth_year) {
      violations.push_back(
          {"birth_year", "is after the year of the patient's record dated " +
                             FormatIsoDate(*facts.earliest_record_date)});
    }
    return violations;
  }
  const Kind kind = KindOf(record);
  const std::optional<Date> date = LatestDateOf(record);
  if (!date) return violations;
  // The column each rule is about: the record's first date for the birth
  // year, its latest (a treatment's end, say) for death.
  const DateSpan span = DateSpanOf(record);

  if (facts.birth_year && span.first_date.year() < *facts.birth_year) {
    violations.push_back({std::string(span.first_column),
                          absl::StrCat("is before the patient's birth year ",
                                       *facts.birth_year)});
  }
  if (const std::optional<Disease> only = DiseaseOfKind(kind);
      only && facts.disease && *facts.disease != *only) {
    violations.push_back(
        {"patient_id", std::string(KindName(kind)) + " are for " +
                           std::string(DiseaseCode(*only)) +
                           " patients; this patient's disease is " +
                           std::string(DiseaseCode(*facts.disease))});
  }
  if (kind == Kind::kDeaths) {
    if (facts.latest_record_date && *date < *facts.latest_record_date) {
      violations.push_back(
          {"death_date", "is before the patient's record dated " +
                             FormatIsoDate(*facts.latest_record_date)});
    }
    return violations;
  }
  if (facts.death_date && *date > *facts.death_date) {
    violations.push_back({std::string(span.last_column),
                          "is after the patient's recorded death on " +
                              FormatIsoDate(*facts.death_date)});
  }
  if (const auto* engraftment = std::get_if<EngraftmentRecord>(&record)) {
    const bool recorded = std::any_of(
        facts.transplants.begin(), facts.transplants.end(),
        [&](const auto& t) { return t.first == engraftment->transplant_date; });
    if (!recorded) {
      std::vector<std::string> dates;
      for (const auto& t : facts.transplants) {
        dates.push_back(FormatIsoDate(t.first));
      }
      violations.push_back(
          {"transplant_date",
           "is not a recorded transplant of the patient (" +
               (dates.empty() ? std::string("none recorded")
                              : "recorded: " + absl::StrJoin(dates, ", ")) +
               ")"});
    }
  }
  if (const auto* event = std::get_if<AdverseEventRecord>(&record);
      event && (event->category == AdverseEventCategory::kAcuteGvhd ||
                event->category == AdverseEventCategory::kChronicGvhd)) {
    const bool after_allogeneic = std::any_of(
        facts.transplants.begin(), facts.transplants.end(), [&](const auto& t) {
          return t.second == TransplantType::kAllogeneic &&
                 t.first <= event->onset_date;
        });
    if (!after_allogeneic) {
      violations.push_back(
          {"category",
           std::string(AdverseEventCategoryCode(event->category)) +
               " only after an allogeneic transplant: the patient has none "
               "on or before " +
               FormatIsoDate(event->onset_date)});
    }
  }
  if (kind == Kind::kTransplants && is_new && facts.latest_transplant_date &&
      *date <= *facts.latest_transplant_date) {
    violations.push_back(
        {"transplant_date",
         "a further transplant must be later than the recorded one on " +
             FormatIsoDate(*facts.latest_transplant_date)});
  }
  return violations;
}

namespace {
constexpr std::pair<std::string_view, unsigned> kScopeNames[] = {
    {"registry", kConsentRegistry},
    {"research", kConsentResearch},
    {"transfer_outside_eea", kConsentTransferOutsideEea}};
}  // namespace

std::optional<unsigned> ParseConsentScopes(std::string_view text,
                                           std::string* error) {
  unsigned scopes = 0;
  for (const std::string& name : std::vector<std::string>(
           absl::StrSplit(absl::string_view(text.data(), text.size()), '|'))) {
    unsigned bit = 0;
    for (const auto& [known, value] : kScopeNames) {
      if (name == known) bit = value;
    }
    if (bit == 0) {
      *error = absl::StrCat("'", name,
                            "' is not a scope: registry, research, "
                            "transfer_outside_eea, separated by '|'");
      return std::nullopt;
    }
    if (scopes & bit) {
      *error = absl::StrCat("'", name, "' is given twice");
      return std::nullopt;
    }
    scopes |= bit;
  }
  return scopes;
}

std::string FormatConsentScopes(unsigned scopes) {
  std::string out;
  for (const auto& [name, bit] : kScopeNames) {
    if (scopes & bit) {
      absl::StrAppend(&out, out.empty() ? "" : "|", std::string(name));
    }
  }
  return out;
}

}  // namespace registry
