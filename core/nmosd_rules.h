// NMOSD: AQP4-IgG seroreversion and re-conversion (docs/outcomes.md,
// "NMOSD"). A plain function over one patient's lab results.
#ifndef REGISTRY_CORE_NMOSD_RULES_H_
#define REGISTRY_CORE_NMOSD_RULES_H_

#include <optional>

#include "core/outcomes.h"

namespace registry {

struct Aqp4Course {
  // The last aqp4_igg result on or before day 0 was positive.
  bool positive_before = false;
  // The first negative result after day 0 of a patient positive before.
  std::optional<Date> seroreversion;
  // The first positive result after the seroreversion.
  std::optional<Date> reconversion;
};
Aqp4Course DescribeAqp4(const PatientClinicalData& data, Date day0);

}  // namespace registry

#endif  // REGISTRY_CORE_NMOSD_RULES_H_
