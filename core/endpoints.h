// Time-to-event endpoints of a cohort report, per patient, from the
// outcome engine's results; and the subgroups patients are split by.
#ifndef REGISTRY_CORE_ENDPOINTS_H_
#define REGISTRY_CORE_ENDPOINTS_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/outcomes.h"
#include "core/survival.h"

namespace registry {

enum class Endpoint { kNeda3, kNeda4, kRelapse, kCdw, kPfs, kMri, kOs };
std::string_view EndpointName(Endpoint endpoint);  // "neda3", ..., "os"
std::optional<Endpoint> ParseEndpoint(std::string_view name);

// One patient's time (days from day 0) and status for `endpoint`, and
// whether a censoring was a death (for competing-risk analysis). nullopt
// when the patient does not count for the endpoint (no transplant, not
// evaluable, no follow-up after day 0).
struct EndpointObservation {
  double time = 0;
  bool event = false;
  bool died = false;  // censored by death
};
std::optional<EndpointObservation> ObserveEndpoint(
    Endpoint endpoint, const PatientClinicalData& data,
    const PatientOutcome& outcome);

enum class Stratification { kNone, kDisease, kCenter, kRegimen, kEra };
std::string_view StratificationName(Stratification by);
std::optional<Stratification> ParseStratification(std::string_view name);

// The subgroup label of a patient: disease code, center code, regimen of
// the first transplant, or the five-year era of day 0 ("2015-2019").
std::string StratumOf(Stratification by, const PatientClinicalData& data,
                      std::string_view center);

}  // namespace registry

#endif  // REGISTRY_CORE_ENDPOINTS_H_
