#include "core/endpoints.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 7> kEndpointNames = {
    "neda3", "neda4", "relapse", "cdw", "pfs", "mri", "os"};
constexpr std::array<std::string_view, 5> kStratificationNames = {
    "none", "disease", "center", "regimen", "era"};

std::optional<EndpointObservation> Observation(Date day0, Date date, bool event,
                                               bool died) {
  const int days = static_cast<int>(date - day0);
  if (days < 0) return std::nullopt;
  return EndpointObservation{static_cast<double>(days), event, died};
}

// Event at `event` when there is one, else censored at `censor` (death
// when recorded, otherwise the last assessment).
std::optional<EndpointObservation> EventOrCensor(
    Date day0, std::optional<Date> event, std::optional<Date> death,
    std::optional<Date> last_assessment) {
  if (event) return Observation(day0, *event, true, false);
  if (death) return Observation(day0, *death, false, true);
  if (last_assessment) return Observation(day0, *last_assessment, false, false);
  return std::nullopt;
}

}  // namespace

std::string_view EndpointName(Endpoint endpoint) {
  return kEndpointNames[static_cast<size_t>(endpoint)];
}

std::optional<Endpoint> ParseEndpoint(std::string_view name) {
  for (size_t i = 0; i < kEndpointNames.size(); ++i) {
    if (kEndpointNames[i] == name) return static_cast<Endpoint>(i);
  }
  return std::nullopt;
}

std::string_view StratificationName(Stratification by) {
  return kStratificationNames[static_cast<size_t>(by)];
}

std::optional<Stratification> ParseStratification(std::string_view name) {
  for (size_t i = 0; i < kStratificationNames.size(); ++i) {
    if (kStratificationNames[i] == name) return static_cast<Stratification>(i);
  }
  return std::nullopt;
}

std::optional<EndpointObservation> ObserveEndpoint(
    Endpoint endpoint, const PatientClinicalData& data,
    const PatientOutcome& o) {
  if (!o.day0) return std::nullopt;
  const Date day0 = *o.day0;
  const std::optional<Date> death = data.death_date;
  const bool ms = !data.disease || IsMultipleSclerosis(*data.disease);
  if (!ms && (endpoint == Endpoint::kNeda3 || endpoint == Endpoint::kNeda4 ||
              endpoint == Endpoint::kCdw || endpoint == Endpoint::kMri)) {
    return std::nullopt;  // MS measures
  }
  if (!ms && endpoint == Endpoint::kPfs) {
    // Until each disease has its own progression rule: the centre's
    // assessment of relapse or progression after day 0, or death; else
    // censored at the last contact.
    std::optional<Date> progression;
    for (const DiseaseStatusRecord& s : data.disease_statuses) {
      if (s.status_date > day0 && (s.status == DiseaseState::kRelapse ||
                                   s.status == DiseaseState::kProgression)) {
        if (!progression || s.status_date < *progression) {
          progression = s.status_date;
        }
      }
    }
    if (progression && (!death || *progression <= *death)) {
      return Observation(day0, *progression, true, false);
    }
    if (death) return Observation(day0, *death, true, false);
    if (o.end_of_follow_up) {
      return Observation(day0, *o.end_of_follow_up, false, false);
    }
    return std::nullopt;
  }
  switch (endpoint) {
    case Endpoint::kNeda3:
      if (!o.neda3_evaluable) return std::nullopt;
      return EndpointObservation{static_cast<double>(*o.remission_days),
                                 !*o.censored,
                                 *o.censored && death.has_value()};
    case Endpoint::kNeda4:
      if (!o.neda3_evaluable || !o.neda4.has_value()) return std::nullopt;
      if (o.eda_date || *o.neda4) {
        return EndpointObservation{static_cast<double>(*o.remission_days),
                                   !*o.censored,
                                   *o.censored && death.has_value()};
      }
      // Lost by brain-volume loss alone: known at the last scan.
      return Observation(day0, *o.last_mri_date, true, false);
    case Endpoint::kRelapse:
      return EventOrCensor(day0, o.first_relapse_post, death, o.last_edss_date);
    case Endpoint::kCdw:
      return EventOrCensor(day0, o.first_cdw_onset, death, o.last_edss_date);
    case Endpoint::kPfs:
      if (o.first_cdw_onset && (!death || *o.first_cdw_onset <= *death)) {
        return Observation(day0, *o.first_cdw_onset, true, false);
      }
      if (death) return Observation(day0, *death, true, false);
      if (o.last_edss_date) {
        return Observation(day0, *o.last_edss_date, false, false);
      }
      return std::nullopt;
    case Endpoint::kMri:
      if (!o.rebaseline_scan) return std::nullopt;
      return EventOrCensor(day0, o.first_active_scan, death, o.last_mri_date);
    case Endpoint::kOs:
      if (death) return Observation(day0, *death, true, false);
      if (o.end_of_follow_up) {
        return Observation(day0, *o.end_of_follow_up, false, false);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::string StratumOf(Stratification by, const PatientClinicalData& data,
                      std::string_view center) {
  switch (by) {
    case Stratification::kNone:
      return "";
    case Stratification::kDisease:
      return data.disease ? std::string(DiseaseCode(*data.disease)) : "unknown";
    case Stratification::kCenter:
      return std::string(center);
    case Stratification::kRegimen:
      return data.first_regimen.empty() ? "unknown" : data.first_regimen;
    case Stratification::kEra: {
      if (data.transplant_dates.empty()) return "unknown";
      const int year = static_cast<int>(data.transplant_dates.front().year());
      const int start = year - ((year % 5) + 5) % 5;
      return absl::StrCat(start, "-", start + 4);
    }
  }
  return "";
}

}  // namespace registry
