// The transplant course of a synthetic patient: engraftment, adverse
// events and death. Rates are round numbers in the range reported for
// autologous HSCT in autoimmune disease (and for the few allogeneic
// transplants), not estimates.
#include <algorithm>
#include <set>
#include <utility>

#include "core/synthetic_cohort_internal.h"

namespace registry::synthetic {
namespace {

using Category = AdverseEventCategory;
using Grade = AdverseEventGrade;

bool Allogeneic(const PatientFrame& frame) {
  return frame.type == TransplantType::kAllogeneic;
}

bool HasAlemtuzumab(const PatientFrame& frame) {
  return frame.regimen.find("ALEM") != std::string::npos;
}

// The adverse events of one patient, unique by onset date and category
// (the key): a second event of a category on the same day moves a day on.
class Events {
 public:
  explicit Events(const PatientFrame& frame) : frame_(frame) {}

  AdverseEventRecord& Add(int onset_day, Category category, Grade grade,
                          std::optional<int> duration_days,
                          std::string description) {
    Date onset = frame_.day0 + onset_day;
    while (!keys_.insert({onset, category}).second) onset += 1;
    std::optional<Date> resolution;
    if (duration_days) resolution = onset + *duration_days;
    events_.push_back(AdverseEventRecord{frame_.id, onset, category, grade,
                                         resolution, std::move(description)});
    return events_.back();
  }
  bool Any(Category category, Grade at_least) const {
    return std::any_of(events_.begin(), events_.end(), [&](const auto& e) {
      return e.category == category && e.grade >= at_least;
    });
  }
  std::vector<AdverseEventRecord>& all() { return events_; }

 private:
  const PatientFrame& frame_;
  std::set<std::pair<Date, Category>> keys_;
  std::vector<AdverseEventRecord> events_;
};

// CTCAE grade of an infection: mostly 2, about a third 3 or 4.
Grade InfectionGrade(Random& random) {
  const double u = random.Uniform();
  return u < 0.15   ? Grade::k1
         : u < 0.62 ? Grade::k2
         : u < 0.95 ? Grade::k3
                    : Grade::k4;
}

std::string InfectionText(Random& random, Grade grade, bool neutropenic) {
  static constexpr const char* kMild[] = {
      "urinary tract infection", "upper respiratory tract infection",
      "oral candidiasis", "catheter-related infection"};
  static constexpr const char* kSevere[] = {"bacteraemia", "pneumonia",
                                            "catheter-related sepsis",
                                            "Clostridioides difficile colitis"};
  if (grade >= Grade::k3) {
    return neutropenic && random.Chance(0.5) ? "febrile neutropenia"
                                             : random.Pick(kSevere);
  }
  return random.Pick(kMild);
}

// Neutrophil recovery typically on day 9 to 14 after an autologous
// transplant (later after an allogeneic one), platelets on day 10 to 20;
// primary graft failure (no neutrophil recovery by day 28) in about 1-2%
// of autologous transplants. Not every centre reports engraftment. Returns
// the day of neutrophil recovery, if any.
std::optional<int> DrawEngraftment(Random& random, const PatientFrame& frame,
                                   Course& course) {
  const bool allogeneic = Allogeneic(frame);
  const bool reported = random.Chance(0.95);
  std::optional<int> neutrophil_day = allogeneic ? random.Between(13, 24)
                                      : random.Chance(0.85)
                                          ? random.Between(9, 14)
                                          : random.Between(15, 20);
  std::optional<int> platelet_day = allogeneic ? random.Between(15, 30)
                                    : random.Chance(0.9)
                                        ? random.Between(10, 20)
                                        : random.Between(21, 35);
  course.graft_failure = random.Chance(allogeneic ? 0.04 : 0.015);
  if (course.graft_failure) {
    // Late recovery (after a boost of stem cells), or none.
    if (random.Chance(0.5)) {
      neutrophil_day = random.Between(29, 45);
      platelet_day = *neutrophil_day + random.Between(3, 20);
    } else {
      neutrophil_day.reset();
      platelet_day.reset();
    }
  }
  if (reported) {
    EngraftmentRecord e{frame.id, frame.day0, std::nullopt, std::nullopt};
    if (neutrophil_day) e.neutrophil_date = frame.day0 + *neutrophil_day;
    if (platelet_day) e.platelet_date = frame.day0 + *platelet_day;
    course.engraftment = e;
  }
  return neutrophil_day;
}

// Infections (often during neutropenia), EBV and CMV reactivation and
// conditioning toxicity in the first 100 days.
void DrawEarlyEvents(Random& random, const PatientFrame& frame,
                     std::optional<int> neutrophil_day, Events& events) {
  const bool allogeneic = Allogeneic(frame);
  const bool ssc_or_sle =
      frame.disease == Disease::kSsc || frame.disease == Disease::kSle;
  const double any_infection = allogeneic ? 0.7 : ssc_or_sle ? 0.5 : 0.42;
  if (random.Chance(any_infection)) {
    const int n = 1 + random.Chance(0.3) + random.Chance(0.1);
    for (int k = 0; k < n; ++k) {
      const bool neutropenic = random.Chance(0.55);
      const int onset =
          neutropenic
              ? random.Between(3, std::max(5, neutrophil_day.value_or(14)))
              : random.Between(15, 100);
      const Grade grade = InfectionGrade(random);
      events.Add(onset, Category::kInfection, grade, random.Between(4, 21),
                 InfectionText(random, grade, neutropenic));
    }
  }
  if (random.Chance(HasAlemtuzumab(frame) ? 0.4 : 0.22)) {
    const double u = random.Uniform();
    events.Add(random.Between(21, 90), Category::kViralReactivation,
               u < 0.6    ? Grade::k1
               : u < 0.92 ? Grade::k2
                          : Grade::k3,
               random.Between(14, 60), "EBV reactivation");
  }
  if (random.Chance(allogeneic ? 0.35 : 0.08)) {
    const double u = random.Uniform();
    events.Add(random.Between(20, 100), Category::kViralReactivation,
               u < 0.1   ? Grade::k1
               : u < 0.8 ? Grade::k2
                         : Grade::k3,
               random.Between(14, 45), "CMV reactivation");
  }
  const bool beam = frame.regimen.find("BEAM") != std::string::npos;
  if (random.Chance(beam ? 0.35 : 0.18)) {
    static constexpr const char* kToxicity[] = {"mucositis", "hepatotoxicity",
                                                "acute kidney injury",
                                                "haemorrhagic cystitis"};
    const std::string text =
        beam ? "mucositis"
        : frame.disease == Disease::kSsc && random.Chance(0.3)
            ? "cardiac toxicity"
            : random.Pick(kToxicity);
    const double u = random.Uniform();
    events.Add(random.Between(0, 30), Category::kOrganToxicity,
               u < 0.55   ? Grade::k2
               : u < 0.93 ? Grade::k3
                          : Grade::k4,
               random.Between(5, 30), text);
  }
}

// Acute GvHD within 100 days and chronic GvHD later, after an allogeneic
// transplant only.
void DrawGvhd(Random& random, const PatientFrame& frame, Events& events) {
  if (!Allogeneic(frame)) return;
  bool acute = false;
  if (random.Chance(0.45)) {
    acute = true;
    const double u = random.Uniform();
    const Grade grade = u < 0.35   ? Grade::kI
                        : u < 0.75 ? Grade::kII
                        : u < 0.92 ? Grade::kIII
                                   : Grade::kIV;
    std::optional<int> duration;
    if (grade != Grade::kIV) duration = random.Between(14, 90);
    events.Add(random.Between(14, 100), Category::kAcuteGvhd, grade, duration,
               "acute GvHD");
  }
  if (random.Chance(acute ? 0.45 : 0.25)) {
    const double u = random.Uniform();
    const Grade grade = u < 0.45   ? Grade::kMild
                        : u < 0.85 ? Grade::kModerate
                                   : Grade::kSevere;
    std::optional<int> duration;
    if (grade == Grade::kMild && random.Chance(0.5)) {
      duration = random.Between(180, 720);
    }
    events.Add(random.Between(100, 540), Category::kChronicGvhd, grade,
               duration, "chronic GvHD");
  }
}

// Later infections and herpes zoster, secondary autoimmune disease (a few
// percent by five years, more after alemtuzumab) and rare malignancies.
void DrawLateEvents(Random& random, const PatientFrame& frame, Events& events) {
  if (random.Chance(0.07)) {
    events.Add(random.Between(100, 730), Category::kViralReactivation,
               Grade::k2, random.Between(10, 40), "herpes zoster");
  }
  if (random.Chance(0.12)) {
    const Grade grade = random.Chance(0.7) ? Grade::k2 : Grade::k3;
    events.Add(random.Between(101, 730), Category::kInfection, grade,
               random.Between(5, 21), InfectionText(random, grade, false));
  }
  if (random.Chance(HasAlemtuzumab(frame) ? 0.3 : 0.035)) {
    static constexpr const char* kAutoimmune[] = {
        "autoimmune thyroiditis", "Graves' disease", "immune thrombocytopenia",
        "autoimmune haemolytic anaemia"};
    const std::string text = random.Pick(kAutoimmune);
    const bool thyroid = text.find("thyroid") != std::string::npos ||
                         text.find("Graves") != std::string::npos;
    std::optional<int> duration;
    if (!thyroid && random.Chance(0.6)) duration = random.Between(60, 365);
    events.Add(random.Between(180, 5 * 365),
               Category::kSecondaryAutoimmuneDisease,
               random.Chance(0.65) ? Grade::k2 : Grade::k3, duration, text);
  }
  if (random.Chance(Allogeneic(frame) ? 0.02 : 0.012)) {
    if (random.Chance(0.2)) {
      events.Add(random.Between(60, 240), Category::kMalignancy, Grade::k4,
                 std::nullopt, "EBV-associated lymphoproliferative disorder");
    } else {
      static constexpr const char* kCancer[] = {
          "myelodysplastic syndrome", "breast cancer", "basal cell carcinoma",
          "thyroid cancer"};
      const std::string text = random.Pick(kCancer);
      const bool skin = text == "basal cell carcinoma";
      std::optional<int> duration;
      if (skin) duration = random.Between(20, 60);
      events.Add(random.Between(365, 8 * 365), Category::kMalignancy,
                 skin ? Grade::k2 : Grade::k3, duration, text);
    }
  }
}

// The chance of a transplant-related death: higher in systemic sclerosis
// and SLE (cardiopulmonary involvement), after an allogeneic transplant,
// graft failure or severe GvHD.
double TransplantRelatedMortality(const PatientFrame& frame,
                                  const Course& course,
                                  std::optional<int> neutrophil_day,
                                  const Events& events) {
  double p = 0.015;
  switch (frame.disease) {
    case Disease::kRrms:
    case Disease::kSpms:
    case Disease::kPpms:
      p = 0.003;
      break;
    case Disease::kSsc:
      p = 0.03;
      break;
    case Disease::kSle:
      p = 0.025;
      break;
    case Disease::kNmosd:
      p = 0.01;
      break;
    case Disease::kOther:
      break;
  }
  if (Allogeneic(frame)) p += 0.06;
  if (course.graft_failure && !neutrophil_day) p += 0.3;
  if (events.Any(Category::kAcuteGvhd, Grade::kIII)) p += 0.25;
  if (events.Any(Category::kChronicGvhd, Grade::kSevere)) p += 0.2;
  if (events.Any(Category::kInfection, Grade::k3)) p += 0.01;
  return p;
}

// A transplant-related death (mostly in the first year) or a later one of
// the disease or other causes; none after the last date.
void DrawDeath(Random& random, const PatientFrame& frame,
               std::optional<int> neutrophil_day, Course& course,
               Events& events) {
  const double trm =
      TransplantRelatedMortality(frame, course, neutrophil_day, events);
  // Not before neutrophil recovery, except with graft failure.
  const int earliest = std::max(10, neutrophil_day.value_or(9) + 1);
  if (random.Chance(trm)) {
    DeathRecord death{frame.id, frame.day0, "", DeathCause::kUnknown};
    std::optional<Grade> fatal_grade;
    Category fatal_category = Category::kInfection;
    int fatal_onset_before = 0;
    const AdverseEventRecord* gvhd = nullptr;
    for (const AdverseEventRecord& e : events.all()) {
      if ((e.category == Category::kAcuteGvhd && e.grade >= Grade::kIII) ||
          (e.category == Category::kChronicGvhd && e.grade == Grade::kSevere)) {
        gvhd = &e;
      }
    }
    if (gvhd && random.Chance(0.6)) {
      death.cause_code = DeathCause::kGvhd;
      death.cause = gvhd->description;
      death.death_date = gvhd->onset_date + random.Between(14, 120);
    } else if (course.graft_failure && !neutrophil_day && random.Chance(0.6)) {
      death.cause_code = DeathCause::kGraftFailure;
      death.cause = "primary graft failure";
      death.death_date = frame.day0 + random.Between(30, 80);
    } else if (random.Chance(frame.disease == Disease::kSsc ? 0.5 : 0.35)) {
      static constexpr const char* kToxicity[] = {
          "cardiac toxicity", "veno-occlusive disease",
          "acute respiratory distress syndrome", "multi-organ failure"};
      death.cause_code = DeathCause::kToxicity;
      death.cause = frame.disease == Disease::kSsc ? "cardiac toxicity"
                                                   : random.Pick(kToxicity);
      death.death_date = frame.day0 + random.Between(earliest, 120);
      fatal_grade = Grade::k5;
      fatal_category = Category::kOrganToxicity;
      fatal_onset_before = random.Between(0, 20);
    } else {
      static constexpr const char* kInfection[] = {
          "sepsis", "pneumonia", "CMV pneumonitis", "invasive aspergillosis"};
      death.cause_code = DeathCause::kInfection;
      death.cause = random.Pick(kInfection);
      death.death_date = frame.day0 + random.Between(earliest, 300);
      fatal_grade = Grade::k5;
      fatal_onset_before = random.Between(2, 14);
    }
    if (death.death_date > frame.last) return;  // still alive
    if (fatal_grade) {
      const int day = std::max(
          fatal_category == Category::kInfection ? 1 : 0,
          static_cast<int>(death.death_date - frame.day0) - fatal_onset_before);
      const AdverseEventRecord& fatal = events.Add(
          day, fatal_category, *fatal_grade, std::nullopt, death.cause);
      death.death_date = std::max(death.death_date, fatal.onset_date);
      if (death.death_date > frame.last) {
        events.all().pop_back();
        return;
      }
    }
    course.death = death;
    return;
  }
  double yearly = 0.01;
  if (IsMultipleSclerosis(frame.disease)) yearly = 0.004;
  if (frame.disease == Disease::kSsc) yearly = 0.015;
  if (frame.disease == Disease::kSle || frame.disease == Disease::kNmosd) {
    yearly = 0.008;
  }
  for (int year = 1; year <= 12; ++year) {
    if (!random.Chance(yearly)) continue;
    const Date date = frame.day0 + year * 365 + random.Between(0, 364);
    if (date > frame.last) return;
    DeathRecord death{frame.id, date, "", DeathCause::kUnknown};
    const auto malignancy = std::find_if(
        events.all().begin(), events.all().end(), [&](const auto& e) {
          return e.category == Category::kMalignancy && e.onset_date < date &&
                 e.grade >= Grade::k3;
        });
    const double u = random.Uniform();
    if (malignancy != events.all().end() && random.Chance(0.5)) {
      death.cause_code = DeathCause::kSecondaryMalignancy;
      death.cause = malignancy->description;
    } else if (u < 0.45) {
      death.cause_code = DeathCause::kDisease;
      death.cause = "progression of the autoimmune disease";
    } else if (u < 0.75) {
      static constexpr const char* kOther[] = {"cardiovascular disease",
                                               "stroke", "accident"};
      death.cause_code = DeathCause::kOther;
      death.cause = random.Pick(kOther);
    }
    course.death = death;
    return;
  }
}

}  // namespace

Course DrawCourse(Random& random, const PatientFrame& frame) {
  Course course;
  const std::optional<int> neutrophil_day =
      DrawEngraftment(random, frame, course);
  Events events(frame);
  DrawEarlyEvents(random, frame, neutrophil_day, events);
  DrawGvhd(random, frame, events);
  DrawLateEvents(random, frame, events);
  DrawDeath(random, frame, neutrophil_day, course, events);
  course.end = course.death ? course.death->death_date : frame.last;

  // Nothing after the end; what has not resolved by then is open.
  const Date end = course.end;
  auto& all = events.all();
  std::erase_if(all, [&](const auto& e) { return e.onset_date > end; });
  for (AdverseEventRecord& e : all) {
    if (e.resolution_date && *e.resolution_date > end) {
      e.resolution_date.reset();
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::pair(a.onset_date, a.category) <
           std::pair(b.onset_date, b.category);
  });
  course.adverse_events = std::move(all);
  if (course.engraftment) {
    EngraftmentRecord& e = *course.engraftment;
    if (e.neutrophil_date && *e.neutrophil_date > end) {
      e.neutrophil_date.reset();
    }
    if (e.platelet_date && *e.platelet_date > end) e.platelet_date.reset();
  }
  return course;
}

}  // namespace registry::synthetic
