// The synthetic cohort's disease measures: systemic-sclerosis assessments
// and organ failures, lupus assessments, AQP4-IgG results, attack
// phenotypes. Drawn from a stream of their own, so adding them left the
// rest of a seed's cohort as it was.
#include <algorithm>
#include <cmath>

#include "core/synthetic_cohort_internal.h"

namespace registry::synthetic {
namespace {

constexpr int kYear = 365;

// Follow-up assessment days: months 6 and 12, then yearly, up to `end`.
std::vector<Date> FollowUpDays(Random& random, const PatientFrame& frame,
                               Date end) {
  std::vector<Date> days;
  for (int day : {182, 365}) {
    const Date at = frame.day0 + day + random.Between(-20, 20);
    if (at <= end) days.push_back(at);
  }
  for (int year = 2;; ++year) {
    const Date at = frame.day0 + year * kYear + random.Between(-30, 30);
    if (at > end) break;
    days.push_back(at);
  }
  return days;
}

double Round(double value, double step) {
  return std::round(value / step) * step;
}

// Skin softens in most patients over the first two years (the mRSS about
// halves), in some it worsens; FVC is stable or improves, and falls in some.
void DrawSsc(Random& random, const PatientFrame& frame, Date end,
             Measures& out) {
  const int base_mrss = random.Between(14, 36);
  const double base_fvc = Round(55 + random.Uniform() * 40, 0.5);
  const double base_dlco = Round(40 + random.Uniform() * 35, 0.5);
  const double base_haq = Round(0.5 + random.Uniform() * 2, 0.125);
  const bool skin_worse = random.Chance(0.12);
  const bool lung_worse = random.Chance(0.15);
  const double skin_gain = 0.35 + random.Uniform() * 0.35;  // fraction lost
  auto add = [&](Date date, double years) {
    const double settle = 1 - std::exp(-years / 0.8);
    double mrss = skin_worse ? base_mrss * (1 + 0.45 * settle)
                             : base_mrss * (1 - skin_gain * settle);
    mrss += random.Between(-2, 2);
    double fvc = lung_worse ? base_fvc * (1 - 0.16 * settle)
                            : base_fvc * (1 + 0.05 * settle);
    fvc += (random.Uniform() - 0.5) * 3;
    double dlco = base_dlco * (lung_worse ? 1 - 0.2 * settle : 1.0) +
                  (random.Uniform() - 0.5) * 4;
    const double haq = std::clamp(
        Round(base_haq * (1 - 0.4 * settle) + (random.Uniform() - 0.5) * 0.25,
              0.125),
        0.0, 3.0);
    SscAssessmentRecord a;
    a.patient_id = frame.id;
    a.assessment_date = date;
    a.mrss = std::clamp(static_cast<int>(std::lround(mrss)), 0, 51);
    a.fvc_pct = std::clamp(Round(fvc, 0.5), 10.0, 200.0);
    a.dlco_pct = std::clamp(Round(dlco, 0.5), 5.0, 200.0);
    if (random.Chance(0.7)) a.lvef_pct = random.Between(52, 70);
    a.haq_di = haq;
    a.patient_global = std::clamp(Round(6 - 3 * settle, 0.5), 0.0, 10.0);
    a.physician_global = std::clamp(Round(5.5 - 3 * settle, 0.5), 0.0, 10.0);
    out.ssc.push_back(a);
  };
  add(frame.day0 - random.Between(10, 80), 0);
  for (Date date : FollowUpDays(random, frame, end)) {
    add(date, (date - frame.day0) / 365.25);
  }
  // Major organ failure in a few, most often a renal crisis.
  if (random.Chance(0.08)) {
    const Date at = frame.day0 + random.Between(60, 4 * kYear);
    if (at <= end) {
      const bool renal = random.Chance(0.6);
      out.organ_failures.push_back(
          {frame.id, at, renal ? Organ::kKidney : Organ::kLung,
           renal ? "scleroderma renal crisis" : "oxygen need",
           random.Chance(0.5)});
    }
  }
}

using SD = SledaiDescriptor;

// Active lupus before the transplant; most settle to little or no activity
// with the steroid tapered, and some flare later.
void DrawSle(Random& random, const PatientFrame& frame, Date end,
             Measures& out) {
  constexpr SD kActive[] = {SD::kArthritis,           SD::kRash,
                            SD::kProteinuria,         SD::kLowComplement,
                            SD::kIncreasedDnaBinding, SD::kAlopecia,
                            SD::kMucosalUlcers,       SD::kHaematuria,
                            SD::kLeukopenia,          SD::kPleurisy};
  SledaiSet before = 0;
  for (int n = random.Between(3, 6); n > 0; --n)
    before |= Bit(random.Pick(kActive));
  out.sle.push_back({frame.id, frame.day0 - random.Between(5, 60), before,
                     Round(1.5 + random.Uniform() * 1.5, 0.5),
                     static_cast<double>(random.Between(15, 40))});
  const bool flares = random.Chance(0.25);
  // Low complement persists in some; residual activity is mild (skin,
  // mucosa, blood counts), so only a real flare rises by 4 or more.
  const bool low_complement = random.Chance(0.4);
  constexpr SD kResidual[] = {SD::kRash, SD::kAlopecia, SD::kMucosalUlcers,
                              SD::kLeukopenia};
  const std::vector<Date> days = [&] {
    std::vector<Date> d = {frame.day0 + 91 + random.Between(-10, 10)};
    for (Date f : FollowUpDays(random, frame, end)) d.push_back(f);
    std::erase_if(d, [&](Date x) { return x > end; });
    return d;
  }();
  const size_t flare_at =
      days.size() > 2 ? 2 + random.Next() % (days.size() - 2) : days.size();
  for (size_t i = 0; i < days.size(); ++i) {
    const double years = (days[i] - frame.day0) / 365.25;
    SledaiSet now = 0;
    if (random.Chance(std::max(0.05, 0.6 - years * 0.3))) {
      now |= Bit(random.Pick(kResidual));
    }
    if (low_complement) now |= Bit(SD::kLowComplement);
    double pga =
        Round(std::max(0.0, 1.2 - years * 0.6 + random.Uniform() * 0.4), 0.5);
    double steroid = std::max(0.0, std::round(20 - years * 15)) +
                     (random.Chance(0.3) ? 2.5 : 0);
    if (flares && i == flare_at) {
      now |= Bit(SD::kArthritis) | Bit(SD::kProteinuria) | Bit(SD::kRash);
      pga = 2;
      steroid = 30;
    }
    out.sle.push_back({frame.id, days[i], now, std::min(pga, 3.0), steroid});
  }
}

// AQP4-IgG by a cell-based assay: positive in most before the transplant,
// negative later in a part of them, positive again in a few.
void DrawAqp4(Random& random, const PatientFrame& frame, Date end,
              Measures& out) {
  const bool positive = random.Chance(0.75);
  auto add = [&](Date date, bool result) {
    LabResultRecord l;
    l.patient_id = frame.id;
    l.sample_date = date;
    l.test = "aqp4_igg";
    l.result = result ? LabResultState::kPositive : LabResultState::kNegative;
    l.assay = "cell-based";
    if (result) l.titre = random.Chance(0.5) ? "1:100" : "1:320";
    out.lab_results.push_back(l);
  };
  add(frame.day0 - random.Between(10, 120), positive);
  const bool reverts = positive && random.Chance(0.45);
  const int revert_year = random.Between(1, 4);
  const bool reconverts = reverts && random.Chance(0.2);
  const int reconvert_year = revert_year + random.Between(2, 5);
  for (int year = 1;; ++year) {
    const Date at = frame.day0 + year * kYear + random.Between(-30, 30);
    if (at > end) break;
    bool result = positive;
    if (reverts && year >= revert_year) result = false;
    if (reconverts && year >= reconvert_year) result = true;
    add(at, result);
  }
}

}  // namespace

Measures DrawMeasures(Random& random, const PatientFrame& frame, Date end,
                      size_t relapses) {
  Measures out;
  if (frame.disease == Disease::kSsc) DrawSsc(random, frame, end, out);
  if (frame.disease == Disease::kSle) DrawSle(random, frame, end, out);
  if (frame.disease == Disease::kNmosd) {
    DrawAqp4(random, frame, end, out);
    constexpr AttackPhenotype kPhenotypes[] = {
        AttackPhenotype::kOpticNeuritis, AttackPhenotype::kOpticNeuritis,
        AttackPhenotype::kMyelitis,      AttackPhenotype::kMyelitis,
        AttackPhenotype::kAreaPostrema,  AttackPhenotype::kBrainstem};
    for (size_t i = 0; i < relapses; ++i) {
      out.phenotypes.push_back(random.Pick(kPhenotypes));
    }
  }
  out.phenotypes.resize(relapses);
  return out;
}

}  // namespace registry::synthetic
