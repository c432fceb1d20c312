// Conversions of the cohort report structs (core/survival.h,
// core/cohort_summary.h) to the messages of reports.proto.
#ifndef REGISTRY_API_REPORT_CONVERT_H_
#define REGISTRY_API_REPORT_CONVERT_H_

#include <string>
#include <vector>

#include "core/cohort_summary.h"
#include "core/survival.h"
#include "registry/v1/reports.pb.h"

namespace registry {

v1::KaplanMeierRow ToProto(const KaplanMeierRow& row);

// The curve's rows, and its rows at `times` (days) as R's
// summary(fit, times=).
v1::KaplanMeierCurve CurveToProto(const std::string& stratum,
                                  const KaplanMeierCurve& curve,
                                  const std::vector<double>& times);

// Every field of the summary but the definition, the stratification and
// the cell size, which the caller sets.
void ToProto(const CohortSummary& summary, v1::CohortSummaryResponse* out);

}  // namespace registry

#endif  // REGISTRY_API_REPORT_CONVERT_H_
