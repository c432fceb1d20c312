#include "core/outcome_definition.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/records.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 6> kEventNames = {
    "first-cdw", "first-cdi", "first", "multiple", "first-pira", "first-raw"};
constexpr std::array<std::string_view, 2> kBaselineNames = {"fixed", "roving"};

}  // namespace

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

std::string DefinitionText(const OutcomeDefinition& d) {
  return absl::StrCat(
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
      ";pira_windows_days=", d.pira_event_before_days, ",",
      d.pira_event_after_days, ",", d.pira_confirmation_before_days, ",",
      d.pira_confirmation_after_days,
      ";edss_plus1_max=", FormatNumber(d.edss_plus1_max),
      ";relapse_merge_days=", d.relapse_merge_days,
      ";arr_pre_window_days=", d.arr_pre_window_days,
      ";mri_rebaseline_days=", d.mri_rebaseline_days,
      ";neda4_max_brain_volume_loss_pct_per_year=",
      FormatNumber(d.neda4_max_brain_volume_loss_pct_per_year));
}

std::vector<std::string> ValidateDefinition(const OutcomeDefinition& d) {
  std::vector<std::string> problems;
  if (d.confirmation_days.empty()) {
    problems.push_back("confirmation_days: at least one delay is needed");
  }
  for (int days : d.confirmation_days) {
    if (days <= 0 || days > 3650) {
      problems.push_back("confirmation_days: each must be 1 to 3650");
      break;
    }
  }
  if (d.confirmation_tolerance_before_days < 0 ||
      d.confirmation_tolerance_after_days < 0) {
    problems.push_back("confirmation_tolerance_days: must not be negative");
  }
  for (int days :
       {d.relapse_to_baseline_days, d.relapse_to_event_days,
        d.relapse_to_confirmation_days, d.relapse_assoc_days,
        d.pira_event_before_days, d.pira_event_after_days,
        d.pira_confirmation_before_days, d.pira_confirmation_after_days,
        d.relapse_merge_days, d.mri_rebaseline_days}) {
    if (days < 0 || days > 36500) {
      problems.push_back("relapse and MRI windows: days must be 0 to 36500");
      break;
    }
  }
  if (d.arr_pre_window_days <= 0) {
    problems.push_back("arr_pre_window_days: must be positive");
  }
  if (!IsValidEdss(d.edss_plus1_max) || d.edss_plus1_max < 1.0) {
    problems.push_back(
        "edss_plus1_max: must be an EDSS step from 1.0 to 10 (e.g. 5.0, 5.5)");
  }
  if (d.neda4_max_brain_volume_loss_pct_per_year <= 0) {
    problems.push_back(
        "neda4_max_brain_volume_loss_pct_per_year: must be positive");
  }
  return problems;
}

}  // namespace registry
