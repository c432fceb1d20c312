// regctl report due and report completeness against a real server: the
// edges of day 100's window and past-due date, deaths, centers, roles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/follow_up.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FollowUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c1_ = registry_.IssueToken("submitter", "C1");
    c2_ = registry_.IssueToken("submitter", "C2");
    analyst_ = registry_.IssueToken("analyst");
    // Transplants on 2020-01-01 (day 0): day 100 is 2020-04-10, past due
    // on 2020-08-08 (day 220).
    Import(c1_, "patients",
           "patient_id,sex,birth_year,disease,diagnosis_date\n"
           "P1,F,1980,RRMS,2010-01-01\nP2,M,1975,RRMS,2010-01-01\n"
           "P3,F,1970,RRMS,2010-01-01\n");
    Import(c1_, "transplants",
           "patient_id,transplant_date,type,regimen\n"
           "P1,2020-01-01,autologous,BEAM\nP2,2020-01-01,autologous,BEAM\n"
           "P3,2020-01-01,autologous,BEAM\n");
    Import(c1_, "visits",
           "patient_id,visit_date,edss\nP1,2020-04-05,3.0\n");  // day 95
    Import(c1_, "deaths", "patient_id,death_date\nP3,2020-03-01\n");
    Import(c2_, "patients",
           "patient_id,sex,birth_year,disease,diagnosis_date\n"
           "Q1,F,1980,RRMS,2010-01-01\n");
    Import(c2_, "transplants",
           "patient_id,transplant_date,type,regimen\n"
           "Q1,2020-01-01,autologous,BEAM\n");
  }
  void Import(const std::string& token, const std::string& kind,
              const std::string& csv) {
    RegctlResult r = registry_.Regctl(
        {"submit", "import", kind, registry_.WriteCsv(kind + ".csv", csv)},
        token);
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
  }
  RegctlResult Due(const std::string& token, const std::string& as_of,
                   std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"report", "due",      "--as-of",
                                     as_of,    "--format", "csv"};
    args.insert(args.end(), more.begin(), more.end());
    return registry_.Regctl(args, token);
  }

  TestRegistry registry_;
  std::string c1_, c2_, analyst_;
};

TEST_F(FollowUpTest, Day100IsUpcomingOnDay99DueOnDay100OverdueOnDay220) {
  RegctlResult day99 = Due(c1_, "2020-04-09");
  ASSERT_EQ(day99.exit_code, 0) << day99.err;
  EXPECT_THAT(day99.out,
              HasSubstr("P2,C1,2020-01-01,day100,2020-04-10,2020-08-08,"
                        "upcoming,\n"));
  RegctlResult day100 = Due(c1_, "2020-04-10");
  EXPECT_THAT(day100.out, HasSubstr("P2,C1,2020-01-01,day100,2020-04-10,"
                                    "2020-08-08,due,\n"));
  EXPECT_THAT(Due(c1_, "2020-08-07").out, HasSubstr(",day100,2020-04-10,"
                                                    "2020-08-08,due,"));
  RegctlResult day220 = Due(c1_, "2020-08-08");
  EXPECT_THAT(day220.out, HasSubstr("P2,C1,2020-01-01,day100,2020-04-10,"
                                    "2020-08-08,overdue,\n"));
  // P1's day-95 visit is in the window (days 70-140): done, not listed;
  // the dead P3 is owed nothing. Only the center's own patients.
  EXPECT_THAT(day220.out, Not(HasSubstr("P1,C1,2020-01-01,day100")));
  EXPECT_THAT(day220.out, Not(HasSubstr("P3,")));
  EXPECT_THAT(day220.out, Not(HasSubstr("Q1")));
  RegctlResult all = Due(c1_, "2020-08-08", {"--all"});
  EXPECT_THAT(all.out, HasSubstr("P1,C1,2020-01-01,day100,2020-04-10,"
                                 "2020-08-08,done,2020-04-05\n"));
  EXPECT_THAT(all.out, HasSubstr("P3,C1,2020-01-01,day100,2020-04-10,"
                                 "2020-08-08,not_expected,\n"));
}

TEST_F(FollowUpTest, AnalystsSeeRegistryIdsOfEveryCenterAndMayFilter) {
  RegctlResult r = Due(analyst_, "2020-08-08");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("P2,")));
  EXPECT_THAT(r.out, HasSubstr(",C1,2020-01-01,day100,"));
  EXPECT_THAT(r.out, HasSubstr(",C2,2020-01-01,day100,"));
  RegctlResult c2 = Due(analyst_, "2020-08-08", {"--center", "C2"});
  EXPECT_THAT(c2.out, Not(HasSubstr(",C1,")));
  EXPECT_THAT(c2.out, HasSubstr(",C2,"));
  // A submitter asking for another center is refused.
  RegctlResult other = Due(c1_, "2020-08-08", {"--center", "C2"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("PERMISSION_DENIED"));
  // Administrators see no clinical data.
  EXPECT_EQ(Due(registry_.admin_token_file(), "2020-08-08").exit_code, 1);
}

TEST_F(FollowUpTest, CompletenessCountsReportsPastDueOfLivingPatients) {
  RegctlResult before = registry_.Regctl(
      {"report", "completeness", "--as-of", "2020-08-07", "--format", "csv"},
      analyst_);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  // Nothing past due yet.
  EXPECT_EQ(before.out, "center,point,expected,done,completeness_pct\n");
  RegctlResult r = registry_.Regctl(
      {"report", "completeness", "--as-of", "2020-08-08", "--format", "csv"},
      analyst_);
  // C1: P1 done, P2 not, P3 dead before day 100; C2: Q1 not.
  EXPECT_THAT(r.out, HasSubstr("C1,day100,2,1,50.0\n"));
  EXPECT_THAT(r.out, HasSubstr("C2,day100,1,0,0.0\n"));
  EXPECT_THAT(r.out, HasSubstr("all,day100,3,1,33.3\n"));
  RegctlResult year = registry_.Regctl(
      {"report", "completeness", "--as-of", "2021-05-01"}, c1_);
  ASSERT_EQ(year.exit_code, 0) << year.err;
  EXPECT_THAT(year.out, HasSubstr("one-year completeness (all centers) as of "
                                  "2021-05-01: 0.0 %"));
  EXPECT_THAT(year.out, Not(HasSubstr("C2")));
}

TEST(FollowUpScheduleTest, ASchedulePerIndicationIsUsed) {
  absl::StatusOr<FollowUpSchedules> schedules = ParseFollowUpSchedules(
      "disease,point,day,window_before,window_after,past_due_after\n"
      "RRMS,month3,91,21,30,60\n"
      "RRMS,year1,365,60,120,90\n");
  ASSERT_TRUE(schedules.ok()) << schedules.status();
  TestRegistry registry([&](ServerOptions& o) { o.follow_up = *schedules; });
  const std::string token = registry.IssueToken("submitter", "C1");
  for (const auto& [kind, csv] :
       std::vector<std::pair<std::string, std::string>>{
           {"patients",
            "patient_id,sex,birth_year,disease,diagnosis_date\n"
            "P1,F,1980,RRMS,2010-01-01\nS1,F,1980,SSC,2010-01-01\n"},
           {"transplants",
            "patient_id,transplant_date,type,regimen\n"
            "P1,2020-01-01,autologous,BEAM\nS1,2020-01-01,autologous,CY\n"}}) {
    ASSERT_EQ(registry
                  .Regctl({"submit", "import", kind,
                           registry.WriteCsv(kind + ".csv", csv)},
                          token)
                  .exit_code,
              0);
  }
  RegctlResult due = registry.Regctl(
      {"report", "due", "--as-of", "2020-04-01", "--format", "csv"}, token);
  ASSERT_EQ(due.exit_code, 0) << due.err;
  // RRMS: month 3 (day 91, 2020-04-01), past due 60 days later.
  EXPECT_THAT(due.out, HasSubstr("P1,C1,2020-01-01,month3,2020-04-01,"
                                 "2020-05-31,due,\n"));
  // SSc is not named: the default calendar.
  EXPECT_THAT(due.out, HasSubstr("S1,C1,2020-01-01,day100,2020-04-10,"
                                 "2020-08-08,upcoming,\n"));
}

TEST(FollowUpScheduleTest, RegistrydRefusesABadScheduleFile) {
  TempDir dir;
  const std::string file = dir.File("schedule.csv");
  WriteFile(file,
            "disease,point,day,window_before,window_after,past_due_after\n"
            "MS,day100,100,30,40,120\n");
  RegistrydProcess server(REGISTRYD_PATH, dir, dir.File("registry.db"),
                          {"--follow-up-schedule", file});
  EXPECT_EQ(server.WaitForExit(20), 1);
  EXPECT_THAT(server.log(), HasSubstr("--follow-up-schedule: follow-up "
                                      "schedule, line 2, disease: 'MS'"));
}

}  // namespace
}  // namespace registry::testing
