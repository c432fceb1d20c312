// Files as spreadsheets save them, through `regctl submit import` against a
// real server: semicolons and decimal commas (a European locale's "CSV"),
// Windows-1252 text, a byte-order mark, CRLF line ends, header names in
// another case or with spaces, and a misspelt column. Each is either read
// with the flag that describes it or refused with a message saying which.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SpreadsheetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = registry_.IssueToken("submitter", "C1");
    RegctlResult r = Import("patients",
                            "patient_id,sex,birth_year,disease,diagnosis_date\n"
                            "P1,F,1980,RRMS,2010-01-01\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  RegctlResult Import(const std::string& kind, const std::string& content,
                      std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {
        "submit", "import", kind, registry_.WriteCsv(kind + ".csv", content)};
    args.insert(args.end(), flags.begin(), flags.end());
    return registry_.Regctl(args, token_);
  }
  std::string Visits() {
    RegctlResult r = registry_.Regctl({"submit", "export", "visits"}, token_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  TestRegistry registry_;
  std::string token_;
};

TEST_F(SpreadsheetTest, SemicolonsAreDetectedAndReadWithDelimiter) {
  const std::string file =
      "patient_id;visit_date;edss\r\nP1;2011-01-01;3,5\r\n";
  RegctlResult refused = Import("visits", file);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err,
              HasSubstr("visits.csv:1: the header is separated by ';', not "
                        "','"));
  EXPECT_THAT(refused.err, HasSubstr("give --delimiter ';' (and "
                                     "--decimal-comma if its numbers are "
                                     "written 3,5)"));
  // The delimiter alone: the decimal comma is named at its cell.
  RegctlResult comma = Import("visits", file, {"--delimiter", ";"});
  EXPECT_EQ(comma.exit_code, 1);
  EXPECT_THAT(comma.err,
              HasSubstr("visits.csv:2: edss: '3,5' is not a number; for "
                        "numbers written with a decimal comma give "
                        "--decimal-comma"));
  EXPECT_EQ(Visits(), "patient_id,visit_date,edss\n");
  RegctlResult read =
      Import("visits", file, {"--delimiter", ";", "--decimal-comma"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(Visits(), "patient_id,visit_date,edss\nP1,2011-01-01,3.5\n");
}

TEST_F(SpreadsheetTest, AQuotedDecimalCommaInACommaFileNeedsTheFlagToo) {
  RegctlResult refused =
      Import("visits", "patient_id,visit_date,edss\nP1,2011-01-01,\"3,5\"\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("visits.csv:2: edss: '3,5' is not a "
                                     "number; for numbers written with a "
                                     "decimal comma give --decimal-comma"));
  RegctlResult read =
      Import("visits", "patient_id,visit_date,edss\nP1,2011-01-01,\"3,5\"\n",
             {"--decimal-comma"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_THAT(Visits(), HasSubstr("P1,2011-01-01,3.5\n"));
}

TEST_F(SpreadsheetTest, Windows1252IsRefusedByLineAndByteAndReadWhenGiven) {
  // "Müller" in Windows-1252 (0xFC), in the free-text drug column.
  const std::string file =
      "patient_id,drug,start_date,end_date\r\nP1,M\xfcller-mab,2011-01-01,\r\n";
  RegctlResult refused = Import("treatments", file);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err,
              HasSubstr("treatments.csv:2: drug: byte 2 (0xFC) is not UTF-8 "
                        "text"));
  EXPECT_THAT(refused.err, HasSubstr("--encoding windows-1252"));
  RegctlResult read =
      Import("treatments", file, {"--encoding", "windows-1252"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  RegctlResult rows =
      registry_.Regctl({"submit", "export", "treatments"}, token_);
  EXPECT_THAT(rows.out, HasSubstr("P1,M\xc3\xbcller-mab,2011-01-01"));
}

TEST_F(SpreadsheetTest, AByteOrderMarkAndCrlfAreRead) {
  RegctlResult read =
      Import("visits",
             "\xef\xbb\xbfpatient_id,visit_date,edss\r\nP1,2011-01-01,2.0\r\n");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(Visits(), "patient_id,visit_date,edss\nP1,2011-01-01,2.0\n");
}

TEST_F(SpreadsheetTest, HeaderCaseAndSpacesAreMatchedWithANote) {
  RegctlResult read =
      Import("visits", "Patient_ID, Visit_Date ,EDSS\nP1,2011-01-01,2.0\n");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_THAT(read.err,
              HasSubstr("visits.csv:1: note: column 'Patient_ID' read as "
                        "patient_id"));
  EXPECT_THAT(read.err, HasSubstr("note: column ' Visit_Date ' read as "
                                  "visit_date"));
  EXPECT_THAT(Visits(), HasSubstr("P1,2011-01-01,2.0\n"));
}

TEST_F(SpreadsheetTest, AnUnknownColumnGetsADidYouMean) {
  RegctlResult refused =
      Import("visits", "patient_id,visit_dat,edss\nP1,2011-01-01,2.0\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("visits.csv:1: visit_dat: unknown column "
                                     "for visits; did you mean visit_date?"));
  // Nothing like any column: the columns are listed instead.
  RegctlResult listed =
      Import("visits", "patient_id,visit_date,edss,comments\n");
  EXPECT_THAT(listed.err,
              HasSubstr("comments: unknown column for visits (columns: "
                        "patient_id,visit_date,edss)"));
}

TEST_F(SpreadsheetTest, AFileOfErrorsShowsTheFirst50AndTheCount) {
  std::string file = "patient_id,visit_date,edss\n";
  for (int i = 0; i < 300; ++i) file += "P1,2011-01-01,eleven\n";
  RegctlResult refused = Import("visits", file);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("... and 250 more\n"));
  EXPECT_THAT(refused.err, HasSubstr("300 error(s) in"));
  EXPECT_THAT(refused.err, Not(HasSubstr("visits.csv:60:")));
}

TEST_F(SpreadsheetTest, BadFlagValuesAreUsageErrors) {
  RegctlResult delimiter =
      Import("visits", "patient_id,visit_date,edss\n", {"--delimiter", "|"});
  EXPECT_EQ(delimiter.exit_code, 2);
  EXPECT_THAT(delimiter.err, HasSubstr("--delimiter must be ',', ';' or tab"));
  RegctlResult encoding = Import("visits", "patient_id,visit_date,edss\n",
                                 {"--encoding", "ebcdic"});
  EXPECT_EQ(encoding.exit_code, 2);
  EXPECT_THAT(encoding.err, HasSubstr("--encoding must be utf-8 or "
                                      "windows-1252"));
}

}  // namespace
}  // namespace registry::testing
