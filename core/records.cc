#include "core/records.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 3> kSexCodes = {"F", "M", "X"};
constexpr std::array<std::string_view, 7> kDiseaseCodes = {
    "RRMS", "SPMS", "PPMS", "NMOSD", "SSC", "SLE", "OTHER"};
constexpr std::array<std::string_view, 2> kTransplantTypeCodes = {"autologous",
                                                                  "allogeneic"};

using T = ColumnType;

constexpr Column kPatientId = {
    "patient_id",
    true,
    true,
    T::kText,
    "the center's own code: 1-64 of A-Z a-z 0-9 . _ -",
    {},
    "C01-0001"};

constexpr Column kPatientColumns[] = {
    kPatientId,
    {"sex", true, false, T::kCode, "F, M or X", kSexCodes, "F"},
    {"birth_year", true, false, T::kInt, "year, 1900 to this year", {}, "1980"},
    {"disease", true, false, T::kCode, "the indication", kDiseaseCodes, "RRMS"},
    {"diagnosis_date",
     true,
     false,
     T::kDate,
     "not before the birth year",
     {},
     "2005-03-01"}};
constexpr Column kTransplantColumns[] = {
    kPatientId,
    {"transplant_date",
     true,
     true,
     T::kDate,
     "infusion date: day 0",
     {},
     "2012-06-15"},
    {"type", true, false, T::kCode, "autologous or allogeneic",
     kTransplantTypeCodes, "autologous"},
    {"regimen",
     true,
     false,
     T::kText,
     "conditioning code, at most 64",
     {},
     "BEAM-ATG"}};
constexpr Column kVisitColumns[] = {
    kPatientId,
    {"visit_date", true, true, T::kDate, "", {}, "2013-06-20"},
    {"edss",
     true,
     false,
     T::kNumber,
     "EDSS: 0 or 1.0 to 10 in steps of 0.5",
     {},
     "3.5"}};
constexpr Column kRelapseColumns[] = {
    kPatientId, {"onset_date", true, true, T::kDate, "", {}, "2014-02-03"}};
constexpr Column kMriColumns[] = {
    kPatientId,
    {"scan_date", true, true, T::kDate, "", {}, "2013-07-01"},
    {"new_t2", true, false, T::kInt, "new T2 lesions, 0 to 10000", {}, "0"},
    {"enlarging_t2",
     true,
     false,
     T::kInt,
     "enlarging T2 lesions, 0 to 10000",
     {},
     "1"},
    {"gd_enhancing",
     true,
     false,
     T::kInt,
     "gadolinium-enhancing lesions, 0 to 10000",
     {},
     "0"},
    {"brain_volume_change_pct",
     false,
     false,
     T::kNumber,
     "% since the previous scan, -100 to 100",
     {},
     "-0.35"}};
constexpr Column kTreatmentColumns[] = {
    kPatientId,
    {"drug", true, true, T::kText, "at most 100, no '|'", {}, "ocrelizumab"},
    {"start_date", true, true, T::kDate, "", {}, "2016-01-10"},
    {"end_date",
     false,
     false,
     T::kDate,
     "not before start_date",
     {},
     "2017-01-10"}};
constexpr Column kDeathColumns[] = {
    kPatientId,
    {"death_date", true, false, T::kDate, "", {}, "2020-05-05"},
    {"cause", false, false, T::kText, "at most 200", {}, "sepsis"}};

constexpr KindDeclaration kDeclarations[] = {
    {Kind::kPatients, "patients", "patient",
     "one row per patient (import patients first)", kPatientColumns},
    {Kind::kTransplants, "transplants", "transplant",
     "each transplant; the first is day 0", kTransplantColumns},
    {Kind::kVisits, "visits", "visit", "clinic visits with EDSS",
     kVisitColumns},
    {Kind::kRelapses, "relapses", "relapse", "clinical relapses",
     kRelapseColumns},
    {Kind::kMri, "mri", "mri", "MRI scans and their lesion counts",
     kMriColumns},
    {Kind::kTreatments, "treatments", "treatment",
     "disease-modifying treatments", kTreatmentColumns},
    {Kind::kDeaths, "deaths", "death", "one row per deceased patient",
     kDeathColumns},
};

constexpr bool DeclarationsInKindOrder() {
  for (size_t i = 0; i < std::size(kDeclarations); ++i) {
    if (static_cast<size_t>(kDeclarations[i].kind) != i) return false;
    if (kDeclarations[i].columns.empty() ||
        kDeclarations[i].columns[0].name != "patient_id") {
      return false;
    }
  }
  return std::size(kDeclarations) == kAllKinds.size();
}
static_assert(DeclarationsInKindOrder(),
              "one declaration per Kind, in Kind order, patient_id first");

template <size_t N>
std::optional<size_t> IndexOf(const std::array<std::string_view, N>& codes,
                              std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (codes[i] == text) return i;
  }
  return std::nullopt;
}

std::string FormatEdss(double edss) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f", edss);
  return buffer;
}

bool HasControlCharacters(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsCodeText(std::string_view text, std::string_view extra) {
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') ||
                    extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Reads the cells of one row by column name and collects every problem.
class RowReader {
 public:
  RowReader(Kind kind, const Row& row, Date latest_valid_date)
      : columns_(ColumnsOf(kind)), row_(row), latest_(latest_valid_date) {}

  std::vector<FieldViolation> TakeViolations() {
    return std::move(violations_);
  }
  bool ok() const { return violations_.empty(); }

  void Fail(std::string_view column, std::string description) {
    violations_.push_back({std::string(column), std::move(description)});
  }

  // The cell, or nullptr when it is empty (reporting a required one).
  const std::string* Cell(std::string_view column) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name != column) continue;
      const std::string& text = row_[i];
      if (!text.empty()) return &text;
      if (columns_[i].required) Fail(column, "required value is missing");
      return nullptr;
    }
    Fail(column, "no such column");
    return nullptr;
  }

  std::string PatientId() {
    const std::string* text = Cell("patient_id");
    if (text == nullptr) return "";
    if (text->size() > 64 || !IsCodeText(*text, "._-")) {
      Fail("patient_id",
           "must be 1 to 64 letters, digits, '.', '_' or '-' (got '" + *text +
               "')");
    }
    return *text;
  }

  std::optional<Date> DateCell(std::string_view column) {
    const std::string* text = Cell(column);
    if (text == nullptr) return std::nullopt;
    std::optional<Date> date = ParseIsoDate(*text);
    if (!date) {
      Fail(column, "'" + *text + "' is not a valid date (YYYY-MM-DD)");
    } else if (*date > latest_) {
      Fail(column, "date " + *text + " is in the future");
    }
    return date;
  }

  std::optional<int> IntCell(std::string_view column, int min, int max) {
    const std::string* text = Cell(column);
    if (text == nullptr) return std::nullopt;
    int value;
    if (!IsCodeText(*text, "-") || !absl::SimpleAtoi(*text, &value)) {
      Fail(column, "'" + *text + "' is not a whole number");
      return std::nullopt;
    }
    if (value < min || value > max) {
      Fail(column, absl::StrCat("must be between ", min, " and ", max, " (got ",
                                value, ")"));
    }
    return value;
  }

  std::optional<double> NumberCell(std::string_view column) {
    const std::string* text = Cell(column);
    if (text == nullptr) return std::nullopt;
    double value;
    if (!IsCodeText(*text, "-+.") || !absl::SimpleAtod(*text, &value) ||
        !std::isfinite(value)) {
      Fail(column, "'" + *text + "' is not a number");
      return std::nullopt;
    }
    return value == 0 ? 0.0 : value;  // -0 is 0
  }

  template <size_t N>
  std::optional<size_t> CodeCell(std::string_view column,
                                 const std::array<std::string_view, N>& codes) {
    const std::string* text = Cell(column);
    if (text == nullptr) return std::nullopt;
    std::optional<size_t> index = IndexOf(codes, *text);
    if (!index) {
      std::string expected;
      for (std::string_view code : codes) {
        expected.append(expected.empty() ? "" : ", ").append(code);
      }
      Fail(column, "'" + *text + "' is not one of " + expected);
    }
    return index;
  }

  std::string TextCell(std::string_view column, size_t max_size) {
    const std::string* text = Cell(column);
    if (text == nullptr) return "";
    if (text->size() > max_size || HasControlCharacters(*text)) {
      Fail(column, absl::StrCat("must be at most ", max_size,
                                " characters without control characters"));
    }
    return *text;
  }

 private:
  absl::Span<const Column> columns_;
  const Row& row_;
  Date latest_;
  std::vector<FieldViolation> violations_;
};

std::optional<Record> ReadRecord(Kind kind, RowReader& in, Date latest) {
  const std::string patient_id = in.PatientId();
  switch (kind) {
    case Kind::kPatients: {
      auto sex = in.CodeCell("sex", kSexCodes);
      auto birth_year = in.IntCell("birth_year", 1900, latest.year());
      auto disease = in.CodeCell("disease", kDiseaseCodes);
      auto diagnosis = in.DateCell("diagnosis_date");
      if (birth_year && diagnosis && diagnosis->year() < *birth_year) {
        in.Fail("diagnosis_date", "is before the birth year");
      }
      if (!in.ok()) return std::nullopt;
      return PatientRecord{patient_id, static_cast<Sex>(*sex), *birth_year,
                           static_cast<Disease>(*disease), *diagnosis};
    }
    case Kind::kTransplants: {
      auto date = in.DateCell("transplant_date");
      auto type = in.CodeCell("type", kTransplantTypeCodes);
      std::string regimen = in.TextCell("regimen", 64);
      if (!in.ok()) return std::nullopt;
      return TransplantRecord{patient_id, *date,
                              static_cast<TransplantType>(*type), regimen};
    }
    case Kind::kVisits: {
      auto date = in.DateCell("visit_date");
      auto edss = in.NumberCell("edss");
      if (edss && !IsValidEdss(*edss)) {
        in.Fail("edss", "EDSS must be 0 or 1.0 to 10 in steps of 0.5 (got " +
                            FormatNumber(*edss) + ")");
      }
      if (!in.ok()) return std::nullopt;
      return VisitRecord{patient_id, *date, *edss};
    }
    case Kind::kRelapses: {
      auto date = in.DateCell("onset_date");
      if (!in.ok()) return std::nullopt;
      return RelapseRecord{patient_id, *date};
    }
    case Kind::kMri: {
      constexpr int kMaxLesions = 10000;
      auto date = in.DateCell("scan_date");
      auto new_t2 = in.IntCell("new_t2", 0, kMaxLesions);
      auto enlarging = in.IntCell("enlarging_t2", 0, kMaxLesions);
      auto gd = in.IntCell("gd_enhancing", 0, kMaxLesions);
      auto bvc = in.NumberCell("brain_volume_change_pct");
      if (bvc && (*bvc < -100 || *bvc > 100)) {
        in.Fail("brain_volume_change_pct", "must be between -100 and 100");
      }
      if (!in.ok()) return std::nullopt;
      return MriRecord{patient_id, *date, *new_t2, *enlarging, *gd, bvc};
    }
    case Kind::kTreatments: {
      std::string drug = in.TextCell("drug", 100);
      if (drug.find('|') != std::string::npos) {
        in.Fail("drug", "must not contain '|'");
      }
      auto start = in.DateCell("start_date");
      auto end = in.DateCell("end_date");
      if (start && end && *end < *start) {
        in.Fail("end_date", "is before start_date");
      }
      if (!in.ok()) return std::nullopt;
      return TreatmentRecord{patient_id, drug, *start, end};
    }
    case Kind::kDeaths: {
      auto date = in.DateCell("death_date");
      std::string cause = in.TextCell("cause", 200);
      if (!in.ok()) return std::nullopt;
      return DeathRecord{patient_id, *date, cause};
    }
  }
  return std::nullopt;
}

std::string DateText(const std::optional<Date>& date) {
  return date ? FormatIsoDate(*date) : "";
}

}  // namespace

std::string_view KindName(Kind kind) { return DeclarationOf(kind).name; }

std::optional<Kind> ParseKind(std::string_view name) {
  for (const KindDeclaration& d : kDeclarations) {
    if (d.name == name) return d.kind;
  }
  return std::nullopt;
}

absl::Span<const KindDeclaration> KindDeclarations() { return kDeclarations; }

const KindDeclaration& DeclarationOf(Kind kind) {
  return kDeclarations[static_cast<size_t>(kind)];
}

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kCode:
      return "code";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kInt:
      return "whole number";
    case ColumnType::kNumber:
      return "number";
  }
  return "?";
}

std::string_view SexCode(Sex sex) {
  return kSexCodes[static_cast<size_t>(sex)];
}
std::string_view DiseaseCode(Disease disease) {
  return kDiseaseCodes[static_cast<size_t>(disease)];
}
std::string_view TransplantTypeCode(TransplantType type) {
  return kTransplantTypeCodes[static_cast<size_t>(type)];
}

Kind KindOf(const Record& record) { return static_cast<Kind>(record.index()); }

const std::string& PatientIdOf(const Record& record) {
  return std::visit(
      [](const auto& r) -> const std::string& { return r.patient_id; }, record);
}

void SetPatientId(Record& record, std::string patient_id) {
  std::visit([&](auto& r) { r.patient_id = std::move(patient_id); }, record);
}

absl::Span<const Column> ColumnsOf(Kind kind) {
  return DeclarationOf(kind).columns;
}

Row ToRow(const Record& record) {
  struct Visitor {
    Row operator()(const PatientRecord& r) {
      return {r.patient_id, std::string(SexCode(r.sex)),
              absl::StrCat(r.birth_year), std::string(DiseaseCode(r.disease)),
              FormatIsoDate(r.diagnosis_date)};
    }
    Row operator()(const TransplantRecord& r) {
      return {r.patient_id, FormatIsoDate(r.transplant_date),
              std::string(TransplantTypeCode(r.type)), r.regimen};
    }
    Row operator()(const VisitRecord& r) {
      return {r.patient_id, FormatIsoDate(r.visit_date), FormatEdss(r.edss)};
    }
    Row operator()(const RelapseRecord& r) {
      return {r.patient_id, FormatIsoDate(r.onset_date)};
    }
    Row operator()(const MriRecord& r) {
      return {r.patient_id,
              FormatIsoDate(r.scan_date),
              absl::StrCat(r.new_t2),
              absl::StrCat(r.enlarging_t2),
              absl::StrCat(r.gd_enhancing),
              r.brain_volume_change_pct
                  ? FormatNumber(*r.brain_volume_change_pct)
                  : ""};
    }
    Row operator()(const TreatmentRecord& r) {
      return {r.patient_id, r.drug, FormatIsoDate(r.start_date),
              DateText(r.end_date)};
    }
    Row operator()(const DeathRecord& r) {
      return {r.patient_id, FormatIsoDate(r.death_date), r.cause};
    }
  };
  return std::visit(Visitor{}, record);
}

RecordKey KeyOf(const Record& record) {
  const Kind kind = KindOf(record);
  const Row row = ToRow(record);
  absl::Span<const Column> columns = ColumnsOf(kind);
  std::vector<std::string> parts;
  for (size_t i = 1; i < columns.size(); ++i) {
    if (columns[i].key) parts.push_back(row[i]);
  }
  return {kind, row[0], absl::StrJoin(parts, "|")};
}

Parsed<Record> ParseRecord(Kind kind, const Row& row, Date latest_valid_date) {
  Parsed<Record> result;
  if (row.size() != ColumnsOf(kind).size()) {
    result.violations.push_back({"", "wrong number of values"});
    return result;
  }
  RowReader reader(kind, row, latest_valid_date);
  result.value = ReadRecord(kind, reader, latest_valid_date);
  result.violations = reader.TakeViolations();
  return result;
}

Parsed<RecordKey> ParseRecordKey(Kind kind, const Row& row) {
  Parsed<RecordKey> result;
  absl::Span<const Column> columns = ColumnsOf(kind);
  if (row.size() != columns.size()) {
    result.violations.push_back({"", "wrong number of values"});
    return result;
  }
  // Key cells go through the same readers as a full record, so a date in
  // the key is canonicalised the same way.
  Row key_only(row.size());
  RowReader reader(kind, key_only, Date(9999, 12, 31));
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].key) key_only[i] = row[i];
  }
  RecordKey key{kind, reader.PatientId(), ""};
  std::vector<std::string> parts;
  for (size_t i = 1; i < columns.size(); ++i) {
    if (!columns[i].key) continue;
    if (columns[i].name.ends_with("_date")) {
      parts.push_back(DateText(reader.DateCell(columns[i].name)));
    } else {
      parts.push_back(reader.TextCell(columns[i].name, 100));
      if (parts.back().find('|') != std::string::npos) {
        reader.Fail(columns[i].name, "must not contain '|'");
      }
    }
  }
  result.violations = reader.TakeViolations();
  if (result.violations.empty()) {
    key.key = absl::StrJoin(parts, "|");
    result.value = std::move(key);
  }
  return result;
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

std::string FormatNumber(double value) {
  if (value == 0) return "0";  // also for -0
  // The shortest fixed-notation text that reads back as exactly `value`
  // (no exponent: the record parser reads plain decimals only).
  char buffer[400];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    std::chars_format::fixed);
  return std::string(buffer, result.ptr);
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
