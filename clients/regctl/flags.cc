#include "clients/regctl/flags.h"

#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "api/convert.h"
#include "core/date.h"
#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/survival.h"

namespace registry {

int64_t ExpiresInFlag(const Args& args) {
  const std::string text = args.Flag("expires-in");
  if (text.empty()) return 0;
  int64_t unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    case 's':
      break;
    default:
      number += "s";
  }
  number.pop_back();
  int64_t value;
  if (!absl::SimpleAtoi(number, &value) || value <= 0) {
    throw UsageError{
        "--expires-in must be a positive duration such as 90d, "
        "12h, 30m or 3600s"};
  }
  return value * unit;
}

std::string ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) throw UsageError{"cannot read " + what + " " + path};
  return buffer.str();
}

Kind KindArg(const std::string& text) {
  std::optional<Kind> kind = ParseKind(text);
  if (!kind) {
    std::vector<std::string> kinds;
    for (Kind k : kAllKinds) kinds.emplace_back(KindName(k));
    throw UsageError{"unknown KIND '" + text + "' (" +
                     absl::StrJoin(kinds, ", ") + ")"};
  }
  return *kind;
}

std::optional<google::protobuf::Timestamp> AsOfFlag(const Args& args) {
  const std::string text = args.Flag("as-of-recorded");
  if (text.empty()) return std::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    throw UsageError{
        "--as-of-recorded must be RFC 3339, e.g. "
        "2026-01-31T12:00:00Z: " +
        error};
  }
  return ToProto(time);
}

int IntFlag(const Args& args, const std::string& name,
            const std::string& unit) {
  int value;
  if (!absl::SimpleAtoi(args.Flag(name), &value)) {
    throw UsageError{"--" + name + " must be a whole number of " + unit};
  }
  return value;
}

double NumberFlag(const std::string& name, const std::string& text) {
  double value;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    throw UsageError{"--" + name + " must be a (finite) number"};
  }
  return value;
}

v1::OutcomeDefinition DefinitionFlags(const Args& args) {
  v1::OutcomeDefinition d;
  if (!args.Flag("event").empty()) {
    std::optional<EventSelection> event =
        ParseEventSelection(args.Flag("event"));
    if (!event) {
      throw UsageError{
          "--event must be first-cdw, first-cdi, first, multiple, first-pira "
          "or first-raw"};
    }
    d.set_event(ToProto(*event));
  }
  if (!args.Flag("baseline").empty()) {
    std::optional<BaselineScheme> scheme =
        ParseBaselineScheme(args.Flag("baseline"));
    if (!scheme) throw UsageError{"--baseline must be fixed or roving"};
    d.set_baseline(ToProto(*scheme));
  }
  if (!args.Flag("confirmation-days").empty()) {
    for (absl::string_view part :
         absl::StrSplit(args.Flag("confirmation-days"), ',')) {
      int days;
      if (!absl::SimpleAtoi(part, &days)) {
        throw UsageError{"--confirmation-days must be N[,N...] (days)"};
      }
      d.add_confirmation_days(days);
    }
  }
  if (!args.Flag("confirmation-tolerance-days").empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(args.Flag("confirmation-tolerance-days"), ',');
    if (parts.size() != 2) {
      throw UsageError{"--confirmation-tolerance-days must be BEFORE,AFTER"};
    }
    d.set_confirmation_tolerance_before_days(
        NumberFlag("confirmation-tolerance-days", parts[0]));
    d.set_confirmation_tolerance_after_days(
        parts[1] == "inf"
            ? std::numeric_limits<double>::infinity()
            : NumberFlag("confirmation-tolerance-days", parts[1]));
  }
  if (const std::string preset = args.Flag("preset"); !preset.empty()) {
    if (!PresetDefinition(preset)) {
      std::vector<std::string> names;
      for (const auto& [name, what] : PresetDescriptions()) {
        names.push_back(name);
      }
      throw UsageError{"--preset must be " + absl::StrJoin(names, " or ")};
    }
    d.set_preset(preset);
  }
  if (const std::string reference = args.Flag("pira-reference");
      !reference.empty()) {
    std::optional<PiraReference> parsed = ParsePiraReference(reference);
    if (!parsed) {
      throw UsageError{"--pira-reference must be baseline, last or last-delta"};
    }
    d.set_pira_reference(ToProto(*parsed));
  }
  if (const std::string windows = args.Flag("pira-windows"); !windows.empty()) {
    const std::vector<std::string> parts = absl::StrSplit(windows, ',');
    const char* kUsage =
        "--pira-windows must be P0,P1,E0,E1,C0,C1: whole numbers of days, "
        "'-' for an open P1, E0, E1 or C0 (e.g. 0,-,-,0,0,0)";
    if (parts.size() != 6) throw UsageError{kUsage};
    using Set = void (v1::OutcomeDefinition::*)(int32_t);
    const std::array<Set, 6> setters = {
        &v1::OutcomeDefinition::set_pira_reference_before_days,
        &v1::OutcomeDefinition::set_pira_reference_after_days,
        &v1::OutcomeDefinition::set_pira_event_before_days,
        &v1::OutcomeDefinition::set_pira_event_after_days,
        &v1::OutcomeDefinition::set_pira_confirmation_before_days,
        &v1::OutcomeDefinition::set_pira_confirmation_after_days};
    const std::array<v1::PiraBound, 6> open = {
        v1::PIRA_BOUND_UNSPECIFIED,         v1::PIRA_BOUND_REFERENCE_AFTER,
        v1::PIRA_BOUND_EVENT_BEFORE,        v1::PIRA_BOUND_EVENT_AFTER,
        v1::PIRA_BOUND_CONFIRMATION_BEFORE, v1::PIRA_BOUND_UNSPECIFIED};
    for (size_t i = 0; i < parts.size(); ++i) {
      int days;
      if (parts[i] == "-" && open[i] != v1::PIRA_BOUND_UNSPECIFIED) {
        d.add_pira_open_bounds(open[i]);
      } else if (absl::SimpleAtoi(parts[i], &days)) {
        (d.*setters[i])(days);
      } else {
        throw UsageError{kUsage};
      }
    }
  }
  if (const std::string rebaseline = args.Flag("relapse-rebaseline");
      !rebaseline.empty()) {
    if (rebaseline != "yes" && rebaseline != "no") {
      throw UsageError{"--relapse-rebaseline must be yes or no"};
    }
    d.set_relapse_rebaseline(rebaseline == "yes");
  }
  if (const std::string days = args.Flag("require-sustained-days");
      !days.empty()) {
    d.set_require_sustained_days(
        days == "inf" ? std::numeric_limits<double>::infinity()
                      : NumberFlag("require-sustained-days", days));
  }
  if (!args.Flag("relapse-to-baseline-days").empty()) {
    d.set_relapse_to_baseline_days(IntFlag(args, "relapse-to-baseline-days"));
  }
  if (!args.Flag("relapse-to-event-days").empty()) {
    d.set_relapse_to_event_days(IntFlag(args, "relapse-to-event-days"));
  }
  if (!args.Flag("relapse-to-confirmation-days").empty()) {
    d.set_relapse_to_confirmation_days(
        IntFlag(args, "relapse-to-confirmation-days"));
  }
  if (!args.Flag("relapse-assoc-days").empty()) {
    d.set_relapse_assoc_days(IntFlag(args, "relapse-assoc-days"));
  }
  if (!args.Flag("edss-plus1-max").empty()) {
    d.set_edss_plus1_max(
        NumberFlag("edss-plus1-max", args.Flag("edss-plus1-max")));
  }
  if (!args.Flag("mri-rebaseline-days").empty()) {
    d.set_mri_rebaseline_days(IntFlag(args, "mri-rebaseline-days"));
  }
  if (!args.Flag("tfr-ending-classes").empty()) {
    for (absl::string_view part :
         absl::StrSplit(args.Flag("tfr-ending-classes"), ',')) {
      std::optional<TreatmentClass> c =
          ParseTreatmentClass(std::string_view(part.data(), part.size()));
      if (!c) {
        throw UsageError{
            "--tfr-ending-classes must be treatment classes, e.g. "
            "dmt,immunosuppressant,biologic,corticosteroid"};
      }
      d.add_tfr_ending_classes(ToProto(*c));
    }
  }
  if (!args.Flag("infection-min-grade").empty()) {
    d.set_infection_min_grade(IntFlag(args, "infection-min-grade"));
  }
  if (!args.Flag("agvhd-by-days").empty()) {
    d.set_agvhd_by_days(IntFlag(args, "agvhd-by-days"));
  }
  if (!args.Flag("graft-failure-day").empty()) {
    d.set_graft_failure_day(IntFlag(args, "graft-failure-day"));
  }
  if (!args.Flag("rcriss-percent").empty()) {
    d.set_rcriss_percent(IntFlag(args, "rcriss-percent", "percent"));
  }
  if (!args.Flag("ssc-baseline-days").empty()) {
    d.set_ssc_baseline_days(IntFlag(args, "ssc-baseline-days"));
  }
  if (const std::string change = args.Flag("fvc-change"); !change.empty()) {
    if (change != "relative" && change != "absolute") {
      throw UsageError{"--fvc-change must be relative or absolute"};
    }
    d.set_fvc_change_absolute(change == "absolute");
  }
  if (std::string limit = args.Flag("doris-prednisolone"); !limit.empty()) {
    // "<=5" (the default), "<5", or a bare dose meaning "<=".
    bool strict = false;
    if (limit.starts_with("<=")) {
      limit = limit.substr(2);
    } else if (limit.starts_with("<")) {
      strict = true;
      limit = limit.substr(1);
    }
    d.set_doris_prednisolone_mg(NumberFlag("doris-prednisolone", limit));
    d.set_doris_prednisolone_strict(strict);
  }
  if (!args.Flag("sle-flare-points").empty()) {
    d.set_sle_flare_points(IntFlag(args, "sle-flare-points", "points"));
  }
  return d;
}

std::optional<v1::Date> AsOfDateFlag(const Args& args) {
  if (args.Flag("as-of").empty()) return std::nullopt;
  std::optional<Date> date = ParseIsoDate(args.Flag("as-of"));
  if (!date) throw UsageError{"--as-of must be a date, YYYY-MM-DD"};
  return ToProtoDate(*date);
}

v1::Stratification ByFlag(const Args& args) {
  const std::string by = args.Flag("by");
  if (by.empty()) return v1::STRATIFICATION_UNSPECIFIED;
  std::optional<Stratification> parsed = ParseStratification(by);
  if (!parsed || *parsed == Stratification::kNone) {
    throw UsageError{"--by must be disease, center, regimen or era"};
  }
  return ToProto(*parsed);
}

v1::Endpoint EndpointFlag(const Args& args) {
  std::optional<Endpoint> endpoint = ParseEndpoint(args.Flag("endpoint"));
  if (!endpoint) {
    throw UsageError{"--endpoint must be one of " + EndpointNameList()};
  }
  return ToProto(*endpoint);
}

}  // namespace registry
