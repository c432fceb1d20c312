// The follow-up schedule after a transplant and where each patient stands
// on it: which reports are done, due, past due or still to come. EBMT asks
// for a report at day 100 and then every year; CIBMTR's forms fall due at
// 100 days, 6 months and yearly, and are past due 120 days after their due
// date. The schedule is data (FollowUpSchedule); DefaultSchedule() is that
// calendar.
#ifndef REGISTRY_CORE_FOLLOW_UP_H_
#define REGISTRY_CORE_FOLLOW_UP_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/date.h"
#include "core/records.h"

namespace registry {

// One follow-up report. Days count from the transplant (day 0).
struct FollowUpPoint {
  std::string name;  // "day100", "month6", "year1", "year2", ...
  int day = 0;       // falls due on day `day`
  // An assessment dated from day - window_before to day + window_after
  // (inclusive) completes it.
  int window_before = 0;
  int window_after = 0;
  int past_due_after = 120;  // past due from day + past_due_after on
};

struct FollowUpSchedule {
  std::vector<FollowUpPoint> points;  // in increasing `day`
  // After the last point, one every 365 days ("yearN" for year N), with
  // the last point's windows and delay, up to `last_year`.
  bool yearly = true;
  int last_year = 30;

  // The points falling due up to day `until`, then the first after it.
  std::vector<FollowUpPoint> PointsThrough(int until) const;
};

// Day 100 (window days 70-140), month 6 (day 182, 141-273), year 1 (day
// 365, 274-547), then yearly (year N on day 365 N, +-182 days); each past
// due 120 days after its due date (CIBMTR).
FollowUpSchedule DefaultSchedule();

// A schedule per indication: a disease's own, or the fallback.
struct FollowUpSchedules {
  FollowUpSchedule fallback = DefaultSchedule();
  std::map<Disease, FollowUpSchedule> by_disease;
  const FollowUpSchedule& For(Disease disease) const;
};

// Reads schedules from CSV with the header
// `disease,point,day,window_before,window_after,past_due_after`: one row
// per point, diseases as patients.csv writes them (RRMS, ..., OTHER) or
// `*` for the fallback; each schedule's points in increasing day, yearly
// ones following the last. A disease not named takes the fallback (the
// default calendar unless `*` rows replace it). INVALID_ARGUMENT naming
// the line and column of the first problem.
absl::StatusOr<FollowUpSchedules> ParseFollowUpSchedules(
    const std::string& csv_text);

// The date of `record` when it assesses a patient with `disease` for the
// schedule: a visit for MS, NMOSD and others, an SSc assessment for
// systemic sclerosis, an SLE assessment for lupus (a visit too for those
// two, as centres record some follow-up that way), a disease-status
// record for every disease.
std::optional<Date> AssessmentDate(Disease disease, const Record& record);

enum class PointState {
  kDone,         // an assessment in its window, dated on or before as-of
  kUpcoming,     // not yet due
  kDue,          // due, not done, not yet past due
  kOverdue,      // past due and not done
  kNotExpected,  // the patient died before it fell due
};
std::string_view PointStateName(PointState state);  // "done", "overdue", ...

struct PointStatus {
  FollowUpPoint point;
  Date transplant;  // day 0
  Date due;
  Date past_due;
  PointState state = PointState::kUpcoming;
  std::optional<Date> assessed;  // the assessment that completed it
};

// Where one patient stands on `schedule` at `as_of`, counted from the
// latest transplant on or before `as_of` (a second transplant restarts
// the schedule): every point due by then, and the next one to come; after
// a death, the first point it made unexpected ends the list. Only records
// dated on or before `as_of` count. Empty without a transplant.
std::vector<PointStatus> FollowUpOf(const FollowUpSchedule& schedule,
                                    const std::vector<Record>& records,
                                    Date as_of);
// The same on the schedule of the patient's disease.
std::vector<PointStatus> FollowUpOf(const FollowUpSchedules& schedules,
                                    const std::vector<Record>& records,
                                    Date as_of);

}  // namespace registry

#endif  // REGISTRY_CORE_FOLLOW_UP_H_
