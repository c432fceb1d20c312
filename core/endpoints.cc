#include "core/endpoints.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "core/nmosd_rules.h"
#include "core/sle_rules.h"
#include "core/ssc_rules.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, kEndpointCount> kEndpointNames = {
    "neda3",
    "neda4",
    "relapse",
    "cdw",
    "pfs",
    "mri",
    "os",
    "ri",
    "nrm",
    "trm",
    "tfr",
    "infection",
    "secondary-autoimmunity",
    "malignancy",
    "agvhd",
    "cgvhd",
    "neutrophil-engraftment",
    "platelet-engraftment",
    "ssc-pfs",
    "ssc-efs",
    "lung-progression",
    "skin-progression",
    "doris",
    "lldas",
    "sle-flare",
    "seroreversion"};
constexpr std::array<std::string_view, 5> kStratificationNames = {
    "none", "disease", "center", "regimen", "era"};

std::optional<EndpointObservation> Observation(Date day0, Date date, bool event,
                                               bool competing) {
  const int days = static_cast<int>(date - day0);
  if (days < 0) return std::nullopt;
  return EndpointObservation{static_cast<double>(days), event, competing};
}

// Event at `event` when there is one, else censored at `censor` (death
// when recorded, otherwise the last assessment).
std::optional<EndpointObservation> EventOrCensor(
    Date day0, std::optional<Date> event, std::optional<Date> death,
    std::optional<Date> last_assessment) {
  if (event) return Observation(day0, *event, true, false);
  if (death) return Observation(day0, *death, false, true);
  if (last_assessment) return Observation(day0, *last_assessment, false, false);
  return std::nullopt;
}

// The event when it is on or before the death; else the death competes;
// else censored at the last contact.
std::optional<EndpointObservation> EventOrDeath(Date day0,
                                                std::optional<Date> event,
                                                std::optional<Date> death,
                                                std::optional<Date> last) {
  if (event && (!death || *event <= *death)) {
    return Observation(day0, *event, true, false);
  }
  return EventOrCensor(day0, std::nullopt, death, last);
}

void KeepEarliest(std::optional<Date>& earliest, Date date) {
  if (!earliest || date < *earliest) earliest = date;
}

int CtcaeGrade(AdverseEventGrade grade) {
  switch (grade) {
    case AdverseEventGrade::k1:
      return 1;
    case AdverseEventGrade::k2:
      return 2;
    case AdverseEventGrade::k3:
      return 3;
    case AdverseEventGrade::k4:
      return 4;
    case AdverseEventGrade::k5:
      return 5;
    default:
      return 0;  // a GvHD scale
  }
}

// The first adverse event on or after day 0 that `counts`.
template <typename Counts>
std::optional<Date> FirstAdverseEvent(const PatientClinicalData& data,
                                      Date day0, Counts counts) {
  std::optional<Date> first;
  for (const AdverseEventRecord& a : data.adverse_events) {
    if (a.onset_date >= day0 && counts(a)) KeepEarliest(first, a.onset_date);
  }
  return first;
}

// The first start, after day 0, of a treatment that ends a treatment-free
// remission: of an ending class and not part of the transplant protocol.
const TreatmentData* FirstEndingTreatment(const PatientClinicalData& data,
                                          Date day0,
                                          const OutcomeDefinition& d) {
  const TreatmentData* first = nullptr;
  for (const TreatmentData& t : data.treatments) {
    if (t.start_date <= day0 || t.protocol) continue;
    if (std::find(d.tfr_ending_classes.begin(), d.tfr_ending_classes.end(),
                  t.treatment_class) != d.tfr_ending_classes.end() &&
        (first == nullptr || t.start_date < first->start_date)) {
      first = &t;
    }
  }
  return first;
}

std::optional<EndpointObservation> ObserveEngraftment(
    const PatientClinicalData& data, const PatientOutcome& o, bool neutrophil) {
  for (const EngraftmentRecord& e : data.engraftments) {
    if (e.transplant_date != *o.day0) continue;
    return EventOrDeath(*o.day0,
                        neutrophil ? e.neutrophil_date : e.platelet_date,
                        data.death_date, o.end_of_follow_up);
  }
  return std::nullopt;  // not reported for the first transplant
}

std::optional<EndpointObservation> ObserveMs(Endpoint endpoint,
                                             const PatientClinicalData& data,
                                             const PatientOutcome& o) {
  const Date day0 = *o.day0;
  const std::optional<Date> death = data.death_date;
  switch (endpoint) {
    case Endpoint::kNeda3:
      if (!o.neda3_evaluable) return std::nullopt;
      return EndpointObservation{static_cast<double>(*o.remission_days),
                                 !*o.censored,
                                 *o.censored && death.has_value()};
    case Endpoint::kNeda4:
      if (!o.neda3_evaluable || !o.neda4.has_value()) return std::nullopt;
      if (o.eda_date || *o.neda4) {
        return EndpointObservation{static_cast<double>(*o.remission_days),
                                   !*o.censored,
                                   *o.censored && death.has_value()};
      }
      // Lost by brain-volume loss alone: known at the last scan.
      return Observation(day0, *o.last_mri_date, true, false);
    case Endpoint::kRelapse:
      return EventOrCensor(day0, o.first_relapse_post, death, o.last_edss_date);
    case Endpoint::kCdw:
      return EventOrCensor(day0, o.first_cdw_onset, death, o.last_edss_date);
    case Endpoint::kPfs:
      if (o.first_cdw_onset && (!death || *o.first_cdw_onset <= *death)) {
        return Observation(day0, *o.first_cdw_onset, true, false);
      }
      if (death) return Observation(day0, *death, true, false);
      if (o.last_edss_date) {
        return Observation(day0, *o.last_edss_date, false, false);
      }
      return std::nullopt;
    case Endpoint::kMri:
      if (!o.rebaseline_scan) return std::nullopt;
      return EventOrCensor(day0, o.first_active_scan, death, o.last_mri_date);
    default:
      return std::nullopt;
  }
}

// The event, or death, whichever is first (death is part of the
// endpoint); else censored at the last contact.
std::optional<EndpointObservation> EventIncludingDeath(
    Date day0, std::optional<Date> event, std::optional<Date> death,
    std::optional<Date> last) {
  if (death) KeepEarliest(event, *death);
  if (event) return Observation(day0, *event, true, false);
  if (last) return Observation(day0, *last, false, false);
  return std::nullopt;
}

std::optional<EndpointObservation> ObserveSsc(Endpoint endpoint,
                                              const PatientClinicalData& data,
                                              const PatientOutcome& o,
                                              const OutcomeDefinition& d) {
  const Date day0 = *o.day0;
  const SscCourse c = DescribeSsc(data, day0, d);
  const std::optional<Date> death = data.death_date;
  const std::optional<Date> last = o.end_of_follow_up;
  // Progression by a measure is followed to the last assessment of it.
  auto last_with = [&](auto has) -> std::optional<Date> {
    std::optional<Date> at;
    for (const SscAssessmentRecord& a : data.ssc_assessments) {
      if (a.assessment_date > day0 && has(a)) at = a.assessment_date;
    }
    return at;
  };
  switch (endpoint) {
    case Endpoint::kSscPfs:
      return EventIncludingDeath(day0, c.progression, death, last);
    case Endpoint::kSscEfs:
      return EventIncludingDeath(day0, c.persistent_organ_failure, death, last);
    case Endpoint::kLungProgression:
      if (!c.baseline.fvc_pct) return std::nullopt;
      return EventOrDeath(day0, c.lung_progression, death,
                          last_with([](const SscAssessmentRecord& a) {
                            return a.fvc_pct.has_value();
                          }));
    case Endpoint::kSkinProgression:
      if (!c.baseline.mrss) return std::nullopt;
      return EventOrDeath(day0, c.skin_progression, death,
                          last_with([](const SscAssessmentRecord& a) {
                            return a.mrss.has_value();
                          }));
    default:
      return std::nullopt;
  }
}

std::optional<EndpointObservation> ObserveSle(Endpoint endpoint,
                                              const PatientClinicalData& data,
                                              const PatientOutcome& o,
                                              const OutcomeDefinition& d) {
  const Date day0 = *o.day0;
  const std::vector<SleState> states = SleStates(data, d);
  const SleCourse c = DescribeSle(data, day0, states);
  const std::optional<Date> death = data.death_date;
  if (endpoint == Endpoint::kSleFlare) {
    return EventOrDeath(day0, c.first_flare, death, o.end_of_follow_up);
  }
  // A state is followed to the last assessment that could judge it.
  const bool doris = endpoint == Endpoint::kDoris;
  std::optional<Date> last_judged;
  for (const SleState& s : states) {
    if (s.date > day0 && (doris ? s.doris : s.lldas).has_value()) {
      last_judged = s.date;
    }
  }
  if (!last_judged) return std::nullopt;
  return EventOrDeath(day0, doris ? c.first_doris : c.first_lldas, death,
                      last_judged);
}

}  // namespace

std::string_view EndpointName(Endpoint endpoint) {
  return kEndpointNames[static_cast<size_t>(endpoint)];
}

std::optional<Endpoint> ParseEndpoint(std::string_view name) {
  for (size_t i = 0; i < kEndpointNames.size(); ++i) {
    if (kEndpointNames[i] == name) return static_cast<Endpoint>(i);
  }
  return std::nullopt;
}

std::string EndpointNameList() {
  std::string list;
  for (std::string_view name : kEndpointNames) {
    if (!list.empty()) list += ", ";
    list += std::string(name);
  }
  return list;
}

std::string_view StratificationName(Stratification by) {
  return kStratificationNames[static_cast<size_t>(by)];
}

std::optional<Stratification> ParseStratification(std::string_view name) {
  for (size_t i = 0; i < kStratificationNames.size(); ++i) {
    if (kStratificationNames[i] == name) return static_cast<Stratification>(i);
  }
  return std::nullopt;
}

std::optional<Date> FirstRelapseOrProgression(const PatientClinicalData& data,
                                              const PatientOutcome& o) {
  if (!o.day0) return std::nullopt;
  std::optional<Date> first;
  if (!data.disease || IsMultipleSclerosis(*data.disease)) {
    if (o.first_relapse_post) KeepEarliest(first, *o.first_relapse_post);
    if (o.first_cdw_onset) KeepEarliest(first, *o.first_cdw_onset);
  }
  for (const DiseaseStatusRecord& s : data.disease_statuses) {
    if (s.status_date > *o.day0 && (s.status == DiseaseState::kRelapse ||
                                    s.status == DiseaseState::kProgression)) {
      KeepEarliest(first, s.status_date);
    }
  }
  return first;
}

std::optional<EndpointObservation> ObserveEndpoint(
    Endpoint endpoint, const PatientClinicalData& data, const PatientOutcome& o,
    const OutcomeDefinition& d) {
  if (!o.day0) return std::nullopt;
  const Date day0 = *o.day0;
  const std::optional<Date> death = data.death_date;
  const std::optional<Date> last = o.end_of_follow_up;
  const bool ms = !data.disease || IsMultipleSclerosis(*data.disease);
  const bool allogeneic = data.first_type == TransplantType::kAllogeneic;
  switch (endpoint) {
    case Endpoint::kRelapse:
      // NMOSD attacks too (relapse-free survival), followed to the last
      // contact: attacks are reported whenever they come, not at visits.
      if (data.disease == Disease::kNmosd) {
        return EventOrCensor(day0, o.first_relapse_post, death, last);
      }
      return ms ? ObserveMs(endpoint, data, o) : std::nullopt;
    case Endpoint::kCdw:  // NMOSD by the MS rules too
      return ms || data.disease == Disease::kNmosd
                 ? ObserveMs(endpoint, data, o)
                 : std::nullopt;
    case Endpoint::kNeda3:
    case Endpoint::kNeda4:
    case Endpoint::kMri:
      return ms ? ObserveMs(endpoint, data, o) : std::nullopt;
    case Endpoint::kPfs: {
      if (ms) return ObserveMs(endpoint, data, o);
      // The disease's progression (until each disease has its own rule:
      // the centre's relapse or progression status) or death; censored at
      // the last contact.
      return EventIncludingDeath(day0, FirstRelapseOrProgression(data, o),
                                 death, last);
    }
    case Endpoint::kOs:
      if (death) return Observation(day0, *death, true, false);
      if (last) return Observation(day0, *last, false, false);
      return std::nullopt;
    case Endpoint::kRi:
      return EventOrDeath(day0, FirstRelapseOrProgression(data, o), death,
                          last);
    case Endpoint::kNrm: {
      const std::optional<Date> relapse = FirstRelapseOrProgression(data, o);
      if (death && (!relapse || *relapse > *death)) {
        return Observation(day0, *death, true, false);
      }
      if (relapse) return Observation(day0, *relapse, false, true);
      if (last) return Observation(day0, *last, false, false);
      return std::nullopt;
    }
    case Endpoint::kTrm:
      if (death) {
        const bool related = IsTransplantRelated(data.death_cause);
        return Observation(day0, *death, related, !related);
      }
      if (last) return Observation(day0, *last, false, false);
      return std::nullopt;
    case Endpoint::kTfr: {
      std::optional<Date> end = FirstRelapseOrProgression(data, o);
      if (const TreatmentData* t = FirstEndingTreatment(data, day0, d)) {
        KeepEarliest(end, t->start_date);
      }
      return EventIncludingDeath(day0, end, death, last);
    }
    case Endpoint::kInfection:
      return EventOrDeath(
          day0,
          FirstAdverseEvent(
              data, day0,
              [&](const AdverseEventRecord& a) {
                return a.category == AdverseEventCategory::kInfection &&
                       CtcaeGrade(a.grade) >= d.infection_min_grade;
              }),
          death, last);
    case Endpoint::kSecondaryAutoimmunity:
      return EventOrDeath(
          day0,
          FirstAdverseEvent(
              data, day0,
              [](const AdverseEventRecord& a) {
                return a.category ==
                       AdverseEventCategory::kSecondaryAutoimmuneDisease;
              }),
          death, last);
    case Endpoint::kMalignancy:
      return EventOrDeath(
          day0,
          FirstAdverseEvent(data, day0,
                            [](const AdverseEventRecord& a) {
                              return a.category ==
                                     AdverseEventCategory::kMalignancy;
                            }),
          death, last);
    case Endpoint::kAgvhd: {
      if (!allogeneic) return std::nullopt;
      const Date by = day0 + d.agvhd_by_days;
      const std::optional<Date> gvhd =
          FirstAdverseEvent(data, day0, [&](const AdverseEventRecord& a) {
            return a.category == AdverseEventCategory::kAcuteGvhd &&
                   a.onset_date <= by && a.grade != AdverseEventGrade::kI;
          });
      // Followed to the window's end at most.
      std::optional<Date> death_by = death;
      if (death_by && *death_by > by) death_by.reset();
      std::optional<Date> end = last;
      if (end && *end > by) end = by;
      return EventOrDeath(day0, gvhd, death_by, end);
    }
    case Endpoint::kCgvhd:
      if (!allogeneic) return std::nullopt;
      return EventOrDeath(
          day0,
          FirstAdverseEvent(data, day0,
                            [](const AdverseEventRecord& a) {
                              return a.category ==
                                     AdverseEventCategory::kChronicGvhd;
                            }),
          death, last);
    case Endpoint::kNeutrophilEngraftment:
      return ObserveEngraftment(data, o, true);
    case Endpoint::kPlateletEngraftment:
      return ObserveEngraftment(data, o, false);
    case Endpoint::kSscPfs:
    case Endpoint::kSscEfs:
    case Endpoint::kLungProgression:
    case Endpoint::kSkinProgression:
      if (data.disease != Disease::kSsc) return std::nullopt;
      return ObserveSsc(endpoint, data, o, d);
    case Endpoint::kDoris:
    case Endpoint::kLldas:
    case Endpoint::kSleFlare:
      if (data.disease != Disease::kSle) return std::nullopt;
      return ObserveSle(endpoint, data, o, d);
    case Endpoint::kSeroreversion: {
      const Aqp4Course aqp4 = DescribeAqp4(data, day0);
      if (!aqp4.positive_before) return std::nullopt;
      // Followed to the last AQP4-IgG result.
      std::optional<Date> last_test;
      for (const LabResultRecord& l : data.lab_results) {
        if (l.test == "aqp4_igg" && l.result && l.sample_date > day0) {
          last_test = l.sample_date;
        }
      }
      if (!last_test) return std::nullopt;
      return EventOrDeath(day0, aqp4.seroreversion, death, last_test);
    }
  }
  return std::nullopt;
}

bool DeathIsAnEvent(Endpoint endpoint) {
  return endpoint == Endpoint::kOs || endpoint == Endpoint::kPfs ||
         endpoint == Endpoint::kTfr || endpoint == Endpoint::kSscPfs ||
         endpoint == Endpoint::kSscEfs;
}

TransplantCourse DescribeCourse(const PatientClinicalData& data,
                                const PatientOutcome& o,
                                const OutcomeDefinition& d) {
  TransplantCourse c;
  if (!o.day0) return c;
  const Date day0 = *o.day0;
  c.transplant_type = data.first_type;
  if (data.death_date) c.death_cause = data.death_cause;
  c.relapse_or_progression = FirstRelapseOrProgression(data, o);
  // The event date of an endpoint, when it had its event.
  auto event = [&](Endpoint e) -> std::optional<Date> {
    std::optional<EndpointObservation> obs = ObserveEndpoint(e, data, o, d);
    if (!obs || !obs->event) return std::nullopt;
    return day0 + static_cast<int>(obs->time);
  };
  c.tfr_end = event(Endpoint::kTfr);
  if (c.tfr_end) {
    const TreatmentData* t = FirstEndingTreatment(data, day0, d);
    if (c.relapse_or_progression && *c.relapse_or_progression == *c.tfr_end) {
      c.tfr_end_reason = "relapse or progression";
    } else if (t != nullptr && t->start_date == *c.tfr_end) {
      c.tfr_end_reason = absl::StrCat(
          std::string(TreatmentClassCode(t->treatment_class)), " ", t->drug);
    } else {
      c.tfr_end_reason = "death";
    }
  }
  c.first_severe_infection = event(Endpoint::kInfection);
  c.secondary_autoimmunity = event(Endpoint::kSecondaryAutoimmunity);
  c.malignancy = event(Endpoint::kMalignancy);
  c.acute_gvhd = event(Endpoint::kAgvhd);
  c.chronic_gvhd = event(Endpoint::kCgvhd);
  if (data.disease == Disease::kSsc) {
    const SscCourse ssc = DescribeSsc(data, day0, d);
    c.ssc_progression = ssc.progression;
    c.skin_progression = ssc.skin_progression;
    c.lung_progression = ssc.lung_progression;
    c.persistent_organ_failure = ssc.persistent_organ_failure;
    c.ssc_response_12m = ssc.response_12m;
    c.acr_criss_12m = ssc.criss_12m;
    c.rcriss_12m = ssc.rcriss_12m;
  }
  if (data.disease == Disease::kSle) {
    const SleCourse sle = DescribeSle(data, day0, SleStates(data, d));
    c.first_doris = sle.first_doris;
    c.first_lldas = sle.first_lldas;
    c.first_flare = sle.first_flare;
    c.lldas_time_fraction = sle.lldas_time_fraction;
  }
  const Aqp4Course aqp4 = DescribeAqp4(data, day0);
  c.aqp4_positive_before = aqp4.positive_before;
  c.aqp4_seroreversion = aqp4.seroreversion;
  c.aqp4_reconversion = aqp4.reconversion;
  for (const EngraftmentRecord& e : data.engraftments) {
    if (e.transplant_date != day0) continue;
    if (e.neutrophil_date) c.neutrophil_day = *e.neutrophil_date - day0;
    if (e.platelet_date) c.platelet_day = *e.platelet_date - day0;
    const bool recovered =
        c.neutrophil_day && *c.neutrophil_day <= d.graft_failure_day;
    if (recovered || (o.end_of_follow_up &&
                      *o.end_of_follow_up >= day0 + d.graft_failure_day)) {
      c.primary_graft_failure = !recovered;
    }
  }
  return c;
}

std::string StratumOf(Stratification by, const PatientClinicalData& data,
                      std::string_view center) {
  switch (by) {
    case Stratification::kNone:
      return "";
    case Stratification::kDisease:
      return data.disease ? std::string(DiseaseCode(*data.disease)) : "unknown";
    case Stratification::kCenter:
      return std::string(center);
    case Stratification::kRegimen:
      return data.first_regimen.empty() ? "unknown" : data.first_regimen;
    case Stratification::kEra: {
      if (data.transplant_dates.empty()) return "unknown";
      const int year = static_cast<int>(data.transplant_dates.front().year());
      const int start = year - ((year % 5) + 5) % 5;
      return absl::StrCat(start, "-", start + 4);
    }
  }
  return "";
}

}  // namespace registry
