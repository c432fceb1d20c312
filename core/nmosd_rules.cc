#include "core/nmosd_rules.h"

namespace registry {

Aqp4Course DescribeAqp4(const PatientClinicalData& data, Date day0) {
  Aqp4Course c;
  // Lab results are sorted by date.
  for (const LabResultRecord& l : data.lab_results) {
    if (l.test != "aqp4_igg" || !l.result) continue;
    const bool positive = *l.result == LabResultState::kPositive;
    if (l.sample_date <= day0) {
      c.positive_before = positive;
    } else if (!c.positive_before) {
      break;
    } else if (!c.seroreversion) {
      if (!positive) c.seroreversion = l.sample_date;
    } else if (positive) {
      c.reconversion = l.sample_date;
      break;
    }
  }
  return c;
}

}  // namespace registry
