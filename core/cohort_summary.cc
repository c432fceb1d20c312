#include "core/cohort_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;
constexpr char kAll[] = "(all)";

std::vector<CountRow> Counts(const std::map<std::string, int>& table,
                             bool suppress, int min_cell) {
  std::vector<CountRow> rows;
  for (const auto& [group, n] : table) {
    rows.push_back({group, CellText(n, suppress, min_cell)});
  }
  return rows;
}

// Milestone rows and curves of each group, with "(all)" added when there
// is more than one group or a stratification was asked for.
void Milestones(std::map<std::string, std::vector<SurvivalObservation>> groups,
                Stratification by, int min_cell,
                std::vector<MilestoneRow>& rows,
                std::vector<NamedCurve>& curves) {
  const bool per_center = by == Stratification::kCenter;
  std::vector<double> days;
  for (double years : kMilestoneYears) days.push_back(years * kDaysPerYear);
  if (groups.size() > 1 || by != Stratification::kNone) {
    std::vector<SurvivalObservation> all;
    for (const auto& [group, observations] : groups) {
      all.insert(all.end(), observations.begin(), observations.end());
    }
    groups[kAll] = std::move(all);
  }
  for (const auto& [group, observations] : groups) {
    const bool pooled = group == kAll;
    const bool suppress = per_center && !pooled &&
                          static_cast<int>(observations.size()) < min_cell;
    const KaplanMeierCurve curve = KaplanMeier(observations);
    const std::vector<KaplanMeierRow> at = SummaryAtTimes(curve, days);
    for (size_t i = 0; i < days.size(); ++i) {
      MilestoneRow row{group, kMilestoneYears[i]};
      if (suppress) {
        row.n_risk = absl::StrCat("<", min_cell);
      } else if (i >= at.size()) {
        row.n_risk = "0";
      } else {
        row.n_risk = CellText(at[i].n_risk, per_center && !pooled, min_cell);
        row.estimate = at[i].surv;
        row.lower = at[i].lower;
        row.upper = at[i].upper;
      }
      rows.push_back(std::move(row));
    }
    if (!suppress && !pooled) {
      curves.push_back({group, curve, per_center ? min_cell : 0});
    } else if (!suppress && groups.size() == 1) {
      curves.push_back({"", curve});
    }
  }
}

}  // namespace

double Quantile7(const std::vector<double>& sorted, double p) {
  const double h = (sorted.size() - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

std::optional<double> EdssNear(const PatientClinicalData& data,
                               const PatientOutcome& o, int year) {
  if (!o.day0) return std::nullopt;
  if (year == 0) {
    if (o.disability_baseline && o.disability_baseline->date <= *o.day0) {
      return o.disability_baseline->edss;
    }
    return std::nullopt;
  }
  const Date target = *o.day0 + year * 365;
  std::optional<EdssVisit> best;
  for (const EdssVisit& v : data.visits) {
    const long distance = std::labs(static_cast<long>(v.date - target));
    if (distance > 182) continue;
    if (!best || distance < std::labs(static_cast<long>(best->date - target))) {
      best = v;
    }
  }
  if (!best) return std::nullopt;
  return best->edss;
}

EdssYearStats SummarizeYear(int year, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  EdssYearStats stats{year, static_cast<int>(values.size())};
  double sum = 0;
  for (double v : values) sum += v;
  stats.mean = sum / values.size();
  double squares = 0;
  for (double v : values) squares += (v - stats.mean) * (v - stats.mean);
  stats.sd = values.size() > 1 ? std::sqrt(squares / (values.size() - 1)) : 0;
  stats.median = Quantile7(values, 0.5);
  stats.q1 = Quantile7(values, 0.25);
  stats.q3 = Quantile7(values, 0.75);
  return stats;
}

std::string CellText(int n, bool suppress, int min_cell_size) {
  return suppress && n < min_cell_size ? absl::StrCat("<", min_cell_size)
                                       : absl::StrCat(n);
}

CohortSummaryBuilder::CohortSummaryBuilder(const OutcomeDefinition& definition,
                                           Stratification by, int min_cell_size)
    : definition_(definition),
      cdi_definition_(definition),
      by_(by),
      min_cell_(min_cell_size),
      sections_(definition) {
  cdi_definition_.event = EventSelection::kFirstCdi;
}

void CohortSummaryBuilder::Add(const PatientClinicalData& data,
                               const PatientOutcome& o,
                               const std::string& center) {
  CohortSummary& c = counts_;
  ++c.patients;
  ++by_disease_[StratumOf(Stratification::kDisease, data, center)];
  ++by_center_[center];
  if (!o.day0) return;
  sections_.Add(data, o);
  ++c.transplanted;
  ++by_regimen_[StratumOf(Stratification::kRegimen, data, center)];
  const std::string group = StratumOf(by_, data, center);
  if (auto obs = ObserveEndpoint(Endpoint::kNeda3, data, o, definition_)) {
    ++c.neda3_evaluable;
    neda3_[group].push_back({obs->time, obs->event});
  }
  if (auto obs = ObserveEndpoint(Endpoint::kPfs, data, o, definition_)) {
    pfs_[group].push_back({obs->time, obs->event});
  }
  if (auto obs = ObserveEndpoint(Endpoint::kOs, data, o, definition_)) {
    os_.push_back({obs->time, obs->event});
    trm_.push_back({obs->time, !obs->event ? CompetingOutcome::kCensored
                               : IsTransplantRelated(data.death_cause)
                                   ? CompetingOutcome::kEvent
                                   : CompetingOutcome::kCompeting});
  }
  std::map<std::string, bool> drugs;
  for (const TreatmentData& t : data.treatments) {
    if (t.start_date > *o.day0) drugs[t.drug] = true;
  }
  c.treatment_restarted += !drugs.empty();
  for (const auto& [drug, unused] : drugs) ++by_drug_[drug];
  // The relapse, EDSS and improvement figures are the MS parts of the
  // report: NMOSD patients have relapses and EDSS too, in their own
  // section.
  if (data.disease && !IsMultipleSclerosis(*data.disease)) return;
  c.relapses_pre += o.relapses_pre;
  c.patient_years_pre += o.years_pre;
  c.relapses_post += o.relapses_post;
  c.patient_years_post += o.years_post;
  for (int year = 0; year <= 10; ++year) {
    if (auto value = EdssNear(data, o, year)) edss_[year].push_back(*value);
  }
  if (o.disability_baseline &&
      std::any_of(data.visits.begin(), data.visits.end(),
                  [&](const EdssVisit& v) {
                    return v.date > o.disability_baseline->date;
                  })) {
    ++c.cdi_assessable;
    c.cdi_patients +=
        !ComputeOutcome(data, cdi_definition_).disability_events.empty();
  }
}

CohortSummary CohortSummaryBuilder::Finish() const {
  CohortSummary s = counts_;
  s.by_disease = Counts(by_disease_, false, min_cell_);
  s.by_center = Counts(by_center_, true, min_cell_);
  s.by_regimen = Counts(by_regimen_, false, min_cell_);
  s.treatments_by_drug = Counts(by_drug_, false, min_cell_);
  s.median_follow_up = MedianFollowUp(os_);
  s.safety = sections_.Safety();
  s.diseases = sections_.Diseases();
  Milestones(neda3_, by_, min_cell_, s.neda3, s.neda3_curves);
  Milestones(pfs_, by_, min_cell_, s.pfs, s.pfs_curves);
  if (!trm_.empty()) {
    // The incidence at t is that of the last row on or before t (0 before
    // the first), as summary(survfit(...), times = t) gives it.
    const std::vector<CumulativeIncidenceRow> rows = AalenJohansen(trm_);
    auto at = [&](double t) {
      double incidence = 0;
      for (const CumulativeIncidenceRow& r : rows) {
        if (r.time > t) break;
        incidence = r.incidence;
      }
      return incidence;
    };
    s.trm_day100 = at(100);
    s.trm_year1 = at(365);
  }
  for (int year = 0; year <= 10; ++year) {
    if (edss_[year].empty()) continue;
    s.edss_by_year.push_back(SummarizeYear(year, edss_[year]));
  }
  return s;
}

}  // namespace registry
