// End-to-end: regctl against a real server on a loopback port with real
// tokens: import/export, idempotency, amendments, retractions, bad input.
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One file per kind, in export order (patient_id, then key), canonical text.
const std::vector<std::pair<std::string, std::string>>& EveryKind() {
  static const auto* files =
      new std::vector<std::pair<std::string, std::string>>{
          {"patients",
           "patient_id,sex,birth_year,disease,diagnosis_date\n"
           "P001,F,1980,RRMS,2010-05-01\n"
           "P002,M,1975,SPMS,2005-02-11\n"
           "P003,X,1990,NMOSD,2015-09-30\n"
           "P004,F,1972,SSC,2014-04-01\n"
           "P005,F,1988,SLE,2009-06-15\n"},
          {"transplants",
           "patient_id,transplant_date,type,regimen\n"
           "P001,2018-03-01,autologous,BEAM-ATG\n"
           "P001,2021-06-01,autologous,CY-ATG\n"
           "P002,2017-01-15,allogeneic,\"BU,FLU\"\n"},
          {"visits",
           "patient_id,visit_date,edss\n"
           "P001,2018-01-10,3.5\n"
           "P001,2018-09-01,3.0\n"
           "P002,2016-12-01,6.0\n"
           "P002,2017-07-01,0.0\n"},
          {"relapses",
           "patient_id,onset_date,phenotype\n"
           "P001,2017-11-02,\n"
           "P003,2019-04-05,myelitis\n"},
          {"mri",
           "patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing,"
           "brain_volume_change_pct\n"
           "P001,2018-01-05,3,1,2,\n"
           "P001,2018-09-03,0,0,0,-0.35\n"},
          {"treatments",
           "patient_id,drug,start_date,end_date,class,dose,dose_unit,"
           "protocol\n"
           "P001,Prednisolone,2018-03-01,2018-04-15,corticosteroid,20,mg/day,"
           "yes\n"
           "P002,Natalizumab,2019-01-01,2019-12-31,dmt,300,mg/month,no\n"
           "P002,Ocrelizumab,2020-02-01,,other,,,no\n"},
          {"deaths",
           "patient_id,death_date,cause,cause_code\n"
           "P003,2022-01-01,\"infection, pneumonia\",infection\n"},
          {"adverse_events",
           "patient_id,onset_date,category,grade,resolution_date,"
           "description\n"
           "P001,2018-03-20,viral_reactivation,2,2018-04-02,CMV\n"
           "P002,2017-02-10,acute_gvhd,II,2017-03-01,\n"
           "P002,2017-02-10,infection,3,,\"line sepsis, S. aureus\"\n"},
          {"engraftment",
           "patient_id,transplant_date,neutrophil_date,platelet_date\n"
           "P001,2018-03-01,2018-03-12,2018-03-15\n"
           "P002,2017-01-15,2017-01-30,\n"},
          {"disease_status",
           "patient_id,status_date,status\n"
           "P001,2019-03-01,remission\n"
           "P002,2018-01-15,stable\n"},
          {"ssc_assessments",
           "patient_id,assessment_date,mrss,fvc_pct,dlco_pct,lvef_pct,haq_di,"
           "patient_global,physician_global\n"
           "P004,2016-01-10,28,72.5,55,60,1.625,7,6\n"
           "P004,2017-01-12,14,,,,,,\n"},
          {"organ_failures",
           "patient_id,event_date,organ,kind,persistent\n"
           "P004,2018-05-01,kidney,scleroderma renal crisis,no\n"},
          {"sle_assessments",
           "patient_id,assessment_date,sledai_descriptors,pga,"
           "prednisolone_mg_day\n"
           "P005,2016-02-01,arthritis|rash|low_complement,2,20\n"
           "P005,2017-02-01,,0,5\n"},
          {"lab_results",
           "patient_id,sample_date,test,result,value,unit,assay,titre\n"
           "P003,2016-01-05,aqp4_igg,positive,,,cell-based,1:320\n"
           "P005,2016-02-01,c3,,0.62,g/L,,\n"},
          {"consents",
           "patient_id,consent_date,form_version,scopes,withdrawal_date\n"
           "P001,2017-01-10,v3,registry|research,\n"
           "P002,2016-12-01,v2,registry|transfer_outside_eea,2023-06-30\n"},
      };
  return *files;
}

class SubmissionTest : public ::testing::Test {
 protected:
  void SetUp() override { token_ = registry_.IssueToken("submitter", "C1"); }

  RegctlResult Run(const std::vector<std::string>& args) {
    return registry_.Regctl(args, token_);
  }
  void ImportAll() {
    for (const auto& [kind, content] : EveryKind()) {
      RegctlResult r = Run({"submit", "import", kind,
                            registry_.WriteCsv(kind + ".csv", content)});
      ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    }
  }
  int64_t EventCount() {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM events").getInt64();
  }

  TestRegistry registry_;
  std::string token_;
};

TEST_F(SubmissionTest, ExportAfterImportGivesTheSameRowsForEveryKind) {
  ImportAll();
  for (const auto& [kind, content] : EveryKind()) {
    RegctlResult r = Run({"submit", "export", kind, "--format", "csv"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, content) << kind;
  }
}

TEST_F(SubmissionTest, ReimportingTheSameFilesChangesNothing) {
  ImportAll();
  const int64_t events = EventCount();
  for (const auto& [kind, content] : EveryKind()) {
    RegctlResult r = Run(
        {"submit", "import", kind, registry_.WriteCsv(kind + ".csv", content)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(" 0 accepted")) << kind;
  }
  EXPECT_EQ(EventCount(), events);
}

TEST_F(SubmissionTest, EquivalentTextIsTheSameRecord) {
  ImportAll();
  // "3.50" and "3.5" are one EDSS value: a no-op, not a conflict.
  RegctlResult r = Run({"submit", "import", "visits",
                        registry_.WriteCsv("v.csv",
                                           "visit_date,edss,patient_id\n"
                                           "2018-01-10,3.50,P001\n")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 accepted, 1 unchanged"));
}

TEST_F(SubmissionTest, SameKeyWithOtherValuesPointsToAmend) {
  ImportAll();
  const int64_t events = EventCount();
  RegctlResult r = Run({"submit", "import", "visits",
                        registry_.WriteCsv("v.csv",
                                           "patient_id,visit_date,edss\n"
                                           "P001,2018-01-10,4.0\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("ALREADY_EXISTS"));
  EXPECT_THAT(r.err, HasSubstr("v.csv:2: edss:"));
  EXPECT_THAT(r.err, HasSubstr("regctl submit amend"));
  EXPECT_EQ(EventCount(), events);
}

TEST_F(SubmissionTest, AmendNeedsAReasonAndKeepsTheEarlierValue) {
  ImportAll();
  const std::string file = registry_.WriteCsv(
      "amend.csv", "patient_id,visit_date,edss\nP001,2018-01-10,4.0\n");
  RegctlResult no_reason = Run({"submit", "amend", "visits", file});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_THAT(no_reason.err, HasSubstr("--reason"));

  RegctlResult amended = Run(
      {"submit", "amend", "visits", file, "--reason", "transcription error"});
  ASSERT_EQ(amended.exit_code, 0) << amended.err;
  EXPECT_THAT(amended.out, HasSubstr("1 accepted"));
  RegctlResult exported = Run({"submit", "export", "visits"});
  EXPECT_THAT(exported.out, HasSubstr("P001,2018-01-10,4.0\n"));
  EXPECT_THAT(exported.out, Not(HasSubstr("P001,2018-01-10,3.5")));

  RegctlResult history = Run({"patient", "history", "P001", "--format", "csv"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("create,visits,\"P001,2018-01-10,3.5\""));
  EXPECT_THAT(
      history.out,
      HasSubstr("amend,visits,\"P001,2018-01-10,4.0\",transcription error"));
}

TEST_F(SubmissionTest, HistoryNamesKindsValuesAndWhoChangedThem) {
  ImportAll();
  const std::string label_token = registry_.dir().File("labelled-token");
  RegctlResult issued =
      registry_.Regctl({"admin", "token", "issue", "--role", "submitter",
                        "--center", "C1", "--label", "data manager Alice"},
                       registry_.admin_token_file());
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  WriteFile(label_token, issued.out);
  RegctlResult amended = registry_.Regctl(
      {"submit", "amend", "visits",
       registry_.WriteCsv("amend.csv",
                          "patient_id,visit_date,edss\nP001,2018-01-10,4.0\n"),
       "--reason", "transcription error"},
      label_token);
  ASSERT_EQ(amended.exit_code, 0) << amended.err;

  // The centre sees the token's label and role beside each change.
  RegctlResult own = Run({"patient", "history", "P001", "--format", "json"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("data manager Alice (tok_"));
  EXPECT_THAT(own.out, HasSubstr("\"role\": \"submitter\""));
  const std::string registry_id = [&] {
    RegctlResult table = Run({"patient", "history", "P001"});
    const size_t at = table.out.find("registry_id: ");
    return table.out.substr(at + 13, table.out.find('\n', at) - at - 13);
  }();
  ASSERT_FALSE(registry_id.empty());

  // An analyst sees kinds and values (named by registry id) and the role,
  // but neither the token nor its label, which would tell the centre.
  const std::string analyst = registry_.IssueToken("analyst");
  RegctlResult theirs = registry_.Regctl(
      {"patient", "history", "--registry-id", registry_id, "--format", "csv"},
      analyst);
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_THAT(theirs.out, Not(HasSubstr(",?,")));
  EXPECT_THAT(theirs.out, Not(HasSubstr("P001")));
  EXPECT_THAT(theirs.out, Not(HasSubstr("Alice")));
  EXPECT_THAT(theirs.out,
              HasSubstr(absl::StrCat("amend,visits,\"", registry_id,
                                     ",2018-01-10,4.0\",transcription error,,"
                                     "submitter\n")));
  EXPECT_THAT(theirs.out, Not(HasSubstr("tok_")));
  EXPECT_THAT(theirs.out, HasSubstr(",submitter\n"));
}

TEST_F(SubmissionTest, UpsertImportsNewRowsAndAmendsChangedOnes) {
  ImportAll();
  // P001's 2018-01-10 visit changes, 2018-09-01 stays, 2019-05-05 is new.
  const std::string file = registry_.WriteCsv("upsert.csv",
                                              "patient_id,visit_date,edss\n"
                                              "P001,2018-01-10,4.0\n"
                                              "P001,2018-09-01,3.0\n"
                                              "P001,2019-05-05,2.5\n");
  RegctlResult no_reason =
      Run({"submit", "import", "visits", file, "--upsert"});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_THAT(no_reason.err, HasSubstr("import --upsert needs --reason"));
  RegctlResult reason_alone =
      Run({"submit", "import", "visits", file, "--reason", "x"});
  EXPECT_EQ(reason_alone.exit_code, 2);
  EXPECT_THAT(reason_alone.err, HasSubstr("--reason only with --upsert"));

  const int64_t events = EventCount();
  RegctlResult dry = Run({"submit", "import", "visits", file, "--upsert",
                          "--reason", "centre re-export", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("2 would be accepted (1 new, 1 amended), 1 "
                                 "unchanged; nothing was written"));
  EXPECT_EQ(EventCount(), events);

  RegctlResult upserted = Run({"submit", "import", "visits", file, "--upsert",
                               "--reason", "centre re-export"});
  ASSERT_EQ(upserted.exit_code, 0) << upserted.err;
  EXPECT_THAT(upserted.out, HasSubstr("3 records, 2 accepted (1 new, 1 "
                                      "amended), 1 unchanged"));
  EXPECT_EQ(EventCount(), events + 2);
  RegctlResult history = Run({"patient", "history", "P001", "--format", "csv"});
  EXPECT_THAT(history.out, HasSubstr("amend,visits,\"P001,2018-01-10,4.0\","
                                     "centre re-export,"));
  // The new record is a creation, without the amendments' reason.
  EXPECT_THAT(history.out,
              HasSubstr("create,visits,\"P001,2019-05-05,2.5\",,"));

  // All or nothing: one bad row and neither the change nor the new row
  // is stored.
  RegctlResult bad = Run({"submit", "import", "visits",
                          registry_.WriteCsv("bad.csv",
                                             "patient_id,visit_date,edss\n"
                                             "P001,2018-01-10,5.0\n"
                                             "P001,2020-01-01,2.0\n"
                                             "P404,2020-01-01,2.0\n"),
                          "--upsert", "--reason", "again"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("bad.csv:4: patient_id: unknown patient"));
  EXPECT_EQ(EventCount(), events + 2);
}

TEST_F(SubmissionTest, ImportDirTakesACentresFilesInDependencyOrder) {
  // Written in reverse, named by kind: the order comes from the kinds.
  const std::string dir = registry_.dir().File("centre-export");
  std::filesystem::create_directory(dir);
  for (auto it = EveryKind().rbegin(); it != EveryKind().rend(); ++it) {
    WriteFile(dir + "/" + it->first + ".csv", it->second);
  }
  WriteFile(dir + "/README.txt", "exported by the centre\n");
  // Lock files of spreadsheets and of macOS, and a directory, are skipped.
  WriteFile(dir + "/~$visits.csv", "locked\n");
  WriteFile(dir + "/._patients.csv", "\x05\x16\x07\n");
  std::filesystem::create_directory(dir + "/archive.csv");
  RegctlResult imported = Run({"submit", "import-dir", dir});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.err,
              HasSubstr("~$visits.csv skipped (a hidden or lock"));
  EXPECT_THAT(imported.err, HasSubstr("archive.csv skipped (not a regular"));
  EXPECT_THAT(imported.err, HasSubstr(": patients, transplants, visits"));
  EXPECT_THAT(imported.err, HasSubstr("README.txt skipped"));
  for (const auto& [kind, content] : EveryKind()) {
    RegctlResult r = Run({"submit", "export", kind, "--format", "csv"});
    EXPECT_EQ(r.out, content) << kind;
  }
  // Again: every record unchanged.
  RegctlResult again = Run({"submit", "import-dir", dir});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr(" 0 accepted,"));
}

TEST_F(SubmissionTest, ImportDirIsAllOrNothingAndNamesFileAndLine) {
  const std::string dir = registry_.dir().File("bad-export");
  std::filesystem::create_directory(dir);
  WriteFile(dir + "/patients.csv",
            "patient_id,sex,birth_year,disease,diagnosis_date\n"
            "P001,F,1980,RRMS,2010-05-01\n");
  WriteFile(dir + "/visits.csv",
            "patient_id,visit_date,edss\n"
            "P001,2018-01-10,3.5\n"
            "P009,2018-01-10,3.5\n");
  const std::string errors = registry_.dir().File("errors.csv");
  RegctlResult r =
      Run({"submit", "import-dir", dir, "--dry-run", "--errors-out", errors});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("visits.csv:3: patient_id: unknown patient"));
  EXPECT_THAT(ReadFile(errors),
              HasSubstr("file,file_line,column,value,message\n"));
  EXPECT_THAT(ReadFile(errors), HasSubstr("visits.csv,3,patient_id,P009,"));
  RegctlResult real = Run({"submit", "import-dir", dir});
  EXPECT_EQ(real.exit_code, 1);
  EXPECT_EQ(EventCount(), 0);  // not even the good patient

  // A file that is not a kind's stops everything before anything is sent.
  std::filesystem::rename(dir + "/visits.csv", dir + "/visit.csv");
  RegctlResult misnamed = Run({"submit", "import-dir", dir});
  EXPECT_EQ(misnamed.exit_code, 1);
  EXPECT_THAT(misnamed.err, HasSubstr("visit.csv: not a record kind's file"));
  EXPECT_THAT(misnamed.err, HasSubstr("nothing was sent"));
  EXPECT_EQ(EventCount(), 0);

  // Two files of one kind: neither is dropped quietly.
  std::filesystem::rename(dir + "/visit.csv", dir + "/visits.csv");
  WriteFile(dir + "/Visits.CSV", "patient_id,visit_date,edss\n");
  RegctlResult twice = Run({"submit", "import-dir", dir});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.err, HasSubstr("hold the same kind"));
  EXPECT_EQ(EventCount(), 0);

  // A problem of the whole request is named by the directory.
  std::filesystem::remove(dir + "/Visits.CSV");
  RegctlResult reason = Run({"submit", "import-dir", dir, "--upsert",
                             "--reason", std::string(501, 'x')});
  EXPECT_EQ(reason.exit_code, 1);
  EXPECT_THAT(reason.err, HasSubstr(dir + ": reason: must be at most 500"));
}

TEST_F(SubmissionTest, AmendOfAnUnknownKeyIsRejected) {
  ImportAll();
  RegctlResult r = Run({"submit", "amend", "visits",
                        registry_.WriteCsv("a.csv",
                                           "patient_id,visit_date,edss\n"
                                           "P001,2018-02-10,4.0\n"),
                        "--reason", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("a.csv:2: visit_date: no current record"));
}

TEST_F(SubmissionTest, RetractNeedsAReasonAndKeepsHistory) {
  ImportAll();
  // Only the key columns are needed to name a record.
  const std::string file = registry_.WriteCsv(
      "retract.csv", "patient_id,visit_date\nP002,2017-07-01\n");
  RegctlResult no_reason = Run({"submit", "retract", "visits", file});
  EXPECT_EQ(no_reason.exit_code, 2);

  const absl::Time before = absl::Now();
  absl::SleepFor(absl::Milliseconds(5));
  RegctlResult retracted =
      Run({"submit", "retract", "visits", file, "--reason", "wrong patient"});
  ASSERT_EQ(retracted.exit_code, 0) << retracted.err;
  RegctlResult exported = Run({"submit", "export", "visits"});
  EXPECT_THAT(exported.out, Not(HasSubstr("P002,2017-07-01")));

  // The earlier value stays readable, and the records as they were.
  RegctlResult history = Run({"patient", "history", "P002", "--format", "csv"});
  EXPECT_THAT(
      history.out,
      HasSubstr("retract,visits,\"P002,2017-07-01,0.0\",wrong patient"));
  RegctlResult then =
      Run({"submit", "export", "visits", "--as-of-recorded",
           absl::FormatTime(absl::RFC3339_full, before, absl::UTCTimeZone())});
  ASSERT_EQ(then.exit_code, 0) << then.err;
  EXPECT_THAT(then.out, HasSubstr("P002,2017-07-01,0.0"));

  // A retracted record may be imported again.
  RegctlResult again = Run({"submit", "import", "visits",
                            registry_.WriteCsv("again.csv",
                                               "patient_id,visit_date,edss\n"
                                               "P002,2017-07-01,1.0\n")});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(SubmissionTest, PatientWithRecordsCannotBeRetracted) {
  ImportAll();
  RegctlResult r = Run({"submit", "retract", "patients",
                        registry_.WriteCsv("p.csv", "patient_id\nP001\n"),
                        "--reason", "duplicate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("retract them first"));
}

struct BadInput {
  std::string name;
  std::string kind;
  std::string csv;
  std::string expected_error;
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

class BadInputTest : public SubmissionTest,
                     public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, IsRejectedWithItsMessageAndWritesNothing) {
  ImportAll();
  const int64_t events = EventCount();
  const BadInput& input = GetParam();
  RegctlResult r = Run({"submit", "import", input.kind,
                        registry_.WriteCsv("bad.csv", input.csv)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(input.expected_error));
  EXPECT_EQ(EventCount(), events);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadInputTest,
    ::testing::Values(
        BadInput{"EdssOffScale", "visits",
                 "patient_id,visit_date,edss\nP001,2019-01-01,0.5\n",
                 "bad.csv:2: edss: EDSS must be 0 or 1.0 to 10 in steps of "
                 "0.5 (got 0.5)"},
        BadInput{"EdssNotAStep", "visits",
                 "patient_id,visit_date,edss\nP001,2019-01-01,3.3\n",
                 "bad.csv:2: edss: EDSS must be"},
        BadInput{"NotIsoDate", "visits",
                 "patient_id,visit_date,edss\nP001,01/02/2019,3.0\n",
                 "bad.csv:2: visit_date: '01/02/2019' is not a valid date"},
        BadInput{"FutureDate", "relapses",
                 "patient_id,onset_date\nP001,2999-01-01\n",
                 "bad.csv:2: onset_date: date 2999-01-01 is in the future"},
        BadInput{"UnknownPatient", "visits",
                 "patient_id,visit_date,edss\nP404,2019-01-01,3.0\n",
                 "bad.csv:2: patient_id: unknown patient 'P404'"},
        BadInput{"VisitAfterDeath", "visits",
                 "patient_id,visit_date,edss\nP003,2022-02-01,3.0\n",
                 "bad.csv:2: visit_date: is after the patient's recorded "
                 "death on 2022-01-01"},
        BadInput{"NegativeLesionCount", "mri",
                 "patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing\n"
                 "P001,2019-01-01,-1,0,0\n",
                 "bad.csv:2: new_t2: must be between 0 and 10000"},
        BadInput{"EarlierSecondTransplant", "transplants",
                 "patient_id,transplant_date,type,regimen\n"
                 "P002,2016-01-01,autologous,BEAM\n",
                 "bad.csv:2: transplant_date: a further transplant must be "
                 "later than the recorded one on 2017-01-15"},
        BadInput{"UnknownColumn", "visits",
                 "patient_id,visit_date,edss,notes\nP001,2019-01-01,3.0,x\n",
                 "bad.csv:1: notes: unknown column for visits"},
        BadInput{"MissingRequiredColumn", "visits",
                 "patient_id,visit_date\nP001,2019-01-01\n",
                 "bad.csv:1: edss: required column is missing"},
        BadInput{"MissingRequiredValue", "patients",
                 "patient_id,sex,birth_year,disease,diagnosis_date\n"
                 "P010,,1980,RRMS,2010-01-01\n",
                 "bad.csv:2: sex: required value is missing"},
        BadInput{"OneBadRowSpoilsTheFile", "visits",
                 "patient_id,visit_date,edss\nP001,2019-01-01,3.0\n"
                 "P001,2019-02-01,11\n",
                 "bad.csv:3: edss:"},
        BadInput{"ServerSideRuleSpoilsTheFile", "visits",
                 "patient_id,visit_date,edss\nP001,2019-03-01,3.0\n"
                 "P003,2023-01-01,2.0\n",
                 "bad.csv:3: visit_date: is after the patient's recorded "
                 "death"},
        BadInput{"WrongNumberOfValues", "relapses",
                 "patient_id,onset_date\nP001,2019-01-01,extra\n",
                 "bad.csv:2: row: expected 2 values"},
        BadInput{"GvhdAfterAnAutologousTransplant", "adverse_events",
                 "patient_id,onset_date,category,grade\n"
                 "P001,2018-06-01,chronic_gvhd,mild\n",
                 "bad.csv:2: category: chronic_gvhd only after an "
                 "allogeneic transplant"},
        BadInput{"GradeOffTheCategoryScale", "adverse_events",
                 "patient_id,onset_date,category,grade\n"
                 "P002,2017-02-11,acute_gvhd,3\n",
                 "bad.csv:2: grade: acute_gvhd is graded I to IV (got '3')"},
        BadInput{"EngraftmentOfNoRecordedTransplant", "engraftment",
                 "patient_id,transplant_date,neutrophil_date\n"
                 "P001,2018-03-02,2018-03-12\n",
                 "bad.csv:2: transplant_date: is not a recorded transplant of "
                 "the patient (recorded: 2018-03-01, 2021-06-01)"},
        BadInput{"RecoveryBeforeTheTransplant", "engraftment",
                 "patient_id,transplant_date,neutrophil_date\n"
                 "P001,2021-06-01,2021-05-30\n",
                 "bad.csv:2: neutrophil_date: is before transplant_date"},
        BadInput{"UnknownDiseaseStatus", "disease_status",
                 "patient_id,status_date,status\nP001,2019-04-01,CR\n",
                 "bad.csv:2: status:"},
        BadInput{"DoseWithoutItsUnit", "treatments",
                 "patient_id,drug,start_date,dose\n"
                 "P001,Rituximab,2019-01-01,1000\n",
                 "bad.csv:2: dose_unit: is required with a dose"},
        BadInput{"UncodedCauseOfDeath", "deaths",
                 "patient_id,death_date,cause_code\nP001,2023-01-01,sepsis\n",
                 "bad.csv:2: cause_code:"},
        BadInput{"UnterminatedQuote", "relapses",
                 "patient_id,onset_date\n\"P001,2019-01-01\n",
                 "bad.csv:2: unterminated quoted field"}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
      return info.param.name;
    });

// Files written before a kind gained columns still import: the new columns
// are optional and read as their documented defaults.
TEST_F(SubmissionTest, FilesWithoutTheNewerColumnsStillImport) {
  ImportAll();
  ASSERT_EQ(Run({"submit", "import", "treatments",
                 registry_.WriteCsv("old.csv",
                                    "patient_id,drug,start_date,end_date\n"
                                    "P001,Rituximab,2019-01-01,\n")})
                .exit_code,
            0);
  RegctlResult r = Run({"submit", "export", "treatments", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("P001,Rituximab,2019-01-01,,other,,,no\n"));
}

TEST_F(SubmissionTest, ATransplantWithAnEngraftmentRecordCannotBeRetracted) {
  ImportAll();
  const std::string key = registry_.WriteCsv(
      "key.csv", "patient_id,transplant_date\nP002,2017-01-15\n");
  RegctlResult refused = Run({"submit", "retract", "transplants", key,
                              "--reason", "entered for the wrong patient"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("key.csv:2: transplant_date: the "
                                     "transplant has an engraftment record"));
  ASSERT_EQ(Run({"submit", "retract", "engraftment", key, "--reason",
                 "entered for the wrong patient"})
                .exit_code,
            0);
  // Its acute GvHD follows no other allogeneic transplant.
  RegctlResult gvhd = Run({"submit", "retract", "transplants", key, "--reason",
                           "entered for the wrong patient"});
  EXPECT_EQ(gvhd.exit_code, 1);
  EXPECT_THAT(gvhd.err, HasSubstr("key.csv:2: transplant_date: GvHD with "
                                  "onset 2017-02-10 follows this transplant "
                                  "only"));
  // Nor can it become autologous while that GvHD stands.
  RegctlResult amended =
      Run({"submit", "amend", "transplants",
           registry_.WriteCsv("autologous.csv",
                              "patient_id,transplant_date,type,regimen\n"
                              "P002,2017-01-15,autologous,\"BU,FLU\"\n"),
           "--reason", "type entered wrongly"});
  EXPECT_EQ(amended.exit_code, 1);
  EXPECT_THAT(amended.err, HasSubstr("autologous.csv:2: type: GvHD with onset "
                                     "2017-02-10 follows this transplant"));
  ASSERT_EQ(Run({"submit", "retract", "adverse_events",
                 registry_.WriteCsv("gvhd.csv",
                                    "patient_id,onset_date,category\n"
                                    "P002,2017-02-10,acute_gvhd\n"),
                 "--reason", "entered for the wrong patient"})
                .exit_code,
            0);
  RegctlResult retracted = Run({"submit", "retract", "transplants", key,
                                "--reason", "entered for the wrong patient"});
  EXPECT_EQ(retracted.exit_code, 0) << retracted.err;
}

TEST_F(SubmissionTest, EveryBadFieldIsReportedAtOnce) {
  ImportAll();
  RegctlResult r = Run({"submit", "import", "mri",
                        registry_.WriteCsv("bad.csv",
                                           "patient_id,scan_date,new_t2,"
                                           "enlarging_t2,gd_enhancing\n"
                                           "P001,2019-01-01,-1,x,0\n"
                                           "P404,2019-02-30,0,0,0\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.csv:2: new_t2:"));
  EXPECT_THAT(r.err, HasSubstr("bad.csv:2: enlarging_t2:"));
  EXPECT_THAT(r.err, HasSubstr("bad.csv:3: scan_date:"));
}

TEST_F(SubmissionTest, ServerReportsUnknownPatientAndDeathRuleTogether) {
  ImportAll();
  RegctlResult r = Run({"submit", "import", "visits",
                        registry_.WriteCsv("bad.csv",
                                           "patient_id,visit_date,edss\n"
                                           "P404,2019-01-01,3.0\n"
                                           "P003,2023-01-01,2.0\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.csv:2: patient_id: unknown patient"));
  EXPECT_THAT(r.err, HasSubstr("bad.csv:3: visit_date: is after"));
}

}  // namespace
}  // namespace registry::testing
