#include "core/outcome_definition.h"

#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/records.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 6> kEventNames = {
    "first-cdw", "first-cdi", "first", "multiple", "first-pira", "first-raw"};
constexpr std::array<std::string_view, 2> kBaselineNames = {"fixed", "roving"};
constexpr std::array<std::string_view, 3> kPiraReferenceNames = {
    "baseline", "last", "last-delta"};

std::string Bound(std::optional<int> days) {
  return days ? std::to_string(*days) : "-";
}

OutcomeDefinition Muller2025() {
  // Müller et al., JAMA Neurol 2025;82:614: worsening from a baseline reset
  // after each event, relapse and improvement, with no relapse since the
  // last EDSS assessment, confirmed by scores (none within 30 days after a
  // relapse) above the threshold for at least 12 months.
  OutcomeDefinition d;
  d.preset = "muller2025";
  d.event = EventSelection::kFirstPira;
  d.baseline = BaselineScheme::kRoving;
  d.relapse_rebaseline = true;
  d.confirmation_days = {365};
  d.confirmation_tolerance_before_days = 0;
  d.confirmation_tolerance_after_days = std::numeric_limits<double>::infinity();
  d.relapse_to_confirmation_days = 30;
  d.pira_reference = PiraReference::kLast;
  d.pira_reference_before_days = 0;
  d.pira_reference_after_days = std::nullopt;
  d.pira_event_before_days = std::nullopt;
  d.pira_event_after_days = 0;
  d.pira_confirmation_before_days = 0;
  d.pira_confirmation_after_days = 0;
  return d;
}

OutcomeDefinition Portaccio2025() {
  // Portaccio et al. 2025 (Italian MS Register): roving baseline, no
  // relapse from 90 days before to 30 days after the onset, confirmed at
  // 24 weeks.
  OutcomeDefinition d;
  d.preset = "portaccio2025";
  d.event = EventSelection::kFirstPira;
  d.baseline = BaselineScheme::kRoving;
  d.confirmation_days = {168};
  d.pira_event_before_days = 90;
  d.pira_event_after_days = 30;
  d.pira_confirmation_before_days = 0;
  d.pira_confirmation_after_days = 0;
  return d;
}

}  // namespace

std::string TreatmentClassList(const std::vector<TreatmentClass>& classes) {
  std::vector<std::string> codes;
  for (TreatmentClass c : classes) codes.emplace_back(TreatmentClassCode(c));
  return absl::StrJoin(codes, ",");
}

std::string_view EventSelectionName(EventSelection event) {
  return kEventNames[static_cast<size_t>(event)];
}

std::optional<EventSelection> ParseEventSelection(std::string_view name) {
  for (size_t i = 0; i < kEventNames.size(); ++i) {
    if (kEventNames[i] == name) return static_cast<EventSelection>(i);
  }
  return std::nullopt;
}

std::string_view BaselineSchemeName(BaselineScheme scheme) {
  return kBaselineNames[static_cast<size_t>(scheme)];
}

std::optional<BaselineScheme> ParseBaselineScheme(std::string_view name) {
  for (size_t i = 0; i < kBaselineNames.size(); ++i) {
    if (kBaselineNames[i] == name) return static_cast<BaselineScheme>(i);
  }
  return std::nullopt;
}

std::string_view PiraReferenceName(PiraReference reference) {
  return kPiraReferenceNames[static_cast<size_t>(reference)];
}

std::optional<PiraReference> ParsePiraReference(std::string_view name) {
  for (size_t i = 0; i < kPiraReferenceNames.size(); ++i) {
    if (kPiraReferenceNames[i] == name) return static_cast<PiraReference>(i);
  }
  return std::nullopt;
}

std::optional<OutcomeDefinition> PresetDefinition(std::string_view name) {
  if (name == "muller2025") return Muller2025();
  if (name == "portaccio2025") return Portaccio2025();
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> PresetDescriptions() {
  return {{"muller2025",
           "MSBase standard PIRA (Mueller 2025): roving baseline reset after "
           "relapses, no relapse since the last visit, 12-month confirmation"},
          {"portaccio2025",
           "Italian MS Register PIRA (Portaccio 2025): roving baseline, no "
           "relapse 90 days before to 30 days after onset, 24-week "
           "confirmation"}};
}

std::string DefinitionText(const OutcomeDefinition& d) {
  return absl::StrCat(
      d.preset.empty() ? "" : absl::StrCat("preset=", d.preset, ";"),
      "event=", std::string(EventSelectionName(d.event)),
      ";baseline=", std::string(BaselineSchemeName(d.baseline)),
      ";confirmation_days=", absl::StrJoin(d.confirmation_days, ","),
      ";confirmation_tolerance_days=",
      FormatNumber(d.confirmation_tolerance_before_days), ",",
      FormatNumber(d.confirmation_tolerance_after_days),
      ";relapse_to_baseline_days=", d.relapse_to_baseline_days,
      ";relapse_to_event_days=", d.relapse_to_event_days,
      ";relapse_to_confirmation_days=", d.relapse_to_confirmation_days,
      ";relapse_assoc_days=", d.relapse_assoc_days,
      ";pira_reference=", std::string(PiraReferenceName(d.pira_reference)),
      ";pira_windows_days=", d.pira_reference_before_days, ",",
      Bound(d.pira_reference_after_days), ",", Bound(d.pira_event_before_days),
      ",", Bound(d.pira_event_after_days), ",",
      Bound(d.pira_confirmation_before_days), ",",
      d.pira_confirmation_after_days,
      ";relapse_rebaseline=", d.relapse_rebaseline ? "true" : "false",
      ";require_sustained_days=", FormatNumber(d.require_sustained_days),
      ";edss_plus1_max=", FormatNumber(d.edss_plus1_max),
      ";relapse_merge_days=", d.relapse_merge_days,
      ";arr_pre_window_days=", d.arr_pre_window_days,
      ";mri_rebaseline_days=", d.mri_rebaseline_days,
      ";neda4_max_brain_volume_loss_pct_per_year=",
      FormatNumber(d.neda4_max_brain_volume_loss_pct_per_year),
      ";tfr_ending_classes=", TreatmentClassList(d.tfr_ending_classes),
      ";infection_min_grade=", d.infection_min_grade,
      ";agvhd_by_days=", d.agvhd_by_days,
      ";graft_failure_day=", d.graft_failure_day,
      ";ssc_baseline_days=", d.ssc_baseline_days,
      ";fvc_change=", d.fvc_change_absolute ? "absolute" : "relative",
      ";rcriss_percent=", d.rcriss_percent,
      ";doris_prednisolone=", d.doris_prednisolone_strict ? "<" : "<=",
      FormatNumber(d.doris_prednisolone_mg),
      ";sle_flare_points=", d.sle_flare_points);
}

std::vector<std::string> ValidateDefinition(const OutcomeDefinition& d) {
  std::vector<std::string> problems;
  // One message per field, named as in DefinitionText; every number must
  // be finite (NaN passes every `<` test) and every window within a
  // century.
  auto days = [&](const char* field, int value, int min, int max) {
    if (value < min || value > max) {
      problems.push_back(absl::StrCat(field, ": must be ", min, " to ", max,
                                      " days (is ", value, ")"));
    }
  };
  auto number = [&](const char* field, double value, double min, double max,
                    const char* what) {
    if (!std::isfinite(value) || value < min || value > max) {
      problems.push_back(absl::StrCat(field, ": must be ", what, " (is ",
                                      FormatNumber(value), ")"));
    }
  };
  if (d.confirmation_days.empty() || d.confirmation_days.size() > 20) {
    problems.push_back("confirmation_days: one to 20 delays are needed");
  }
  for (int delay : d.confirmation_days) {
    if (delay <= 0 || delay > 3650) {
      problems.push_back(absl::StrCat(
          "confirmation_days: each must be 1 to 3650 (one is ", delay, ")"));
      break;
    }
  }
  number("confirmation_tolerance_days", d.confirmation_tolerance_before_days, 0,
         3650, "0 to 3650 days before");
  // No upper end (infinity) is msprog's conf_tol_days = c(x, Inf).
  if (d.confirmation_tolerance_after_days !=
      std::numeric_limits<double>::infinity()) {
    number("confirmation_tolerance_days", d.confirmation_tolerance_after_days,
           0, 3650, "0 to 3650 days after, or inf");
  }
  constexpr int kCentury = 36500;
  days("relapse_to_baseline_days", d.relapse_to_baseline_days, 0, kCentury);
  days("relapse_to_event_days", d.relapse_to_event_days, 0, kCentury);
  days("relapse_to_confirmation_days", d.relapse_to_confirmation_days, 0,
       kCentury);
  days("relapse_assoc_days", d.relapse_assoc_days, 0, kCentury);
  for (std::optional<int> window :
       {std::optional<int>(d.pira_reference_before_days),
        d.pira_reference_after_days, d.pira_event_before_days,
        d.pira_event_after_days, d.pira_confirmation_before_days,
        std::optional<int>(d.pira_confirmation_after_days)}) {
    if (window) days("pira_windows_days", *window, 0, kCentury);
  }
  if (!(d.require_sustained_days >= 0)) {  // NaN fails too
    problems.push_back(
        "require_sustained_days: must be 0 or more days, or inf");
  }
  days("relapse_merge_days", d.relapse_merge_days, 0, kCentury);
  days("arr_pre_window_days", d.arr_pre_window_days, 1, kCentury);
  days("mri_rebaseline_days", d.mri_rebaseline_days, 0, kCentury);
  if (!std::isfinite(d.edss_plus1_max) || !IsValidEdss(d.edss_plus1_max) ||
      d.edss_plus1_max < 1.0) {
    problems.push_back(
        "edss_plus1_max: must be an EDSS step from 1.0 to 10 (e.g. 5.0, 5.5)");
  }
  if (!std::isfinite(d.neda4_max_brain_volume_loss_pct_per_year) ||
      d.neda4_max_brain_volume_loss_pct_per_year <= 0 ||
      d.neda4_max_brain_volume_loss_pct_per_year > 100) {
    problems.push_back(
        "neda4_max_brain_volume_loss_pct_per_year: must be above 0 and at "
        "most 100 (%/year)");
  }
  if (d.tfr_ending_classes.empty()) {
    problems.push_back("tfr_ending_classes: at least one treatment class");
  }
  if (d.infection_min_grade < 1 || d.infection_min_grade > 5) {
    problems.push_back("infection_min_grade: must be a CTCAE grade, 1 to 5");
  }
  days("agvhd_by_days", d.agvhd_by_days, 1, kCentury);
  days("graft_failure_day", d.graft_failure_day, 1, 365);
  days("ssc_baseline_days", d.ssc_baseline_days, 0, 730);
  if (d.rcriss_percent < 1 || d.rcriss_percent > 100) {
    problems.push_back("rcriss_percent: must be 1 to 100 (%)");
  }
  if (!std::isfinite(d.doris_prednisolone_mg) || d.doris_prednisolone_mg < 0 ||
      d.doris_prednisolone_mg > 100) {
    problems.push_back("doris_prednisolone_mg: must be 0 to 100 (mg/day)");
  }
  if (d.sle_flare_points < 1 || d.sle_flare_points > 105) {
    problems.push_back("sle_flare_points: must be 1 to 105 (SLEDAI-2K)");
  }
  return problems;
}

}  // namespace registry
