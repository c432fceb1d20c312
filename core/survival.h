// Survival statistics as R's survival package (3.5) computes them:
// Kaplan–Meier with Greenwood errors and log, log-log or plain intervals,
// the table at chosen times, median survival with its interval, the
// log-rank test, Aalen–Johansen cumulative incidence with a competing
// event, and median follow-up by reverse Kaplan–Meier. Pure functions;
// times are in days, estimates are fractions.
#ifndef REGISTRY_CORE_SURVIVAL_H_
#define REGISTRY_CORE_SURVIVAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace registry {

// One subject: time to event or censoring, and whether the event happened.
struct SurvivalObservation {
  double time = 0;
  bool event = false;
};

enum class ConfidenceType { kLog, kLogLog, kPlain };       // R's conf.type
std::string_view ConfidenceTypeName(ConfidenceType type);  // "log", ...
std::optional<ConfidenceType> ParseConfidenceType(std::string_view name);

// One row of survfit's table: one per distinct event or censoring time.
// Undefined values (R's NA) are nullopt.
struct KaplanMeierRow {
  double time = 0;
  int n_risk = 0;
  int n_event = 0;
  int n_censor = 0;
  double surv = 1;
  std::optional<double> std_err;  // of S: S * sqrt(Greenwood sum)
  std::optional<double> lower;    // 95 % interval
  std::optional<double> upper;
};

struct KaplanMeierCurve {
  int n = 0;
  int events = 0;
  std::vector<KaplanMeierRow> rows;
  // Median survival and its interval as print(survfit) shows them; nullopt
  // = NA. Where the curve (or a limit) is exactly 0.5 over a stretch, the
  // midpoint of its start and the next drop; when the stretch runs to the
  // last observation, its start.
  std::optional<double> median;
  std::optional<double> median_lower;
  std::optional<double> median_upper;
};

// survfit(Surv(time, event) ~ 1, conf.type = type) at 95 %.
KaplanMeierCurve KaplanMeier(std::vector<SurvivalObservation> observations,
                             ConfidenceType type = ConfidenceType::kLog);

// summary(fit, times = times): one row per requested time up to the last
// observed time (later ones are dropped, as R does); n_event and n_censor
// count from the previous requested time. `times` must be increasing.
std::vector<KaplanMeierRow> SummaryAtTimes(const KaplanMeierCurve& curve,
                                           const std::vector<double>& times);

// R's quantile.survfit for probability p of the curve (p = 0.5: median).
// It differs from print(survfit) at a stretch exactly at p that runs to the
// end: the midpoint of its start and the last time, not the start.
struct Quantile {
  std::optional<double> value, lower, upper;
};
Quantile SurvivalQuantile(const KaplanMeierCurve& curve, double p);

// survdiff(Surv(time, event) ~ group): the log-rank test.
struct LogRankResult {
  std::vector<int> n;  // per group
  std::vector<double> observed;
  std::vector<double> expected;
  double chisq = 0;
  int df = 0;
  double p_value = 1;
};
LogRankResult LogRank(
    const std::vector<std::vector<SurvivalObservation>>& groups);

// P(X > x) for a chi-square distribution with `df` degrees of freedom.
double ChiSquareUpperTail(double x, int df);

// Aalen–Johansen cumulative incidence of the event of interest with one
// competing event (death), as survfit with a multi-state status.
enum class CompetingOutcome { kCensored, kEvent, kCompeting };
struct CompetingObservation {
  double time = 0;
  CompetingOutcome outcome = CompetingOutcome::kCensored;
};
struct CumulativeIncidenceRow {
  double time = 0;
  int n_risk = 0;
  int n_event = 0;      // events of interest at this time
  int n_competing = 0;  // competing events at this time
  int n_censor = 0;
  double incidence = 0;            // of the event of interest
  double competing_incidence = 0;  // of the competing event
  double event_free = 1;           // neither yet
};
std::vector<CumulativeIncidenceRow> AalenJohansen(
    std::vector<CompetingObservation> observations);

// Median follow-up by reverse Kaplan–Meier (censoring as the event):
// quantile 0.5 of survfit(Surv(time, 1 - event) ~ 1).
Quantile MedianFollowUp(const std::vector<SurvivalObservation>& observations,
                        ConfidenceType type = ConfidenceType::kLog);

}  // namespace registry

#endif  // REGISTRY_CORE_SURVIVAL_H_
