#include "core/disability.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace registry {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One patient's visits as day numbers, with the distance of each visit to
// the nearest relapse onset on or before it and on or after it.
struct Series {
  std::vector<double> day;
  std::vector<double> edss;
  std::vector<double> since_relapse;
  std::vector<double> until_relapse;
  size_t size() const { return day.size(); }
};

double DayNumber(Date date) {
  return static_cast<double>(date - Date(1970, 1, 1));
}

class Detector {
 public:
  Detector(std::vector<EdssVisit> visits, std::vector<Date> relapses,
           const OutcomeDefinition& definition)
      : d_(definition) {
    // Stable sort keeps input order within a day; the last of a day wins.
    std::stable_sort(
        visits.begin(), visits.end(),
        [](const EdssVisit& a, const EdssVisit& b) { return a.date < b.date; });
    for (size_t i = 0; i < visits.size(); ++i) {
      if (i + 1 < visits.size() && visits[i + 1].date == visits[i].date) {
        continue;
      }
      dates_.push_back(visits[i].date);
      s_.day.push_back(DayNumber(visits[i].date));
      s_.edss.push_back(visits[i].edss);
    }
    if (s_.day.empty()) return;
    for (Date onset : relapses) {
      const double day = DayNumber(onset);
      if (day >= s_.day.front() - d_.relapse_to_baseline_days) {
        relapse_days_.push_back(day);
      }
    }
    std::sort(relapse_days_.begin(), relapse_days_.end());
    for (double visit : s_.day) {
      double since = kInfinity, until = kInfinity;
      for (double onset : relapse_days_) {
        if (onset <= visit) since = std::min(since, visit - onset);
        if (onset >= visit) until = std::min(until, onset - visit);
      }
      s_.since_relapse.push_back(since);
      s_.until_relapse.push_back(until);
    }
  }

  std::vector<DisabilityEvent> Run();

 private:
  double Delta(double baseline) const {
    return MinimumEdssChange(baseline, d_.edss_plus1_max);
  }
  bool Worse(size_t x, double baseline) const {
    return s_.edss[x] - baseline >= Delta(baseline);
  }
  bool Better(size_t x, double baseline) const {
    return s_.edss[x] - baseline <= -Delta(baseline);
  }
  bool Changed(size_t x, double baseline) const {
    return std::abs(s_.edss[x] - baseline) >= Delta(baseline);
  }
  // True when every visit after `change` up to `confirmation` holds.
  template <typename Holds>
  bool HoldsThrough(size_t change, size_t confirmation, Holds holds) const {
    for (size_t x = change + 1; x <= confirmation; ++x) {
      if (!holds(x)) return false;
    }
    return true;
  }
  // Candidate confirmation visits per confirmation delay, in visit order.
  std::vector<std::vector<size_t>> ConfirmationCandidates(size_t change) const;
  bool RelapseIn(double from, double to) const {
    for (double onset : relapse_days_) {
      if (from <= onset && onset <= to) return true;
    }
    return false;
  }
  // The last visit before `change` from which it and every visit up to
  // the first confirmation are worse (msprog's last_delta), else the first.
  size_t LastDelta(size_t change,
                   const std::vector<size_t>& confirmations) const;
  CdwType Classify(size_t change, size_t baseline,
                   const std::vector<size_t>& confirmations) const;
  // True when the change onset at `change` is sustained long enough: no
  // visit breaks it (`broken` empty), or the first that does comes at
  // least require_sustained_days after the onset.
  bool Sustained(size_t change, std::optional<size_t> broken) const {
    return d_.require_sustained_days <= 0 || !broken ||
           s_.day[*broken] - s_.day[change] >= d_.require_sustained_days;
  }
  // The first relapse onset after `day`.
  std::optional<double> RelapseAfter(double day) const {
    for (double onset : relapse_days_) {
      if (onset > day) return onset;
    }
    return std::nullopt;
  }
  DisabilityEvent MakeEvent(DisabilityEventType type, CdwType cdw_type,
                            size_t change, size_t baseline,
                            size_t confirmation) const {
    return {type,
            cdw_type,
            dates_[change],
            s_.edss[change],
            dates_[baseline],
            s_.edss[baseline],
            dates_[confirmation],
            s_.edss[confirmation]};
  }

  const OutcomeDefinition& d_;
  std::vector<Date> dates_;
  Series s_;
  std::vector<double> relapse_days_;
};

std::vector<std::vector<size_t>> Detector::ConfirmationCandidates(
    size_t change) const {
  std::vector<std::vector<size_t>> candidates;
  for (int delay : d_.confirmation_days) {
    const double lower = delay - d_.confirmation_tolerance_before_days;
    const double upper = delay + d_.confirmation_tolerance_after_days;
    std::vector<size_t> matches;
    for (size_t x = change + 1; x < s_.size(); ++x) {
      const double after = s_.day[x] - s_.day[change];
      if (after >= lower && after <= upper &&
          s_.since_relapse[x] >= d_.relapse_to_confirmation_days) {
        matches.push_back(x);
      }
    }
    candidates.push_back(std::move(matches));
  }
  return candidates;
}

size_t Detector::LastDelta(size_t change,
                           const std::vector<size_t>& confirmations) const {
  for (size_t ref = change; ref-- > 0;) {
    auto worse = [&](size_t x) { return Worse(x, s_.edss[ref]); };
    if (worse(change) && HoldsThrough(change, confirmations.front(), worse)) {
      return ref;
    }
  }
  return 0;
}

CdwType Detector::Classify(size_t change, size_t baseline,
                           const std::vector<size_t>& confirmations) const {
  if (s_.since_relapse[change] <= d_.relapse_assoc_days ||
      s_.until_relapse[change] <= 0) {
    return CdwType::kRaw;
  }
  size_t reference = baseline;
  if (d_.pira_reference == PiraReference::kLast) reference = change - 1;
  if (d_.pira_reference == PiraReference::kLastDelta) {
    reference = LastDelta(change, confirmations);
  }
  // msprog's windows: a missing lower bound carries the previous one on, a
  // missing upper bound leaves the window open to the next checkpoint.
  const std::array<std::pair<std::optional<int>, std::optional<int>>, 3>
      bounds = {{{d_.pira_reference_before_days, d_.pira_reference_after_days},
                 {d_.pira_event_before_days, d_.pira_event_after_days},
                 {d_.pira_confirmation_before_days,
                  d_.pira_confirmation_after_days}}};
  // PIRA when at least one confirmation visit has every window free.
  for (size_t c : confirmations) {
    const std::array<double, 3> point = {s_.day[reference], s_.day[change],
                                         s_.day[c]};
    double from = point[0];
    bool relapse = false;
    for (size_t i = 0; i < point.size() && !relapse; ++i) {
      if (bounds[i].first) from = point[i] - *bounds[i].first;
      if (!bounds[i].second) continue;
      const double to = point[i] + *bounds[i].second;
      relapse = to > from && RelapseIn(from, to);
    }
    if (!relapse) return CdwType::kPira;
  }
  return CdwType::kUndefined;
}

std::vector<DisabilityEvent> Detector::Run() {
  struct Found {
    size_t change;
    DisabilityEvent event;
  };
  std::vector<Found> found;
  const size_t n = s_.size();
  if (n < 2) return {};
  const bool roving = d_.baseline == BaselineScheme::kRoving;
  const EventSelection selection = d_.event;
  const bool worsening_only_fixed =
      !roving && (selection == EventSelection::kFirstCdw ||
                  selection == EventSelection::kFirstPira ||
                  selection == EventSelection::kFirstRaw);
  // With relapse re-baselining, a change later than this many days after
  // the next relapse is measured from a post-relapse baseline instead
  // (a first-PIRA search re-baselines at once; otherwise a RAW may come).
  const double rebaseline_after =
      selection == EventSelection::kFirstPira ? 0 : d_.relapse_assoc_days;
  size_t bl = 0, search = 1;
  bool proceed = true;
  // Each pass ends the search, moves `search` forward or moves the
  // baseline forward, which never moves back: at most n passes per
  // baseline. The cap only guards against a rule change that breaks this.
  const size_t max_passes = (n + 1) * (n + 2);
  for (size_t pass = 0; proceed && pass < max_passes; ++pass) {
    while (proceed && s_.since_relapse[bl] < d_.relapse_to_baseline_days) {
      ++bl;
      if (bl + 1 >= n) proceed = false;
    }
    // The next relapse after the baseline, as the pass began.
    const std::optional<double> next_relapse =
        d_.relapse_rebaseline ? RelapseAfter(s_.day[bl]) : std::nullopt;
    if (search <= bl) search = bl + 1;
    const double baseline = s_.edss[bl];

    std::optional<size_t> change;
    for (size_t x = search; x < n; ++x) {
      if (Changed(x, baseline) &&
          s_.since_relapse[x] >= d_.relapse_to_event_days) {
        change = x;
        break;
      }
    }
    if (!change) break;
    const size_t c = *change;

    if (next_relapse && s_.day[c] > *next_relapse + rebaseline_after) {
      search = c;  // re-baselined below, then searched again from there
    } else {
      std::vector<std::vector<size_t>> per_delay;
      std::vector<size_t> candidates;  // union, first delay's visits first
      if (c + 1 < n) {
        per_delay = ConfirmationCandidates(c);
        for (const auto& list : per_delay) {
          for (size_t x : list) {
            if (std::find(candidates.begin(), candidates.end(), x) ==
                candidates.end()) {
              candidates.push_back(x);
            }
          }
        }
      }
      auto worse = [&](size_t x) { return Worse(x, baseline); };
      auto better = [&](size_t x) { return Better(x, baseline); };

      // Keeps the candidates before the first visit, after the first one,
      // where the change no longer holds (returned as `broken`); `earliest`
      // is the earliest kept candidate of each delay, in delay order.
      struct Settled {
        std::vector<size_t> earliest;
        std::optional<size_t> broken;
      };
      auto settle = [&](auto holds) {
        Settled settled;
        const size_t first = candidates.front();
        for (size_t x = first + 1; x < n; ++x) {
          if (!holds(x)) {
            std::erase_if(candidates, [x](size_t v) { return v >= x; });
            settled.broken = x;
            break;
          }
        }
        for (const auto& list : per_delay) {
          std::optional<size_t> best;
          for (size_t x : list) {
            if (std::find(candidates.begin(), candidates.end(), x) !=
                    candidates.end() &&
                (!best || x < *best)) {
              best = x;
            }
          }
          if (best) settled.earliest.push_back(*best);
        }
        return settled;
      };

      if (Better(c, baseline) && !candidates.empty() &&
          HoldsThrough(c, candidates.front(), better) &&
          !worsening_only_fixed) {
        const Settled settled = settle(better);
        const size_t confirmation = settled.earliest.front();
        const bool sustained = Sustained(c, settled.broken);
        if (sustained) {
          found.push_back(
              {c, MakeEvent(DisabilityEventType::kCdi, CdwType::kNotApplicable,
                            c, bl, confirmation)});
        }
        // A roving baseline moves even to a change not sustained long
        // enough to count (as msprog does).
        if (roving) bl = confirmation;
        search = (roving || sustained ? confirmation : c) + 1;
      } else if (Worse(c, baseline) && !candidates.empty() &&
                 HoldsThrough(c, candidates.front(), worse)) {
        const Settled settled = settle(worse);
        const size_t confirmation = settled.earliest.front();
        if (!Sustained(c, settled.broken)) {
          if (roving) bl = confirmation;
          search = (roving ? confirmation : c) + 1;
        } else {
          const CdwType type = Classify(c, bl, candidates);
          if (!roving && ((selection == EventSelection::kFirstPira &&
                           type == CdwType::kRaw) ||
                          (selection == EventSelection::kFirstRaw &&
                           type != CdwType::kRaw))) {
            // Only PIRA (RAW) is searched and the baseline stays: skip it.
            search = c + 1;
            continue;
          }
          found.push_back({c, MakeEvent(DisabilityEventType::kCdw, type, c, bl,
                                        confirmation)});
          size_t next_reference = confirmation;
          if (roving) {
            bl = confirmation;
          } else if ((selection == EventSelection::kFirstPira &&
                      type != CdwType::kPira) ||
                     (selection == EventSelection::kFirstRaw &&
                      type != CdwType::kRaw)) {
            next_reference = c;
          }
          search = next_reference + 1;
        }
      } else {
        search = c + 1;
      }
    }

    // Post-relapse re-baseline: a relapse between the baseline and the
    // search (past its association window) moves the baseline to the
    // first visit on or after the next relapse as the pass began.
    if (d_.relapse_rebaseline && proceed && search < n) {
      bool crossed = false;
      for (double onset : relapse_days_) {
        crossed |=
            s_.day[bl] < onset && onset + rebaseline_after < s_.day[search];
      }
      if (crossed) {
        std::optional<size_t> moved = bl;
        if (next_relapse) {
          moved.reset();
          for (size_t x = bl; x < n && !moved; ++x) {
            if (*next_relapse <= s_.day[x]) moved = x;
          }
        }
        if (moved) {
          bl = *moved;
          search = bl + 1;
        }
        if (!moved || bl + 2 > n) proceed = false;
      }
    }

    auto any = [&](auto predicate) {
      return std::any_of(found.begin(), found.end(), predicate);
    };
    // msprog's rule, kept for identical results: a first-event search
    // stops at the second event found (with re-baselining after relapses a
    // later pass may find an earlier onset).
    const bool done =
        (selection == EventSelection::kFirst && found.size() > 1) ||
        (selection == EventSelection::kFirstCdi && any([](const Found& f) {
           return f.event.type == DisabilityEventType::kCdi;
         })) ||
        (selection == EventSelection::kFirstCdw && any([](const Found& f) {
           return f.event.type == DisabilityEventType::kCdw;
         })) ||
        (selection == EventSelection::kFirstPira && any([](const Found& f) {
           return f.event.cdw_type == CdwType::kPira;
         })) ||
        (selection == EventSelection::kFirstRaw &&
         any([](const Found& f) { return f.event.cdw_type == CdwType::kRaw; }));
    if (done) proceed = false;
  }

  // One event per onset visit (the last found), in onset order.
  std::vector<Found> unique;
  for (size_t i = 0; i < found.size(); ++i) {
    bool later_same = false;
    for (size_t j = i + 1; j < found.size(); ++j) {
      later_same |= found[j].change == found[i].change;
    }
    if (!later_same) unique.push_back(found[i]);
  }
  std::stable_sort(
      unique.begin(), unique.end(),
      [](const Found& a, const Found& b) { return a.change < b.change; });
  std::vector<DisabilityEvent> events;
  auto keep_first = [&](auto predicate) {
    for (const Found& f : unique) {
      if (predicate(f.event)) {
        events.push_back(f.event);
        break;
      }
    }
  };
  switch (selection) {
    case EventSelection::kMultiple:
      for (const Found& f : unique) events.push_back(f.event);
      break;
    case EventSelection::kFirst:
      keep_first([](const DisabilityEvent&) { return true; });
      break;
    case EventSelection::kFirstCdw:
      keep_first([](const DisabilityEvent& e) {
        return e.type == DisabilityEventType::kCdw;
      });
      break;
    case EventSelection::kFirstCdi:
      keep_first([](const DisabilityEvent& e) {
        return e.type == DisabilityEventType::kCdi;
      });
      break;
    case EventSelection::kFirstPira:
      keep_first([](const DisabilityEvent& e) {
        return e.cdw_type == CdwType::kPira;
      });
      break;
    case EventSelection::kFirstRaw:
      keep_first(
          [](const DisabilityEvent& e) { return e.cdw_type == CdwType::kRaw; });
      break;
  }
  return events;
}

}  // namespace

double MinimumEdssChange(double baseline, double plus1_max) {
  if (baseline == 0) return 1.5;
  if (baseline <= plus1_max) return 1.0;
  return 0.5;
}

std::vector<DisabilityEvent> DetectDisabilityEvents(
    std::vector<EdssVisit> visits, std::vector<Date> relapses,
    const OutcomeDefinition& definition) {
  return Detector(std::move(visits), std::move(relapses), definition).Run();
}

}  // namespace registry
