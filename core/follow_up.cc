#include "core/follow_up.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/csv.h"

namespace registry {

std::vector<FollowUpPoint> FollowUpSchedule::PointsThrough(int until) const {
  std::vector<FollowUpPoint> out;
  for (const FollowUpPoint& p : points) {
    out.push_back(p);
    if (p.day > until) return out;
  }
  if (!yearly || points.empty()) return out;
  const FollowUpPoint& last = points.back();
  for (int year = last.day / 365 + 1; year <= last_year; ++year) {
    FollowUpPoint p = last;
    p.name = absl::StrCat("year", year);
    p.day = 365 * year;
    out.push_back(p);
    if (p.day > until) break;
  }
  return out;
}

FollowUpSchedule DefaultSchedule() {
  FollowUpSchedule s;
  s.points = {{"day100", 100, 30, 40, 120},
              {"month6", 182, 41, 91, 120},
              {"year1", 365, 91, 182, 120}};
  return s;
}

std::optional<Date> AssessmentDate(Disease disease, const Record& record) {
  if (const auto* v = std::get_if<VisitRecord>(&record)) return v->visit_date;
  if (const auto* s = std::get_if<DiseaseStatusRecord>(&record)) {
    return s->status_date;
  }
  if (const auto* s = std::get_if<SscAssessmentRecord>(&record);
      s && disease == Disease::kSsc) {
    return s->assessment_date;
  }
  if (const auto* s = std::get_if<SleAssessmentRecord>(&record);
      s && disease == Disease::kSle) {
    return s->assessment_date;
  }
  return std::nullopt;
}

std::string_view PointStateName(PointState state) {
  switch (state) {
    case PointState::kDone:
      return "done";
    case PointState::kUpcoming:
      return "upcoming";
    case PointState::kDue:
      return "due";
    case PointState::kOverdue:
      return "overdue";
    case PointState::kNotExpected:
      return "not_expected";
  }
  return "?";
}

std::vector<PointStatus> FollowUpOf(const FollowUpSchedule& schedule,
                                    const std::vector<Record>& records,
                                    Date as_of) {
  Disease disease = Disease::kOther;
  std::optional<Date> transplant, death;
  std::vector<Date> assessments;
  for (const Record& r : records) {
    if (const auto* p = std::get_if<PatientRecord>(&r)) disease = p->disease;
    if (const auto* t = std::get_if<TransplantRecord>(&r);
        t && t->transplant_date <= as_of &&
        (!transplant || t->transplant_date > *transplant)) {
      transplant = t->transplant_date;
    }
    if (const auto* d = std::get_if<DeathRecord>(&r);
        d && d->death_date <= as_of) {
      death = d->death_date;
    }
  }
  if (!transplant) return {};
  for (const Record& r : records) {
    if (std::optional<Date> at = AssessmentDate(disease, r);
        at && *at <= as_of && *at >= *transplant) {
      assessments.push_back(*at);
    }
  }
  std::sort(assessments.begin(), assessments.end());

  std::vector<PointStatus> out;
  const int today = static_cast<int>(as_of - *transplant);
  for (const FollowUpPoint& p : schedule.PointsThrough(today)) {
    PointStatus s{p, *transplant, *transplant + p.day,
                  *transplant + p.day + p.past_due_after};
    const Date from = s.due - p.window_before, to = s.due + p.window_after;
    auto first = std::lower_bound(assessments.begin(), assessments.end(), from);
    if (first != assessments.end() && *first <= to) s.assessed = *first;
    if (s.assessed) {
      s.state = PointState::kDone;
    } else if (death && *death < s.due) {
      s.state = PointState::kNotExpected;
    } else if (as_of < s.due) {
      s.state = PointState::kUpcoming;
    } else if (as_of < s.past_due) {
      s.state = PointState::kDue;
    } else {
      s.state = PointState::kOverdue;
    }
    out.push_back(std::move(s));
    if (death && *death < out.back().due) break;  // nothing more is expected
  }
  return out;
}

const FollowUpSchedule& FollowUpSchedules::For(Disease disease) const {
  auto it = by_disease.find(disease);
  return it == by_disease.end() ? fallback : it->second;
}

std::vector<PointStatus> FollowUpOf(const FollowUpSchedules& schedules,
                                    const std::vector<Record>& records,
                                    Date as_of) {
  Disease disease = Disease::kOther;
  for (const Record& r : records) {
    if (const auto* p = std::get_if<PatientRecord>(&r)) disease = p->disease;
  }
  return FollowUpOf(schedules.For(disease), records, as_of);
}

absl::StatusOr<FollowUpSchedules> ParseFollowUpSchedules(
    const std::string& csv_text) {
  constexpr const char* kHeader[] = {"disease",      "point",
                                     "day",          "window_before",
                                     "window_after", "past_due_after"};
  auto fail = [](int line, std::string_view column, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "follow-up schedule, line ", line,
        column.empty() ? "" : absl::StrCat(", ", std::string(column)), ": ",
        why));
  };
  std::istringstream in(csv_text);
  CsvReader reader(in);
  CsvRow row;
  if (!reader.Next(&row) || row.fields.size() != std::size(kHeader) ||
      !std::equal(row.fields.begin(), row.fields.end(), std::begin(kHeader))) {
    return fail(1, "",
                absl::StrCat("the header must be ",
                             "disease,point,day,window_before,"
                             "window_after,past_due_after"));
  }
  std::map<std::string, FollowUpSchedule> named;  // by disease code or "*"
  while (reader.Next(&row)) {
    if (row.fields.size() != std::size(kHeader)) {
      return fail(row.line, "",
                  absl::StrCat("has ", row.fields.size(), " fields, not 6"));
    }
    const std::string& disease = row.fields[0];
    const absl::Span<const std::string_view> codes =
        ColumnsOf(Kind::kPatients)[3].codes;
    if (disease != "*" &&
        std::find(codes.begin(), codes.end(), disease) == codes.end()) {
      return fail(row.line, "disease",
                  "'" + disease +
                      "' is not a disease code (RRMS, SPMS, PPMS, "
                      "NMOSD, SSC, SLE, OTHER) or *");
    }
    FollowUpPoint point;
    point.name = row.fields[1];
    if (point.name.empty() || point.name.size() > 32) {
      return fail(row.line, "point", "a name of 1 to 32 characters");
    }
    int* numbers[] = {&point.day, &point.window_before, &point.window_after,
                      &point.past_due_after};
    for (int n = 0; n < 4; ++n) {
      if (!absl::SimpleAtoi(row.fields[2 + n], numbers[n]) || *numbers[n] < 0 ||
          *numbers[n] > 36500) {
        return fail(row.line, kHeader[2 + n],
                    "a whole number of days, 0 to 36500 (got '" +
                        row.fields[2 + n] + "')");
      }
    }
    std::vector<FollowUpPoint>& points = named[disease].points;
    if (!points.empty() && point.day <= points.back().day) {
      return fail(row.line, "day",
                  absl::StrCat("must come after ", points.back().name,
                               "'s day ", points.back().day));
    }
    points.push_back(std::move(point));
  }
  if (!reader.status().ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "follow-up schedule: ", std::string(reader.status().message())));
  }
  FollowUpSchedules schedules;
  for (auto& [disease, schedule] : named) {
    if (disease == "*") {
      schedules.fallback = std::move(schedule);
      continue;
    }
    const absl::Span<const std::string_view> codes =
        ColumnsOf(Kind::kPatients)[3].codes;
    const size_t index =
        std::find(codes.begin(), codes.end(), disease) - codes.begin();
    schedules.by_disease[static_cast<Disease>(index)] = std::move(schedule);
  }
  return schedules;
}

}  // namespace registry
