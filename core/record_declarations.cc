// The declaration of every record kind: its columns and their rules.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/records.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 3> kSexCodes = {"F", "M", "X"};
constexpr std::array<std::string_view, 7> kDiseaseCodes = {
    "RRMS", "SPMS", "PPMS", "NMOSD", "SSC", "SLE", "OTHER"};
constexpr std::array<std::string_view, 2> kTransplantTypeCodes = {"autologous",
                                                                  "allogeneic"};
constexpr std::array<std::string_view, 8> kDeathCauseCodes = {
    "disease", "infection",     "toxicity",
    "gvhd",    "graft_failure", "secondary_malignancy",
    "other",   "unknown"};
constexpr std::array<std::string_view, 7> kTreatmentClassCodes = {
    "dmt",          "immunosuppressant",       "biologic", "corticosteroid",
    "antimalarial", "ivig_or_plasma_exchange", "other"};
constexpr std::array<std::string_view, 2> kNoYesCodes = {"no", "yes"};
constexpr std::array<std::string_view, 5> kDiseaseStateCodes = {
    "remission", "improved", "stable", "relapse", "progression"};
constexpr std::array<std::string_view, 8> kAdverseEventCategoryCodes = {
    "infection",
    "viral_reactivation",
    "secondary_autoimmune_disease",
    "malignancy",
    "acute_gvhd",
    "chronic_gvhd",
    "organ_toxicity",
    "other"};
constexpr std::array<std::string_view, 12> kAdverseEventGradeCodes = {
    "1",  "2",   "3",  "4",    "5",        "I",
    "II", "III", "IV", "mild", "moderate", "severe"};

constexpr std::array<std::string_view, 6> kPhenotypeCodes = {
    "optic_neuritis", "myelitis",     "area_postrema",
    "brainstem",      "diencephalic", "cerebral"};
constexpr std::array<std::string_view, 3> kOrganCodes = {"heart", "lung",
                                                         "kidney"};
constexpr std::array<std::string_view, 2> kLabResultCodes = {"positive",
                                                             "negative"};

using T = ColumnType;

constexpr Column kPatientId = {
    .name = "patient_id",
    .required = true,
    .key = true,
    .meaning = "the center's own code: 1-64 of A-Z a-z 0-9 . _ -",
    .example = "C01-0001",
    .max_length = 64};

constexpr Column kPatientColumns[] = {kPatientId,
                                      {.name = "sex",
                                       .required = true,
                                       .key = false,
                                       .type = T::kCode,
                                       .meaning = "F, M or X",
                                       .codes = kSexCodes,
                                       .example = "F"},
                                      {.name = "birth_year",
                                       .required = true,
                                       .key = false,
                                       .type = T::kInt,
                                       .meaning = "year, 1900 to this year",
                                       .example = "1980",
                                       .min = 1900,
                                       .max_this_year = true},
                                      {.name = "disease",
                                       .required = true,
                                       .key = false,
                                       .type = T::kCode,
                                       .meaning = "the indication",
                                       .codes = kDiseaseCodes,
                                       .example = "RRMS"},
                                      {.name = "diagnosis_date",
                                       .required = true,
                                       .key = false,
                                       .type = T::kDate,
                                       .meaning = "not before the birth year",
                                       .example = "2005-03-01"}};
constexpr Column kTransplantColumns[] = {
    kPatientId,
    {.name = "transplant_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .meaning = "infusion date: day 0",
     .example = "2012-06-15"},
    {.name = "type",
     .required = true,
     .key = false,
     .type = T::kCode,
     .meaning = "autologous or allogeneic",
     .codes = kTransplantTypeCodes,
     .example = "autologous"},
    {.name = "regimen",
     .required = true,
     .key = false,
     .type = T::kText,
     .meaning = "conditioning code, at most 64",
     .example = "BEAM-ATG",
     .max_length = 64}};
constexpr Column kVisitColumns[] = {
    kPatientId,
    {.name = "visit_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2013-06-20"},
    {.name = "edss",
     .required = true,
     .key = false,
     .type = T::kNumber,
     .meaning = "EDSS: 0 or 1.0 to 10 in steps of 0.5",
     .example = "3.5",
     .decimals = 1}};
constexpr Column kRelapseColumns[] = {
    kPatientId,
    {.name = "onset_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2014-02-03"},
    {.name = "phenotype",
     .required = false,
     .key = false,
     .type = T::kCode,
     .meaning = "the attack's clinical phenotype (NMOSD), optional",
     .codes = kPhenotypeCodes,
     .example = "myelitis"}};
constexpr Column kMriColumns[] = {
    kPatientId,
    {.name = "scan_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2013-07-01"},
    {.name = "new_t2",
     .required = true,
     .key = false,
     .type = T::kInt,
     .meaning = "new T2 lesions, 0 to 10000",
     .example = "0",
     .min = 0,
     .max = 10000},
    {.name = "enlarging_t2",
     .required = true,
     .key = false,
     .type = T::kInt,
     .meaning = "enlarging T2 lesions, 0 to 10000",
     .example = "1",
     .min = 0,
     .max = 10000},
    {.name = "gd_enhancing",
     .required = true,
     .key = false,
     .type = T::kInt,
     .meaning = "gadolinium-enhancing lesions, 0 to 10000",
     .example = "0",
     .min = 0,
     .max = 10000},
    {.name = "brain_volume_change_pct",
     .required = false,
     .key = false,
     .type = T::kNumber,
     .meaning = "% since the previous scan, -100 to 100",
     .example = "-0.35",
     .min = -100,
     .max = 100}};
constexpr Column kTreatmentColumns[] = {kPatientId,
                                        {.name = "drug",
                                         .required = true,
                                         .key = true,
                                         .type = T::kText,
                                         .meaning = "at most 100, no '|'",
                                         .example = "ocrelizumab",
                                         .max_length = 100},
                                        {.name = "start_date",
                                         .required = true,
                                         .key = true,
                                         .type = T::kDate,
                                         .example = "2016-01-10"},
                                        {.name = "end_date",
                                         .required = false,
                                         .key = false,
                                         .type = T::kDate,
                                         .meaning = "not before start_date",
                                         .example = "2017-01-10"},
                                        {.name = "class",
                                         .required = false,
                                         .key = false,
                                         .type = T::kCode,
                                         .meaning = "empty: other (for review)",
                                         .codes = kTreatmentClassCodes,
                                         .example = "dmt"},
                                        {.name = "dose",
                                         .required = false,
                                         .key = false,
                                         .type = T::kNumber,
                                         .meaning = "more than 0, at most "
                                                    "100000, with dose_unit",
                                         .example = "10",
                                         .min = 0,
                                         .max = 100000},
                                        {.name = "dose_unit",
                                         .required = false,
                                         .key = false,
                                         .type = T::kText,
                                         .meaning = "at most 32, with dose; "
                                                    "corticosteroids: mg/day "
                                                    "(prednisolone-equivalent)",
                                         .example = "mg/day",
                                         .max_length = 32},
                                        {.name = "protocol",
                                         .required = false,
                                         .key = false,
                                         .type = T::kCode,
                                         .meaning = "part of the transplant "
                                                    "protocol (empty: no)",
                                         .codes = kNoYesCodes,
                                         .example = "no"}};
constexpr Column kDeathColumns[] = {kPatientId,
                                    {.name = "death_date",
                                     .required = true,
                                     .key = false,
                                     .type = T::kDate,
                                     .example = "2020-05-05"},
                                    {.name = "cause",
                                     .required = false,
                                     .key = false,
                                     .type = T::kText,
                                     .meaning = "at most 200",
                                     .example = "sepsis",
                                     .max_length = 200},
                                    {.name = "cause_code",
                                     .required = false,
                                     .key = false,
                                     .type = T::kCode,
                                     .meaning = "empty: unknown",
                                     .codes = kDeathCauseCodes,
                                     .example = "infection"}};
constexpr Column kAdverseEventColumns[] = {
    kPatientId,
    {.name = "onset_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2015-03-20"},
    {.name = "category",
     .required = true,
     .key = true,
     .type = T::kCode,
     .meaning = "acute_gvhd and chronic_gvhd after an allogeneic transplant",
     .codes = kAdverseEventCategoryCodes,
     .example = "infection"},
    {.name = "grade",
     .required = true,
     .key = false,
     .type = T::kCode,
     .meaning = "CTCAE 1-5; acute_gvhd I-IV; chronic_gvhd mild, moderate, "
                "severe",
     .codes = kAdverseEventGradeCodes,
     .example = "3"},
    {.name = "resolution_date",
     .required = false,
     .key = false,
     .type = T::kDate,
     .meaning = "not before onset_date",
     .example = "2015-04-02"},
    {.name = "description",
     .required = false,
     .key = false,
     .type = T::kText,
     .meaning = "at most 200",
     .example = "CMV reactivation",
     .max_length = 200}};
constexpr Column kEngraftmentColumns[] = {
    kPatientId,
    {.name = "transplant_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .meaning = "a transplant of the patient",
     .example = "2015-03-04"},
    {.name = "neutrophil_date",
     .required = false,
     .key = false,
     .type = T::kDate,
     .meaning = "first of 3 days with ANC >= 0.5 x 10^9/L",
     .example = "2015-03-15"},
    {.name = "platelet_date",
     .required = false,
     .key = false,
     .type = T::kDate,
     .meaning = "first of 7 untransfused days with platelets >= 20 x 10^9/L",
     .example = "2015-03-19"}};
constexpr Column kDiseaseStatusColumns[] = {
    kPatientId,
    {.name = "status_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2016-03-04"},
    {.name = "status",
     .required = true,
     .key = false,
     .type = T::kCode,
     .meaning = "as the centre assesses it",
     .codes = kDiseaseStateCodes,
     .example = "remission"}};

// A measure of a 0-10 (or 0-max) scale, optional.
constexpr Column Measure(std::string_view name, std::string_view meaning,
                         std::string_view example, double min, double max) {
  return {.name = name,
          .required = false,
          .key = false,
          .type = T::kNumber,
          .meaning = meaning,
          .example = example,
          .min = min,
          .max = max};
}

constexpr Column kSscAssessmentColumns[] = {
    kPatientId,
    {.name = "assessment_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2016-03-04"},
    {.name = "mrss",
     .required = false,
     .key = false,
     .type = T::kInt,
     .meaning = "modified Rodnan skin score, 0 to 51",
     .example = "22",
     .min = 0,
     .max = 51},
    Measure("fvc_pct", "FVC, % predicted, 10 to 200", "78.5", 10, 200),
    Measure("dlco_pct", "DLCO, % predicted (haemoglobin-corrected), 5 to 200",
            "61", 5, 200),
    Measure("lvef_pct", "left ventricular ejection fraction, %, 5 to 95", "60",
            5, 95),
    Measure("haq_di", "HAQ disability index, 0 to 3 in steps of 0.125", "1.25",
            0, 3),
    Measure("patient_global", "patient global assessment, 0 to 10", "6", 0, 10),
    Measure("physician_global", "physician global assessment, 0 to 10", "5", 0,
            10)};
constexpr Column kOrganFailureColumns[] = {
    kPatientId,
    {.name = "event_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2016-05-01"},
    {.name = "organ",
     .required = true,
     .key = true,
     .type = T::kCode,
     .meaning = "heart, lung or kidney",
     .codes = kOrganCodes,
     .example = "kidney"},
    {.name = "kind",
     .required = true,
     .key = false,
     .type = T::kText,
     .meaning = "what failed, at most 100 (e.g. scleroderma renal crisis)",
     .example = "scleroderma renal crisis",
     .max_length = 100},
    {.name = "persistent",
     .required = false,
     .key = false,
     .type = T::kCode,
     .meaning = "whether it persisted, for ASTIS event-free survival "
                "(empty: no)",
     .codes = kNoYesCodes,
     .example = "no"}};
constexpr Column kSleAssessmentColumns[] = {
    kPatientId,
    {.name = "assessment_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2016-03-04"},
    {.name = "sledai_descriptors",
     .required = false,
     .key = false,
     .type = T::kText,
     .meaning = "the SLEDAI-2K descriptors present, separated by '|' "
                "(empty: none)",
     .example = "arthritis|rash",
     .max_length = 600},
    Measure("pga", "physician global assessment, 0 to 3", "1.5", 0, 3),
    Measure("prednisolone_mg_day",
            "prednisolone-equivalent dose, mg/day, 0 to 1000", "10", 0, 1000)};
constexpr Column kLabResultColumns[] = {
    kPatientId,
    {.name = "sample_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2016-03-04"},
    {.name = "test",
     .required = true,
     .key = true,
     .type = T::kText,
     .meaning = "a code of a-z 0-9 _, at most 32: aqp4_igg, mog_igg, "
                "anti_dsdna, c3, c4, ...",
     .example = "aqp4_igg",
     .max_length = 32},
    {.name = "result",
     .required = false,
     .key = false,
     .type = T::kCode,
     .meaning = "positive or negative; a result, a value or both",
     .codes = kLabResultCodes,
     .example = "positive"},
    Measure("value", "a measured value, with unit, 0 to 1000000", "0.9", 0,
            1000000),
    {.name = "unit",
     .required = false,
     .key = false,
     .type = T::kText,
     .meaning = "the value's unit, at most 32",
     .example = "g/L",
     .max_length = 32},
    {.name = "assay",
     .required = false,
     .key = false,
     .type = T::kText,
     .meaning = "at most 100 (cell-based recommended for AQP4-IgG)",
     .example = "cell-based",
     .max_length = 100},
    {.name = "titre",
     .required = false,
     .key = false,
     .type = T::kText,
     .meaning = "at most 32, e.g. 1:100",
     .example = "1:100",
     .max_length = 32}};

constexpr Column kConsentColumns[] = {
    kPatientId,
    {.name = "consent_date",
     .required = true,
     .key = true,
     .type = T::kDate,
     .example = "2019-02-01"},
    {.name = "form_version",
     .required = true,
     .key = false,
     .type = T::kText,
     .meaning = "the consent form signed, at most 32",
     .example = "v3.1",
     .max_length = 32},
    {.name = "scopes",
     .required = true,
     .key = false,
     .type = T::kText,
     .meaning = "what it covers, separated by '|': registry, research, "
                "transfer_outside_eea",
     .example = "registry|research",
     .max_length = 64},
    {.name = "withdrawal_date",
     .required = false,
     .key = false,
     .type = T::kDate,
     .meaning = "when the patient withdrew it; not before consent_date "
                "(empty: not withdrawn)",
     .example = "2023-06-30"}};

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
    {Kind::kAdverseEvents, "adverse_events", "adverse_event",
     "complications after transplant, graded", kAdverseEventColumns},
    {Kind::kEngraftment, "engraftment", "engraftment",
     "neutrophil and platelet recovery after a transplant",
     kEngraftmentColumns},
    {Kind::kDiseaseStatus, "disease_status", "disease_status",
     "the centre's assessment of the disease", kDiseaseStatusColumns},
    {Kind::kSscAssessments, "ssc_assessments", "ssc_assessment",
     "systemic sclerosis: skin, lung, heart and function (SSC patients)",
     kSscAssessmentColumns},
    {Kind::kOrganFailures, "organ_failures", "organ_failure",
     "systemic sclerosis: major organ failures (SSC patients)",
     kOrganFailureColumns},
    {Kind::kSleAssessments, "sle_assessments", "sle_assessment",
     "lupus: SLEDAI-2K descriptors, PGA and steroid dose (SLE patients)",
     kSleAssessmentColumns},
    {Kind::kLabResults, "lab_results", "lab_result",
     "dated laboratory results: serology and measured values",
     kLabResultColumns},
    {Kind::kConsents, "consents", "consent",
     "the patient's consent to the registry's uses of their data, and its "
     "withdrawal",
     kConsentColumns},
};

constexpr bool DeclarationsAreWellFormed() {
  for (size_t i = 0; i < std::size(kDeclarations); ++i) {
    const KindDeclaration& d = kDeclarations[i];
    if (static_cast<size_t>(d.kind) != i) return false;
    if (d.columns.empty() || d.columns[0].name != "patient_id") return false;
    for (const Column& c : d.columns) {
      if (c.key && !c.required) return false;
      if (c.type == T::kText && c.max_length == 0) return false;
      if (c.type == T::kCode && c.codes.empty()) return false;
    }
  }
  return std::size(kDeclarations) == kAllKinds.size();
}
static_assert(DeclarationsAreWellFormed(),
              "one declaration per Kind, in Kind order, patient_id first; "
              "key columns required; text columns with a length, code "
              "columns with codes");

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
std::string_view DeathCauseCode(DeathCause cause) {
  return kDeathCauseCodes[static_cast<size_t>(cause)];
}
std::string_view TreatmentClassCode(TreatmentClass treatment_class) {
  return kTreatmentClassCodes[static_cast<size_t>(treatment_class)];
}

std::optional<TreatmentClass> ParseTreatmentClass(std::string_view code) {
  for (size_t i = 0; i < kTreatmentClassCodes.size(); ++i) {
    if (kTreatmentClassCodes[i] == code) return static_cast<TreatmentClass>(i);
  }
  return std::nullopt;
}
std::string_view DiseaseStateCode(DiseaseState state) {
  return kDiseaseStateCodes[static_cast<size_t>(state)];
}
std::string_view AdverseEventCategoryCode(AdverseEventCategory category) {
  return kAdverseEventCategoryCodes[static_cast<size_t>(category)];
}
std::string_view AdverseEventGradeCode(AdverseEventGrade grade) {
  return kAdverseEventGradeCodes[static_cast<size_t>(grade)];
}

absl::Span<const Column> ColumnsOf(Kind kind) {
  return DeclarationOf(kind).columns;
}

namespace {

constexpr std::array<std::string_view, kSledaiDescriptorCount> kSledaiNames = {
    "seizure",
    "psychosis",
    "organic_brain_syndrome",
    "visual_disturbance",
    "cranial_nerve_disorder",
    "lupus_headache",
    "cva",
    "vasculitis",
    "arthritis",
    "myositis",
    "urinary_casts",
    "haematuria",
    "proteinuria",
    "pyuria",
    "rash",
    "alopecia",
    "mucosal_ulcers",
    "pleurisy",
    "pericarditis",
    "low_complement",
    "increased_dna_binding",
    "fever",
    "thrombocytopenia",
    "leukopenia"};

}  // namespace

std::string_view SledaiDescriptorName(SledaiDescriptor descriptor) {
  return kSledaiNames[static_cast<size_t>(descriptor)];
}

std::optional<SledaiSet> ParseSledaiSet(std::string_view text,
                                        std::string* error) {
  SledaiSet set = 0;
  if (text.empty()) return set;
  for (size_t start = 0; start <= text.size();) {
    size_t bar = text.find('|', start);
    if (bar == std::string_view::npos) bar = text.size();
    const std::string part(text.substr(start, bar - start));
    start = bar + 1;
    const auto* found =
        std::find(kSledaiNames.begin(), kSledaiNames.end(), part);
    if (found == kSledaiNames.end()) {
      std::string names;
      for (std::string_view name : kSledaiNames) {
        if (!names.empty()) names += ", ";
        names += name;
      }
      *error =
          "'" + part + "' is not a SLEDAI-2K descriptor (one of " + names + ")";
      return std::nullopt;
    }
    const SledaiSet bit = SledaiSet{1} << (found - kSledaiNames.begin());
    if (set & bit) {
      *error = "'" + part + "' is given twice";
      return std::nullopt;
    }
    set |= bit;
  }
  return set;
}

std::string FormatSledaiSet(SledaiSet set) {
  std::string text;
  for (int i = 0; i < kSledaiDescriptorCount; ++i) {
    if (!(set & (SledaiSet{1} << i))) continue;
    if (!text.empty()) text += '|';
    text += kSledaiNames[i];
  }
  return text;
}

}  // namespace registry
