#include "core/survival.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace registry {
namespace {

// qnorm(0.975): the 95 % two-sided normal quantile R uses.
constexpr double kZ95 = 1.959963984540054;
// sqrt(.Machine$double.eps), quantile.survfit's tolerance.
const double kTolerance = std::sqrt(std::numeric_limits<double>::epsilon());
constexpr std::array<std::string_view, 3> kConfidenceNames = {"log", "log-log",
                                                              "plain"};

std::optional<double> Finite(double x) {
  if (std::isnan(x) || std::isinf(x)) return std::nullopt;
  return x;
}

// survfit_confint with logse = TRUE: `se` is the standard error of log S.
void ConfidenceInterval(ConfidenceType type, double p, double se,
                        KaplanMeierRow& row) {
  switch (type) {
    case ConfidenceType::kPlain: {
      const double half = se * p * kZ95;
      row.lower = Finite(std::max(p - half, 0.0));
      row.upper = Finite(std::min(p + half, 1.0));
      if (std::isnan(half)) row.lower = row.upper = std::nullopt;
      break;
    }
    case ConfidenceType::kLog:
      if (p == 0 || std::isinf(se)) {
        row.lower = row.upper = std::nullopt;
      } else {
        row.lower = Finite(std::exp(std::log(p) - kZ95 * se));
        row.upper = Finite(std::min(std::exp(std::log(p) + kZ95 * se), 1.0));
      }
      break;
    case ConfidenceType::kLogLog:
      if (p == 0 || p == 1 || std::isinf(se)) {
        row.lower = row.upper = std::nullopt;
      } else {
        const double half = kZ95 * se / std::log(p);
        const double center = std::log(-std::log(p));
        row.lower = Finite(std::exp(-std::exp(center - half)));
        row.upper = Finite(std::exp(-std::exp(center + half)));
      }
      break;
  }
}

// R's findq over the points (x, y) with y non-decreasing from 0.
std::optional<double> FindQuantile(std::vector<double> x,
                                   std::vector<std::optional<double>> y_in,
                                   double p) {
  const double xmax = x.back();
  std::vector<double> xs, ys;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y_in[i]) {
      xs.push_back(x[i]);
      ys.push_back(*y_in[i]);
    }
  }
  if (ys.empty() || *std::max_element(ys.begin(), ys.end()) < p) {
    return std::nullopt;
  }
  // Drop repeated y values (keeping the first), as duplicated() does.
  std::vector<double> ux, uy;
  std::unordered_set<double> seen;
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!seen.insert(ys[i]).second) continue;
    ux.push_back(xs[i]);
    uy.push_back(ys[i]);
  }
  // approx(y +/- tol, 1:n, p, "constant", f = 1): the first point at or
  // above p; none when p is beyond the last point.
  auto first_at_or_above = [&](double shift) -> std::optional<size_t> {
    if (p < uy.front() + shift) return std::nullopt;
    for (size_t i = 0; i < uy.size(); ++i) {
      if (uy[i] + shift >= p) return i;
    }
    return std::nullopt;
  };
  const std::optional<size_t> i1 = first_at_or_above(kTolerance);
  const std::optional<size_t> i2 = first_at_or_above(-kTolerance);
  if (p == 0) return ux.front();
  if (std::abs(p - uy.back()) < kTolerance && i1) {
    return (ux[*i1] + xmax) / 2;
  }
  if (!i1 || !i2) return std::nullopt;
  return (ux[*i1] + ux[*i2]) / 2;
}

// The median rule of print(survfit) (survmean's minmin) over the curve y
// at times x, for S and for each limit (NA points skipped): the first time
// y is below 0.5 (within tolerance); when y is 0.5 there and drops below
// later, the midpoint of that time and the time of the drop; a stretch at
// 0.5 that runs to the end gives its start.
std::optional<double> PrintedMedian(
    const std::vector<double>& x, const std::vector<std::optional<double>>& y) {
  std::vector<double> kept_x, kept_y;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y[i] && *y[i] < 0.5 + kTolerance) {
      kept_x.push_back(x[i]);
      kept_y.push_back(*y[i]);
    }
  }
  if (kept_x.empty()) return std::nullopt;
  if (std::abs(kept_y[0] - 0.5) < kTolerance) {
    for (size_t i = 1; i < kept_y.size(); ++i) {
      if (kept_y[i] < kept_y[0]) return (kept_x[0] + kept_x[i]) / 2;
    }
  }
  return kept_x[0];
}

// Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), computed
// directly in the tail so small p-values keep their precision.
double UpperGammaRegularized(double a, double x) {
  if (x <= 0) return 1;
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-17) break;
    }
    return 1 - sum * std::exp(log_prefix);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-17) break;
  }
  return std::exp(log_prefix) * h;
}

}  // namespace

std::string_view ConfidenceTypeName(ConfidenceType type) {
  return kConfidenceNames[static_cast<size_t>(type)];
}

std::optional<ConfidenceType> ParseConfidenceType(std::string_view name) {
  for (size_t i = 0; i < kConfidenceNames.size(); ++i) {
    if (kConfidenceNames[i] == name) return static_cast<ConfidenceType>(i);
  }
  return std::nullopt;
}

KaplanMeierCurve KaplanMeier(std::vector<SurvivalObservation> obs,
                             ConfidenceType type) {
  std::sort(obs.begin(), obs.end(),
            [](const SurvivalObservation& a, const SurvivalObservation& b) {
              return a.time < b.time;
            });
  KaplanMeierCurve curve;
  curve.n = static_cast<int>(obs.size());
  double surv = 1, greenwood = 0;
  size_t i = 0;
  while (i < obs.size()) {
    KaplanMeierRow row;
    row.time = obs[i].time;
    row.n_risk = static_cast<int>(obs.size() - i);
    while (i < obs.size() && obs[i].time == row.time) {
      (obs[i].event ? row.n_event : row.n_censor)++;
      ++i;
    }
    curve.events += row.n_event;
    if (row.n_event > 0) {
      const double n = row.n_risk, d = row.n_event;
      surv *= 1 - d / n;
      greenwood +=
          n > d ? d / (n * (n - d)) : std::numeric_limits<double>::infinity();
    }
    row.surv = surv;
    const double se_log = std::sqrt(greenwood);
    row.std_err = surv == 0 ? std::nullopt : Finite(surv * se_log);
    ConfidenceInterval(type, surv, se_log, row);
    curve.rows.push_back(row);
  }
  std::vector<double> times;
  std::vector<std::optional<double>> surv_at, lower_at, upper_at;
  for (const KaplanMeierRow& row : curve.rows) {
    times.push_back(row.time);
    surv_at.push_back(row.surv);
    lower_at.push_back(row.lower);
    upper_at.push_back(row.upper);
  }
  curve.median = PrintedMedian(times, surv_at);
  curve.median_lower = PrintedMedian(times, lower_at);
  curve.median_upper = PrintedMedian(times, upper_at);
  return curve;
}

std::vector<KaplanMeierRow> SummaryAtTimes(const KaplanMeierCurve& curve,
                                           const std::vector<double>& times) {
  std::vector<KaplanMeierRow> out;
  if (curve.rows.empty()) return out;
  const double last = curve.rows.back().time;
  size_t next = 0;  // first curve row after the previous requested time
  for (double t : times) {
    if (t > last) break;
    KaplanMeierRow row;
    row.time = t;
    row.surv = 1;
    row.std_err = 0;
    row.lower = row.upper = std::nullopt;
    // Values at the last curve time <= t; counts since the previous time.
    std::optional<size_t> at;
    for (size_t i = 0; i < curve.rows.size() && curve.rows[i].time <= t; ++i) {
      at = i;
    }
    for (; next < curve.rows.size() && curve.rows[next].time <= t; ++next) {
      row.n_event += curve.rows[next].n_event;
      row.n_censor += curve.rows[next].n_censor;
    }
    row.n_risk = next < curve.rows.size() ? curve.rows[next].n_risk : 0;
    if (at) {
      // At risk at t: those with time >= t, i.e. from the row at t itself
      // when one exists.
      if (curve.rows[*at].time == t) row.n_risk = curve.rows[*at].n_risk;
      row.surv = curve.rows[*at].surv;
      row.std_err = curve.rows[*at].std_err;
      row.lower = curve.rows[*at].lower;
      row.upper = curve.rows[*at].upper;
    } else {
      row.n_risk = curve.n;
      row.lower = curve.rows.empty() ? std::nullopt : std::optional<double>(1);
      row.upper = row.lower;
    }
    out.push_back(row);
  }
  return out;
}

Quantile SurvivalQuantile(const KaplanMeierCurve& curve, double p) {
  std::vector<double> x = {0};
  std::vector<std::optional<double>> y = {0.0}, y_lower = {0.0},
                                     y_upper = {0.0};
  for (const KaplanMeierRow& row : curve.rows) {
    x.push_back(row.time);
    y.push_back(1 - row.surv);
    y_lower.push_back(row.lower ? std::optional<double>(1 - *row.lower)
                                : std::nullopt);
    y_upper.push_back(row.upper ? std::optional<double>(1 - *row.upper)
                                : std::nullopt);
  }
  return {FindQuantile(x, y, p), FindQuantile(x, y_lower, p),
          FindQuantile(x, y_upper, p)};
}

double ChiSquareUpperTail(double x, int df) {
  if (df <= 0) return 1;
  return UpperGammaRegularized(df / 2.0, x / 2.0);
}

LogRankResult LogRank(
    const std::vector<std::vector<SurvivalObservation>>& groups) {
  LogRankResult result;
  const size_t k = groups.size();
  result.n.assign(k, 0);
  result.observed.assign(k, 0);
  result.expected.assign(k, 0);
  std::vector<std::vector<double>> variance(k, std::vector<double>(k, 0));
  struct Tagged {
    double time;
    bool event;
    size_t group;
  };
  std::vector<Tagged> all;
  for (size_t g = 0; g < k; ++g) {
    result.n[g] = static_cast<int>(groups[g].size());
    for (const SurvivalObservation& o : groups[g]) {
      all.push_back({o.time, o.event, g});
    }
  }
  std::sort(all.begin(), all.end(),
            [](const Tagged& a, const Tagged& b) { return a.time < b.time; });
  std::vector<double> at_risk(k);
  for (size_t g = 0; g < k; ++g) at_risk[g] = result.n[g];
  size_t i = 0;
  while (i < all.size()) {
    const double t = all[i].time;
    std::vector<double> deaths(k, 0), leaving(k, 0);
    for (; i < all.size() && all[i].time == t; ++i) {
      deaths[all[i].group] += all[i].event;
      leaving[all[i].group] += 1;
    }
    double n = 0, d = 0;
    for (size_t g = 0; g < k; ++g) {
      n += at_risk[g];
      d += deaths[g];
    }
    if (d > 0) {
      for (size_t g = 0; g < k; ++g) {
        result.observed[g] += deaths[g];
        result.expected[g] += d * at_risk[g] / n;
        if (n > 1) {
          const double factor = d * (n - d) / (n * n * (n - 1));
          for (size_t h = 0; h < k; ++h) {
            variance[g][h] +=
                factor * at_risk[g] * ((g == h ? n : 0) - at_risk[h]);
          }
        }
      }
    }
    for (size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
  }
  // chisq = (O-E)' V^- (O-E) on the first k-1 groups (V has rank k-1).
  const size_t m = k > 0 ? k - 1 : 0;
  std::vector<std::vector<double>> a(m, std::vector<double>(m + 1));
  for (size_t r = 0; r < m; ++r) {
    for (size_t c = 0; c < m; ++c) a[r][c] = variance[r][c];
    a[r][m] = result.observed[r] - result.expected[r];
  }
  int rank = 0;
  std::vector<double> solution(m, 0);
  std::vector<bool> pivot_used(m, false);
  // Gauss–Jordan with partial pivoting; near-zero pivots are skipped, as a
  // generalised inverse would.
  for (size_t col = 0, row = 0; col < m && row < m; ++col) {
    size_t best = row;
    for (size_t r = row + 1; r < m; ++r) {
      if (std::abs(a[r][col]) > std::abs(a[best][col])) best = r;
    }
    if (std::abs(a[best][col]) < 1e-10) continue;
    std::swap(a[best], a[row]);
    for (size_t r = 0; r < m; ++r) {
      if (r == row) continue;
      const double f = a[r][col] / a[row][col];
      for (size_t c = col; c <= m; ++c) a[r][c] -= f * a[row][c];
    }
    pivot_used[col] = true;
    ++row;
    ++rank;
  }
  for (size_t r = 0, col = 0; col < m; ++col) {
    if (!pivot_used[col]) continue;
    solution[col] = a[r][m] / a[r][col];
    ++r;
  }
  for (size_t g = 0; g < m; ++g) {
    result.chisq += (result.observed[g] - result.expected[g]) * solution[g];
  }
  result.df = rank;
  result.p_value = ChiSquareUpperTail(result.chisq, result.df);
  return result;
}

std::vector<CumulativeIncidenceRow> AalenJohansen(
    std::vector<CompetingObservation> obs) {
  std::sort(obs.begin(), obs.end(),
            [](const CompetingObservation& a, const CompetingObservation& b) {
              return a.time < b.time;
            });
  std::vector<CumulativeIncidenceRow> rows;
  double event_free = 1, incidence = 0, competing = 0;
  size_t i = 0;
  while (i < obs.size()) {
    CumulativeIncidenceRow row;
    row.time = obs[i].time;
    row.n_risk = static_cast<int>(obs.size() - i);
    for (; i < obs.size() && obs[i].time == row.time; ++i) {
      switch (obs[i].outcome) {
        case CompetingOutcome::kEvent:
          ++row.n_event;
          break;
        case CompetingOutcome::kCompeting:
          ++row.n_competing;
          break;
        case CompetingOutcome::kCensored:
          ++row.n_censor;
          break;
      }
    }
    const double n = row.n_risk;
    incidence += event_free * row.n_event / n;
    competing += event_free * row.n_competing / n;
    event_free *= 1 - (row.n_event + row.n_competing) / n;
    row.incidence = incidence;
    row.competing_incidence = competing;
    row.event_free = event_free;
    rows.push_back(row);
  }
  return rows;
}

Quantile MedianFollowUp(const std::vector<SurvivalObservation>& observations,
                        ConfidenceType type) {
  std::vector<SurvivalObservation> reversed = observations;
  for (SurvivalObservation& o : reversed) o.event = !o.event;
  return SurvivalQuantile(KaplanMeier(std::move(reversed), type), 0.5);
}

}  // namespace registry
