// Time-to-event endpoints of a cohort report, per patient, from the
// outcome engine's results; and the subgroups patients are split by.
#ifndef REGISTRY_CORE_ENDPOINTS_H_
#define REGISTRY_CORE_ENDPOINTS_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "core/survival.h"

namespace registry {

// The MS endpoints (neda3 to mri; relapse for NMOSD attacks too), then
// the EBMT set for every disease
// (docs/outcomes.md, "Endpoints for every disease").
enum class Endpoint {
  kNeda3,
  kNeda4,
  kRelapse,
  kCdw,
  kPfs,
  kMri,
  kOs,
  kRi,         // relapse/progression incidence; death without it competes
  kNrm,        // death without prior relapse/progression; that competes
  kTrm,        // death of a transplant-related cause; other deaths compete
  kTfr,        // treatment-free remission
  kInfection,  // first infection of grade >= infection_min_grade
  kSecondaryAutoimmunity,
  kMalignancy,
  kAgvhd,  // acute GvHD II-IV by agvhd_by_days; allogeneic only
  kCgvhd,  // chronic GvHD; allogeneic only
  kNeutrophilEngraftment,
  kPlateletEngraftment,
  // Each disease's own (docs/outcomes.md): systemic sclerosis,
  kSscPfs,  // first lung/skin progression, organ failure, progression; death
  kSscEfs,  // death or persistent major organ failure (ASTIS)
  kLungProgression,
  kSkinProgression,
  // lupus (time to the first state after day 0; flare by SLEDAI-2K or
  // reported relapse),
  kDoris,
  kLldas,
  kSleFlare,
  // NMOSD: AQP4-IgG seroreversion of a patient positive before day 0.
  kSeroreversion,
};
inline constexpr int kEndpointCount = 26;
// Whether death is part of the endpoint (os, pfs, tfr, ssc-pfs, ssc-efs),
// so it has no competing risk.
bool DeathIsAnEvent(Endpoint endpoint);
std::string_view EndpointName(Endpoint endpoint);  // "neda3", ..., "os"
std::optional<Endpoint> ParseEndpoint(std::string_view name);
// Every name, in enum order, joined by ", " (for usage messages).
std::string EndpointNameList();

// One patient's time (days from day 0) and status for `endpoint`, and
// whether the follow-up ended with the endpoint's competing event instead
// (a death without the event for most; the relapse for NRM; a death of
// another cause for TRM). Kaplan-Meier counts a competing end as a
// censoring; cumulative incidence as a competing event. nullopt when the
// patient does not count for the endpoint (no transplant, not evaluable,
// not an allogeneic transplant for GvHD, no engraftment record, no
// follow-up after day 0).
struct EndpointObservation {
  double time = 0;
  bool event = false;
  bool competing = false;
};
std::optional<EndpointObservation> ObserveEndpoint(
    Endpoint endpoint, const PatientClinicalData& data,
    const PatientOutcome& outcome, const OutcomeDefinition& definition);

// The observation as cumulative incidence takes it.
inline CompetingObservation ToCompeting(const EndpointObservation& o) {
  return {o.time, o.event       ? CompetingOutcome::kEvent
                  : o.competing ? CompetingOutcome::kCompeting
                                : CompetingOutcome::kCensored};
}

// The first relapse or progression after day 0: for MS the first counted
// relapse or CDW onset, for every disease a centre-reported relapse or
// progression status.
std::optional<Date> FirstRelapseOrProgression(const PatientClinicalData& data,
                                              const PatientOutcome& outcome);

// One patient's transplant course, per patient in `report outcomes`: the
// dates of the endpoints' first events (unset without one).
struct TransplantCourse {
  std::optional<TransplantType> transplant_type;  // of the first
  std::optional<DeathCause> death_cause;          // with a death
  std::optional<Date> relapse_or_progression;
  std::optional<Date> tfr_end;  // the end of treatment-free remission
  std::string tfr_end_reason;   // "relapse or progression", "death", or
                                // the class and drug ("dmt natalizumab")
  std::optional<int> neutrophil_day, platelet_day;  // of the first transplant
  // Unset when not evaluable (no record, or neither recovered nor followed
  // to graft_failure_day).
  std::optional<bool> primary_graft_failure;
  std::optional<Date> first_severe_infection;  // grade >= infection_min_grade
  std::optional<Date> secondary_autoimmunity, malignancy;
  std::optional<Date> acute_gvhd;  // II-IV by agvhd_by_days
  std::optional<Date> chronic_gvhd;
  // Each disease's own, for its patients: systemic sclerosis,
  std::optional<Date> ssc_progression, skin_progression, lung_progression;
  std::optional<Date> persistent_organ_failure;
  std::optional<bool> ssc_response_12m;
  std::optional<double> acr_criss_12m;  // improved at >= 0.6
  std::optional<bool> rcriss_12m;
  // lupus,
  std::optional<Date> first_doris, first_lldas, first_flare;
  std::optional<double> lldas_time_fraction;
  // AQP4-IgG (any patient positive before day 0).
  bool aqp4_positive_before = false;
  std::optional<Date> aqp4_seroreversion, aqp4_reconversion;
};
TransplantCourse DescribeCourse(const PatientClinicalData& data,
                                const PatientOutcome& outcome,
                                const OutcomeDefinition& definition);

enum class Stratification { kNone, kDisease, kCenter, kRegimen, kEra };
std::string_view StratificationName(Stratification by);
std::optional<Stratification> ParseStratification(std::string_view name);

// The subgroup label of a patient: disease code, center code, regimen of
// the first transplant, or the five-year era of day 0 ("2015-2019").
std::string StratumOf(Stratification by, const PatientClinicalData& data,
                      std::string_view center);

}  // namespace registry

#endif  // REGISTRY_CORE_ENDPOINTS_H_
