// Conversions between the outcome messages of the API and the core's
// outcome structs.
#ifndef REGISTRY_API_OUTCOME_CONVERT_H_
#define REGISTRY_API_OUTCOME_CONVERT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "registry/v1/outcomes.pb.h"

namespace registry {

// The core definition: unset fields take the reference defaults.
// INVALID_ARGUMENT (with field violations) for unusable values.
absl::StatusOr<OutcomeDefinition> FromProto(const v1::OutcomeDefinition& proto);

// Every field set, with the stable text and the rules version.
v1::AppliedDefinition ToAppliedDefinition(const OutcomeDefinition& definition);
// With the recorded time of the data it was computed from.
v1::AppliedDefinition ToAppliedDefinition(const OutcomeDefinition& definition,
                                          absl::Time data_as_of);

v1::DisabilityEvent ToProto(const DisabilityEvent& event,
                            std::optional<Date> day0);

// The outcome of one patient; `identity` is copied in as given.
v1::PatientOutcome ToProto(const PatientOutcome& outcome,
                           const v1::PatientIdentity& identity);

v1::TransplantCourse ToProto(const TransplantCourse& course);

}  // namespace registry

#endif  // REGISTRY_API_OUTCOME_CONVERT_H_
