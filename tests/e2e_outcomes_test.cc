// End-to-end outcome reports: msprog's toy data loaded through the real
// import path (each patient's first visit as the transplant date) and
// matched exactly through `regctl report disability-events`; outcome rows,
// patient status, access and auditing of the outcome reads.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/csv.h"
#include "core/records.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::vector<std::string>> Rows(const std::string& csv) {
  auto rows = ParseCsv(csv);
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<std::vector<std::string>> out;
  for (const CsvRow& row : *rows) out.push_back(row.fields);
  return out;
}

std::string Edss(const std::string& text) {
  return FormatNumber(std::stod(text));
}

class ToyOutcomesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    submitter_ = registry_.IssueToken("submitter", "C1");
    analyst_ = registry_.IssueToken("analyst");
    const auto visits = Rows(ReadFile(TEST_DATA_DIR "/msprog_toy/visits.csv"));
    const auto relapses =
        Rows(ReadFile(TEST_DATA_DIR "/msprog_toy/relapses.csv"));
    std::map<std::string, std::string> first_visit;
    std::string patients = "patient_id,sex,birth_year,disease,diagnosis_date\n";
    std::string transplants = "patient_id,transplant_date,type,regimen\n";
    std::string visit_csv = "patient_id,visit_date,edss\n";
    std::string relapse_csv = "patient_id,onset_date\n";
    for (size_t i = 1; i < visits.size(); ++i) {
      const auto& v = visits[i];
      if (!first_visit.count(v[0])) {
        first_visit[v[0]] = v[1];
        patients += v[0] + ",F,1980,RRMS,2015-01-01\n";
        transplants += v[0] + "," + v[1] + ",autologous,BEAM-ATG\n";
      }
      visit_csv += v[0] + "," + v[1] + "," + v[3] + "\n";
    }
    for (size_t i = 1; i < relapses.size(); ++i) {
      relapse_csv += relapses[i][0] + "," + relapses[i][1] + "\n";
    }
    // Patient 1 also has scans: quiet, so NEDA is lost by the CDW.
    const std::string mri =
        "patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing,"
        "brain_volume_change_pct\n"
        "1,2022-04-01,0,0,0,-0.1\n"
        "1,2023-03-01,0,0,0,-0.2\n";
    for (const auto& [kind, csv] :
         std::vector<std::pair<std::string, std::string>>{
             {"patients", patients},
             {"transplants", transplants},
             {"visits", visit_csv},
             {"relapses", relapse_csv},
             {"mri", mri}}) {
      RegctlResult r = registry_.Regctl(
          {"submit", "import", kind, registry_.WriteCsv(kind + ".csv", csv)},
          submitter_);
      ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    }
  }

  // msprog's expected events as report rows (without registry_id).
  static std::vector<std::string> Expected(const std::string& file) {
    std::vector<std::string> out;
    const auto rows = Rows(ReadFile(TEST_DATA_DIR "/msprog_toy/" + file));
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      if (r[2].empty()) continue;
      out.push_back(absl::StrJoin({r[0], r[1], r[2], r[4], Edss(r[5]), r[6],
                                   Edss(r[7]), r[14], Edss(r[15]), r[11]},
                                  ","));
    }
    return out;
  }

  // The report's rows in the same shape; checks the header too.
  static std::vector<std::string> Reported(const std::string& csv) {
    const auto rows = Rows(csv);
    EXPECT_EQ(absl::StrJoin(rows.at(0), ","),
              "registry_id,patient_id,event_seq,event_type,cdw_type,"
              "onset_date,onset_edss,baseline_date,baseline_edss,"
              "confirmation_date,confirmation_edss,days_from_day0");
    std::vector<std::string> out;
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      out.push_back(absl::StrJoin({r[1], r[2], r[3], r[5], Edss(r[6]), r[7],
                                   Edss(r[8]), r[9], Edss(r[10]), r[11]},
                                  ","));
    }
    return out;
  }

  TestRegistry registry_;
  std::string submitter_;
  std::string analyst_;
};

TEST_F(ToyOutcomesTest, DefaultsReproduceMsprogExactly) {
  RegctlResult r = registry_.Regctl(
      {"report", "disability-events", "--format", "csv"}, submitter_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Reported(r.out), Expected("expected_first_cdw_default.csv"));
  EXPECT_THAT(r.err, HasSubstr("event=first-cdw;baseline=fixed"));
}

TEST_F(ToyOutcomesTest, MultipleRovingReproducesMsprogExactly) {
  RegctlResult r =
      registry_.Regctl({"report", "disability-events", "--event", "multiple",
                        "--baseline", "roving", "--format", "csv"},
                       submitter_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Reported(r.out), Expected("expected_multiple_roving.csv"));
}

TEST_F(ToyOutcomesTest, RawAndPiraAreTold) {
  RegctlResult r = registry_.Regctl({"report", "disability-events", "--event",
                                     "multiple", "--baseline", "roving"},
                                    submitter_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Patient 2's first CDW starts on its relapse day: relapse-associated.
  EXPECT_THAT(r.out, HasSubstr(",2,1,CDW,RAW,2021-06-12,"));
  // Patient 7's CDW is 187 days after its relapse, none near: PIRA.
  EXPECT_THAT(r.out, HasSubstr(",7,1,CDW,PIRA,2022-03-17,"));
  EXPECT_THAT(r.out, HasSubstr(",4,1,CDI,,2021-12-04,"));
}

TEST_F(ToyOutcomesTest, OutcomeRowsFollowTheContract) {
  RegctlResult r = registry_.Regctl({"report", "outcomes"}, submitter_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(absl::StrJoin(rows[0], ","),
            "registry_id,patient_id,center,disease,transplant_date,"
            "neda3_evaluable,eda_date,eda_kind,remission_days,censored,"
            "last_edss_date,last_mri_date,relapses_post,arr_pre,arr_post,"
            "cdw_count,neda4,transplant_type,death_cause,"
            "relapse_progression_date,tfr_end_date,tfr_end_reason,"
            "neutrophil_day,platelet_day,primary_graft_failure,"
            "infection_date,secondary_autoimmunity_date,malignancy_date,"
            "agvhd_date,cgvhd_date,ssc_progression_date,"
            "skin_progression_date,lung_progression_date,"
            "persistent_organ_failure_date,ssc_response_12m,acr_criss_12m,"
            "acr_criss_improved,rcriss_improved_12m,doris_date,lldas_date,"
            "sle_flare_date,lldas_time_fraction,aqp4_seroreversion_date,"
            "aqp4_reconversion_date,not_evaluable_reason");
  // Patient 1: scans after the re-baseline day make NEDA evaluable; the
  // CDW on day 292 ends it, and the treatment-free remission with it.
  EXPECT_EQ(
      absl::StrJoin(
          std::vector<std::string>(rows[1].begin() + 1, rows[1].end()), ","),
      "1,C1,RRMS,2021-09-23,1,2022-07-12,cdw,292,0,2023-03-11,"
      "2023-03-01,0,0.0000,0.0000,1,0,autologous,,2022-07-12,2022-07-12,"
      "relapse or progression,,,,,,,,,,,,,,,,,,,,,,,");
  // Patient 2 has no scans: not evaluable, so no EDA, remission or NEDA-4.
  EXPECT_EQ(rows[2][1], "2");
  EXPECT_EQ(rows[2][5], "0");
  EXPECT_EQ(absl::StrJoin(std::vector<std::string>(rows[2].begin() + 6,
                                                   rows[2].begin() + 10),
                          ","),
            ",,,");
  EXPECT_EQ(rows[2][12], "2");  // two relapses after day 0
}

TEST_F(ToyOutcomesTest, AnalystsSeeRegistryIdsOnly) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"report", "outcomes"},
        std::vector<std::string>{"report", "disability-events", "--event",
                                 "multiple"}}) {
    RegctlResult r = registry_.Regctl(command, analyst_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rows = Rows(r.out);
    ASSERT_GT(rows.size(), 1u);
    for (size_t i = 1; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i][1], "") << r.out;  // patient_id
      EXPECT_EQ(rows[i][0].front(), 'R');
    }
    // Nor their centers: a center on every row would undo small-cell
    // suppression.
    EXPECT_THAT(r.out, Not(HasSubstr(",C1,"))) << r.out;
  }
  // By registry id the status works for an analyst; by code it does not.
  RegctlResult codes = registry_.Regctl({"report", "outcomes"}, submitter_);
  const std::string registry_id = Rows(codes.out)[1][0];
  RegctlResult status = registry_.Regctl(
      {"patient", "status", "--registry-id", registry_id}, analyst_);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("Patient " + registry_id + ", "));
  EXPECT_THAT(status.out, Not(HasSubstr("center C1")));
  EXPECT_EQ(registry_.Regctl({"patient", "status", "1"}, analyst_).exit_code,
            1);
}

TEST_F(ToyOutcomesTest, PatientStatusReadsAtAGlance) {
  RegctlResult r = registry_.Regctl({"patient", "status", "1"}, submitter_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NEDA-3 lost on 2022-07-12 (day 292, 0.8 "
                               "years) by confirmed disability worsening."));
  EXPECT_THAT(r.out, HasSubstr("transplant (day 0)"));
  EXPECT_THAT(r.out, HasSubstr("confirmed disability worsening (PIRA)"));
  EXPECT_THAT(r.out, HasSubstr("Definition hsct-outcomes/"));
  // As of a date before the CDW, NEDA still holds.
  RegctlResult before = registry_.Regctl(
      {"patient", "status", "1", "--as-of", "2022-06-30"}, submitter_);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, HasSubstr("NEDA-3 maintained"));
}

TEST_F(ToyOutcomesTest, OtherCentersAndAdminsSeeNothing) {
  const std::string other = registry_.IssueToken("submitter", "C2");
  RegctlResult status = registry_.Regctl({"patient", "status", "1"}, other);
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.err, HasSubstr("NOT_FOUND"));
  RegctlResult rows = registry_.Regctl({"report", "outcomes"}, other);
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_EQ(Rows(rows.out).size(), 1u);  // header only
  RegctlResult admin =
      registry_.Regctl({"report", "outcomes"}, registry_.admin_token_file());
  EXPECT_EQ(admin.exit_code, 1);
  EXPECT_THAT(admin.err, HasSubstr("PERMISSION_DENIED"));
  RegctlResult none = registry_.Regctl({"report", "outcomes"}, "");
  EXPECT_THAT(none.err, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ToyOutcomesTest, OutcomeReadsAreAudited) {
  auto count = [&] {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    return db
        .execAndGet(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'outcomes.read'")
        .getInt();
  };
  const int before = count();
  ASSERT_EQ(registry_.Regctl({"report", "outcomes"}, analyst_).exit_code, 0);
  ASSERT_EQ(registry_.Regctl({"patient", "status", "2"}, submitter_).exit_code,
            0);
  EXPECT_EQ(count(), before + 2);
}

TEST_F(ToyOutcomesTest, KaplanMeierOfFirstCdwIsRsTable) {
  // R survival's survfit table for the toy data's first-CDW times.
  const auto expected = Rows(ReadFile(TEST_DATA_DIR "/km-toy-first-cdw.csv"));
  RegctlResult r = registry_.Regctl(
      {"report", "km", "--endpoint", "cdw", "--format", "csv"}, analyst_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = Rows(r.out);
  EXPECT_EQ(absl::StrJoin(rows[0], ","),
            "stratum,time_days,n_risk,n_event,n_censor,surv,std_err,lower,"
            "upper");
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 1; i < rows.size(); ++i) {
    // R: time,n.risk,n.event,n.censor,surv,se_logS,se_S,lower,upper
    const std::vector<std::pair<size_t, size_t>> columns = {
        {1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}, {6, 6}, {7, 7}, {8, 8}};
    for (auto [ours, theirs] : columns) {
      EXPECT_NEAR(std::stod(rows[i][ours]), std::stod(expected[i][theirs]),
                  1e-9)
          << "row " << i << " column " << rows[0][ours];
    }
  }
}

// --times in any order, repeated or not, gives R's summary(fit, times =)
// rows, sorted as R sorts them; a repeated time gives one row (R repeats
// it with zero counts).
TEST_F(ToyOutcomesTest, TimesInAnyOrderAreSorted) {
  auto km = [&](const std::string& times) {
    RegctlResult r = registry_.Regctl({"report", "km", "--endpoint", "cdw",
                                       "--times", times, "--format", "csv"},
                                      submitter_);
    EXPECT_EQ(r.exit_code, 0) << times << ": " << r.err;
    return r.out;
  };
  const std::string sorted = km("30,100,365");
  EXPECT_EQ(Rows(sorted).size(), 4u) << sorted;
  EXPECT_EQ(km("365,30,100"), sorted);
  EXPECT_EQ(km("100,365,30,100"), sorted);
}

// A preset through the server: expanded to every field (printed with the
// results), giving msprog 1.0.0's events for the same settings; a flag
// beside it changes it and says so; an unknown name is a usage error.
TEST_F(ToyOutcomesTest, PresetsExpandAndGiveMsprogsEvents) {
  RegctlResult r = registry_.Regctl({"report", "disability-events", "--preset",
                                     "muller2025", "--format", "csv"},
                                    analyst_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("preset=muller2025;event=first-pira;baseline=roving;"
                        "confirmation_days=365;confirmation_tolerance_days=0,"
                        "inf;"));
  EXPECT_THAT(r.err, HasSubstr(";pira_reference=last;pira_windows_days=0,-,-,"
                               "0,0,0;relapse_rebaseline=true;"));
  // msprog: patients 5 and 7, PIRA with these onsets (make_expected.R).
  const auto rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  auto column = [&](const std::string& name) {
    return std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin();
  };
  const auto onset = column("onset_date"), type = column("cdw_type");
  ASSERT_LT(type, static_cast<long>(rows[0].size()));
  std::vector<std::string> events = {rows[1][onset] + " " + rows[1][type],
                                     rows[2][onset] + " " + rows[2][type]};
  std::sort(events.begin(), events.end());  // rows come by registry id
  EXPECT_THAT(events, ElementsAre("2021-11-01 PIRA", "2022-03-17 PIRA"));

  RegctlResult changed =
      registry_.Regctl({"report", "disability-events", "--preset", "muller2025",
                        "--relapse-rebaseline", "no", "--format", "csv"},
                       analyst_);
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_THAT(changed.err, HasSubstr("preset=muller2025 (modified);"));
  EXPECT_THAT(changed.err, HasSubstr("relapse_rebaseline=false"));

  RegctlResult unknown = registry_.Regctl(
      {"report", "outcomes", "--preset", "lublin2014"}, analyst_);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("muller2025 or portaccio2025"));
  RegctlResult windows = registry_.Regctl(
      {"report", "outcomes", "--pira-windows", "-,0,90,30,90,30"}, analyst_);
  EXPECT_EQ(windows.exit_code, 2);
  EXPECT_THAT(windows.err, HasSubstr("--pira-windows must be"));
}

TEST_F(ToyOutcomesTest, BadDefinitionsAreRefused) {
  RegctlResult usage = registry_.Regctl(
      {"report", "outcomes", "--event", "sometimes"}, submitter_);
  EXPECT_EQ(usage.exit_code, 2);
  RegctlResult bad = registry_.Regctl(
      {"report", "outcomes", "--edss-plus1-max", "5.2"}, submitter_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("definition.edss_plus1_max"));
}

// A systemic-sclerosis and a lupus patient through import and report: no
// NEDA (with its reason), their transplant course told in words, and
// overall survival followed to their last contact.
TEST(OtherIndicationsTest, NoNedaOutsideMsAndTheTransplantCourseIsTold) {
  TestRegistry registry;
  const std::string token = registry.IssueToken("submitter", "C1");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"patients",
       "patient_id,sex,birth_year,disease,diagnosis_date\n"
       "S1,F,1975,SSC,2012-04-01\nL1,F,1988,SLE,2010-09-01\n"},
      {"transplants",
       "patient_id,transplant_date,type,regimen\n"
       "S1,2014-02-03,autologous,CY-ATG\nL1,2015-06-01,autologous,CY-ATG\n"},
      {"visits", "patient_id,visit_date,edss\nS1,2015-02-01,2.0\n"},
      {"mri",
       "patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing\n"
       "S1,2014-09-01,0,0,0\nS1,2015-02-01,0,0,0\n"},
      {"engraftment",
       "patient_id,transplant_date,neutrophil_date,platelet_date\n"
       "S1,2014-02-03,2014-02-14,2014-02-20\n"},
      {"adverse_events",
       "patient_id,onset_date,category,grade,resolution_date,description\n"
       "S1,2014-02-10,infection,3,2014-02-24,neutropenic fever\n"
       "L1,2017-03-01,secondary_autoimmune_disease,2,,thyroiditis\n"},
      {"disease_status",
       "patient_id,status_date,status\n"
       "S1,2016-02-03,improved\nL1,2016-06-01,remission\n"},
      {"deaths",
       "patient_id,death_date,cause,cause_code\n"
       "S1,2017-01-05,scleroderma renal crisis,disease\n"}};
  for (const auto& [kind, content] : files) {
    RegctlResult r = registry.Regctl(
        {"submit", "import", kind, registry.WriteCsv(kind + ".csv", content)},
        token);
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
  }

  RegctlResult outcomes = registry.Regctl({"report", "outcomes"}, token);
  ASSERT_EQ(outcomes.exit_code, 0) << outcomes.err;
  const auto rows = Rows(outcomes.out);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][5], "0") << rows[i][1];  // neda3_evaluable
    EXPECT_EQ(rows[i].back(), "not MS") << rows[i][1];
    EXPECT_EQ(rows[i][6], "") << rows[i][1];   // no EDA
    EXPECT_EQ(rows[i][16], "") << rows[i][1];  // no NEDA-4
  }
  // The transplant course, per patient, by column name.
  auto cell = [&](size_t row, const std::string& column) {
    const auto it = std::find(rows[0].begin(), rows[0].end(), column);
    EXPECT_NE(it, rows[0].end()) << column;
    return it == rows[0].end() ? std::string("?")
                               : rows[row][it - rows[0].begin()];
  };
  const size_t s1 = rows[1][1] == "S1" ? 1 : 2, l1 = 3 - s1;
  EXPECT_EQ(cell(s1, "transplant_type"), "autologous");
  EXPECT_EQ(cell(s1, "death_cause"), "disease");
  EXPECT_EQ(cell(s1, "neutrophil_day"), "11");
  EXPECT_EQ(cell(s1, "platelet_day"), "17");
  EXPECT_EQ(cell(s1, "primary_graft_failure"), "0");
  EXPECT_EQ(cell(s1, "infection_date"), "2014-02-10");
  EXPECT_EQ(cell(s1, "tfr_end_date"), "2017-01-05");
  EXPECT_EQ(cell(s1, "tfr_end_reason"), "death");
  EXPECT_EQ(cell(l1, "secondary_autoimmunity_date"), "2017-03-01");
  EXPECT_EQ(cell(l1, "death_cause"), "");
  EXPECT_EQ(cell(l1, "primary_graft_failure"), "");  // no record
  EXPECT_EQ(cell(l1, "tfr_end_date"), "");

  RegctlResult status = registry.Regctl({"patient", "status", "S1"}, token);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("NEDA-3 not evaluable: not MS."));
  EXPECT_THAT(status.out,
              HasSubstr("neutrophil recovery, day 11 after the transplant "
                        "of 2014-02-03"));
  EXPECT_THAT(status.out,
              HasSubstr("adverse event: infection, grade 3 (neutropenic "
                        "fever), resolved 2014-02-24"));
  EXPECT_THAT(status.out, HasSubstr("disease status: improved"));
  EXPECT_THAT(status.out,
              HasSubstr("Treatment-free remission: ended 2017-01-05 (death)"));
  RegctlResult lupus = registry.Regctl({"patient", "status", "L1"}, token);
  ASSERT_EQ(lupus.exit_code, 0) << lupus.err;
  EXPECT_THAT(lupus.out, HasSubstr("NEDA-3 not evaluable: not MS."));
  EXPECT_THAT(lupus.out, HasSubstr("secondary_autoimmune_disease, grade 2"));
  // Sent as unset, not as an empty date that read as "ended".
  EXPECT_THAT(lupus.out, HasSubstr("Treatment-free remission: ongoing at the "
                                   "last contact"));

  // Overall survival: S1 dies on day 1067; L1, with no visit at all, is
  // followed to its adverse event on day 639.
  RegctlResult km = registry.Regctl(
      {"report", "km", "--endpoint", "os", "--format", "csv"}, token);
  ASSERT_EQ(km.exit_code, 0) << km.err;
  std::vector<std::string> times;  // time_days,n_risk,n_event,n_censor
  for (const auto& row : Rows(km.out)) {
    times.push_back(absl::StrJoin(
        std::vector<std::string>(row.begin() + 1, row.begin() + 5), ","));
  }
  EXPECT_THAT(times, ::testing::ElementsAre("time_days,n_risk,n_event,n_censor",
                                            "639,2,0,1", "1067,1,1,0"));

  // Their safety endpoints: S1's grade-3 infection on day 7, L1's
  // thyroiditis on day 639 (S1's death on day 1067 competes), S1's
  // neutrophil recovery on day 11 (L1 has no engraftment record).
  auto cif = [&](const std::string& endpoint) {
    RegctlResult r = registry.Regctl(
        {"report", "cif", "--endpoint", endpoint, "--format", "csv"}, token);
    EXPECT_EQ(r.exit_code, 0) << endpoint << ": " << r.err;
    std::vector<std::string> out;  // time,n_risk,n_event,n_competing,n_censor
    for (const auto& row : Rows(r.out)) {
      out.push_back(absl::StrJoin(
          std::vector<std::string>(row.begin() + 1, row.begin() + 6), ","));
    }
    return out;
  };
  const std::string header = "time_days,n_risk,n_event,n_competing,n_censor";
  EXPECT_THAT(cif("infection"),
              ::testing::ElementsAre(header, "7,2,1,0,0", "639,1,0,0,1"));
  EXPECT_THAT(cif("secondary-autoimmunity"),
              ::testing::ElementsAre(header, "639,2,1,0,0", "1067,1,0,1,0"));
  EXPECT_THAT(cif("neutrophil-engraftment"),
              ::testing::ElementsAre(header, "11,1,1,0,0"));
  EXPECT_THAT(cif("trm"),
              ::testing::ElementsAre(header, "639,2,0,0,1", "1067,1,0,1,0"));
  EXPECT_THAT(cif("neda3"), ::testing::ElementsAre(header));
  EXPECT_THAT(cif("agvhd"), ::testing::ElementsAre(header));  // autologous

  // The cohort report: a safety section, one section per disease with its
  // own endpoints, and no MS measures without MS patients.
  RegctlResult html =
      registry.Regctl({"report", "cohort", "--format", "html"}, token);
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_THAT(html.out, HasSubstr("<h2>Safety</h2>"));
  EXPECT_THAT(html.out,
              HasSubstr("Engraftment reported for 1 of 2 patients. Neutrophil "
                        "recovery in 1, median day 11 (range 11–11)"));
  EXPECT_THAT(html.out, HasSubstr("<tr><td>Infection (grade 3 or more)</td>"
                                  "<td>day 100</td><td>1</td><td>50.0%</td>"));
  EXPECT_THAT(html.out, HasSubstr("<h2>SSC (1 patients)</h2>"));
  EXPECT_THAT(html.out, HasSubstr("<h2>SLE (1 patients)</h2>"));
  EXPECT_THAT(html.out, Not(HasSubstr("<h2>Multiple sclerosis")));
  EXPECT_THAT(html.out, Not(HasSubstr("EDSS")));
}

// A systemic-sclerosis, a lupus and an NMOSD centre each load their
// disease's measures and get its endpoints, with no MS concept in sight.
TEST(DiseaseMeasuresTest, EachCentreGetsItsDiseasesEndpoints) {
  TestRegistry registry;
  const std::string token = registry.IssueToken("submitter", "C1");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"patients",
       "patient_id,sex,birth_year,disease,diagnosis_date\n"
       "S1,F,1975,SSC,2012-04-01\nL1,F,1990,SLE,2010-09-01\n"
       "N1,F,1982,NMOSD,2011-01-01\n"},
      {"transplants",
       "patient_id,transplant_date,type,regimen\n"
       "S1,2015-01-10,autologous,CY-ATG\nL1,2015-01-10,autologous,CY-ATG\n"
       "N1,2015-01-10,autologous,CY-ATG\n"},
      // S1: mRSS 24 at baseline, 30 a year later (+6, +25 %); FVC 80 then
      // 72 (-10 %) two years after.
      {"ssc_assessments",
       "patient_id,assessment_date,mrss,fvc_pct,dlco_pct,lvef_pct,haq_di,"
       "patient_global,physician_global\n"
       "S1,2014-12-01,24,80,60,62,1.5,6,5\n"
       "S1,2016-01-10,30,78,58,,1.25,,\n"
       "S1,2017-01-10,22,72,60,,1,,\n"},
      {"organ_failures",
       "patient_id,event_date,organ,kind,persistent\n"
       "S1,2018-03-01,kidney,scleroderma renal crisis,yes\n"},
      // L1: active before, LLDAS at 6 months (SLEDAI 2, no new item), DORIS
      // at a year, a flare (+8) at two.
      {"sle_assessments",
       "patient_id,assessment_date,sledai_descriptors,pga,"
       "prednisolone_mg_day\n"
       "L1,2014-12-15,arthritis|rash|proteinuria|low_complement,2.5,30\n"
       "L1,2015-07-10,low_complement,0.5,7.5\n"
       "L1,2016-01-10,low_complement,0,5\n"
       "L1,2017-01-10,arthritis|proteinuria|low_complement,2,20\n"},
      {"relapses",
       "patient_id,onset_date,phenotype\n"
       "N1,2014-06-01,myelitis\nN1,2019-03-01,optic_neuritis\n"},
      {"lab_results",
       "patient_id,sample_date,test,result,value,unit,assay,titre\n"
       "N1,2014-12-01,aqp4_igg,positive,,,cell-based,1:320\n"
       "N1,2016-01-20,aqp4_igg,negative,,,cell-based,\n"
       "N1,2018-11-01,aqp4_igg,positive,,,cell-based,1:100\n"
       "L1,2014-12-15,c3,,0.55,g/L,,\n"}};
  for (const auto& [kind, content] : files) {
    RegctlResult r = registry.Regctl(
        {"submit", "import", kind, registry.WriteCsv(kind + ".csv", content)},
        token);
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
  }
  // A disease's measures only for its patients.
  RegctlResult wrong = registry.Regctl(
      {"submit", "import", "sle_assessments",
       registry.WriteCsv("wrong.csv",
                         "patient_id,assessment_date,sledai_descriptors,pga,"
                         "prednisolone_mg_day\nS1,2016-01-10,rash,1,5\n")},
      token);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("wrong.csv:2: patient_id: sle_assessments "
                                   "are for SLE patients"));

  auto km = [&](const std::string& endpoint) {
    RegctlResult r = registry.Regctl(
        {"report", "km", "--endpoint", endpoint, "--format", "csv"}, token);
    EXPECT_EQ(r.exit_code, 0) << endpoint << ": " << r.err;
    std::vector<std::string> out;  // time_days,n_risk,n_event,n_censor
    for (const auto& row : Rows(r.out)) {
      out.push_back(absl::StrJoin(
          std::vector<std::string>(row.begin() + 1, row.begin() + 5), ","));
    }
    return out;
  };
  const std::string header = "time_days,n_risk,n_event,n_censor";
  EXPECT_THAT(km("skin-progression"), ElementsAre(header, "365,1,1,0"));
  EXPECT_THAT(km("lung-progression"), ElementsAre(header, "731,1,1,0"));
  EXPECT_THAT(km("ssc-pfs"), ElementsAre(header, "365,1,1,0"));
  EXPECT_THAT(km("ssc-efs"), ElementsAre(header, "1146,1,1,0"));
  EXPECT_THAT(km("lldas"), ElementsAre(header, "181,1,1,0"));
  EXPECT_THAT(km("doris"), ElementsAre(header, "365,1,1,0"));
  EXPECT_THAT(km("sle-flare"), ElementsAre(header, "731,1,1,0"));
  EXPECT_THAT(km("seroreversion"), ElementsAre(header, "375,1,1,0"));
  RegctlResult cif = registry.Regctl(
      {"report", "cif", "--endpoint", "ssc-efs", "--format", "csv"}, token);
  EXPECT_EQ(cif.exit_code, 1);
  EXPECT_THAT(cif.err, HasSubstr("death is part of ssc-efs"));

  RegctlResult states = registry.Regctl({"report", "states"}, token);
  ASSERT_EQ(states.exit_code, 0) << states.err;
  std::vector<std::string> lines;  // without the registry id
  for (const auto& row : Rows(states.out)) {
    lines.push_back(absl::StrJoin(
        std::vector<std::string>(row.begin() + 1, row.end()), ","));
  }
  EXPECT_THAT(lines,
              ElementsAre("patient_id,disease,assessment_date,days_from_day0,"
                          "sledai_2k,clinical_sledai,doris,lldas,"
                          "hsct_remission,flare",
                          "L1,SLE,2014-12-15,-26,12,10,0,0,0,0",
                          "L1,SLE,2015-07-10,181,2,0,0,1,1,0",
                          "L1,SLE,2016-01-10,365,2,0,1,1,1,0",
                          "L1,SLE,2017-01-10,731,10,8,0,0,0,1"));

  RegctlResult outcomes = registry.Regctl({"report", "outcomes"}, token);
  ASSERT_EQ(outcomes.exit_code, 0) << outcomes.err;
  const auto rows = Rows(outcomes.out);
  auto cell = [&](const std::string& patient, const std::string& column) {
    const auto col = std::find(rows[0].begin(), rows[0].end(), column);
    for (const auto& row : rows) {
      if (row[1] == patient && col != rows[0].end()) {
        return row[col - rows[0].begin()];
      }
    }
    return std::string("?");
  };
  EXPECT_EQ(cell("S1", "skin_progression_date"), "2016-01-10");
  EXPECT_EQ(cell("S1", "lung_progression_date"), "2017-01-10");
  EXPECT_EQ(cell("S1", "persistent_organ_failure_date"), "2018-03-01");
  // At 12 months neither skin nor lung improved; ACR-CRISS needs the
  // globals, which were not measured then.
  EXPECT_EQ(cell("S1", "ssc_response_12m"), "0");
  EXPECT_EQ(cell("S1", "acr_criss_12m"), "");
  EXPECT_EQ(cell("L1", "lldas_date"), "2015-07-10");
  EXPECT_EQ(cell("L1", "doris_date"), "2016-01-10");
  EXPECT_EQ(cell("L1", "sle_flare_date"), "2017-01-10");
  EXPECT_EQ(cell("N1", "aqp4_seroreversion_date"), "2016-01-20");
  EXPECT_EQ(cell("N1", "aqp4_reconversion_date"), "2018-11-01");
  for (const char* patient : {"S1", "L1", "N1"}) {
    EXPECT_EQ(cell(patient, "neda3_evaluable"), "0");
  }

  RegctlResult ssc = registry.Regctl({"patient", "status", "S1"}, token);
  ASSERT_EQ(ssc.exit_code, 0) << ssc.err;
  EXPECT_THAT(ssc.out,
              HasSubstr("Systemic sclerosis: progression 2016-01-10 (skin "
                        "2016-01-10, lung 2017-01-10); persistent organ "
                        "failure 2018-03-01"));
  RegctlResult sle = registry.Regctl({"patient", "status", "L1"}, token);
  EXPECT_THAT(sle.out, HasSubstr("Lupus: first DORIS remission 2016-01-10, "
                                 "first LLDAS 2015-07-10, first flare "
                                 "2017-01-10"));
  RegctlResult nmo = registry.Regctl({"patient", "status", "N1"}, token);
  EXPECT_THAT(nmo.out,
              HasSubstr("AQP4-IgG positive before transplant: seroreversion "
                        "2016-01-20, re-conversion 2018-11-01"));
}

// The recorded time printed beside a result is a data freeze: given back
// as --as-of-recorded it reproduces the result after later changes.
TEST(DataFreezeTest, TheRecordedTimeAReportPrintsReproducesIt) {
  TestRegistry registry;
  const std::string token = registry.IssueToken("submitter", "C1");
  auto import = [&](const std::string& kind, const std::string& content) {
    RegctlResult r = registry.Regctl(
        {"submit", "import", kind, registry.WriteCsv(kind + ".csv", content)},
        token);
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
  };
  import("patients",
         "patient_id,sex,birth_year,disease,diagnosis_date\n"
         "S1,F,1975,SSC,2012-04-01\nS2,M,1970,SSC,2011-01-01\n");
  import("transplants",
         "patient_id,transplant_date,type,regimen\n"
         "S1,2014-02-03,autologous,CY-ATG\nS2,2015-01-10,autologous,CY-ATG\n");
  import("disease_status",
         "patient_id,status_date,status\n"
         "S1,2016-02-03,improved\nS2,2016-01-10,stable\n");
  const std::vector<std::string> km = {"report", "km",       "--endpoint",
                                       "os",     "--format", "csv"};
  RegctlResult before = registry.Regctl(km, token);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const std::string marker = "# data as recorded at ";
  const size_t at = before.err.find(marker);
  ASSERT_NE(at, std::string::npos) << before.err;
  const std::string frozen = before.err.substr(
      at + marker.size(), before.err.find('\n', at) - at - marker.size());
  ASSERT_EQ(frozen.size(), 27u) << frozen;  // 2026-12-03T10:00:00.123456Z
  const std::string analyst = registry.IssueToken("analyst");
  const std::vector<std::string> export_status = {
      "report", "export", "disease_status", "--deidentify"};
  RegctlResult exported = registry.Regctl(export_status, analyst);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.err, HasSubstr(marker));
  EXPECT_THAT(exported.out, HasSubstr(",730,improved\n"));  // 2 years in

  import("deaths",
         "patient_id,death_date,cause,cause_code\n"
         "S1,2016-05-05,sepsis,infection\n");
  import("disease_status",
         "patient_id,status_date,status\nS2,2017-01-10,progression\n");
  RegctlResult after = registry.Regctl(km, token);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_NE(after.out, before.out);

  std::vector<std::string> at_freeze = km;
  at_freeze.insert(at_freeze.end(), {"--as-of-recorded", frozen});
  RegctlResult again = registry.Regctl(at_freeze, token);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, before.out);
  EXPECT_THAT(again.err, HasSubstr(marker + frozen + "\n"));

  // The analysts' export too, days since transplant included.
  std::vector<std::string> export_at_freeze = export_status;
  export_at_freeze.insert(export_at_freeze.end(), {"--as-of-recorded", frozen});
  RegctlResult exported_now = registry.Regctl(export_status, analyst);
  ASSERT_EQ(exported_now.exit_code, 0) << exported_now.err;
  EXPECT_THAT(exported_now.out, HasSubstr(",731,progression\n"));
  RegctlResult exported_again = registry.Regctl(export_at_freeze, analyst);
  ASSERT_EQ(exported_again.exit_code, 0) << exported_again.err;
  EXPECT_EQ(exported_again.out, exported.out);
  EXPECT_THAT(exported_again.err, HasSubstr(marker + frozen + "\n"));

  // Every report takes it: the cohort summary and the patient's status.
  RegctlResult cohort =
      registry.Regctl({"report", "cohort", "--as-of-recorded", frozen}, token);
  ASSERT_EQ(cohort.exit_code, 0) << cohort.err;
  EXPECT_THAT(cohort.out, HasSubstr("Data as recorded at " + frozen));
  RegctlResult status = registry.Regctl(
      {"patient", "status", "S1", "--as-of-recorded", frozen}, token);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, Not(HasSubstr("death")));
  RegctlResult now = registry.Regctl({"patient", "status", "S1"}, token);
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_THAT(now.out, HasSubstr("death"));
}

}  // namespace
}  // namespace registry::testing
