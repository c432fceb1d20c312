// Confirmed disability worsening (CDW) and improvement (CDI) on the EDSS,
// detected the way the R package msprog (Montobbio et al., Mult Scler
// 2024) does with the same settings, and classified as RAW or PIRA.
// Pure functions; see docs/outcomes.md for the rules in words.
#ifndef REGISTRY_CORE_DISABILITY_H_
#define REGISTRY_CORE_DISABILITY_H_

#include <vector>

#include "core/date.h"
#include "core/outcome_definition.h"

namespace registry {

struct EdssVisit {
  Date date;
  double edss = 0;
};

enum class DisabilityEventType { kCdw, kCdi };
enum class CdwType { kNotApplicable, kPira, kRaw, kUndefined };

struct DisabilityEvent {
  DisabilityEventType type = DisabilityEventType::kCdw;
  CdwType cdw_type = CdwType::kNotApplicable;  // CDW only
  Date onset_date;  // the first visit showing the change
  double onset_edss = 0;
  Date baseline_date;  // the reference the change is measured from
  double baseline_edss = 0;
  Date confirmation_date;  // the first confirmation visit
  double confirmation_edss = 0;
  bool operator==(const DisabilityEvent&) const = default;
};

// The smallest EDSS increase from `baseline` that counts as worsening:
// +1.5 from 0, +1.0 up to `plus1_max`, +0.5 above it. The same size of
// decrease counts as improvement (none is possible from 0).
double MinimumEdssChange(double baseline, double plus1_max);

// Detects the events `definition` selects, in onset order.
//
// `visits` start at the baseline visit (earlier ones must already be
// removed) and may come in any order; of several visits on one day the
// last one given is used. `relapses` are onset dates in any order; onsets
// more than relapse_to_baseline_days before the first visit are ignored.
std::vector<DisabilityEvent> DetectDisabilityEvents(
    std::vector<EdssVisit> visits, std::vector<Date> relapses,
    const OutcomeDefinition& definition);

}  // namespace registry

#endif  // REGISTRY_CORE_DISABILITY_H_
