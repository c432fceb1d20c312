// The follow-up schedule: due, past due and done on the edges of each
// window, deaths, a second transplant, and the assessments each disease
// counts.
#include "core/follow_up.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace registry {
namespace {

const Date kDay0(2020, 1, 10);

Date Day(int n) { return kDay0 + n; }

std::vector<Record> Patient(Disease disease, std::vector<Record> more = {}) {
  std::vector<Record> records = {
      PatientRecord{"P1", Sex::kFemale, 1980, disease, Date(2010, 1, 1)},
      TransplantRecord{"P1", kDay0, TransplantType::kAutologous, "BEAM"}};
  records.insert(records.end(), more.begin(), more.end());
  return records;
}

Record Visit(int day) { return VisitRecord{"P1", Day(day), 3.0}; }

// The state of `name` at `as_of_day`.
PointState StateOf(const std::vector<Record>& records, const std::string& name,
                   int as_of_day) {
  for (const PointStatus& s :
       FollowUpOf(DefaultSchedule(), records, Day(as_of_day))) {
    if (s.point.name == name) return s.state;
  }
  ADD_FAILURE() << name << " not listed at day " << as_of_day;
  return PointState::kNotExpected;
}

TEST(FollowUpTest, Day100IsDueOnDay100AndPastDueOnDay220) {
  const auto records = Patient(Disease::kRrms);
  EXPECT_EQ(StateOf(records, "day100", 99), PointState::kUpcoming);
  EXPECT_EQ(StateOf(records, "day100", 100), PointState::kDue);
  EXPECT_EQ(StateOf(records, "day100", 219), PointState::kDue);
  EXPECT_EQ(StateOf(records, "day100", 220), PointState::kOverdue);
  const std::vector<PointStatus> at99 =
      FollowUpOf(DefaultSchedule(), records, Day(99));
  ASSERT_EQ(at99.size(), 1u);  // only the next point to come
  EXPECT_EQ(at99[0].due, Day(100));
  EXPECT_EQ(at99[0].past_due, Day(220));
}

TEST(FollowUpTest, AnAssessmentCountsInsideItsWindowOnly) {
  // Day 100's window is days 70 to 140.
  EXPECT_EQ(StateOf(Patient(Disease::kRrms, {Visit(70)}), "day100", 100),
            PointState::kDone);
  EXPECT_EQ(StateOf(Patient(Disease::kRrms, {Visit(69)}), "day100", 100),
            PointState::kDue);
  EXPECT_EQ(StateOf(Patient(Disease::kRrms, {Visit(140)}), "day100", 150),
            PointState::kDone);
  // Day 141 belongs to month 6, not day 100.
  const auto late = Patient(Disease::kRrms, {Visit(141)});
  EXPECT_EQ(StateOf(late, "day100", 230), PointState::kOverdue);
  EXPECT_EQ(StateOf(late, "month6", 230), PointState::kDone);
  // Dated after as-of, it does not count yet.
  EXPECT_EQ(StateOf(Patient(Disease::kRrms, {Visit(110)}), "day100", 105),
            PointState::kDue);
}

TEST(FollowUpTest, YearlyPointsFollowYearOne) {
  const std::vector<PointStatus> at =
      FollowUpOf(DefaultSchedule(),
                 Patient(Disease::kRrms, {Visit(365), Visit(731)}), Day(800));
  std::vector<std::string> names;
  for (const PointStatus& s : at) names.push_back(s.point.name);
  EXPECT_THAT(names, ::testing::ElementsAre("day100", "month6", "year1",
                                            "year2", "year3"));
  EXPECT_EQ(at[2].state, PointState::kDone);
  EXPECT_EQ(at[3].state, PointState::kDone);
  EXPECT_EQ(at[3].due, Day(730));
  EXPECT_EQ(at[4].state, PointState::kUpcoming);
}

TEST(FollowUpTest, NothingIsExpectedAfterDeath) {
  const auto records = Patient(
      Disease::kRrms,
      {Visit(90), DeathRecord{"P1", Day(150), "", DeathCause::kUnknown}});
  const std::vector<PointStatus> at =
      FollowUpOf(DefaultSchedule(), records, Day(400));
  // Day 100, then month 6 (day 182) as not expected, and no more.
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].state, PointState::kDone);
  EXPECT_EQ(at[1].state, PointState::kNotExpected);
  EXPECT_EQ(at[1].point.name, "month6");
}

TEST(FollowUpTest, ASecondTransplantRestartsTheSchedule) {
  auto records = Patient(Disease::kRrms, {Visit(95)});
  records.push_back(
      TransplantRecord{"P1", Day(300), TransplantType::kAutologous, "CY"});
  const std::vector<PointStatus> at =
      FollowUpOf(DefaultSchedule(), records, Day(400));
  ASSERT_FALSE(at.empty());
  EXPECT_EQ(at[0].transplant, Day(300));
  EXPECT_EQ(at[0].due, Day(400));
  EXPECT_EQ(at[0].state, PointState::kDue);  // the day-95 visit was before
  // Before the second transplant, the first one's schedule.
  EXPECT_EQ(StateOf(records, "day100", 200), PointState::kDone);
}

TEST(FollowUpTest, EachDiseaseCountsItsOwnAssessments) {
  const Record ssc = SscAssessmentRecord{"P1", Day(100)};
  const Record sle = SleAssessmentRecord{"P1", Day(100)};
  EXPECT_EQ(StateOf(Patient(Disease::kSsc, {ssc}), "day100", 100),
            PointState::kDone);
  EXPECT_EQ(StateOf(Patient(Disease::kSle, {sle}), "day100", 100),
            PointState::kDone);
  // Another disease's instrument does not count.
  EXPECT_EQ(StateOf(Patient(Disease::kRrms, {ssc}), "day100", 100),
            PointState::kDue);
  // A disease-status record counts for every disease.
  EXPECT_EQ(
      StateOf(Patient(Disease::kNmosd, {DiseaseStatusRecord{"P1", Day(100)}}),
              "day100", 100),
      PointState::kDone);
}

TEST(FollowUpTest, NoTransplantNoSchedule) {
  EXPECT_TRUE(FollowUpOf(DefaultSchedule(),
                         {PatientRecord{"P1", Sex::kMale, 1970, Disease::kSsc,
                                        Date(2010, 1, 1)}},
                         Day(500))
                  .empty());
}

TEST(FollowUpSchedulesTest, ATableGivesEachIndicationItsSchedule) {
  absl::StatusOr<FollowUpSchedules> schedules = ParseFollowUpSchedules(
      "disease,point,day,window_before,window_after,past_due_after\n"
      "SSC,month3,91,21,30,60\n"
      "SSC,year1,365,60,120,90\n");
  ASSERT_TRUE(schedules.ok()) << schedules.status();
  // Systemic sclerosis: month 3, year 1, then yearly.
  const auto ssc = FollowUpOf(*schedules, Patient(Disease::kSsc), Day(800));
  std::vector<std::string> names;
  for (const PointStatus& s : ssc) names.push_back(s.point.name);
  EXPECT_THAT(names,
              ::testing::ElementsAre("month3", "year1", "year2", "year3"));
  EXPECT_EQ(ssc[0].past_due, Day(151));
  // MS is not named: the default calendar.
  EXPECT_EQ(
      FollowUpOf(*schedules, Patient(Disease::kRrms), Day(10))[0].point.name,
      "day100");
}

TEST(FollowUpSchedulesTest, ProblemsAreNamedByLineAndColumn) {
  const std::string header =
      "disease,point,day,window_before,window_after,past_due_after\n";
  auto error = [&](const std::string& rows) {
    return std::string(
        ParseFollowUpSchedules(header + rows).status().message());
  };
  EXPECT_THAT(error("MS,day100,100,30,40,120\n"),
              ::testing::HasSubstr("line 2, disease: 'MS' is not a disease"));
  EXPECT_THAT(error("*,day100,100,30,forty,120\n"),
              ::testing::HasSubstr("line 2, window_after: a whole number"));
  EXPECT_THAT(error("*,year1,365,0,0,120\n*,day100,100,0,0,120\n"),
              ::testing::HasSubstr("line 3, day: must come after year1"));
  EXPECT_THAT(error("*,day100,100\n"), ::testing::HasSubstr("3 fields"));
  EXPECT_THAT(
      std::string(ParseFollowUpSchedules("disease,day\n").status().message()),
      ::testing::HasSubstr("the header must be"));
}

}  // namespace
}  // namespace registry
