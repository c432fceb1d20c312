// The follow-up of a synthetic patient besides the transplant course: the
// centre's assessments of the disease and the treatments, each consistent
// with the relapses, progression and GvHD drawn before.
#include <algorithm>
#include <set>
#include <utility>

#include "core/synthetic_cohort_internal.h"

namespace registry::synthetic {
namespace {

using State = DiseaseState;
using Class = TreatmentClass;

bool Flare(State state) {
  return state == State::kRelapse || state == State::kProgression;
}

// The latest EDSS on or before `date`, if any.
std::optional<double> EdssAt(const std::vector<VisitRecord>& visits,
                             Date date) {
  std::optional<double> edss;
  for (const VisitRecord& v : visits) {
    if (v.visit_date <= date) edss = v.edss;
  }
  return edss;
}

// MS and NMOSD: the status follows the recorded relapses (and, for MS,
// the EDSS since the previous assessment).
State NeurologicalState(const PatientFrame& frame, Date previous, Date date,
                        std::optional<State> last_state,
                        const std::vector<Date>& relapses,
                        const std::vector<VisitRecord>& visits) {
  const bool relapsed =
      std::any_of(relapses.begin(), relapses.end(),
                  [&](Date d) { return d > previous && d <= date; });
  if (relapsed) return State::kRelapse;
  if (frame.disease == Disease::kNmosd) {
    const bool any_since_day0 =
        std::any_of(relapses.begin(), relapses.end(),
                    [&](Date d) { return d > frame.day0 && d <= date; });
    if (last_state == State::kRelapse) return State::kImproved;
    return any_since_day0 ? State::kStable : State::kRemission;
  }
  const std::optional<double> before = EdssAt(visits, previous);
  const std::optional<double> now = EdssAt(visits, date);
  if (before && now && *now >= *before + 1.0) return State::kProgression;
  if (before && now && *now < *before) return State::kImproved;
  return State::kStable;
}

// Systemic sclerosis, SLE and the others: a first response at six months,
// then flares (SLE relapses, SSc progression) at a yearly rate.
State OtherState(Random& random, Disease disease, double years,
                 std::optional<State> last_state) {
  const double u = random.Uniform();
  if (!last_state) {
    switch (disease) {
      case Disease::kSsc:
        return u < 0.05   ? State::kRemission
               : u < 0.60 ? State::kImproved
               : u < 0.90 ? State::kStable
                          : State::kProgression;
      case Disease::kSle:
        return u < 0.50   ? State::kRemission
               : u < 0.85 ? State::kImproved
               : u < 0.95 ? State::kStable
                          : State::kRelapse;
      default:
        return u < 0.35   ? State::kRemission
               : u < 0.70 ? State::kImproved
               : u < 0.90 ? State::kStable
               : u < 0.95 ? State::kRelapse
                          : State::kProgression;
    }
  }
  const double yearly = disease == Disease::kSle ? 0.10 : 0.08;
  if (random.Chance(yearly * years)) {
    if (disease == Disease::kSsc) return State::kProgression;
    if (disease == Disease::kSle) return State::kRelapse;
    return random.Chance(0.5) ? State::kRelapse : State::kProgression;
  }
  switch (*last_state) {
    case State::kRelapse:
    case State::kProgression:
      return u < 0.5   ? State::kImproved
             : u < 0.9 ? State::kStable
                       : *last_state;
    case State::kRemission:
      return u < 0.95 ? State::kRemission : State::kStable;
    case State::kImproved:
      if (disease == Disease::kSsc) {
        return u < 0.7 ? State::kImproved : State::kStable;
      }
      return u < 0.3   ? State::kRemission
             : u < 0.9 ? State::kImproved
                       : State::kStable;
    case State::kStable:
      return u < 0.85 ? State::kStable : State::kImproved;
  }
  return State::kStable;
}

// A patient's treatments, unique by drug and start date, none starting
// after the end of follow-up; a course still running then is open (or
// ends at death).
class Treatments {
 public:
  Treatments(const PatientFrame& frame, const Course& course)
      : frame_(frame), course_(course) {}

  void Add(std::string drug, Class treatment_class, Date start,
           std::optional<Date> end, std::optional<double> dose = std::nullopt,
           std::string unit = "", bool protocol = false) {
    if (start > course_.end) return;
    if (end && *end > course_.end) {
      end = course_.death ? std::optional<Date>(course_.end) : std::nullopt;
    }
    if (!keys_.insert({drug, start}).second) return;
    records_.push_back(TreatmentRecord{frame_.id, std::move(drug), start, end,
                                       treatment_class, dose, std::move(unit),
                                       protocol});
  }
  // A start between `min_days` and `max_days` before the transplant, not
  // before the diagnosis.
  Date PreStart(Random& random, int min_days, int max_days) const {
    return std::max(frame_.diagnosis,
                    frame_.day0 - random.Between(min_days, max_days));
  }
  void Prednisolone(Random& random, Date start, int min_mg, int max_mg,
                    int min_days, int max_days) {
    Add("Prednisolone", Class::kCorticosteroid, start,
        start + random.Between(min_days, max_days),
        5.0 * random.Between(min_mg / 5, max_mg / 5), "mg/day");
  }
  // IV methylprednisolone 1 g/day for a relapse, as prednisolone-equivalent.
  void PulseSteroids(Random& random, Date relapse) {
    const Date start = relapse + random.Between(0, 7);
    Add("Methylprednisolone", Class::kCorticosteroid, start,
        start + random.Between(2, 4), 1250, "mg/day");
  }
  std::vector<TreatmentRecord> Finish() {
    std::sort(records_.begin(), records_.end(),
              [](const auto& a, const auto& b) {
                return std::pair(a.start_date, a.drug) <
                       std::pair(b.start_date, b.drug);
              });
    return std::move(records_);
  }

 private:
  const PatientFrame& frame_;
  const Course& course_;
  std::set<std::pair<std::string, Date>> keys_;
  std::vector<TreatmentRecord> records_;
};

struct Drug {
  const char* name;
  Class treatment_class;
  double dose;
  const char* unit;
};
constexpr Drug kMsDmts[] = {
    {"Ocrelizumab", Class::kDmt, 600, "mg"},
    {"Natalizumab", Class::kDmt, 300, "mg"},
    {"Dimethyl fumarate", Class::kDmt, 480, "mg/day"},
    {"Fingolimod", Class::kDmt, 0.5, "mg/day"},
};
constexpr Drug kNmosdMaintenance[] = {
    {"Rituximab", Class::kBiologic, 1000, "mg"},
    {"Eculizumab", Class::kBiologic, 900, "mg"},
    {"Satralizumab", Class::kBiologic, 120, "mg"},
    {"Azathioprine", Class::kImmunosuppressant, 150, "mg/day"},
};

void AddDrug(Treatments& out, const Drug& drug, Date start,
             std::optional<Date> end) {
  out.Add(drug.name, drug.treatment_class, start, end, drug.dose, drug.unit);
}

// The last treatments before the transplant (stopped before mobilisation,
// or steroids tapered after it).
void PreTransplant(Random& random, const PatientFrame& frame, Treatments& out) {
  const Date day0 = frame.day0;
  switch (frame.disease) {
    case Disease::kRrms:
    case Disease::kSpms:
    case Disease::kPpms:
      if (random.Chance(0.8)) {
        AddDrug(out, random.Pick(kMsDmts), out.PreStart(random, 365, 4 * 365),
                day0 - random.Between(60, 180));
      }
      return;
    case Disease::kSsc:
      if (random.Chance(0.7)) {
        out.Add("Mycophenolate mofetil", Class::kImmunosuppressant,
                out.PreStart(random, 180, 3 * 365),
                day0 - random.Between(30, 90), 2000, "mg/day");
      }
      if (random.Chance(0.35)) {
        out.Prednisolone(random, out.PreStart(random, 180, 3 * 365), 5, 10, 200,
                         1200);
      }
      return;
    case Disease::kSle:
      if (random.Chance(0.9)) {
        out.Add("Hydroxychloroquine", Class::kAntimalarial,
                out.PreStart(random, 365, 8 * 365),
                day0 - random.Between(14, 60), 400, "mg/day");
      }
      if (random.Chance(0.9)) {
        out.Prednisolone(random, out.PreStart(random, 180, 3 * 365), 10, 40,
                         300, 1400);
      }
      if (random.Chance(0.6)) {
        out.Add("Mycophenolate mofetil", Class::kImmunosuppressant,
                out.PreStart(random, 180, 3 * 365),
                day0 - random.Between(30, 90), 2000, "mg/day");
      }
      if (random.Chance(0.25)) {
        const Date start = out.PreStart(random, 365, 3 * 365);
        out.Add("Cyclophosphamide", Class::kImmunosuppressant, start,
                std::min(start + random.Between(150, 200), day0 - 60), 750,
                "mg/m2");
      }
      return;
    case Disease::kNmosd:
      if (random.Chance(0.5)) {
        AddDrug(out, kNmosdMaintenance[0], out.PreStart(random, 365, 4 * 365),
                day0 - random.Between(60, 180));
      }
      if (random.Chance(0.3)) {
        AddDrug(out, kNmosdMaintenance[3], out.PreStart(random, 365, 4 * 365),
                day0 - random.Between(30, 90));
      }
      if (random.Chance(0.4)) {
        out.Prednisolone(random, out.PreStart(random, 180, 2 * 365), 10, 20,
                         200, 800);
      }
      return;
    case Disease::kOther:
      if (random.Chance(0.6)) {
        out.Prednisolone(random, out.PreStart(random, 180, 3 * 365), 10, 30,
                         200, 1200);
      }
      if (random.Chance(0.3)) {
        out.Add("Methotrexate", Class::kImmunosuppressant,
                out.PreStart(random, 365, 4 * 365),
                day0 - random.Between(30, 90), 15, "mg/week");
      }
      if (random.Chance(0.2)) {
        out.Add("Intravenous immunoglobulin", Class::kIvigOrPlasmaExchange,
                out.PreStart(random, 180, 3 * 365),
                day0 - random.Between(30, 90), 2, "g/kg");
      }
      return;
  }
}

// What the protocol plans: rituximab in the conditioning or after the
// transplant, GvHD prophylaxis after an allogeneic one.
void Protocol(Random& random, const PatientFrame& frame, Treatments& out) {
  const Date day0 = frame.day0;
  const bool rituximab_in_regimen =
      frame.regimen.find("RTX") != std::string::npos;
  if (rituximab_in_regimen) {
    out.Add("Rituximab", Class::kBiologic, day0 - 6, day0 + 1, 500, "mg", true);
  }
  double maintenance = 0;
  switch (frame.disease) {
    case Disease::kNmosd:
      maintenance = rituximab_in_regimen ? 0.0 : 0.4;
      break;
    case Disease::kSsc:
      maintenance = 0.15;
      break;
    case Disease::kSle:
      maintenance = 0.2;
      break;
    case Disease::kOther:
      maintenance = 0.1;
      break;
    default:
      break;
  }
  if (random.Chance(maintenance)) {
    const Date start = day0 + random.Between(60, 180);
    out.Add("Rituximab", Class::kBiologic, start,
            start + random.Between(180, 540), 1000, "mg", true);
  }
  if (frame.type == TransplantType::kAllogeneic) {
    out.Add("Ciclosporin", Class::kImmunosuppressant, day0 - 1,
            day0 + random.Between(90, 270), 50.0 * random.Between(4, 8),
            "mg/day", true);
    if (random.Chance(0.7)) {
      out.Add("Methotrexate", Class::kImmunosuppressant, day0 + 1, day0 + 11,
              15, "mg/m2", true);
    }
  }
}

// Steroids for acute GvHD of grade II or more and for moderate or severe
// chronic GvHD, ruxolitinib for severe chronic GvHD.
void GvhdTreatment(Random& random, const Course& course, Treatments& out) {
  using Grade = AdverseEventGrade;
  for (const AdverseEventRecord& e : course.adverse_events) {
    if (e.category == AdverseEventCategory::kAcuteGvhd &&
        e.grade >= Grade::kII) {
      out.Prednisolone(random, e.onset_date + random.Between(0, 2), 80, 140, 30,
                       120);
    } else if (e.category == AdverseEventCategory::kChronicGvhd &&
               e.grade >= Grade::kModerate) {
      out.Prednisolone(random, e.onset_date + random.Between(0, 14), 40, 60,
                       120, 540);
      if (e.grade == Grade::kSevere) {
        out.Add("Ruxolitinib", Class::kOther,
                e.onset_date + random.Between(14, 60), std::nullopt, 20,
                "mg/day");
      }
    }
  }
}

// Treatment after relapse or progression: for MS a disease-modifying
// therapy after a relapse, for NMOSD relapse treatment and maintenance,
// for the others immunosuppression and steroids.
void AfterActivity(Random& random, const PatientFrame& frame,
                   const std::vector<Date>& relapses,
                   const std::vector<DiseaseStatusRecord>& statuses,
                   Treatments& out) {
  const Date day0 = frame.day0;
  std::vector<Date> post;
  for (Date d : relapses) {
    if (d > day0) post.push_back(d);
  }
  if (IsMultipleSclerosis(frame.disease)) {
    for (Date d : post) {
      if (random.Chance(0.5)) out.PulseSteroids(random, d);
    }
    if (!post.empty() && random.Chance(0.75)) {
      const Date start = post.front() + random.Between(30, 120);
      std::optional<Date> stop;
      if (random.Chance(0.4)) stop = start + random.Between(90, 900);
      AddDrug(out, random.Pick(kMsDmts), start, stop);
    } else if (post.empty() && random.Chance(0.03)) {
      // Restarted for MRI activity alone.
      AddDrug(out, random.Pick(kMsDmts), day0 + random.Between(365, 6 * 365),
              std::nullopt);
    }
    return;
  }
  if (frame.disease == Disease::kNmosd) {
    for (Date d : post) {
      if (random.Chance(0.8)) out.PulseSteroids(random, d);
      if (random.Chance(0.3)) {
        const Date start = d + random.Between(3, 10);
        out.Add("Plasma exchange", Class::kIvigOrPlasmaExchange, start,
                start + random.Between(7, 14));
      }
    }
    if (!post.empty() && random.Chance(0.7)) {
      AddDrug(out, random.Pick(kNmosdMaintenance),
              post.front() + random.Between(30, 90), std::nullopt);
    }
    return;
  }
  if (frame.disease == Disease::kSle && random.Chance(0.5)) {
    out.Add("Hydroxychloroquine", Class::kAntimalarial,
            day0 + random.Between(90, 365), std::nullopt, 400, "mg/day");
  }
  bool first = true;
  for (const DiseaseStatusRecord& s : statuses) {
    if (!Flare(s.status)) continue;
    const Date date = s.status_date;
    if (frame.disease == Disease::kSsc) {
      if (!first) continue;
      if (random.Chance(0.7)) {
        std::optional<Date> stop;
        if (random.Chance(0.3)) stop = date + random.Between(180, 720);
        out.Add("Mycophenolate mofetil", Class::kImmunosuppressant,
                date + random.Between(0, 60), stop, 2000, "mg/day");
      }
      if (random.Chance(0.2)) {
        out.Add("Nintedanib", Class::kOther, date + random.Between(0, 90),
                std::nullopt, 300, "mg/day");
      }
    } else {
      out.Prednisolone(random, date + random.Between(0, 14), 20, 60, 60, 240);
      if (first && frame.disease == Disease::kSle) {
        if (random.Chance(0.5)) {
          out.Add("Mycophenolate mofetil", Class::kImmunosuppressant,
                  date + random.Between(0, 60), std::nullopt, 2000, "mg/day");
        } else if (random.Chance(0.5)) {
          out.Add("Belimumab", Class::kBiologic, date + random.Between(30, 90),
                  std::nullopt, 10, "mg/kg");
        }
      } else if (first && random.Chance(0.25)) {
        const Date start = date + random.Between(0, 30);
        out.Add("Intravenous immunoglobulin", Class::kIvigOrPlasmaExchange,
                start, start + random.Between(1, 5), 2, "g/kg");
      }
    }
    first = false;
  }
}

}  // namespace

std::vector<DiseaseStatusRecord> DrawDiseaseStatus(
    Random& random, const PatientFrame& frame, Date end,
    const std::vector<Date>& relapses, const std::vector<VisitRecord>& visits) {
  std::vector<DiseaseStatusRecord> statuses;
  const bool ms = IsMultipleSclerosis(frame.disease);
  if (!random.Chance(ms ? 0.15 : 0.95)) return statuses;
  std::vector<int> days = {182};
  for (int year = 1; year <= 10; ++year) days.push_back(year * 365);
  const bool neurological = ms || frame.disease == Disease::kNmosd;
  Date previous = frame.day0;
  std::optional<State> last_state;
  for (int day : days) {
    const Date date = frame.day0 + day + random.Between(-20, 20);
    if (date > end) break;
    if (last_state && random.Chance(0.1)) continue;  // not assessed
    const State state = neurological
                            ? NeurologicalState(frame, previous, date,
                                                last_state, relapses, visits)
                            : OtherState(random, frame.disease,
                                         (date - previous) / 365.0, last_state);
    statuses.push_back(DiseaseStatusRecord{frame.id, date, state});
    previous = date;
    last_state = state;
  }
  return statuses;
}

std::vector<TreatmentRecord> DrawTreatments(
    Random& random, const PatientFrame& frame, const Course& course,
    const std::vector<Date>& relapses,
    const std::vector<DiseaseStatusRecord>& statuses) {
  Treatments out(frame, course);
  PreTransplant(random, frame, out);
  Protocol(random, frame, out);
  GvhdTreatment(random, course, out);
  AfterActivity(random, frame, relapses, statuses, out);
  return out.Finish();
}

}  // namespace registry::synthetic
