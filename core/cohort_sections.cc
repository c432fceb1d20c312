#include "core/cohort_sections.h"

#include <algorithm>
#include <cstdlib>

#include "core/cohort_summary.h"
#include "core/sle_rules.h"
#include "core/ssc_rules.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;
constexpr char kAll[] = "(all)";

struct At {
  Endpoint endpoint;
  double days;
};

std::string DiseaseGroup(const PatientClinicalData& data) {
  if (!data.disease) return "unknown";
  if (IsMultipleSclerosis(*data.disease)) return "MS";
  return std::string(DiseaseCode(*data.disease));
}

std::vector<IncidenceAt> Incidences(
    const std::map<Endpoint, std::vector<CompetingObservation>>& observed,
    const std::vector<At>& wanted) {
  std::vector<IncidenceAt> out;
  for (const At& at : wanted) {
    IncidenceAt row{std::string(EndpointName(at.endpoint)), at.days};
    auto it = observed.find(at.endpoint);
    if (it != observed.end() && !it->second.empty()) {
      double last = 0;
      for (const CompetingObservation& o : it->second) {
        last = std::max(last, o.time);
        row.n_risk += o.time >= at.days;
      }
      row.incidence = IncidenceOn(AalenJohansen(it->second), at.days, last);
    }
    out.push_back(std::move(row));
  }
  return out;
}

// The value nearest day0 + 365 x year (year >= 1) within 182 days among
// (date, value) pairs.
std::optional<double> NearestToYear(
    const std::vector<std::pair<Date, double>>& values, Date day0, int year) {
  const Date target = day0 + year * 365;
  std::optional<std::pair<Date, double>> best;
  for (const auto& v : values) {
    const long distance = std::labs(static_cast<long>(v.first - target));
    if (distance > 182) continue;
    if (!best ||
        distance < std::labs(static_cast<long>(best->first - target))) {
      best = v;
    }
  }
  if (!best) return std::nullopt;
  return best->second;
}

// Adds one patient's series of a measure (baseline given apart) by year.
void AddSeries(std::map<int, std::vector<double>>& by_year,
               std::optional<double> baseline,
               const std::vector<std::pair<Date, double>>& values, Date day0) {
  if (baseline) by_year[0].push_back(*baseline);
  for (int year = 1; year <= 10; ++year) {
    if (auto v = NearestToYear(values, day0, year)) by_year[year].push_back(*v);
  }
}

void Recovery(std::vector<double> days, int& recovered,
              std::optional<double>& median, std::optional<double>& min,
              std::optional<double>& max) {
  recovered = static_cast<int>(days.size());
  if (days.empty()) return;
  std::sort(days.begin(), days.end());
  median = Quantile7(days, 0.5);
  min = days.front();
  max = days.back();
}

}  // namespace

std::optional<double> IncidenceOn(
    const std::vector<CumulativeIncidenceRow>& rows, double days,
    double last_time) {
  if (days > last_time) return std::nullopt;
  double incidence = 0;
  for (const CumulativeIncidenceRow& r : rows) {
    if (r.time > days) break;
    incidence = r.incidence;
  }
  return incidence;
}

CohortSectionsBuilder::CohortSectionsBuilder(
    const OutcomeDefinition& definition)
    : definition_(definition) {}

void CohortSectionsBuilder::AddTo(Group& group,
                                  const std::vector<Endpoint>& survival,
                                  const std::vector<Endpoint>& competing,
                                  const PatientClinicalData& data,
                                  const PatientOutcome& o) {
  ++group.patients;
  for (Endpoint e : survival) {
    if (auto obs = ObserveEndpoint(e, data, o, definition_)) {
      group.survival[e].push_back({obs->time, obs->event});
    }
  }
  for (Endpoint e : competing) {
    if (auto obs = ObserveEndpoint(e, data, o, definition_)) {
      group.competing[e].push_back(ToCompeting(*obs));
    }
  }
}

void CohortSectionsBuilder::Add(const PatientClinicalData& data,
                                const PatientOutcome& o) {
  if (!o.day0) return;
  const std::vector<Endpoint> safety = {
      Endpoint::kTrm,        Endpoint::kNrm,
      Endpoint::kInfection,  Endpoint::kSecondaryAutoimmunity,
      Endpoint::kMalignancy, Endpoint::kAgvhd,
      Endpoint::kCgvhd};
  const std::string type =
      data.first_type ? std::string(TransplantTypeCode(*data.first_type))
                      : "unknown";
  for (const std::string& key : {std::string(kAll), type}) {
    Group& group = by_type_[key];
    AddTo(group, {}, safety, data, o);
    for (const EngraftmentRecord& e : data.engraftments) {
      if (e.transplant_date != *o.day0) continue;
      ++group.engraftment_reported;
      if (e.neutrophil_date) {
        group.neutrophil_days.push_back(
            static_cast<double>(*e.neutrophil_date - *o.day0));
      }
      if (e.platelet_date) {
        group.platelet_days.push_back(
            static_cast<double>(*e.platelet_date - *o.day0));
      }
      const Date by = *o.day0 + definition_.graft_failure_day;
      const bool recovered = e.neutrophil_date && *e.neutrophil_date <= by;
      if (recovered || (o.end_of_follow_up && *o.end_of_follow_up >= by)) {
        ++group.graft_failure_evaluable;
        group.graft_failures += !recovered;
      }
      break;
    }
  }
  const std::string disease = DiseaseGroup(data);
  std::vector<Endpoint> survival = {Endpoint::kOs, Endpoint::kPfs,
                                    Endpoint::kTfr};
  std::vector<Endpoint> competing = {Endpoint::kRi, Endpoint::kNrm};
  // Each disease's own endpoints beside the common ones.
  if (disease == "MS") survival.push_back(Endpoint::kNeda3);
  if (disease == "SSC") {
    survival.insert(survival.end(), {Endpoint::kSscPfs, Endpoint::kSscEfs});
    competing.insert(competing.end(),
                     {Endpoint::kSkinProgression, Endpoint::kLungProgression});
  }
  if (disease == "SLE") {
    competing.insert(competing.end(),
                     {Endpoint::kDoris, Endpoint::kLldas, Endpoint::kSleFlare});
  }
  if (disease == "NMOSD") {
    competing.insert(competing.end(),
                     {Endpoint::kRelapse, Endpoint::kSeroreversion});
  }
  Group& group = by_disease_[disease];
  AddTo(group, survival, competing, data, o);
  const Date day0 = *o.day0;
  if (disease == "SSC") {
    const SscBaseline base =
        BaselineOf(data.ssc_assessments, day0, definition_);
    std::vector<std::pair<Date, double>> mrss, fvc;
    for (const SscAssessmentRecord& a : data.ssc_assessments) {
      if (a.assessment_date <= day0) continue;
      if (a.mrss) mrss.emplace_back(a.assessment_date, *a.mrss);
      if (a.fvc_pct) fvc.emplace_back(a.assessment_date, *a.fvc_pct);
    }
    AddSeries(group.by_year["mrss"],
              base.mrss ? std::optional<double>(*base.mrss) : std::nullopt,
              mrss, day0);
    AddSeries(group.by_year["fvc_pct"], base.fvc_pct, fvc, day0);
  }
  if (disease == "SLE") {
    std::optional<double> base;
    std::vector<std::pair<Date, double>> sledai;
    for (const SleState& s : SleStates(data, definition_)) {
      if (s.date <= day0) {
        base = s.sledai_2k;  // the last before the transplant
      } else {
        sledai.emplace_back(s.date, s.sledai_2k);
      }
    }
    AddSeries(group.by_year["sledai_2k"], base, sledai, day0);
  }
}

std::vector<SafetySection> CohortSectionsBuilder::Safety() const {
  std::vector<SafetySection> out;
  std::vector<std::string> order = {kAll};
  for (const auto& [type, unused] : by_type_) {
    if (type != kAll) order.push_back(type);
  }
  for (const std::string& type : order) {
    auto it = by_type_.find(type);
    if (it == by_type_.end()) continue;
    const Group& g = it->second;
    SafetySection s{type, g.patients, g.engraftment_reported};
    Recovery(g.neutrophil_days, s.neutrophil_recovered,
             s.neutrophil_median_days, s.neutrophil_min_days,
             s.neutrophil_max_days);
    Recovery(g.platelet_days, s.platelet_recovered, s.platelet_median_days,
             s.platelet_min_days, s.platelet_max_days);
    s.graft_failure_evaluable = g.graft_failure_evaluable;
    s.graft_failures = g.graft_failures;
    std::vector<At> wanted = {{Endpoint::kTrm, 100},
                              {Endpoint::kTrm, 365},
                              {Endpoint::kNrm, 100},
                              {Endpoint::kNrm, 365},
                              {Endpoint::kInfection, 100},
                              {Endpoint::kInfection, 365},
                              {Endpoint::kSecondaryAutoimmunity, 365},
                              {Endpoint::kSecondaryAutoimmunity, 1826},
                              {Endpoint::kMalignancy, 365},
                              {Endpoint::kMalignancy, 1826}};
    if (type == "allogeneic") {
      wanted.push_back(
          {Endpoint::kAgvhd, static_cast<double>(definition_.agvhd_by_days)});
      wanted.push_back({Endpoint::kCgvhd, 365});
      wanted.push_back({Endpoint::kCgvhd, 730});
    }
    s.incidences = Incidences(g.competing, wanted);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<DiseaseSection> CohortSectionsBuilder::Diseases() const {
  std::vector<DiseaseSection> out;
  const std::vector<double> years = {1, 2, 5};
  for (const auto& [disease, g] : by_disease_) {
    DiseaseSection d{disease, g.patients};
    for (const auto& [endpoint, observations] : g.survival) {
      if (observations.empty()) continue;
      const KaplanMeierCurve curve = KaplanMeier(observations);
      std::vector<double> days;
      for (double y : years) days.push_back(y * kDaysPerYear);
      const std::vector<KaplanMeierRow> at = SummaryAtTimes(curve, days);
      for (size_t i = 0; i < years.size(); ++i) {
        SurvivalAt row{std::string(EndpointName(endpoint)), years[i]};
        if (i < at.size()) {
          row.n_risk = at[i].n_risk;
          row.estimate = at[i].surv;
          row.lower = at[i].lower;
          row.upper = at[i].upper;
        }
        d.survival.push_back(std::move(row));
      }
    }
    std::vector<At> wanted;
    for (const auto& [e, observations] : g.competing) {
      for (double y : years) wanted.push_back({e, y * kDaysPerYear});
    }
    d.incidences = Incidences(g.competing, wanted);
    for (const auto& [measure, years_of] : g.by_year) {
      for (const auto& [year, values] : years_of) {
        if (!values.empty()) {
          d.by_year.push_back({measure, SummarizeYear(year, values)});
        }
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace registry
