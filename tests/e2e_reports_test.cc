// End-to-end cohort reports: Kaplan–Meier through the real import and
// report path against R's table for the toy data, analyst outputs without
// center patient codes, small-cell suppression, de-identified exports and
// access.
#include <SQLiteCpp/SQLiteCpp.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/csv.h"
#include "core/records.h"
#include "core/synthetic_cohort.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::vector<std::string>> Rows(const std::string& csv) {
  auto rows = ParseCsv(csv);
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<std::vector<std::string>> out;
  if (!rows.ok()) return out;
  for (const CsvRow& row : *rows) out.push_back(row.fields);
  return out;
}

// Imports a synthetic cohort, one submitter per center.
class SyntheticCohortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CohortOptions options;
    options.patients = 60;
    options.centers = 3;
    options.seed = 99;
    options.last_date = Date(2026, 1, 1);
    for (const CenterCohort& center : GenerateCohort(options)) {
      const std::string token =
          registry_.IssueToken("submitter", center.center_code);
      std::map<Kind, std::string> files;
      for (const Record& record : center.records) {
        std::string& csv = files[KindOf(record)];
        if (csv.empty()) {
          std::vector<std::string> header;
          for (const Column& c : ColumnsOf(KindOf(record))) {
            header.emplace_back(c.name);
          }
          csv = FormatCsvRow(header) + "\n";
        }
        csv += FormatCsvRow(ToRow(record)) + "\n";
      }
      for (Kind kind : kAllKinds) {
        if (!files.count(kind)) continue;
        const std::string name(KindName(kind));
        RegctlResult r = registry_.Regctl(
            {"submit", "import", name,
             registry_.WriteCsv(center.center_code + name, files[kind])},
            token);
        ASSERT_EQ(r.exit_code, 0) << r.err;
      }
    }
    analyst_ = registry_.IssueToken("analyst");
  }

  TestRegistry registry_;
  std::string analyst_;
};

TEST_F(SyntheticCohortTest, AnalystOutputsNeverCarryAPatientCode) {
  const std::vector<std::vector<std::string>> commands = {
      {"report", "km", "--endpoint", "neda3", "--format", "csv"},
      {"report", "km", "--endpoint", "pfs", "--by", "center", "--format",
       "json"},
      {"report", "km", "--endpoint", "os", "--by", "disease", "--format",
       "svg"},
      {"report", "cif", "--endpoint", "cdw", "--format", "json"},
      {"report", "cohort", "--by", "center", "--format", "html"},
      {"report", "cohort", "--format", "json"},
      {"report", "outcomes"},
      {"report", "disability-events", "--event", "multiple"},
      {"report", "export", "patients", "--format", "ndjson"},
      {"report", "export", "visits"},
      {"report", "export", "deaths", "--deidentify"},
  };
  for (const auto& command : commands) {
    RegctlResult r = registry_.Regctl(command, analyst_);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(command, " ") << ": " << r.err;
    EXPECT_GT(r.out.size(), 80u) << absl::StrJoin(command, " ");
    // Center codes are C01..C03; patient codes are C01-0001 and so on.
    EXPECT_THAT(r.out, Not(HasSubstr("C01-0"))) << absl::StrJoin(command, " ");
    EXPECT_THAT(r.out, Not(HasSubstr("C02-0"))) << absl::StrJoin(command, " ");
  }
}

TEST_F(SyntheticCohortTest, SmallCentersAreSuppressedInPerCenterTables) {
  RegctlResult r =
      registry_.Regctl({"report", "cohort", "--by", "center", "--min-cell-size",
                        "25", "--format", "json"},
                       analyst_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 60 patients in 3 centers: 20 each, below 25.
  EXPECT_THAT(r.out, HasSubstr("\"count\": \"\\u003c25\""));  // "<25"
  EXPECT_THAT(r.out, Not(HasSubstr("\"count\": \"20\"")));
  RegctlResult shown = registry_.Regctl(
      {"report", "cohort", "--by", "center", "--format", "json"}, analyst_);
  EXPECT_THAT(shown.out, HasSubstr("\"count\": \"20\""));
}

TEST_F(SyntheticCohortTest, DeidentifiedExportGivesDaysSinceTransplant) {
  RegctlResult plain =
      registry_.Regctl({"report", "export", "transplants"}, analyst_);
  RegctlResult days = registry_.Regctl(
      {"report", "export", "transplants", "--deidentify"}, analyst_);
  ASSERT_EQ(days.exit_code, 0) << days.err;
  const auto rows = Rows(days.out);
  EXPECT_EQ(absl::StrJoin(rows[0], ","),
            "registry_id,transplant_day,type,regimen");
  ASSERT_EQ(rows.size(), 61u);  // one transplant each
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][1], "0");
  EXPECT_THAT(plain.out, HasSubstr("registry_id,transplant_date,"));
}

// A center code on every exported row would tell which center each patient
// is in, undoing the suppression of small centers in the cohort summary.
TEST_F(SyntheticCohortTest, AnalystExportsCarryNoCenterCodes) {
  for (const char* kind : {"patients", "transplants", "visits", "deaths"}) {
    RegctlResult r = registry_.Regctl({"report", "export", kind}, analyst_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rows = Rows(r.out);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(std::count(rows[0].begin(), rows[0].end(), "center"), 0) << kind;
    EXPECT_THAT(r.out, Not(HasSubstr(",C01,"))) << kind;
  }
}

TEST_F(SyntheticCohortTest, OnlyAnalystsAndSubmittersReadReports) {
  const std::string submitter = registry_.IssueToken("submitter", "C01");
  RegctlResult own =
      registry_.Regctl({"report", "cohort", "--format", "json"}, submitter);
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("\"patients\": 20"));
  RegctlResult export_denied =
      registry_.Regctl({"report", "export", "visits"}, submitter);
  EXPECT_EQ(export_denied.exit_code, 1);
  EXPECT_THAT(export_denied.err, HasSubstr("PERMISSION_DENIED"));
  RegctlResult admin = registry_.Regctl({"report", "km", "--endpoint", "os"},
                                        registry_.admin_token_file());
  EXPECT_THAT(admin.err, HasSubstr("PERMISSION_DENIED"));
  RegctlResult usage =
      registry_.Regctl({"report", "km", "--endpoint", "bogus"}, analyst_);
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(SyntheticCohortTest, ReportReadsAreAudited) {
  auto count = [&](const char* action) {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM audit_log WHERE action = ?");
    q.bind(1, action);
    q.executeStep();
    return q.getColumn(0).getInt();
  };
  const int reads = count("reports.read"), exports = count("records.export");
  ASSERT_EQ(registry_.Regctl({"report", "km", "--endpoint", "os"}, analyst_)
                .exit_code,
            0);
  ASSERT_EQ(registry_.Regctl({"report", "export", "mri"}, analyst_).exit_code,
            0);
  EXPECT_EQ(count("reports.read"), reads + 1);
  EXPECT_EQ(count("records.export"), exports + 1);
}

}  // namespace
}  // namespace registry::testing
