// The rules an outcome was computed with. Every field defaults to the
// registry's reference definition (docs/outcomes.md); every result carries
// the definition it used and kOutcomeRulesVersion, so a figure can always
// be traced back to its rule.
#ifndef REGISTRY_CORE_OUTCOME_DEFINITION_H_
#define REGISTRY_CORE_OUTCOME_DEFINITION_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/records.h"

namespace registry {

// Version of the rule implementation. Bump it whenever a rule changes the
// result for some input, even with the same definition fields.
inline constexpr std::string_view kOutcomeRulesVersion = "hsct-outcomes/1.1";

// Which disability events are reported (msprog's `event`).
enum class EventSelection {
  kFirstCdw,   // first confirmed disability worsening (default)
  kFirstCdi,   // first confirmed disability improvement
  kFirst,      // the first event of either kind
  kMultiple,   // every event
  kFirstPira,  // first progression independent of relapse activity
  kFirstRaw,   // first relapse-associated worsening
};

enum class BaselineScheme {
  kFixed,   // the baseline never moves after an event (default)
  kRoving,  // after each confirmed event, the baseline moves to its
            // first confirmation visit
};

// The visit a PIRA's first relapse-free window is anchored to.
enum class PiraReference {
  kBaseline,   // the event's baseline (default)
  kLast,       // the last visit before the onset
  kLastDelta,  // the last visit before the onset from which the change,
               // and every visit up to its confirmation, is still a change
};

struct OutcomeDefinition {
  // The named definition this one was expanded from ("muller2025"), with
  // " (modified)" when fields were changed afterwards; empty if none.
  std::string preset;

  // --- Disability (msprog defaults) ---
  EventSelection event = EventSelection::kFirstCdw;
  BaselineScheme baseline = BaselineScheme::kFixed;
  // Confirmation delays, days from the onset (confirmed at any).
  std::vector<int> confirmation_days = {84};
  // A confirmation visit lies in [onset + C - before, onset + C + after].
  double confirmation_tolerance_before_days = 7;
  double confirmation_tolerance_after_days = 730.5;
  // A baseline less than this many days after a relapse onset moves on.
  int relapse_to_baseline_days = 30;
  // Onsets less than this many days after a relapse are not candidates.
  int relapse_to_event_days = 0;
  // Confirmation visits at least this many days after a relapse onset.
  int relapse_to_confirmation_days = 30;
  // A CDW whose onset is within this many days after a relapse is RAW.
  int relapse_assoc_days = 90;
  // PIRA needs no relapse in windows around three checkpoints, as msprog's
  // relapse_indep_from_bounds(p0, p1, e0, e1, c0, c1, prec_type): the
  // reference visit (`pira_reference`), the onset and each confirmation.
  // A window is [point - before, point + after], relapses on either end
  // included; one whose two bounds are 0 is not checked. An open bound
  // (nullopt, msprog's NULL) joins a window to the next: an open
  // reference `after` and event `before` make one window from the
  // reference to the onset's `after`. Default: no relapse 90 days before to
  // 30 days after the onset and the confirmation (Müller et al. 2023).
  PiraReference pira_reference = PiraReference::kBaseline;
  int pira_reference_before_days = 0;
  std::optional<int> pira_reference_after_days = 0;
  std::optional<int> pira_event_before_days = 90;
  std::optional<int> pira_event_after_days = 30;
  std::optional<int> pira_confirmation_before_days = 90;
  int pira_confirmation_after_days = 30;
  // After the onset of each relapse the baseline moves to the first visit
  // on or after it (msprog's relapse_rebl; Kappos et al. 2020).
  bool relapse_rebaseline = false;
  // A confirmed change counts only if it holds at every visit for at least
  // this many days from the onset, or to the last visit (msprog's
  // require_sust_days; infinity: to the last visit). 0: not required.
  double require_sustained_days = 0;
  // Upper end of the baseline band where worsening needs +1.0 (above it
  // +0.5; at 0 it needs +1.5).
  double edss_plus1_max = 5.0;

  // --- Relapses ---
  // Onsets closer than this are one relapse (the later is not counted).
  int relapse_merge_days = 30;
  // Pre-transplant ARR looks back this many days (or to diagnosis).
  int arr_pre_window_days = 730;

  // --- MRI and NEDA ---
  // Scans before day 0 + this are ignored for NEDA; the first scan on or
  // after it is the re-baseline scan.
  int mri_rebaseline_days = 180;
  // NEDA-4 needs annualised brain-volume loss below this, in %/year.
  double neda4_max_brain_volume_loss_pct_per_year = 0.4;

  // --- Transplant course and safety (every disease) ---
  // Starting a treatment of one of these classes, outside the transplant
  // protocol, ends a treatment-free remission.
  std::vector<TreatmentClass> tfr_ending_classes = {
      TreatmentClass::kDmt, TreatmentClass::kImmunosuppressant,
      TreatmentClass::kBiologic};
  // The lowest CTCAE grade of the infections the `infection` endpoint
  // counts.
  int infection_min_grade = 3;
  // Acute GvHD of grade II-IV counts up to this day after day 0.
  int agvhd_by_days = 100;
  // No neutrophil recovery by this day after day 0 is primary graft
  // failure.
  int graft_failure_day = 28;

  // --- Systemic sclerosis ---
  // Each measure's baseline is its last value in [day 0 - this, day 0].
  int ssc_baseline_days = 90;
  // FVC and DLCO declines in %-predicted points rather than relative to
  // the baseline.
  bool fvc_change_absolute = false;
  // Revised CRISS: improvement by at least this many percent in at least 3
  // of the 5 core items (FVC by 5 %) (Khanna 2021: 20, 25 or 30).
  int rcriss_percent = 25;

  // --- Lupus ---
  // DORIS allows prednisolone up to this dose, mg/day (van Vollenhoven
  // 2021; sources write both <= 5 and < 5)...
  double doris_prednisolone_mg = 5;
  // ...below it only, with this.
  bool doris_prednisolone_strict = false;
  // A SLEDAI-2K rise of at least this from the previous assessment is a
  // flare.
  int sle_flare_points = 4;
};

std::string_view EventSelectionName(EventSelection event);  // "first-cdw"
std::optional<EventSelection> ParseEventSelection(std::string_view name);
std::string_view BaselineSchemeName(BaselineScheme scheme);  // "fixed"
std::optional<BaselineScheme> ParseBaselineScheme(std::string_view name);
std::string_view PiraReferenceName(PiraReference reference);  // "last"
std::optional<PiraReference> ParsePiraReference(std::string_view name);

// The published definitions a `--preset` names, expanded to every field:
// "muller2025" (MSBase's standard PIRA, Müller et al., JAMA Neurol 2025)
// and "portaccio2025" (Italian MS Register). nullopt for another name.
std::optional<OutcomeDefinition> PresetDefinition(std::string_view name);
// The preset names with one line each, for help text.
std::vector<std::pair<std::string, std::string>> PresetDescriptions();

// Treatment class codes joined by ',' ("dmt,immunosuppressant,biologic").
std::string TreatmentClassList(const std::vector<TreatmentClass>& classes);

// Every field as `name=value` joined by ';', in declaration order: the
// definition's stable text, printed next to results.
std::string DefinitionText(const OutcomeDefinition& definition);

// Empty when the definition is usable; otherwise one message per bad field.
std::vector<std::string> ValidateDefinition(
    const OutcomeDefinition& definition);

}  // namespace registry

#endif  // REGISTRY_CORE_OUTCOME_DEFINITION_H_
