#include "core/records.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/date.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The "today" every parse in this file is checked against.
const Date kToday(2026, 1, 1);

std::string KindText(Kind kind) { return std::string(KindName(kind)); }

// A valid, canonical row of every kind, all for patient "P-001".
Row ValidRow(Kind kind) {
  switch (kind) {
    case Kind::kPatients:
      return {"P-001", "F", "1980", "RRMS", "2010-05-06"};
    case Kind::kTransplants:
      return {"P-001", "2015-03-04", "autologous", "BEAM-ATG"};
    case Kind::kVisits:
      return {"P-001", "2021-03-04", "3.5"};
    case Kind::kRelapses:
      return {"P-001", "2019-07-08", "optic_neuritis"};
    case Kind::kMri:
      return {"P-001", "2020-01-02", "1", "0", "2", "-0.35"};
    case Kind::kTreatments:
      return {"P-001", "natalizumab", "2012-01-01", "2014-06-30",
              "dmt",   "300",         "mg/month",   "no"};
    case Kind::kDeaths:
      return {"P-001", "2025-12-31", "sepsis", "infection"};
    case Kind::kAdverseEvents:
      return {"P-001", "2015-03-20", "infection",
              "3",     "2015-04-02", "CMV pneumonia"};
    case Kind::kEngraftment:
      return {"P-001", "2015-03-04", "2015-03-15", "2015-03-19"};
    case Kind::kDiseaseStatus:
      return {"P-001", "2016-03-04", "remission"};
    case Kind::kSscAssessments:
      return {"P-001", "2016-03-04", "22", "78.5", "61",
              "60",    "1.25",       "6",  "5"};
    case Kind::kOrganFailures:
      return {"P-001", "2016-05-01", "kidney", "scleroderma renal crisis",
              "yes"};
    case Kind::kSleAssessments:
      return {"P-001", "2016-03-04", "arthritis|rash|low_complement", "1.5",
              "7.5"};
    case Kind::kLabResults:
      return {"P-001", "2016-03-04", "aqp4_igg",   "positive",
              "",      "",           "cell-based", "1:100"};
    case Kind::kConsents:
      return {"P-001", "2014-11-02", "v3.1", "registry|research", "2023-06-30"};
  }
  return {};
}

size_t ColumnIndex(Kind kind, std::string_view name) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  ADD_FAILURE() << "no column " << name << " in " << KindName(kind);
  return 0;
}

// ValidRow(kind) with one cell replaced.
Row With(Kind kind, std::string_view column, std::string value) {
  Row row = ValidRow(kind);
  row[ColumnIndex(kind, column)] = std::move(value);
  return row;
}

Parsed<Record> Parse(Kind kind, const Row& row) {
  return ParseRecord(kind, row, kToday);
}

std::vector<std::string> FieldsOf(const std::vector<FieldViolation>& list) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : list) fields.push_back(v.field);
  return fields;
}

// Expects the row to be rejected with exactly one violation, naming `field`.
void ExpectRejectedOn(Kind kind, const Row& row, std::string_view field,
                      std::string_view description_part = "") {
  SCOPED_TRACE(absl::StrCat(KindText(kind), " row with ", std::string(field)));
  const Parsed<Record> parsed = Parse(kind, row);
  EXPECT_FALSE(parsed.value.has_value());
  EXPECT_THAT(FieldsOf(parsed.violations), ElementsAre(std::string(field)));
  if (!description_part.empty() && !parsed.violations.empty()) {
    EXPECT_THAT(parsed.violations[0].description,
                HasSubstr(std::string(description_part)));
  }
}

template <typename T>
T ParseOk(Kind kind, const Row& row) {
  const Parsed<Record> parsed = Parse(kind, row);
  EXPECT_THAT(parsed.violations, IsEmpty()) << KindText(kind);
  if (!parsed.value) {
    ADD_FAILURE() << "no record for " << KindText(kind);
    return T{};
  }
  EXPECT_TRUE(std::holds_alternative<T>(*parsed.value));
  return std::get<T>(*parsed.value);
}

// ---------------------------------------------------------------- Kinds

TEST(KindTest, NamesRoundTripForAllKinds) {
  std::set<std::string> names;
  for (Kind kind : kAllKinds) {
    EXPECT_EQ(ParseKind(KindName(kind)), kind) << KindName(kind);
    names.insert(KindText(kind));
  }
  EXPECT_EQ(names, (std::set<std::string>{
                       "patients", "transplants", "visits", "relapses", "mri",
                       "treatments", "deaths", "adverse_events", "engraftment",
                       "disease_status", "ssc_assessments", "organ_failures",
                       "sle_assessments", "lab_results", "consents"}));
}

TEST(KindTest, UnknownKindIsRejected) {
  for (std::string_view name :
       {"", "visit", "Visits", "VISITS", " visits", "visits ", "labs"}) {
    EXPECT_EQ(ParseKind(name), std::nullopt) << "'" << name << "'";
  }
}

TEST(KindTest, FirstColumnIsPatientIdAndValidRowsParse) {
  for (Kind kind : kAllKinds) {
    SCOPED_TRACE(KindText(kind));
    ASSERT_FALSE(ColumnsOf(kind).empty());
    EXPECT_EQ(ColumnsOf(kind)[0].name, "patient_id");
    EXPECT_TRUE(ColumnsOf(kind)[0].required);
    const Parsed<Record> parsed = Parse(kind, ValidRow(kind));
    EXPECT_THAT(parsed.violations, IsEmpty());
    ASSERT_TRUE(parsed.value.has_value());
    EXPECT_EQ(KindOf(*parsed.value), kind);
    EXPECT_EQ(PatientIdOf(*parsed.value), "P-001");
  }
}

TEST(ParseRecordTest, WrongNumberOfCellsIsRejected) {
  for (Kind kind : kAllKinds) {
    Row row = ValidRow(kind);
    row.push_back("extra");
    const Parsed<Record> parsed = Parse(kind, row);
    EXPECT_FALSE(parsed.value.has_value()) << KindText(kind);
    EXPECT_EQ(parsed.violations.size(), 1u) << KindText(kind);
  }
}

// ---------------------------------------------------------------- EDSS

TEST(EdssTest, AllTwentyValidValuesAreAccepted) {
  std::vector<double> valid = {0};
  for (int twice = 2; twice <= 20; ++twice) valid.push_back(twice / 2.0);
  ASSERT_EQ(valid.size(), 20u);
  for (double edss : valid) {
    SCOPED_TRACE(edss);
    EXPECT_TRUE(IsValidEdss(edss));
    const VisitRecord visit = ParseOk<VisitRecord>(
        Kind::kVisits, With(Kind::kVisits, "edss", absl::StrCat(edss)));
    EXPECT_EQ(visit.edss, edss);
  }
}

TEST(EdssTest, InvalidValuesAreRejected) {
  for (double edss : {0.5, 10.5, -1.0, 3.3, 3.25, 11.0, 0.25}) {
    EXPECT_FALSE(IsValidEdss(edss)) << edss;
  }
  for (std::string text : {"0.5", "10.5", "-1", "3.3", "3.25", "11"}) {
    ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "edss", text), "edss",
                     "EDSS");
  }
}

TEST(EdssTest, NonNumberAndMissingAreRejected) {
  ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "edss", "abc"), "edss",
                   "not a number");
  ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "edss", "nan"), "edss",
                   "not a number");
  ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "edss", ""), "edss",
                   "required");
}

// ---------------------------------------------------------------- Dates

TEST(DateTest, FormatIsoDateIsZeroPaddedAndRoundTrips) {
  EXPECT_EQ(FormatIsoDate(Date(2021, 3, 4)), "2021-03-04");
  EXPECT_EQ(FormatIsoDate(Date(1, 1, 1)), "0001-01-01");
  EXPECT_EQ(FormatIsoDate(Date(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(FormatIsoDate(Date(10000, 1, 1)), "10000-01-01");
  for (Date d(1900, 1, 1); d < Date(2101, 1, 10); d += 7) {
    const std::string text = FormatIsoDate(d);
    EXPECT_EQ(text,
              absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day()));
    EXPECT_EQ(ParseIsoDate(text), d) << text;
  }
}

TEST(DateTest, ParseIsoDateAcceptsRealDates) {
  EXPECT_EQ(ParseIsoDate("2020-02-29"), Date(2020, 2, 29));
  EXPECT_EQ(ParseIsoDate("1900-01-01"), Date(1900, 1, 1));
  EXPECT_EQ(ParseIsoDate("2021-12-31"), Date(2021, 12, 31));
  EXPECT_EQ(FormatIsoDate(Date(2021, 3, 4)), "2021-03-04");
}

TEST(DateTest, ParseIsoDateRejectsEverythingElse) {
  for (std::string_view text :
       {"2021-02-29", "2021-13-01", "2021-00-10", "2021-1-01", "2021-01-1",
        " 2021-01-01", "2021-01-01 ", "1899-12-31", "2021-04-31", "2021-01-00",
        "2021-01-32", "2021/01/01", "20210101", "", "+021-01-01",
        "abcd-ef-gh"}) {
    EXPECT_EQ(ParseIsoDate(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(DateTest, InvalidDateInRowNamesTheColumn) {
  for (std::string text :
       {"2021-02-29", "2021-13-01", "2021-1-01", " 2021-01-01", "1899-12-31"}) {
    ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "visit_date", text),
                     "visit_date", "not a valid date");
  }
  ExpectRejectedOn(Kind::kVisits, With(Kind::kVisits, "visit_date", ""),
                   "visit_date", "required");
}

TEST(DateTest, FutureDateIsRejected) {
  // kToday itself is fine.
  ParseOk<VisitRecord>(Kind::kVisits,
                       With(Kind::kVisits, "visit_date", "2026-01-01"));
  ExpectRejectedOn(Kind::kVisits,
                   With(Kind::kVisits, "visit_date", "2026-01-02"),
                   "visit_date", "in the future");
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "end_date", "2030-01-01"),
                   "end_date", "in the future");
  ExpectRejectedOn(Kind::kPatients,
                   With(Kind::kPatients, "diagnosis_date", "2026-01-02"),
                   "diagnosis_date", "in the future");
}

absl::Time Utc(int y, int m, int d, int hh, int mm, int ss) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone());
}

TEST(DateTest, LatestValidDateIsTheDateAtUtcPlus14) {
  EXPECT_EQ(LatestValidDate(Utc(2026, 1, 1, 9, 59, 59)), Date(2026, 1, 1));
  EXPECT_EQ(LatestValidDate(Utc(2026, 1, 1, 10, 0, 0)), Date(2026, 1, 2));
  EXPECT_EQ(LatestValidDate(Utc(2025, 12, 31, 10, 0, 0)), Date(2026, 1, 1));
  EXPECT_EQ(LatestValidDate(Utc(2026, 1, 1, 0, 0, 0)), Date(2026, 1, 1));
}

// ---------------------------------------------------------------- MRI

TEST(MriTest, LesionCountsMustBeWholeNonNegativeNumbers) {
  for (std::string_view column : {"new_t2", "enlarging_t2", "gd_enhancing"}) {
    ExpectRejectedOn(Kind::kMri, With(Kind::kMri, column, "-1"), column,
                     "between");
    ExpectRejectedOn(Kind::kMri, With(Kind::kMri, column, "1.5"), column,
                     "whole number");
    ExpectRejectedOn(Kind::kMri, With(Kind::kMri, column, "abc"), column,
                     "whole number");
    ExpectRejectedOn(Kind::kMri, With(Kind::kMri, column, ""), column,
                     "required");
  }
}

TEST(MriTest, LesionCountsAreReadIntoTheirFields) {
  const MriRecord mri = ParseOk<MriRecord>(
      Kind::kMri, {"P-001", "2020-01-02", "0", "7", "12", "0.5"});
  EXPECT_EQ(mri.new_t2, 0);
  EXPECT_EQ(mri.enlarging_t2, 7);
  EXPECT_EQ(mri.gd_enhancing, 12);
  EXPECT_EQ(mri.brain_volume_change_pct, 0.5);
  EXPECT_EQ(mri.scan_date, Date(2020, 1, 2));
}

TEST(MriTest, BrainVolumeChangeIsOptionalAndBounded) {
  const MriRecord without = ParseOk<MriRecord>(
      Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", ""));
  EXPECT_EQ(without.brain_volume_change_pct, std::nullopt);
  EXPECT_EQ(ParseOk<MriRecord>(
                Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", "100"))
                .brain_volume_change_pct,
            100.0);
  EXPECT_EQ(ParseOk<MriRecord>(
                Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", "-100"))
                .brain_volume_change_pct,
            -100.0);
  for (std::string text : {"100.5", "-101", "1e3"}) {
    ExpectRejectedOn(Kind::kMri,
                     With(Kind::kMri, "brain_volume_change_pct", text),
                     "brain_volume_change_pct", "between");
  }
  ExpectRejectedOn(Kind::kMri,
                   With(Kind::kMri, "brain_volume_change_pct", "abc"),
                   "brain_volume_change_pct", "not a number");
}

// ---------------------------------------------------------------- Patients

TEST(PatientIdTest, FormatIsChecked) {
  ParseOk<RelapseRecord>(Kind::kRelapses,
                         With(Kind::kRelapses, "patient_id", "a.b_c-D9"));
  ParseOk<RelapseRecord>(Kind::kRelapses, With(Kind::kRelapses, "patient_id",
                                               std::string(64, 'x')));
  ExpectRejectedOn(Kind::kRelapses, With(Kind::kRelapses, "patient_id", ""),
                   "patient_id", "required");
  for (std::string id :
       {std::string(65, 'x'), std::string("P 1"), std::string("P,1"),
        std::string("P|1"), std::string("P/1"), std::string("P\t1"),
        std::string("P\xc3\xa9")}) {
    ExpectRejectedOn(Kind::kRelapses, With(Kind::kRelapses, "patient_id", id),
                     "patient_id", "1 to 64");
  }
}

TEST(PatientTest, FieldsAreParsed) {
  const PatientRecord patient =
      ParseOk<PatientRecord>(Kind::kPatients, ValidRow(Kind::kPatients));
  EXPECT_EQ(patient, (PatientRecord{"P-001", Sex::kFemale, 1980, Disease::kRrms,
                                    Date(2010, 5, 6)}));
}

TEST(PatientTest, SexCodes) {
  EXPECT_EQ(
      ParseOk<PatientRecord>(Kind::kPatients, With(Kind::kPatients, "sex", "F"))
          .sex,
      Sex::kFemale);
  EXPECT_EQ(
      ParseOk<PatientRecord>(Kind::kPatients, With(Kind::kPatients, "sex", "M"))
          .sex,
      Sex::kMale);
  EXPECT_EQ(
      ParseOk<PatientRecord>(Kind::kPatients, With(Kind::kPatients, "sex", "X"))
          .sex,
      Sex::kOther);
  for (std::string text : {"f", "U", "female", " F"}) {
    ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "sex", text), "sex",
                     "not one of");
  }
  ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "sex", ""), "sex",
                   "required");
}

TEST(PatientTest, DiseaseCodes) {
  const std::vector<std::pair<std::string, Disease>> codes = {
      {"RRMS", Disease::kRrms},  {"SPMS", Disease::kSpms},
      {"PPMS", Disease::kPpms},  {"NMOSD", Disease::kNmosd},
      {"SSC", Disease::kSsc},    {"SLE", Disease::kSle},
      {"OTHER", Disease::kOther}};
  for (const auto& [code, disease] : codes) {
    EXPECT_EQ(ParseOk<PatientRecord>(Kind::kPatients,
                                     With(Kind::kPatients, "disease", code))
                  .disease,
              disease)
        << code;
    EXPECT_EQ(DiseaseCode(disease), code);
  }
  for (std::string text : {"rrms", "MS", "Other"}) {
    ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "disease", text),
                     "disease", "not one of");
  }
}

TEST(TransplantTest, TypeCodesAndRegimen) {
  EXPECT_EQ(
      ParseOk<TransplantRecord>(Kind::kTransplants,
                                With(Kind::kTransplants, "type", "autologous"))
          .type,
      TransplantType::kAutologous);
  EXPECT_EQ(
      ParseOk<TransplantRecord>(Kind::kTransplants,
                                With(Kind::kTransplants, "type", "allogeneic"))
          .type,
      TransplantType::kAllogeneic);
  for (std::string text : {"Autologous", "auto", "syngeneic"}) {
    ExpectRejectedOn(Kind::kTransplants, With(Kind::kTransplants, "type", text),
                     "type", "not one of");
  }
  ExpectRejectedOn(Kind::kTransplants, With(Kind::kTransplants, "regimen", ""),
                   "regimen", "required");
  ExpectRejectedOn(Kind::kTransplants,
                   With(Kind::kTransplants, "regimen", "BEAM\nATG"), "regimen");
  ExpectRejectedOn(Kind::kTransplants,
                   With(Kind::kTransplants, "regimen", std::string(65, 'R')),
                   "regimen");
}

TEST(PatientTest, BirthYearRange) {
  ParseOk<PatientRecord>(Kind::kPatients,
                         {"P-001", "F", "1900", "RRMS", "2010-05-06"});
  // The latest valid year is the year of latest_valid_date.
  ParseOk<PatientRecord>(Kind::kPatients,
                         {"P-001", "F", "2026", "RRMS", "2026-01-01"});
  ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "birth_year", "1899"),
                   "birth_year", "between");
  // A birth year after this year also puts any real diagnosis before it.
  const Parsed<Record> unborn =
      Parse(Kind::kPatients, {"P-001", "F", "2027", "RRMS", "2026-01-01"});
  EXPECT_FALSE(unborn.value.has_value());
  EXPECT_THAT(FieldsOf(unborn.violations),
              ElementsAre("birth_year", "diagnosis_date"));
  ASSERT_EQ(unborn.violations.size(), 2u);
  EXPECT_THAT(unborn.violations[0].description, HasSubstr("between"));
  ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "birth_year", "19x0"),
                   "birth_year", "whole number");
  ExpectRejectedOn(Kind::kPatients, With(Kind::kPatients, "birth_year", ""),
                   "birth_year", "required");
}

TEST(PatientTest, DiagnosisBeforeBirthYearIsRejected) {
  ParseOk<PatientRecord>(Kind::kPatients,
                         {"P-001", "F", "1980", "RRMS", "1980-01-01"});
  ExpectRejectedOn(Kind::kPatients,
                   {"P-001", "F", "1980", "RRMS", "1979-12-31"},
                   "diagnosis_date", "before the birth year");
}

// ---------------------------------------------------------------- Treatments

TEST(TreatmentTest, EndDateIsOptionalAndNotBeforeStart) {
  const TreatmentRecord open = ParseOk<TreatmentRecord>(
      Kind::kTreatments, With(Kind::kTreatments, "end_date", ""));
  EXPECT_EQ(open.end_date, std::nullopt);
  const TreatmentRecord same_day = ParseOk<TreatmentRecord>(
      Kind::kTreatments, With(Kind::kTreatments, "end_date", "2012-01-01"));
  EXPECT_EQ(same_day.end_date, Date(2012, 1, 1));
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "end_date", "2011-12-31"),
                   "end_date", "before start_date");
}

TEST(TreatmentTest, DrugIsRequiredWithoutPipeAndBounded) {
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "drug", "rituximab|x"), "drug",
                   "'|'");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "drug", ""),
                   "drug", "required");
  ParseOk<TreatmentRecord>(Kind::kTreatments, With(Kind::kTreatments, "drug",
                                                   std::string(100, 'd')));
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "drug", std::string(101, 'd')),
                   "drug", "at most 100");
}

// ---------------------------------------------------------------- Deaths

TEST(DeathRecordTest, CauseIsOptionalAndAtMost200Characters) {
  EXPECT_EQ(
      ParseOk<DeathRecord>(Kind::kDeaths, With(Kind::kDeaths, "cause", ""))
          .cause,
      "");
  EXPECT_EQ(ParseOk<DeathRecord>(Kind::kDeaths, With(Kind::kDeaths, "cause",
                                                     std::string(200, 'c')))
                .cause,
            std::string(200, 'c'));
  ExpectRejectedOn(Kind::kDeaths,
                   With(Kind::kDeaths, "cause", std::string(201, 'c')), "cause",
                   "at most 200");
  ExpectRejectedOn(Kind::kDeaths, With(Kind::kDeaths, "cause", "a\x01z"),
                   "cause", "control characters");
}

TEST(DeathRecordTest, CauseCodeIsOptionalAndReadsAsUnknown) {
  EXPECT_EQ(
      ParseOk<DeathRecord>(Kind::kDeaths, With(Kind::kDeaths, "cause_code", ""))
          .cause_code,
      DeathCause::kUnknown);
  EXPECT_EQ(
      ParseOk<DeathRecord>(Kind::kDeaths, ValidRow(Kind::kDeaths)).cause_code,
      DeathCause::kInfection);
  EXPECT_EQ(
      ParseOk<DeathRecord>(Kind::kDeaths, With(Kind::kDeaths, "cause_code",
                                               "secondary_malignancy"))
          .cause_code,
      DeathCause::kSecondaryMalignancy);
  ExpectRejectedOn(Kind::kDeaths, With(Kind::kDeaths, "cause_code", "sepsis"),
                   "cause_code", "gvhd");
  // A row is read against every column, the newer ones too (a CSV file
  // may leave them out: its header maps the columns).
  const Parsed<Record> short_row =
      Parse(Kind::kDeaths, {"P-001", "2025-12-31", "sepsis"});
  EXPECT_FALSE(short_row.value.has_value());
  EXPECT_EQ(short_row.violations.size(), 1u);
}

// ---------------------------------------------------------------- Treatments
// (class, dose)

TEST(TreatmentRecordTest, ClassDoseAndProtocol) {
  const TreatmentRecord valid =
      ParseOk<TreatmentRecord>(Kind::kTreatments, ValidRow(Kind::kTreatments));
  EXPECT_EQ(valid.treatment_class, TreatmentClass::kDmt);
  EXPECT_EQ(valid.dose, 300);
  EXPECT_EQ(valid.dose_unit, "mg/month");
  EXPECT_FALSE(valid.protocol);

  Row bare = ValidRow(Kind::kTreatments);
  for (std::string_view column : {"class", "dose", "dose_unit", "protocol"}) {
    bare[ColumnIndex(Kind::kTreatments, column)] = "";
  }
  const TreatmentRecord defaults =
      ParseOk<TreatmentRecord>(Kind::kTreatments, bare);
  EXPECT_EQ(defaults.treatment_class, TreatmentClass::kOther);
  EXPECT_EQ(defaults.dose, std::nullopt);
  EXPECT_EQ(defaults.dose_unit, "");
  EXPECT_FALSE(defaults.protocol);

  EXPECT_TRUE(ParseOk<TreatmentRecord>(
                  Kind::kTreatments, With(Kind::kTreatments, "protocol", "yes"))
                  .protocol);
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "protocol", "true"), "protocol");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "class", "DMT"),
                   "class", "immunosuppressant");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "dose", "0"),
                   "dose", "more than 0");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "dose", "-1"),
                   "dose");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "dose", "100001"),
                   "dose");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "dose", "ten"),
                   "dose");
  ExpectRejectedOn(Kind::kTreatments, With(Kind::kTreatments, "dose_unit", ""),
                   "dose_unit", "with a dose");
  ExpectRejectedOn(Kind::kTreatments,
                   With(Kind::kTreatments, "dose_unit", std::string(33, 'u')),
                   "dose_unit", "at most 32");
  Row unit_only = ValidRow(Kind::kTreatments);
  unit_only[ColumnIndex(Kind::kTreatments, "dose")] = "";
  ExpectRejectedOn(Kind::kTreatments, unit_only, "dose", "dose_unit");

  Row steroid = With(Kind::kTreatments, "class", "corticosteroid");
  ExpectRejectedOn(Kind::kTreatments, steroid, "dose_unit", "mg/day");
  steroid[ColumnIndex(Kind::kTreatments, "dose_unit")] = "mg/day";
  EXPECT_EQ(
      ParseOk<TreatmentRecord>(Kind::kTreatments, steroid).treatment_class,
      TreatmentClass::kCorticosteroid);
}

// ---------------------------------------------------------------- Adverse
// events

TEST(AdverseEventRecordTest, TheGradeScaleFollowsTheCategory) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> scales = {
      {"infection", {"1", "2", "3", "4", "5"}},
      {"viral_reactivation", {"1", "5"}},
      {"secondary_autoimmune_disease", {"2"}},
      {"malignancy", {"4"}},
      {"organ_toxicity", {"3"}},
      {"other", {"1"}},
      {"acute_gvhd", {"I", "II", "III", "IV"}},
      {"chronic_gvhd", {"mild", "moderate", "severe"}}};
  const std::vector<std::string> all = {"1",  "2",    "3",        "4",
                                        "5",  "I",    "II",       "III",
                                        "IV", "mild", "moderate", "severe"};
  for (const auto& [category, grades] : scales) {
    Row row = With(Kind::kAdverseEvents, "category", category);
    for (const std::string& grade : all) {
      SCOPED_TRACE(category + " " + grade);
      row[ColumnIndex(Kind::kAdverseEvents, "grade")] = grade;
      const bool fits =
          std::find(grades.begin(), grades.end(), grade) != grades.end();
      const bool ctcae = category != "acute_gvhd" && category != "chronic_gvhd";
      if (fits ||
          (ctcae && grade.size() == 1 && grade[0] >= '1' && grade[0] <= '5')) {
        EXPECT_EQ(
            AdverseEventGradeCode(
                ParseOk<AdverseEventRecord>(Kind::kAdverseEvents, row).grade),
            grade);
      } else {
        ExpectRejectedOn(Kind::kAdverseEvents, row, "grade", category);
      }
    }
  }
  ExpectRejectedOn(Kind::kAdverseEvents,
                   With(Kind::kAdverseEvents, "grade", "6"), "grade");
  ExpectRejectedOn(Kind::kAdverseEvents,
                   With(Kind::kAdverseEvents, "grade", ""), "grade",
                   "required");
}

TEST(AdverseEventRecordTest, FieldsAreCheckedOneByOne) {
  ExpectRejectedOn(Kind::kAdverseEvents,
                   With(Kind::kAdverseEvents, "category", "sepsis"), "category",
                   "viral_reactivation");
  ExpectRejectedOn(Kind::kAdverseEvents,
                   With(Kind::kAdverseEvents, "onset_date", ""), "onset_date");
  ExpectRejectedOn(Kind::kAdverseEvents,
                   {"P-001", "2030-01-01", "infection", "3", "", ""},
                   "onset_date", "future");
  ExpectRejectedOn(Kind::kAdverseEvents,
                   With(Kind::kAdverseEvents, "resolution_date", "2015-03-19"),
                   "resolution_date", "before onset_date");
  EXPECT_EQ(ParseOk<AdverseEventRecord>(
                Kind::kAdverseEvents,
                With(Kind::kAdverseEvents, "resolution_date", "2015-03-20"))
                .resolution_date,
            Date(2015, 3, 20));
  EXPECT_EQ(ParseOk<AdverseEventRecord>(
                Kind::kAdverseEvents,
                With(Kind::kAdverseEvents, "resolution_date", ""))
                .resolution_date,
            std::nullopt);
  ExpectRejectedOn(
      Kind::kAdverseEvents,
      With(Kind::kAdverseEvents, "description", std::string(201, 'd')),
      "description", "at most 200");
}

// ---------------------------------------------------------------- Engraftment

TEST(EngraftmentRecordTest, RecoveryDatesAreOptionalAndNotBeforeTheTransplant) {
  Row row = ValidRow(Kind::kEngraftment);
  row[2] = "";
  row[3] = "";
  const EngraftmentRecord bare =
      ParseOk<EngraftmentRecord>(Kind::kEngraftment, row);
  EXPECT_EQ(bare.neutrophil_date, std::nullopt);
  EXPECT_EQ(bare.platelet_date, std::nullopt);
  EXPECT_EQ(ParseOk<EngraftmentRecord>(
                Kind::kEngraftment,
                With(Kind::kEngraftment, "neutrophil_date", "2015-03-04"))
                .neutrophil_date,
            Date(2015, 3, 4));
  ExpectRejectedOn(Kind::kEngraftment,
                   With(Kind::kEngraftment, "neutrophil_date", "2015-03-03"),
                   "neutrophil_date", "before transplant_date");
  ExpectRejectedOn(Kind::kEngraftment,
                   With(Kind::kEngraftment, "platelet_date", "2015-01-01"),
                   "platelet_date", "before transplant_date");
  ExpectRejectedOn(Kind::kEngraftment,
                   With(Kind::kEngraftment, "transplant_date", ""),
                   "transplant_date");
}

// ---------------------------------------------------------------- Disease
// status

TEST(DiseaseStatusRecordTest, StatusIsOneOfTheCodes) {
  for (std::string_view code :
       {"remission", "improved", "stable", "relapse", "progression"}) {
    EXPECT_EQ(DiseaseStateCode(
                  ParseOk<DiseaseStatusRecord>(
                      Kind::kDiseaseStatus,
                      With(Kind::kDiseaseStatus, "status", std::string(code)))
                      .status),
              code);
  }
  ExpectRejectedOn(Kind::kDiseaseStatus,
                   With(Kind::kDiseaseStatus, "status", "CR"), "status",
                   "remission");
  ExpectRejectedOn(Kind::kDiseaseStatus,
                   With(Kind::kDiseaseStatus, "status", ""), "status");
  ExpectRejectedOn(Kind::kDiseaseStatus,
                   With(Kind::kDiseaseStatus, "status_date", "2016-02-30"),
                   "status_date");
}

// ---------------------------------------------------------------- Disease
// measures

TEST(RelapseRecordTest, ThePhenotypeIsOptionalAndCoded) {
  EXPECT_EQ(ParseOk<RelapseRecord>(Kind::kRelapses,
                                   With(Kind::kRelapses, "phenotype", ""))
                .phenotype,
            std::nullopt);
  EXPECT_EQ(
      ParseOk<RelapseRecord>(
          Kind::kRelapses, With(Kind::kRelapses, "phenotype", "area_postrema"))
          .phenotype,
      AttackPhenotype::kAreaPostrema);
  ExpectRejectedOn(Kind::kRelapses,
                   With(Kind::kRelapses, "phenotype", "optic neuritis"),
                   "phenotype", "optic_neuritis");
}

TEST(SscAssessmentRecordTest, EachMeasureHasItsRangeAndOneIsNeeded) {
  const SscAssessmentRecord a = ParseOk<SscAssessmentRecord>(
      Kind::kSscAssessments, ValidRow(Kind::kSscAssessments));
  EXPECT_EQ(a.mrss, 22);
  EXPECT_EQ(a.fvc_pct, 78.5);
  EXPECT_EQ(a.haq_di, 1.25);
  const Kind k = Kind::kSscAssessments;
  ExpectRejectedOn(k, With(k, "mrss", "52"), "mrss", "between 0 and 51");
  ExpectRejectedOn(k, With(k, "mrss", "20.5"), "mrss");
  ExpectRejectedOn(k, With(k, "fvc_pct", "9"), "fvc_pct", "between 10");
  ExpectRejectedOn(k, With(k, "dlco_pct", "201"), "dlco_pct");
  ExpectRejectedOn(k, With(k, "lvef_pct", "96"), "lvef_pct");
  ExpectRejectedOn(k, With(k, "haq_di", "1.3"), "haq_di", "steps of 0.125");
  ExpectRejectedOn(k, With(k, "haq_di", "3.125"), "haq_di");
  ExpectRejectedOn(k, With(k, "patient_global", "11"), "patient_global");
  ExpectRejectedOn(k, With(k, "physician_global", "-1"), "physician_global");
  // Any one measure is enough; none is an error.
  Row only_fvc = {"P-001", "2016-03-04", "", "80", "", "", "", "", ""};
  EXPECT_EQ(ParseOk<SscAssessmentRecord>(k, only_fvc).mrss, std::nullopt);
  ExpectRejectedOn(k, {"P-001", "2016-03-04", "", "", "", "", "", "", ""},
                   "mrss", "at least one measure");
  // An unreadable measure is reported as itself, not as missing.
  ExpectRejectedOn(k, {"P-001", "2016-03-04", "x", "", "", "", "", "", ""},
                   "mrss", "whole number");
}

TEST(OrganFailureRecordTest, OrganAndPersistenceAreRequired) {
  const Kind k = Kind::kOrganFailures;
  const OrganFailureRecord f = ParseOk<OrganFailureRecord>(k, ValidRow(k));
  EXPECT_EQ(f.organ, Organ::kKidney);
  EXPECT_TRUE(f.persistent);
  ExpectRejectedOn(k, With(k, "organ", "liver"), "organ", "heart");
  EXPECT_FALSE(
      ParseOk<OrganFailureRecord>(k, With(k, "persistent", "")).persistent);
  ExpectRejectedOn(k, With(k, "persistent", "maybe"), "persistent");
  ExpectRejectedOn(k, With(k, "kind", ""), "kind");
}

TEST(SleAssessmentRecordTest, DescriptorsAreASetOfTheTwentyFourNames) {
  const Kind k = Kind::kSleAssessments;
  const SleAssessmentRecord a = ParseOk<SleAssessmentRecord>(
      k, With(k, "sledai_descriptors", "rash|arthritis|low_complement"));
  EXPECT_EQ(a.descriptors, Bit(SledaiDescriptor::kArthritis) |
                               Bit(SledaiDescriptor::kRash) |
                               Bit(SledaiDescriptor::kLowComplement));
  // Canonical text in the order of the form, whatever order was given.
  EXPECT_EQ(ToRow(Record(a))[2], "arthritis|rash|low_complement");
  EXPECT_EQ(ParseOk<SleAssessmentRecord>(k, With(k, "sledai_descriptors", ""))
                .descriptors,
            0u);
  ExpectRejectedOn(k, With(k, "sledai_descriptors", "arthritis|nephritis"),
                   "sledai_descriptors",
                   "'nephritis' is not a SLEDAI-2K descriptor");
  ExpectRejectedOn(k, With(k, "sledai_descriptors", "rash|rash"),
                   "sledai_descriptors", "'rash' is given twice");
  ExpectRejectedOn(k, With(k, "sledai_descriptors", "rash,fever"),
                   "sledai_descriptors", "'rash,fever'");
  ExpectRejectedOn(k, With(k, "pga", "3.5"), "pga", "between 0 and 3");
  ExpectRejectedOn(k, With(k, "prednisolone_mg_day", "-5"),
                   "prednisolone_mg_day");
  std::string every;
  for (int i = 0; i < kSledaiDescriptorCount; ++i) {
    if (i) every += "|";
    every += SledaiDescriptorName(static_cast<SledaiDescriptor>(i));
  }
  EXPECT_EQ(
      ParseOk<SleAssessmentRecord>(k, With(k, "sledai_descriptors", every))
          .descriptors,
      (1u << kSledaiDescriptorCount) - 1);
}

TEST(ConsentRecordTest, ScopesAreASetOfThreeNamesAndAWithdrawalFollows) {
  const Kind k = Kind::kConsents;
  const ConsentRecord c = ParseOk<ConsentRecord>(
      k, With(k, "scopes", "transfer_outside_eea|registry"));
  EXPECT_EQ(c.scopes, kConsentRegistry | kConsentTransferOutsideEea);
  // Written in their canonical order, whatever order they came in.
  EXPECT_EQ(ToRow(Record(c))[3], "registry|transfer_outside_eea");
  ExpectRejectedOn(k, With(k, "scopes", "registry|marketing"), "scopes",
                   "'marketing' is not a scope");
  ExpectRejectedOn(k, With(k, "scopes", "research|research"), "scopes",
                   "given twice");
  ExpectRejectedOn(k, With(k, "scopes", ""), "scopes");
  ExpectRejectedOn(k, With(k, "form_version", ""), "form_version");
  ExpectRejectedOn(k, With(k, "withdrawal_date", "2010-01-01"),
                   "withdrawal_date");
  EXPECT_FALSE(ParseOk<ConsentRecord>(k, With(k, "withdrawal_date", ""))
                   .withdrawal_date.has_value());
}

TEST(LabResultRecordTest, AResultOrAValueWithItsUnit) {
  const Kind k = Kind::kLabResults;
  const LabResultRecord l = ParseOk<LabResultRecord>(k, ValidRow(k));
  EXPECT_EQ(l.result, LabResultState::kPositive);
  EXPECT_EQ(l.value, std::nullopt);
  const Row c3 = {"P-001", "2016-03-04", "c3", "", "0.62", "g/L", "", ""};
  EXPECT_EQ(ParseOk<LabResultRecord>(k, c3).value, 0.62);
  ExpectRejectedOn(k, {"P-001", "2016-03-04", "c3", "", "", "", "", ""},
                   "result", "a result, a value or both");
  ExpectRejectedOn(k, {"P-001", "2016-03-04", "c3", "", "0.62", "", "", ""},
                   "unit", "required with a value");
  ExpectRejectedOn(k,
                   {"P-001", "2016-03-04", "c3", "negative", "", "g/L", "", ""},
                   "value", "required with a unit");
  ExpectRejectedOn(k, With(k, "test", "AQP4-IgG"), "test", "a-z, 0-9 and _");
  ExpectRejectedOn(k, With(k, "result", "weak"), "result", "positive");
  ExpectRejectedOn(k, With(k, "test", ""), "test");
}

// ---------------------------------------------------------------- All at once

TEST(ParseRecordTest, EveryViolationOfARowIsReported) {
  const Parsed<Record> visit =
      Parse(Kind::kVisits, {"bad id", "2021-02-30", "3.3"});
  EXPECT_FALSE(visit.value.has_value());
  EXPECT_THAT(FieldsOf(visit.violations),
              ElementsAre("patient_id", "visit_date", "edss"));

  const Parsed<Record> patient =
      Parse(Kind::kPatients, {"", "Q", "1800", "MS", "2021-02-29"});
  EXPECT_FALSE(patient.value.has_value());
  EXPECT_THAT(FieldsOf(patient.violations),
              ElementsAre("patient_id", "sex", "birth_year", "disease",
                          "diagnosis_date"));

  const Parsed<Record> mri =
      Parse(Kind::kMri, {"P-001", "", "-1", "x", "", "200"});
  EXPECT_THAT(FieldsOf(mri.violations),
              ElementsAre("scan_date", "new_t2", "enlarging_t2", "gd_enhancing",
                          "brain_volume_change_pct"));
}

// ---------------------------------------------------------------- Text form

// Records of every kind, including optional values present and absent.
std::vector<Record> SampleRecords() {
  return {
      PatientRecord{"P-001", Sex::kMale, 1975, Disease::kNmosd,
                    Date(2001, 2, 3)},
      PatientRecord{"x", Sex::kOther, 1900, Disease::kOther, Date(1900, 1, 1)},
      TransplantRecord{"P-001", Date(2015, 3, 4), TransplantType::kAllogeneic,
                       "Cy/ATG 200"},
      VisitRecord{"P-001", Date(2021, 3, 4), 0},
      VisitRecord{"P-001", Date(2021, 3, 5), 6},
      VisitRecord{"P-001", Date(2021, 3, 6), 9.5},
      RelapseRecord{"P.002", Date(2019, 7, 8)},
      MriRecord{"P-001", Date(2020, 1, 2), 3, 0, 1, -0.35},
      MriRecord{"P-001", Date(2020, 1, 3), 0, 0, 0, std::nullopt},
      MriRecord{"P-001", Date(2020, 1, 4), 1, 2, 3, 0.1},
      TreatmentRecord{"P-001", "ocrelizumab 600 mg", Date(2018, 1, 1),
                      Date(2019, 1, 1)},
      TreatmentRecord{"P-001", "cladribine", Date(2018, 1, 1), std::nullopt},
      TreatmentRecord{"P-001", "prednisolone", Date(2015, 3, 1),
                      Date(2015, 6, 1), TreatmentClass::kCorticosteroid, 7.5,
                      "mg/day", true},
      DeathRecord{"P-001", Date(2025, 12, 31), "pneumonia, aspiration"},
      DeathRecord{"P-001", Date(2025, 12, 31), "", DeathCause::kDisease},
      AdverseEventRecord{"P-001", Date(2015, 3, 20),
                         AdverseEventCategory::kViralReactivation,
                         AdverseEventGrade::k2, Date(2015, 4, 1), "EBV"},
      AdverseEventRecord{"P-001", Date(2016, 1, 2),
                         AdverseEventCategory::kAcuteGvhd,
                         AdverseEventGrade::kIII, std::nullopt, ""},
      AdverseEventRecord{"P-001", Date(2017, 1, 2),
                         AdverseEventCategory::kChronicGvhd,
                         AdverseEventGrade::kModerate, std::nullopt, ""},
      EngraftmentRecord{"P-001", Date(2015, 3, 4), Date(2015, 3, 15),
                        std::nullopt},
      EngraftmentRecord{"P-001", Date(2015, 3, 4), std::nullopt, std::nullopt},
      DiseaseStatusRecord{"P-001", Date(2016, 3, 4), DiseaseState::kRelapse},
      RelapseRecord{"P-001", Date(2019, 7, 9), AttackPhenotype::kCerebral},
      SscAssessmentRecord{"P-001", Date(2016, 3, 4), 0, 78.5, std::nullopt,
                          std::nullopt, 3, 0, 10},
      SscAssessmentRecord{"P-001", Date(2016, 3, 5), std::nullopt, 80},
      OrganFailureRecord{"P-001", Date(2016, 5, 1), Organ::kHeart,
                         "LVEF < 30 %", false},
      SleAssessmentRecord{"P-001", Date(2016, 3, 4), 0, 0, 0},
      SleAssessmentRecord{
          "P-001", Date(2016, 3, 5),
          Bit(SledaiDescriptor::kSeizure) | Bit(SledaiDescriptor::kLeukopenia),
          std::nullopt, std::nullopt},
      LabResultRecord{"P-001", Date(2016, 3, 4), "c4", std::nullopt, 0.1, "g/L",
                      "", ""},
      LabResultRecord{"P-001", Date(2016, 3, 4), "aqp4_igg",
                      LabResultState::kNegative, std::nullopt, "", "", ""},
      ConsentRecord{"P-001", Date(2014, 11, 2), "v3.1",
                    kConsentRegistry | kConsentTransferOutsideEea,
                    std::nullopt},
      ConsentRecord{"P-001", Date(2015, 1, 2), "v4", kConsentRegistry,
                    Date(2020, 1, 1)},
  };
}

// ------------------------------------------------- Typed values (proto)

TEST(BuildRecordTest, ValuesOfARecordBuildItBackForEveryKind) {
  for (const Record& record : SampleRecords()) {
    const Parsed<Record> built =
        BuildRecord({KindOf(record), ValuesOf(record), {}}, kToday);
    EXPECT_THAT(built.violations, IsEmpty()) << KindText(KindOf(record));
    EXPECT_EQ(built.value, record);
    EXPECT_EQ(BuildRecordKey({KindOf(record), ValuesOf(record), {}}).value,
              KeyOf(record));
  }
}

TEST(BuildRecordTest, ChecksTypedValuesWithTheWordsOfTheCsvPath) {
  // EDSS 3.25, a lesion count out of range, a future date: the same
  // violations as the same values in CSV cells.
  const Parsed<Record> visit = BuildRecord(
      {Kind::kVisits, {std::string("P-001"), Date(2021, 3, 4), 3.25}, {}},
      kToday);
  EXPECT_EQ(
      visit.violations,
      Parse(Kind::kVisits, With(Kind::kVisits, "edss", "3.25")).violations);
  ASSERT_EQ(visit.violations.size(), 1u);
  EXPECT_EQ(visit.violations[0].field, "edss");

  const Parsed<Record> mri =
      BuildRecord({Kind::kMri,
                   {std::string("P-001"), Date(2027, 1, 2), int64_t{1},
                    int64_t{10001}, int64_t{2}, std::monostate{}},
                   {}},
                  kToday);
  EXPECT_THAT(FieldsOf(mri.violations),
              ElementsAre("scan_date", "enlarging_t2"));
  Row row = With(Kind::kMri, "scan_date", "2027-01-02");
  row[ColumnIndex(Kind::kMri, "enlarging_t2")] = "10001";
  row[ColumnIndex(Kind::kMri, "brain_volume_change_pct")] = "";
  EXPECT_EQ(mri.violations, Parse(Kind::kMri, row).violations);
}

TEST(BuildRecordTest, AValueOfTheWrongTypeIsAViolationNotACrash) {
  // A date sent as text, a number as a code: a caller's mistake, reported.
  const Parsed<Record> built = BuildRecord(
      {Kind::kVisits,
       {std::string("P-001"), std::string("2021-03-04"), CodeIndex{1}},
       {}},
      kToday);
  EXPECT_FALSE(built.value.has_value());
  EXPECT_THAT(FieldsOf(built.violations), ElementsAre("visit_date", "edss"));
  EXPECT_THAT(built.violations[0].description, HasSubstr("must be a date"));
  EXPECT_FALSE(
      BuildRecordKey(
          {Kind::kVisits, {std::string("P-001"), 2.0, std::monostate{}}, {}})
          .value.has_value());
}

TEST(BuildRecordTest, NoKindAndTheWrongNumberOfValuesAreViolations) {
  EXPECT_THAT(FieldsOf(BuildRecord({}, kToday).violations), ElementsAre(""));
  EXPECT_THAT(FieldsOf(BuildRecordKey({}).violations), ElementsAre(""));
  const Parsed<Record> short_values =
      BuildRecord({Kind::kVisits, {std::string("P-001")}, {}}, kToday);
  ASSERT_EQ(short_values.violations.size(), 1u);
  EXPECT_EQ(short_values.violations[0].description, "wrong number of values");
}

TEST(BuildRecordTest, ViolationsOfReadingComeFirstAndUnreadableIsNotMissing) {
  RecordValues in = ReadRow(Kind::kVisits, {"P-001", "04/03/2021", "x"});
  ASSERT_EQ(in.violations.size(), 2u);
  const Parsed<Record> built = BuildRecord(in, kToday);
  // Two problems, not four: an unreadable cell is not also "missing".
  EXPECT_THAT(FieldsOf(built.violations), ElementsAre("visit_date", "edss"));
  EXPECT_EQ(built.violations,
            Parse(Kind::kVisits, {"P-001", "04/03/2021", "x"}).violations);
}

TEST(RoundTripTest, ParseOfToRowGivesBackTheRecordForEveryKind) {
  std::set<Kind> kinds_seen;
  for (const Record& record : SampleRecords()) {
    const Kind kind = KindOf(record);
    kinds_seen.insert(kind);
    const Row row = ToRow(record);
    SCOPED_TRACE(absl::StrCat(KindText(kind), ": ", absl::StrJoin(row, ",")));
    ASSERT_EQ(row.size(), ColumnsOf(kind).size());
    const Parsed<Record> parsed = Parse(kind, row);
    EXPECT_THAT(parsed.violations, IsEmpty());
    ASSERT_TRUE(parsed.value.has_value());
    EXPECT_EQ(*parsed.value, record);
    EXPECT_EQ(ToRow(*parsed.value), row);
  }
  EXPECT_EQ(kinds_seen.size(), kAllKinds.size());
}

TEST(RoundTripTest, CanonicalRowsAreReproducedExactly) {
  for (Kind kind : kAllKinds) {
    const Parsed<Record> parsed = Parse(kind, ValidRow(kind));
    ASSERT_TRUE(parsed.value.has_value()) << KindText(kind);
    EXPECT_EQ(ToRow(*parsed.value), ValidRow(kind)) << KindText(kind);
  }
}

TEST(RoundTripTest, ToRowCanonicalisesNumbers) {
  const std::vector<std::pair<std::string, std::string>> edss = {
      {"6", "6.0"},
      {"0", "0.0"},
      {"10", "10.0"},
      {"+6.50", "6.5"},
      {"1.0", "1.0"}};
  for (const auto& [in, out] : edss) {
    const Parsed<Record> parsed =
        Parse(Kind::kVisits, With(Kind::kVisits, "edss", in));
    ASSERT_TRUE(parsed.value.has_value()) << in;
    EXPECT_EQ(ToRow(*parsed.value)[2], out) << in;
  }
  const std::vector<std::pair<std::string, std::string>> bvc = {
      {"-0.350", "-0.35"}, {"+1.50", "1.5"}, {"0.10", "0.1"}, {"-2", "-2"}};
  for (const auto& [in, out] : bvc) {
    const Parsed<Record> parsed =
        Parse(Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", in));
    ASSERT_TRUE(parsed.value.has_value()) << in;
    EXPECT_EQ(ToRow(*parsed.value)[5], out) << in;
  }
  const Parsed<Record> counts =
      Parse(Kind::kMri, {"P-001", "2020-01-02", "007", "00", "10", ""});
  ASSERT_TRUE(counts.value.has_value());
  EXPECT_THAT(ToRow(*counts.value),
              ElementsAre("P-001", "2020-01-02", "7", "0", "10", ""));
}

TEST(RoundTripTest, FormatNumberIsShortestExact) {
  EXPECT_EQ(FormatNumber(-0.35), "-0.35");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.3333333333333333");
}

TEST(RoundTripTest, WholeNumbersOfTwoOrMoreDigitsAreDecimal) {
  EXPECT_EQ(FormatNumber(10), "10");
  EXPECT_EQ(FormatNumber(100), "100");
  EXPECT_EQ(FormatNumber(-20), "-20");
  const Parsed<Record> parsed =
      Parse(Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", "10"));
  ASSERT_TRUE(parsed.value.has_value());
  EXPECT_EQ(ToRow(*parsed.value)[5], "10");
}

TEST(RoundTripTest, NegativeZeroHasTheSameCanonicalTextAsZero) {
  const Parsed<Record> visit =
      Parse(Kind::kVisits, With(Kind::kVisits, "edss", "-0"));
  ASSERT_TRUE(visit.value.has_value());
  EXPECT_EQ(ToRow(*visit.value)[2], "0.0");
  const Parsed<Record> mri =
      Parse(Kind::kMri, With(Kind::kMri, "brain_volume_change_pct", "-0"));
  ASSERT_TRUE(mri.value.has_value());
  EXPECT_EQ(ToRow(*mri.value)[5], "0");
}

// ---------------------------------------------------------------- Keys

TEST(KeyTest, KeyOfMatchesTheDocumentedKeyForEveryKind) {
  const std::vector<std::pair<Kind, std::string>> expected = {
      {Kind::kPatients, ""},
      {Kind::kTransplants, "2015-03-04"},
      {Kind::kVisits, "2021-03-04"},
      {Kind::kRelapses, "2019-07-08"},
      {Kind::kMri, "2020-01-02"},
      {Kind::kTreatments, "natalizumab|2012-01-01"},
      {Kind::kDeaths, ""},
      {Kind::kAdverseEvents, "2015-03-20|infection"},
      {Kind::kEngraftment, "2015-03-04"},
      {Kind::kDiseaseStatus, "2016-03-04"},
      {Kind::kSscAssessments, "2016-03-04"},
      {Kind::kOrganFailures, "2016-05-01|kidney"},
      {Kind::kSleAssessments, "2016-03-04"},
      {Kind::kLabResults, "2016-03-04|aqp4_igg"},
      {Kind::kConsents, "2014-11-02"}};
  ASSERT_EQ(expected.size(), kAllKinds.size());
  for (const auto& [kind, key] : expected) {
    const Parsed<Record> parsed = Parse(kind, ValidRow(kind));
    ASSERT_TRUE(parsed.value.has_value()) << KindText(kind);
    EXPECT_EQ(KeyOf(*parsed.value), (RecordKey{kind, "P-001", key}))
        << KindText(kind);
  }
}

TEST(KeyTest, ParseRecordKeyAgreesWithKeyOfForEveryKind) {
  for (const Record& record : SampleRecords()) {
    const Kind kind = KindOf(record);
    const Parsed<RecordKey> key = ParseRecordKey(kind, ToRow(record));
    EXPECT_THAT(key.violations, IsEmpty()) << KindText(kind);
    ASSERT_TRUE(key.value.has_value()) << KindText(kind);
    EXPECT_EQ(*key.value, KeyOf(record)) << KindText(kind);
  }
}

TEST(KeyTest, ParseRecordKeyIgnoresNonKeyCells) {
  for (Kind kind : kAllKinds) {
    SCOPED_TRACE(KindText(kind));
    Row row = ValidRow(kind);
    absl::Span<const Column> columns = ColumnsOf(kind);
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!columns[i].key) row[i] = "";  // even required ones
    }
    const Parsed<RecordKey> key = ParseRecordKey(kind, row);
    EXPECT_THAT(key.violations, IsEmpty());
    ASSERT_TRUE(key.value.has_value());
    EXPECT_EQ(*key.value, KeyOf(*Parse(kind, ValidRow(kind)).value));
  }
}

TEST(KeyTest, ParseRecordKeyRejectsBadKeyCells) {
  Parsed<RecordKey> bad_date = ParseRecordKey(
      Kind::kVisits, With(Kind::kVisits, "visit_date", "2021-02-29"));
  EXPECT_FALSE(bad_date.value.has_value());
  EXPECT_THAT(FieldsOf(bad_date.violations), ElementsAre("visit_date"));

  Parsed<RecordKey> no_drug =
      ParseRecordKey(Kind::kTreatments, With(Kind::kTreatments, "drug", ""));
  EXPECT_FALSE(no_drug.value.has_value());
  EXPECT_THAT(FieldsOf(no_drug.violations), ElementsAre("drug"));

  Parsed<RecordKey> bad_id = ParseRecordKey(
      Kind::kPatients, With(Kind::kPatients, "patient_id", "P 1"));
  EXPECT_FALSE(bad_id.value.has_value());
  EXPECT_THAT(FieldsOf(bad_id.violations), ElementsAre("patient_id"));

  Parsed<RecordKey> short_row = ParseRecordKey(Kind::kVisits, {"P-001"});
  EXPECT_FALSE(short_row.value.has_value());
  EXPECT_EQ(short_row.violations.size(), 1u);
}

// ---------------------------------------------------------------- Patient
// rules

Record Visit(Date date) { return VisitRecord{"P-001", date, 2.0}; }

TEST(CheckAgainstPatientTest, ValidRecordsHaveNoViolations) {
  PatientFacts facts;
  facts.birth_year = 1980;
  facts.death_date = Date(2025, 12, 31);
  facts.latest_record_date = Date(2021, 3, 4);
  facts.latest_transplant_date = Date(2015, 3, 4);
  facts.transplants_loaded = true;
  facts.transplants = {{Date(2015, 3, 4), TransplantType::kAutologous}};
  // Only the transplant an engraftment belongs to is needed besides.
  PatientFacts bare;
  bare.transplants_loaded = true;
  bare.transplants = facts.transplants;
  for (Kind kind : kAllKinds) {
    const Parsed<Record> parsed = Parse(kind, ValidRow(kind));
    ASSERT_TRUE(parsed.value.has_value());
    EXPECT_THAT(CheckAgainstPatient(*parsed.value, facts, /*is_new=*/false),
                IsEmpty())
        << KindText(kind);
    EXPECT_THAT(CheckAgainstPatient(*parsed.value, bare, true), IsEmpty())
        << KindText(kind);
  }
}

TEST(CheckAgainstPatientTest, DiseaseMeasuresOnlyForTheirDisease) {
  PatientFacts facts;
  for (Kind kind :
       {Kind::kSscAssessments, Kind::kOrganFailures, Kind::kSleAssessments}) {
    const Parsed<Record> parsed = Parse(kind, ValidRow(kind));
    ASSERT_TRUE(parsed.value.has_value());
    facts.disease = *DiseaseOfKind(kind);
    EXPECT_THAT(CheckAgainstPatient(*parsed.value, facts, true), IsEmpty());
    facts.disease = Disease::kRrms;
    const std::vector<FieldViolation> found =
        CheckAgainstPatient(*parsed.value, facts, true);
    ASSERT_EQ(found.size(), 1u) << KindText(kind);
    EXPECT_EQ(found[0].field, "patient_id");
    EXPECT_THAT(found[0].description,
                HasSubstr("this patient's disease is RRMS"));
  }
  // Lab results and relapses are for every disease.
  facts.disease = Disease::kNmosd;
  for (Kind kind : {Kind::kLabResults, Kind::kRelapses}) {
    EXPECT_THAT(
        CheckAgainstPatient(*Parse(kind, ValidRow(kind)).value, facts, true),
        IsEmpty());
  }
}

TEST(CheckAgainstPatientTest, EngraftmentBelongsToARecordedTransplant) {
  PatientFacts facts;
  facts.transplants_loaded = true;
  const Record engraftment = EngraftmentRecord{"P-001", Date(2015, 3, 4),
                                               Date(2015, 3, 15), std::nullopt};
  std::vector<FieldViolation> none =
      CheckAgainstPatient(engraftment, facts, true);
  EXPECT_THAT(FieldsOf(none), ElementsAre("transplant_date"));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_THAT(none[0].description, HasSubstr("none recorded"));

  facts.transplants = {{Date(2014, 1, 2), TransplantType::kAutologous},
                       {Date(2016, 5, 6), TransplantType::kAutologous}};
  std::vector<FieldViolation> other =
      CheckAgainstPatient(engraftment, facts, true);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_THAT(other[0].description,
              HasSubstr("recorded: 2014-01-02, 2016-05-06"));

  facts.transplants.push_back({Date(2015, 3, 4), TransplantType::kAllogeneic});
  EXPECT_THAT(CheckAgainstPatient(engraftment, facts, true), IsEmpty());
  EXPECT_TRUE(TransplantsNeeded(Kind::kEngraftment));
  EXPECT_TRUE(TransplantsNeeded(Kind::kAdverseEvents));
  EXPECT_FALSE(TransplantsNeeded(Kind::kVisits));
}

TEST(CheckAgainstPatientTest, GvhdOnlyAfterAnAllogeneicTransplant) {
  auto event = [](AdverseEventCategory category, AdverseEventGrade grade,
                  Date onset) -> Record {
    return AdverseEventRecord{"P-001", onset,        category,
                              grade,   std::nullopt, ""};
  };
  PatientFacts facts;
  facts.transplants_loaded = true;
  facts.transplants = {{Date(2015, 3, 4), TransplantType::kAutologous},
                       {Date(2018, 6, 1), TransplantType::kAllogeneic}};
  using C = AdverseEventCategory;
  using G = AdverseEventGrade;
  // After the autologous one only: refused, naming the category.
  std::vector<FieldViolation> early = CheckAgainstPatient(
      event(C::kAcuteGvhd, G::kII, Date(2018, 5, 31)), facts, true);
  EXPECT_THAT(FieldsOf(early), ElementsAre("category"));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_THAT(early[0].description, HasSubstr("allogeneic"));
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(
          event(C::kChronicGvhd, G::kMild, Date(2016, 1, 1)), facts, false)),
      ElementsAre("category"));
  // On or after the allogeneic one: accepted.
  EXPECT_THAT(CheckAgainstPatient(
                  event(C::kAcuteGvhd, G::kII, Date(2018, 6, 1)), facts, true),
              IsEmpty());
  EXPECT_THAT(
      CheckAgainstPatient(event(C::kChronicGvhd, G::kSevere, Date(2019, 1, 1)),
                          facts, true),
      IsEmpty());
  // Other categories need no transplant at all.
  EXPECT_THAT(CheckAgainstPatient(event(C::kInfection, G::k3, Date(2010, 1, 1)),
                                  PatientFacts{}, true),
              IsEmpty());
}

TEST(CheckAgainstPatientTest, NothingAfterDeath) {
  PatientFacts facts;
  facts.death_date = Date(2020, 6, 30);
  EXPECT_THAT(CheckAgainstPatient(Visit(Date(2020, 6, 30)), facts, true),
              IsEmpty());
  const std::vector<std::pair<Record, std::string>> after = {
      {Visit(Date(2020, 7, 1)), "visit_date"},
      {RelapseRecord{"P-001", Date(2020, 7, 1)}, "onset_date"},
      {MriRecord{"P-001", Date(2020, 7, 1), 0, 0, 0, std::nullopt},
       "scan_date"},
      {TransplantRecord{"P-001", Date(2020, 7, 1), TransplantType::kAutologous,
                        "BEAM"},
       "transplant_date"},
      {TreatmentRecord{"P-001", "rituximab", Date(2020, 7, 1), std::nullopt},
       "start_date"},
      {TreatmentRecord{"P-001", "rituximab", Date(2020, 1, 1),
                       Date(2020, 7, 1)},
       "end_date"},
  };
  for (const auto& [record, field] : after) {
    for (bool is_new : {true, false}) {
      const std::vector<FieldViolation> violations =
          CheckAgainstPatient(record, facts, is_new);
      EXPECT_THAT(FieldsOf(violations), ElementsAre(field))
          << KindText(KindOf(record));
      if (!violations.empty()) {
        EXPECT_THAT(violations[0].description, HasSubstr("2020-06-30"));
      }
    }
  }
}

TEST(CheckAgainstPatientTest, NoDeathBeforeTheLatestRecord) {
  PatientFacts facts;
  facts.latest_record_date = Date(2021, 3, 4);
  EXPECT_THAT(CheckAgainstPatient(DeathRecord{"P-001", Date(2021, 3, 4), ""},
                                  facts, true),
              IsEmpty());
  EXPECT_THAT(FieldsOf(CheckAgainstPatient(
                  DeathRecord{"P-001", Date(2021, 3, 3), ""}, facts, true)),
              ElementsAre("death_date"));
  EXPECT_THAT(FieldsOf(CheckAgainstPatient(
                  DeathRecord{"P-001", Date(2021, 3, 3), ""}, facts, false)),
              ElementsAre("death_date"));
}

TEST(CheckAgainstPatientTest, NoDateBeforeTheBirthYear) {
  PatientFacts facts;
  facts.birth_year = 1980;
  EXPECT_THAT(CheckAgainstPatient(Visit(Date(1980, 1, 1)), facts, true),
              IsEmpty());
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(Visit(Date(1979, 12, 31)), facts, true)),
      ElementsAre("visit_date"));
  EXPECT_THAT(FieldsOf(CheckAgainstPatient(
                  DeathRecord{"P-001", Date(1979, 12, 31), ""}, facts, true)),
              ElementsAre("death_date"));
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(
          TreatmentRecord{"P-001", "ifn", Date(1979, 1, 1), std::nullopt},
          facts, true)),
      ElementsAre("start_date"));
}

TEST(CheckAgainstPatientTest, TreatmentStartingBeforeBirthYearIsRejected) {
  PatientFacts facts;
  facts.birth_year = 1980;
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(
          TreatmentRecord{"P-001", "ifn", Date(1975, 1, 1), Date(1985, 1, 1)},
          facts, true)),
      ElementsAre("start_date"));
}

TEST(CheckAgainstPatientTest, NewTransplantMustBeLaterThanTheLatest) {
  PatientFacts facts;
  facts.latest_transplant_date = Date(2015, 3, 4);
  auto transplant = [](Date date) -> Record {
    return TransplantRecord{"P-001", date, TransplantType::kAutologous, "BEAM"};
  };
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(transplant(Date(2015, 3, 4)), facts, true)),
      ElementsAre("transplant_date"));
  EXPECT_THAT(
      FieldsOf(CheckAgainstPatient(transplant(Date(2014, 1, 1)), facts, true)),
      ElementsAre("transplant_date"));
  EXPECT_THAT(CheckAgainstPatient(transplant(Date(2015, 3, 5)), facts, true),
              IsEmpty());
  // Amending an existing transplant is not a further transplant.
  EXPECT_THAT(CheckAgainstPatient(transplant(Date(2015, 3, 4)), facts, false),
              IsEmpty());
  EXPECT_THAT(CheckAgainstPatient(transplant(Date(2014, 1, 1)), facts, false),
              IsEmpty());
  // The rule is about transplants only.
  EXPECT_THAT(CheckAgainstPatient(Visit(Date(2015, 3, 4)), facts, true),
              IsEmpty());
}

TEST(CheckAgainstPatientTest, PatientRecordsAreNotChecked) {
  PatientFacts facts;
  facts.birth_year = 2000;
  facts.death_date = Date(1990, 1, 1);
  facts.latest_record_date = Date(2020, 1, 1);
  EXPECT_THAT(
      CheckAgainstPatient(PatientRecord{"P-001", Sex::kFemale, 1980,
                                        Disease::kRrms, Date(2010, 1, 1)},
                          facts, true),
      IsEmpty());
}

}  // namespace
}  // namespace registry
