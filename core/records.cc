#include "core/records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
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

// Rules across the columns of one record, or particular to one column's
// meaning; each runs only on values that are present and readable.
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
    case Kind::kTreatments: {
      const Date* start = v.Get<Date>("start_date");
      const Date* end = v.Get<Date>("end_date");
      if (start && end && *end < *start) {
        Fail(out, "end_date", "is before start_date");
      }
      return;
    }
    case Kind::kTransplants:
    case Kind::kRelapses:
    case Kind::kMri:
    case Kind::kDeaths:
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
int TakeInt(Value& value) { return static_cast<int>(std::get<int64_t>(value)); }

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
      return RelapseRecord{Take<std::string>(v[0]), Take<Date>(v[1])};
    case Kind::kMri:
      return MriRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                       TakeInt(v[2]),           TakeInt(v[3]),
                       TakeInt(v[4]),           TakeOptional<double>(v[5])};
    case Kind::kTreatments:
      return TreatmentRecord{Take<std::string>(v[0]), Take<std::string>(v[1]),
                             Take<Date>(v[2]), TakeOptional<Date>(v[3])};
    case Kind::kDeaths:
      return DeathRecord{Take<std::string>(v[0]), Take<Date>(v[1]),
                         TakeOptional<std::string>(v[2]).value_or("")};
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
      return {r.patient_id, r.onset_date};
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
      return {r.patient_id, r.drug, r.start_date, Optional(r.end_date)};
    }
    Values operator()(const DeathRecord& r) {
      return {r.patient_id, r.death_date, OptionalText(r.cause)};
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
  };
  return std::visit(Visitor{}, record);
}

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
  // year, its latest date (a treatment's end) for death.
  std::string_view first_column = ColumnsOf(kind)[1].name;
  Date first_date = *date;
  std::string_view last_column = first_column;
  if (kind == Kind::kTreatments) {
    const auto& treatment = std::get<TreatmentRecord>(record);
    first_column = "start_date";
    first_date = treatment.start_date;
    last_column = treatment.end_date ? "end_date" : "start_date";
  }

  if (facts.birth_year && first_date.year() < *facts.birth_year) {
    violations.push_back({std::string(first_column),
                          absl::StrCat("is before the patient's birth year ",
                                       *facts.birth_year)});
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
    violations.push_back(
        {std::string(last_column), "is after the patient's recorded death on " +
                                       FormatIsoDate(*facts.death_date)});
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

}  // namespace registry
