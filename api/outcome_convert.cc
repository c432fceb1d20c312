#include "api/outcome_convert.h"

#include "api/convert.h"
#include "core/violations.h"

namespace registry {

absl::StatusOr<OutcomeDefinition> FromProto(const v1::OutcomeDefinition& p) {
  OutcomeDefinition d;
  std::vector<FieldViolation> violations;
  // A preset is expanded first; the fields set beside it change it.
  std::optional<OutcomeDefinition> preset;
  if (!p.preset().empty()) {
    // An applied definition's " (modified)" reads back as its preset: the
    // fields set beside it give the same definition again.
    std::string name = p.preset();
    if (name.ends_with(" (modified)")) name.resize(name.size() - 11);
    preset = PresetDefinition(name);
    if (preset) {
      d = *preset;
    } else {
      violations.push_back(
          {"definition.preset", "unknown preset '" + p.preset() + "'"});
    }
  }
  // Unset fields take the reference defaults (first CDW, fixed baseline).
  if (p.event() != v1::EVENT_SELECTION_UNSPECIFIED) {
    if (std::optional<EventSelection> event = FromProto(p.event())) {
      d.event = *event;
    } else {
      violations.push_back({"definition.event", "unknown event selection"});
    }
  }
  if (p.baseline() != v1::BASELINE_SCHEME_UNSPECIFIED) {
    if (std::optional<BaselineScheme> baseline = FromProto(p.baseline())) {
      d.baseline = *baseline;
    } else {
      violations.push_back({"definition.baseline", "unknown baseline scheme"});
    }
  }
  if (p.confirmation_days_size() > 0) {
    d.confirmation_days.assign(p.confirmation_days().begin(),
                               p.confirmation_days().end());
  }
#define REGISTRY_TAKE(field) \
  if (p.has_##field()) d.field = p.field()
  REGISTRY_TAKE(confirmation_tolerance_before_days);
  REGISTRY_TAKE(confirmation_tolerance_after_days);
  REGISTRY_TAKE(relapse_to_baseline_days);
  REGISTRY_TAKE(relapse_to_event_days);
  REGISTRY_TAKE(relapse_to_confirmation_days);
  REGISTRY_TAKE(relapse_assoc_days);
  REGISTRY_TAKE(pira_reference_before_days);
  REGISTRY_TAKE(pira_reference_after_days);
  REGISTRY_TAKE(pira_event_before_days);
  REGISTRY_TAKE(pira_event_after_days);
  REGISTRY_TAKE(pira_confirmation_before_days);
  REGISTRY_TAKE(pira_confirmation_after_days);
  REGISTRY_TAKE(relapse_rebaseline);
  REGISTRY_TAKE(require_sustained_days);
  REGISTRY_TAKE(edss_plus1_max);
  REGISTRY_TAKE(relapse_merge_days);
  REGISTRY_TAKE(arr_pre_window_days);
  REGISTRY_TAKE(mri_rebaseline_days);
  REGISTRY_TAKE(neda4_max_brain_volume_loss_pct_per_year);
  REGISTRY_TAKE(infection_min_grade);
  REGISTRY_TAKE(agvhd_by_days);
  REGISTRY_TAKE(graft_failure_day);
  REGISTRY_TAKE(ssc_baseline_days);
  REGISTRY_TAKE(fvc_change_absolute);
  REGISTRY_TAKE(doris_prednisolone_mg);
  REGISTRY_TAKE(doris_prednisolone_strict);
  REGISTRY_TAKE(sle_flare_points);
  REGISTRY_TAKE(rcriss_percent);
#undef REGISTRY_TAKE
  if (p.pira_reference() != v1::PIRA_REFERENCE_UNSPECIFIED) {
    if (std::optional<PiraReference> reference =
            FromProto(p.pira_reference())) {
      d.pira_reference = *reference;
    } else {
      violations.push_back(
          {"definition.pira_reference", "unknown PIRA reference visit"});
    }
  }
  for (int bound : p.pira_open_bounds()) {
    switch (static_cast<v1::PiraBound>(bound)) {
      case v1::PIRA_BOUND_REFERENCE_AFTER:
        d.pira_reference_after_days.reset();
        break;
      case v1::PIRA_BOUND_EVENT_BEFORE:
        d.pira_event_before_days.reset();
        break;
      case v1::PIRA_BOUND_EVENT_AFTER:
        d.pira_event_after_days.reset();
        break;
      case v1::PIRA_BOUND_CONFIRMATION_BEFORE:
        d.pira_confirmation_before_days.reset();
        break;
      default:
        violations.push_back({"definition.pira_open_bounds",
                              "only the reference's after, the event's "
                              "before and after, and the confirmation's "
                              "before can be open"});
    }
  }
  if (p.tfr_ending_classes_size() > 0) {
    d.tfr_ending_classes.clear();
    for (int value : p.tfr_ending_classes()) {
      std::optional<TreatmentClass> c =
          FromProto(static_cast<v1::TreatmentClass>(value));
      if (!c) {
        violations.push_back(
            {"definition.tfr_ending_classes", "unknown treatment class"});
        break;
      }
      d.tfr_ending_classes.push_back(*c);
    }
  }
  if (preset && DefinitionText(d) != DefinitionText(*preset)) {
    d.preset += " (modified)";
  }
  for (const std::string& problem : ValidateDefinition(d)) {
    const size_t colon = problem.find(':');
    violations.push_back(
        {"definition." + problem.substr(0, colon), problem.substr(colon + 2)});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid outcome definition", violations);
  }
  return d;
}

v1::AppliedDefinition ToAppliedDefinition(const OutcomeDefinition& d) {
  v1::AppliedDefinition applied;
  v1::OutcomeDefinition* p = applied.mutable_definition();
  p->set_event(ToProto(d.event));
  p->set_baseline(ToProto(d.baseline));
  for (int days : d.confirmation_days) p->add_confirmation_days(days);
  p->set_confirmation_tolerance_before_days(
      d.confirmation_tolerance_before_days);
  p->set_confirmation_tolerance_after_days(d.confirmation_tolerance_after_days);
  p->set_relapse_to_baseline_days(d.relapse_to_baseline_days);
  p->set_relapse_to_event_days(d.relapse_to_event_days);
  p->set_relapse_to_confirmation_days(d.relapse_to_confirmation_days);
  p->set_relapse_assoc_days(d.relapse_assoc_days);
  p->set_pira_reference(ToProto(d.pira_reference));
  p->set_pira_reference_before_days(d.pira_reference_before_days);
  // An open bound is listed and left unset.
  auto bound = [&](std::optional<int> days, v1::PiraBound which,
                   void (v1::OutcomeDefinition::*set)(int32_t)) {
    if (days) {
      (p->*set)(*days);
    } else {
      p->add_pira_open_bounds(which);
    }
  };
  bound(d.pira_reference_after_days, v1::PIRA_BOUND_REFERENCE_AFTER,
        &v1::OutcomeDefinition::set_pira_reference_after_days);
  bound(d.pira_event_before_days, v1::PIRA_BOUND_EVENT_BEFORE,
        &v1::OutcomeDefinition::set_pira_event_before_days);
  bound(d.pira_event_after_days, v1::PIRA_BOUND_EVENT_AFTER,
        &v1::OutcomeDefinition::set_pira_event_after_days);
  bound(d.pira_confirmation_before_days, v1::PIRA_BOUND_CONFIRMATION_BEFORE,
        &v1::OutcomeDefinition::set_pira_confirmation_before_days);
  p->set_pira_confirmation_after_days(d.pira_confirmation_after_days);
  p->set_relapse_rebaseline(d.relapse_rebaseline);
  p->set_require_sustained_days(d.require_sustained_days);
  p->set_preset(d.preset);
  p->set_edss_plus1_max(d.edss_plus1_max);
  p->set_relapse_merge_days(d.relapse_merge_days);
  p->set_arr_pre_window_days(d.arr_pre_window_days);
  p->set_mri_rebaseline_days(d.mri_rebaseline_days);
  p->set_neda4_max_brain_volume_loss_pct_per_year(
      d.neda4_max_brain_volume_loss_pct_per_year);
  for (TreatmentClass c : d.tfr_ending_classes) {
    p->add_tfr_ending_classes(ToProto(c));
  }
  p->set_infection_min_grade(d.infection_min_grade);
  p->set_agvhd_by_days(d.agvhd_by_days);
  p->set_graft_failure_day(d.graft_failure_day);
  p->set_ssc_baseline_days(d.ssc_baseline_days);
  p->set_fvc_change_absolute(d.fvc_change_absolute);
  p->set_doris_prednisolone_mg(d.doris_prednisolone_mg);
  p->set_doris_prednisolone_strict(d.doris_prednisolone_strict);
  p->set_sle_flare_points(d.sle_flare_points);
  p->set_rcriss_percent(d.rcriss_percent);
  applied.set_text(DefinitionText(d));
  applied.set_rules_version(std::string(kOutcomeRulesVersion));
  return applied;
}

v1::AppliedDefinition ToAppliedDefinition(const OutcomeDefinition& d,
                                          absl::Time data_as_of) {
  v1::AppliedDefinition applied = ToAppliedDefinition(d);
  *applied.mutable_data_as_of_recorded() = ToProto(data_as_of);
  return applied;
}

v1::DisabilityEvent ToProto(const DisabilityEvent& e,
                            std::optional<Date> day0) {
  v1::DisabilityEvent p;
  p.set_type(ToProto(e.type));
  p.set_cdw_type(ToProto(e.cdw_type));
  *p.mutable_onset_date() = ToProtoDate(e.onset_date);
  p.set_onset_edss(e.onset_edss);
  *p.mutable_baseline_date() = ToProtoDate(e.baseline_date);
  p.set_baseline_edss(e.baseline_edss);
  *p.mutable_confirmation_date() = ToProtoDate(e.confirmation_date);
  p.set_confirmation_edss(e.confirmation_edss);
  if (day0) p.set_days_from_day0(static_cast<int32_t>(e.onset_date - *day0));
  return p;
}

v1::PatientOutcome ToProto(const PatientOutcome& o,
                           const v1::PatientIdentity& identity) {
  v1::PatientOutcome p;
  *p.mutable_patient() = identity;
  p.set_neda3_evaluable(o.neda3_evaluable);
  p.set_not_evaluable_reason(o.not_evaluable_reason);
  auto set_date = [](const std::optional<Date>& date, v1::Date* out) {
    if (date) *out = ToProtoDate(*date);
  };
  set_date(o.eda_date, p.mutable_eda_date());
  for (EdaKind kind : o.eda_kinds) {
    p.add_eda_kinds(ToProto(kind));
  }
  if (o.remission_days) p.set_remission_days(*o.remission_days);
  if (o.censored) p.set_censored(*o.censored);
  set_date(o.censoring_date, p.mutable_censoring_date());
  set_date(o.last_edss_date, p.mutable_last_edss_date());
  set_date(o.last_mri_date, p.mutable_last_mri_date());
  p.set_relapses_pre(o.relapses_pre);
  p.set_relapses_post(o.relapses_post);
  if (o.arr_pre) p.set_arr_pre(*o.arr_pre);
  if (o.arr_post) p.set_arr_post(*o.arr_post);
  p.set_cdw_count(o.cdw_count);
  if (o.neda4) p.set_neda4(*o.neda4);
  if (o.brain_volume_loss_pct_per_year) {
    p.set_brain_volume_loss_pct_per_year(*o.brain_volume_loss_pct_per_year);
  }
  for (const DisabilityEvent& e : o.disability_events) {
    *p.add_disability_events() = ToProto(e, o.day0);
  }
  for (const std::string& w : o.warnings) p.add_warnings(w);
  return p;
}

v1::TransplantCourse ToProto(const TransplantCourse& c) {
  v1::TransplantCourse p;
  if (c.transplant_type) p.set_transplant_type(ToProto(*c.transplant_type));
  if (c.death_cause) p.set_death_cause(ToProto(*c.death_cause));
    // Only dates that are there: an empty Date message would read as set.
#define REGISTRY_DATE(from, field) \
  if (c.from) *p.mutable_##field() = ToProtoDate(*c.from)
  REGISTRY_DATE(relapse_or_progression, relapse_or_progression);
  REGISTRY_DATE(tfr_end, tfr_end);
  p.set_tfr_end_reason(c.tfr_end_reason);
  if (c.neutrophil_day) p.set_neutrophil_day(*c.neutrophil_day);
  if (c.platelet_day) p.set_platelet_day(*c.platelet_day);
  if (c.primary_graft_failure) {
    p.set_primary_graft_failure(*c.primary_graft_failure);
  }
  REGISTRY_DATE(first_severe_infection, first_severe_infection);
  REGISTRY_DATE(secondary_autoimmunity, secondary_autoimmunity);
  REGISTRY_DATE(malignancy, malignancy);
  REGISTRY_DATE(acute_gvhd, acute_gvhd);
  REGISTRY_DATE(chronic_gvhd, chronic_gvhd);
  REGISTRY_DATE(ssc_progression, ssc_progression);
  REGISTRY_DATE(skin_progression, skin_progression);
  REGISTRY_DATE(lung_progression, lung_progression);
  REGISTRY_DATE(persistent_organ_failure, persistent_organ_failure);
  REGISTRY_DATE(first_doris, first_doris);
  REGISTRY_DATE(first_lldas, first_lldas);
  REGISTRY_DATE(first_flare, first_flare);
  if (c.lldas_time_fraction) {
    p.set_lldas_time_fraction(*c.lldas_time_fraction);
  }
  if (c.ssc_response_12m) p.set_ssc_response_12m(*c.ssc_response_12m);
  if (c.acr_criss_12m) p.set_acr_criss_12m(*c.acr_criss_12m);
  if (c.rcriss_12m) p.set_rcriss_improved_12m(*c.rcriss_12m);
  p.set_aqp4_positive_before(c.aqp4_positive_before);
  REGISTRY_DATE(aqp4_seroreversion, aqp4_seroreversion);
  REGISTRY_DATE(aqp4_reconversion, aqp4_reconversion);
#undef REGISTRY_DATE
  return p;
}

}  // namespace registry
