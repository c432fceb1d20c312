// The registry's clinical records as plain structs, and their text form.
//
// Each kind has fixed columns (the CSV import format of `regctl`, also the
// canonical form the store keeps). A record is parsed from a row of column
// texts in one place, so the command-line client and the server reject the
// same input with the same words.
#ifndef REGISTRY_CORE_RECORDS_H_
#define REGISTRY_CORE_RECORDS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/types/span.h"
#include "core/date.h"

namespace registry {

enum class Kind {
  kPatients,
  kTransplants,
  kVisits,
  kRelapses,
  kMri,
  kTreatments,
  kDeaths,
  kAdverseEvents,
  kEngraftment,
  kDiseaseStatus,
  kSscAssessments,
  kOrganFailures,
  kSleAssessments,
  kLabResults,
  kConsents,
};
inline constexpr std::array<Kind, 15> kAllKinds = {Kind::kPatients,
                                                   Kind::kTransplants,
                                                   Kind::kVisits,
                                                   Kind::kRelapses,
                                                   Kind::kMri,
                                                   Kind::kTreatments,
                                                   Kind::kDeaths,
                                                   Kind::kAdverseEvents,
                                                   Kind::kEngraftment,
                                                   Kind::kDiseaseStatus,
                                                   Kind::kSscAssessments,
                                                   Kind::kOrganFailures,
                                                   Kind::kSleAssessments,
                                                   Kind::kLabResults,
                                                   Kind::kConsents};

// "patients", "transplants", "visits", "relapses", "mri", "treatments",
// "deaths", "adverse_events", "engraftment", "disease_status",
// "ssc_assessments", "organ_failures", "sle_assessments", "lab_results",
// "consents".
std::string_view KindName(Kind kind);
std::optional<Kind> ParseKind(std::string_view name);

// What a submission does with its records.
// kUpsert is a request's operation only: each of its rows is stored as an
// import (a new key) or an amendment (a known key with other values).
enum class Operation { kImport, kAmend, kRetract, kUpsert };

enum class Sex { kFemale, kMale, kOther };  // CSV F, M, X
enum class Disease { kRrms, kSpms, kPpms, kNmosd, kSsc, kSle, kOther };
constexpr bool IsMultipleSclerosis(Disease disease) {
  return disease == Disease::kRrms || disease == Disease::kSpms ||
         disease == Disease::kPpms;
}
enum class TransplantType { kAutologous, kAllogeneic };

// Coded cause of death (EBMT/CIBMTR practice): the autoimmune disease
// itself, transplant-related causes (infection, toxicity, gvhd,
// graft_failure), a secondary malignancy, other, unknown.
enum class DeathCause {
  kDisease,
  kInfection,
  kToxicity,
  kGvhd,
  kGraftFailure,
  kSecondaryMalignancy,
  kOther,
  kUnknown,
};
enum class TreatmentClass {
  kDmt,  // MS/NMOSD disease-modifying therapy
  kImmunosuppressant,
  kBiologic,
  kCorticosteroid,  // dose as prednisolone-equivalent mg/day
  kAntimalarial,
  kIvigOrPlasmaExchange,
  kOther,
};
// The centre's assessment of the disease at a date.
enum class DiseaseState {
  kRemission,
  kImproved,
  kStable,
  kRelapse,
  kProgression
};
enum class AdverseEventCategory {
  kInfection,
  kViralReactivation,  // CMV, EBV
  kSecondaryAutoimmuneDisease,
  kMalignancy,
  kAcuteGvhd,
  kChronicGvhd,
  kOrganToxicity,
  kOther,
};
// One scale per category: CTCAE 1-5; acute GvHD overall grade I-IV;
// chronic GvHD (NIH) mild, moderate, severe.
enum class AdverseEventGrade {
  k1,
  k2,
  k3,
  k4,
  k5,
  kI,
  kII,
  kIII,
  kIV,
  kMild,
  kModerate,
  kSevere,
};

// The clinical phenotype of an attack (NMOSD core clinical
// characteristics, Wingerchuk 2015).
enum class AttackPhenotype {
  kOpticNeuritis,
  kMyelitis,
  kAreaPostrema,
  kBrainstem,
  kDiencephalic,
  kCerebral,
};
enum class Organ { kHeart, kLung, kKidney };  // major organ failure in SSc
enum class LabResultState { kPositive, kNegative };

// The 24 SLEDAI-2K descriptors (Gladman 2002), in the order of the form;
// a set of them is a bit mask, bit i for descriptor i.
enum class SledaiDescriptor {
  kSeizure,
  kPsychosis,
  kOrganicBrainSyndrome,
  kVisualDisturbance,
  kCranialNerveDisorder,
  kLupusHeadache,
  kCva,
  kVasculitis,
  kArthritis,
  kMyositis,
  kUrinaryCasts,
  kHaematuria,
  kProteinuria,
  kPyuria,
  kRash,
  kAlopecia,
  kMucosalUlcers,
  kPleurisy,
  kPericarditis,
  kLowComplement,
  kIncreasedDnaBinding,
  kFever,
  kThrombocytopenia,
  kLeukopenia,
};
inline constexpr int kSledaiDescriptorCount = 24;
using SledaiSet = uint32_t;
constexpr SledaiSet Bit(SledaiDescriptor d) {
  return SledaiSet{1} << static_cast<int>(d);
}
std::string_view SledaiDescriptorName(SledaiDescriptor descriptor);
// Names separated by '|' in any order, each at most once; "" is none.
// nullopt names the first bad part in `error`.
std::optional<SledaiSet> ParseSledaiSet(std::string_view text,
                                        std::string* error);
// Canonical text: the names in form order, joined by '|'.
std::string FormatSledaiSet(SledaiSet set);

std::string_view SexCode(Sex sex);
std::string_view DiseaseCode(Disease disease);             // "RRMS", ...
std::string_view TransplantTypeCode(TransplantType type);  // "autologous"
std::string_view DeathCauseCode(DeathCause cause);
// Infection, toxicity, GvHD and graft failure: the causes of
// transplant-related mortality.
constexpr bool IsTransplantRelated(DeathCause cause) {
  return cause == DeathCause::kInfection || cause == DeathCause::kToxicity ||
         cause == DeathCause::kGvhd || cause == DeathCause::kGraftFailure;
}  // "infection"
std::string_view TreatmentClassCode(TreatmentClass treatment_class);
std::optional<TreatmentClass> ParseTreatmentClass(std::string_view code);
std::string_view DiseaseStateCode(DiseaseState state);  // "remission"
std::string_view AdverseEventCategoryCode(AdverseEventCategory category);
std::string_view AdverseEventGradeCode(AdverseEventGrade grade);  // "II"

struct PatientRecord {
  std::string patient_id;  // the center's own code
  Sex sex = Sex::kOther;
  int birth_year = 0;
  Disease disease = Disease::kOther;
  Date diagnosis_date;
  bool operator==(const PatientRecord&) const = default;
};

struct TransplantRecord {
  std::string patient_id;
  Date transplant_date;  // infusion date: day 0
  TransplantType type = TransplantType::kAutologous;
  std::string regimen;  // conditioning regimen code
  bool operator==(const TransplantRecord&) const = default;
};

struct VisitRecord {
  std::string patient_id;
  Date visit_date;
  double edss = 0;  // 0, 1.0, 1.5, ..., 10
  bool operator==(const VisitRecord&) const = default;
};

struct RelapseRecord {
  std::string patient_id;
  Date onset_date;
  std::optional<AttackPhenotype> phenotype;  // NMOSD attacks
  bool operator==(const RelapseRecord&) const = default;
};

struct MriRecord {
  std::string patient_id;
  Date scan_date;
  int new_t2 = 0;  // lesion counts
  int enlarging_t2 = 0;
  int gd_enhancing = 0;
  std::optional<double> brain_volume_change_pct;  // since the previous scan
  bool operator==(const MriRecord&) const = default;
};

struct TreatmentRecord {
  std::string patient_id;
  std::string drug;
  Date start_date;
  std::optional<Date> end_date;
  // Records from before classes were recorded are kOther, for review.
  TreatmentClass treatment_class = TreatmentClass::kOther;
  std::optional<double> dose;  // with dose_unit
  std::string dose_unit;       // "mg/day"; empty without a dose
  bool protocol = false;       // part of the transplant protocol (planned)
  bool operator==(const TreatmentRecord&) const = default;
};

struct DeathRecord {
  std::string patient_id;
  Date death_date;
  std::string cause;  // free text, empty when not given
  DeathCause cause_code = DeathCause::kUnknown;
  bool operator==(const DeathRecord&) const = default;
};

struct AdverseEventRecord {
  std::string patient_id;
  Date onset_date;
  AdverseEventCategory category = AdverseEventCategory::kOther;
  AdverseEventGrade grade = AdverseEventGrade::k1;
  std::optional<Date> resolution_date;
  std::string description;  // empty when not given
  bool operator==(const AdverseEventRecord&) const = default;
};

// Haematopoietic recovery after one transplant, as the centre reports it.
struct EngraftmentRecord {
  std::string patient_id;
  Date transplant_date;                 // one of the patient's transplants
  std::optional<Date> neutrophil_date;  // ANC >= 0.5 x 10^9/L, 3 days
  std::optional<Date> platelet_date;    // >= 20 x 10^9/L untransfused, 7 days
  bool operator==(const EngraftmentRecord&) const = default;
};

struct DiseaseStatusRecord {
  std::string patient_id;
  Date status_date;
  DiseaseState status = DiseaseState::kStable;
  bool operator==(const DiseaseStatusRecord&) const = default;
};

// One systemic-sclerosis assessment: any subset of the measures (what was
// not measured is absent, not zero), at least one.
struct SscAssessmentRecord {
  std::string patient_id;
  Date assessment_date;
  std::optional<int> mrss;                 // modified Rodnan skin score 0-51
  std::optional<double> fvc_pct;           // FVC % predicted
  std::optional<double> dlco_pct;          // DLCO % predicted (Hb-corrected)
  std::optional<double> lvef_pct;          // LVEF %
  std::optional<double> haq_di;            // 0-3 in steps of 0.125
  std::optional<double> patient_global;    // 0-10
  std::optional<double> physician_global;  // 0-10
  bool operator==(const SscAssessmentRecord&) const = default;
};

// A major organ failure in systemic sclerosis, as the centre reports it.
struct OrganFailureRecord {
  std::string patient_id;
  Date event_date;
  Organ organ = Organ::kHeart;
  std::string kind;  // "scleroderma renal crisis", "dialysis", ...
  bool persistent = false;
  bool operator==(const OrganFailureRecord&) const = default;
};

// One lupus assessment: the SLEDAI-2K descriptors present, the physician
// global assessment and the prednisolone-equivalent dose.
struct SleAssessmentRecord {
  std::string patient_id;
  Date assessment_date;
  SledaiSet descriptors = 0;
  std::optional<double> pga;                  // 0-3
  std::optional<double> prednisolone_mg_day;  // prednisolone-equivalent
  bool operator==(const SleAssessmentRecord&) const = default;
};

// A dated laboratory result: serology (aqp4_igg, mog_igg, anti_dsdna) as
// positive or negative, a measured value (c3, c4) with its unit, or both.
struct LabResultRecord {
  std::string patient_id;
  Date sample_date;
  std::string test;  // a lower-case code: aqp4_igg, mog_igg, anti_dsdna, ...
  std::optional<LabResultState> result;
  std::optional<double> value;
  std::string unit;   // with a value
  std::string assay;  // "cell-based", ...
  std::string titre;  // "1:100", ...
  bool operator==(const LabResultRecord&) const = default;
};

// What a consent covers (EBMT: the registry itself, research use, and
// transfer outside the EU/EEA, which needs its own explicit consent).
enum ConsentScope : unsigned {
  kConsentRegistry = 1,
  kConsentResearch = 2,
  kConsentTransferOutsideEea = 4,
};
// "registry|research|transfer_outside_eea" <-> the scope bits; nullopt
// with `error` set for an unknown, repeated or missing scope.
std::optional<unsigned> ParseConsentScopes(std::string_view text,
                                           std::string* error);
std::string FormatConsentScopes(unsigned scopes);

struct ConsentRecord {
  std::string patient_id;
  Date consent_date;
  std::string form_version;
  unsigned scopes = 0;  // ConsentScope bits, at least one
  std::optional<Date> withdrawal_date;
  bool operator==(const ConsentRecord&) const = default;
};

using Record =
    std::variant<PatientRecord, TransplantRecord, VisitRecord, RelapseRecord,
                 MriRecord, TreatmentRecord, DeathRecord, AdverseEventRecord,
                 EngraftmentRecord, DiseaseStatusRecord, SscAssessmentRecord,
                 OrganFailureRecord, SleAssessmentRecord, LabResultRecord,
                 ConsentRecord>;

Kind KindOf(const Record& record);
const std::string& PatientIdOf(const Record& record);
void SetPatientId(Record& record, std::string patient_id);

// The declaration of every record kind: its name (command line, CSV file
// names, audit entities), its field in the proto's `Record` oneof, and its
// columns, which are the CSV header, the export header and the fields of
// its proto message (same names). tests/record_declaration_test.cc checks
// the declaration against the proto and parses every example row.
enum class ColumnType {
  kText,    // free text (no control characters)
  kCode,    // one of `codes`
  kDate,    // YYYY-MM-DD
  kInt,     // whole number
  kNumber,  // decimal number
};
std::string_view ColumnTypeName(ColumnType type);  // "text", "code", ...

// One column of a kind's text form, with the rules a single value of it
// obeys; rules across columns are the kind's own (core/records.cc).
struct Column {
  std::string_view name;
  bool required;  // an empty cell is an error
  bool key;       // part of the natural key (no '|' in key text)
  ColumnType type = ColumnType::kText;
  std::string_view meaning = {};  // for help texts, with its unit
  absl::Span<const std::string_view> codes = {};  // kCode: allowed values
  std::string_view example = {};  // a valid value (help, tests, seeds)
  // kInt, kNumber: allowed range, when min < max (or max_this_year).
  double min = 0;
  double max = 0;
  bool max_this_year = false;  // max is the year of the latest valid date
  size_t max_length = 0;       // kText: most characters
  int decimals = -1;           // kNumber: fixed decimals in canonical text
};

struct KindDeclaration {
  Kind kind;
  std::string_view name;         // "visits"
  std::string_view proto_field;  // "visit": the field of Record's oneof
  std::string_view meaning;
  absl::Span<const Column> columns;  // canonical order, patient_id first
};
// In Kind order.
absl::Span<const KindDeclaration> KindDeclarations();
const KindDeclaration& DeclarationOf(Kind kind);

// In canonical order; the first column is always patient_id.
absl::Span<const Column> ColumnsOf(Kind kind);

// One bad field: `field` is a column name (callers prefix a location).
struct FieldViolation {
  std::string field;
  std::string description;
  bool operator==(const FieldViolation&) const = default;
};

// Cell texts in ColumnsOf(kind) order; "" is a missing optional value.
using Row = std::vector<std::string>;

// One column's value, typed by its column. Empty (std::monostate) when the
// cell is blank or the field unset; `Unreadable` when it held something
// that could not be read (already reported as a violation); a code as its
// index in Column::codes (the core enums are declared in code order).
struct Unreadable {
  bool operator==(const Unreadable&) const = default;
};
struct CodeIndex {
  size_t index;
  bool operator==(const CodeIndex&) const = default;
};
using Value = std::variant<std::monostate, Unreadable, std::string, Date,
                           int64_t, double, CodeIndex>;
using Values = std::vector<Value>;

// The code value of a core enum (Sex, Disease, TransplantType, ...), which
// are declared in the order of their codes.
template <typename Enum>
CodeIndex CodeOf(Enum value) {
  return CodeIndex{static_cast<size_t>(value)};
}

// A record on its way in, from a CSV row or a proto message, before its
// rules are checked: the values in ColumnsOf(kind) order and what could
// not be read.
struct RecordValues {
  std::optional<Kind> kind;  // nullopt: no kind was given (an error)
  Values values;
  std::vector<FieldViolation> violations;
};

// The values of a record, in ColumnsOf order.
Values ValuesOf(const Record& record);

// Canonical text of one value of `column` ("" when empty).
std::string FormatValue(const Column& column, const Value& value);

// Canonical text of every column: dates YYYY-MM-DD, EDSS with one decimal,
// other numbers in their shortest exact form.
Row ToRow(const Record& record);

// Identifies one record: the patient and the key columns other than
// patient_id, joined by '|' in canonical text ("" for patients and deaths).
struct RecordKey {
  Kind kind;
  std::string patient_id;
  std::string key;
  bool operator==(const RecordKey&) const = default;
};
RecordKey KeyOf(const Record& record);
// The key of the record whose canonical row (ToRow) is `row`.
RecordKey KeyOfRow(Kind kind, const Row& row);

// Result of parsing a row: a record when `violations` is empty.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::vector<FieldViolation> violations;
};

// Checks every value and every rule that needs only the record itself
// (required values, ranges, EDSS steps, no date after `latest_valid_date`,
// ...) and builds the record; the violations of `values` come first. A
// value of another type than its column's is a violation, never a crash.
// The server's path from a proto: nothing is turned into text and back.
Parsed<Record> BuildRecord(const RecordValues& values, Date latest_valid_date);

// The key of `values`, checking only the key columns, for naming records
// to retract.
Parsed<RecordKey> BuildRecordKey(const RecordValues& values);

// The values of a row's cells, read by their columns' types: only the
// syntax of each cell is checked (BuildRecord checks the rest).
RecordValues ReadRow(Kind kind, const Row& row);

// Parses and validates every column of `row` (size must match ColumnsOf):
// the syntax of each cell, then BuildRecord's checks, in column order.
Parsed<Record> ParseRecord(Kind kind, const Row& row, Date latest_valid_date);

// Parses only the key columns of `row` (other cells are ignored), for
// naming records to retract.
Parsed<RecordKey> ParseRecordKey(Kind kind, const Row& row);

// The violations a value that cannot be read gets, in the same words for
// a CSV cell and a proto field: `text` is what was sent.
FieldViolation NotADate(std::string_view column, std::string_view text);
FieldViolation NotACode(const Column& column, std::string_view text);

// The latest date a record carries (a treatment's end date, a visit's
// date, ...); nullopt for patients.
std::optional<Date> LatestDateOf(const Record& record);

// Shortest decimal text that reads back as exactly `value` ("-0.35").
std::string FormatNumber(double value);

// True for 0, 1.0, 1.5, ..., 9.5, 10.
bool IsValidEdss(double edss);

// What the registry already holds about one patient, for the rules that
// relate a record to the patient's other records.
struct PatientFacts {
  std::optional<int> birth_year;
  std::optional<Disease> disease;
  std::optional<Date> death_date;
  // Latest and earliest date among transplants, visits, relapses, MRI and
  // treatments (each record counted by its latest date).
  std::optional<Date> latest_record_date;
  std::optional<Date> earliest_record_date;
  std::optional<Date> latest_transplant_date;
  // Every transplant, by date; only when `transplants_loaded` (the store
  // loads them for the kinds that need them: TransplantsNeeded).
  bool transplants_loaded = false;
  std::vector<std::pair<Date, TransplantType>> transplants;
};

// The one disease whose patients records of `kind` are for (SSc
// assessments and organ failures, SLE assessments); nullopt for any.
std::optional<Disease> DiseaseOfKind(Kind kind);

// Whether CheckAgainstPatient needs PatientFacts::transplants for `kind`.
bool TransplantsNeeded(Kind kind);

// Rules between a record and the patient's other records: nothing after
// death, no death before a recorded record, no date before the birth year
// (and no birth year after a recorded record), a new transplant only after
// the latest one (`is_new` false for amendments), engraftment only for a
// recorded transplant, GvHD only after an allogeneic transplant, the
// assessments of a disease only for its patients (DiseaseOfKind).
std::vector<FieldViolation> CheckAgainstPatient(const Record& record,
                                                const PatientFacts& facts,
                                                bool is_new);

}  // namespace registry

#endif  // REGISTRY_CORE_RECORDS_H_
