#include "api/report_convert.h"

namespace registry {
namespace {

v1::EdssYear YearToProto(const EdssYearStats& e) {
  v1::EdssYear y;
  y.set_year(e.year);
  y.set_n(e.n);
  y.set_mean(e.mean);
  y.set_sd(e.sd);
  y.set_median(e.median);
  y.set_q1(e.q1);
  y.set_q3(e.q3);
  return y;
}

void AddCounts(const std::vector<CountRow>& rows,
               google::protobuf::RepeatedPtrField<v1::Count>* out) {
  for (const CountRow& row : rows) {
    v1::Count* count = out->Add();
    count->set_group(row.group);
    count->set_count(row.count);
  }
}

void AddMilestones(const std::vector<MilestoneRow>& rows,
                   google::protobuf::RepeatedPtrField<v1::Milestone>* out) {
  for (const MilestoneRow& row : rows) {
    v1::Milestone* m = out->Add();
    m->set_group(row.group);
    m->set_years(row.years);
    m->set_n_risk(row.n_risk);
    if (row.estimate) m->set_estimate(*row.estimate);
    if (row.lower) m->set_lower(*row.lower);
    if (row.upper) m->set_upper(*row.upper);
  }
}

void AddCurves(const std::vector<NamedCurve>& curves,
               google::protobuf::RepeatedPtrField<v1::KaplanMeierCurve>* out) {
  for (const NamedCurve& c : curves) {
    v1::KaplanMeierCurve* curve = out->Add();
    *curve = CurveToProto(c.group, c.curve, {});
    if (curve->events() < c.min_cell) {
      curve->set_events(0);
      curve->set_events_withheld(true);
    }
    for (v1::KaplanMeierRow& row : *curve->mutable_rows()) {
      if (row.n_risk() >= c.min_cell) continue;
      row.set_n_risk(0);
      row.set_n_event(0);
      row.set_n_censor(0);
      row.set_counts_withheld(true);
    }
  }
}

}  // namespace

v1::KaplanMeierRow ToProto(const KaplanMeierRow& row) {
  v1::KaplanMeierRow out;
  out.set_time_days(row.time);
  out.set_n_risk(row.n_risk);
  out.set_n_event(row.n_event);
  out.set_n_censor(row.n_censor);
  out.set_surv(row.surv);
  if (row.std_err) out.set_std_err(*row.std_err);
  if (row.lower) out.set_lower(*row.lower);
  if (row.upper) out.set_upper(*row.upper);
  return out;
}

v1::KaplanMeierCurve CurveToProto(const std::string& stratum,
                                  const KaplanMeierCurve& curve,
                                  const std::vector<double>& times) {
  v1::KaplanMeierCurve out;
  out.set_stratum(stratum);
  out.set_n(curve.n);
  out.set_events(curve.events);
  for (const KaplanMeierRow& row : curve.rows) *out.add_rows() = ToProto(row);
  for (const KaplanMeierRow& row : SummaryAtTimes(curve, times)) {
    *out.add_at_times() = ToProto(row);
  }
  if (curve.median) out.set_median_days(*curve.median);
  if (curve.median_lower) out.set_median_lower_days(*curve.median_lower);
  if (curve.median_upper) out.set_median_upper_days(*curve.median_upper);
  return out;
}

namespace {

void AddIncidences(const std::vector<IncidenceAt>& rows,
                   google::protobuf::RepeatedPtrField<v1::IncidenceAt>* out) {
  for (const IncidenceAt& row : rows) {
    v1::IncidenceAt* r = out->Add();
    r->set_endpoint(row.endpoint);
    r->set_days(row.days);
    r->set_n_risk(row.n_risk);
    if (row.incidence) r->set_incidence(*row.incidence);
  }
}

void AddSections(const CohortSummary& s, v1::CohortSummaryResponse* out) {
  for (const SafetySection& safety : s.safety) {
    v1::SafetySection* p = out->add_safety();
    p->set_transplant_type(safety.transplant_type);
    p->set_patients(safety.patients);
    p->set_engraftment_reported(safety.engraftment_reported);
    p->set_neutrophil_recovered(safety.neutrophil_recovered);
    p->set_platelet_recovered(safety.platelet_recovered);
#define REGISTRY_SET(field) \
  if (safety.field) p->set_##field(*safety.field)
    REGISTRY_SET(neutrophil_median_days);
    REGISTRY_SET(neutrophil_min_days);
    REGISTRY_SET(neutrophil_max_days);
    REGISTRY_SET(platelet_median_days);
    REGISTRY_SET(platelet_min_days);
    REGISTRY_SET(platelet_max_days);
#undef REGISTRY_SET
    p->set_graft_failure_evaluable(safety.graft_failure_evaluable);
    p->set_graft_failures(safety.graft_failures);
    AddIncidences(safety.incidences, p->mutable_incidences());
  }
  for (const DiseaseSection& disease : s.diseases) {
    v1::DiseaseSection* p = out->add_diseases();
    p->set_disease(disease.disease);
    p->set_patients(disease.patients);
    for (const MeasureYear& m : disease.by_year) {
      v1::MeasureYear* y = p->add_by_year();
      y->set_measure(m.measure);
      *y->mutable_stats() = YearToProto(m.stats);
    }
    for (const SurvivalAt& row : disease.survival) {
      v1::SurvivalAt* r = p->add_survival();
      r->set_endpoint(row.endpoint);
      r->set_years(row.years);
      r->set_n_risk(row.n_risk);
      if (row.estimate) r->set_estimate(*row.estimate);
      if (row.lower) r->set_lower(*row.lower);
      if (row.upper) r->set_upper(*row.upper);
    }
    AddIncidences(disease.incidences, p->mutable_incidences());
  }
}

}  // namespace

void ToProto(const CohortSummary& s, v1::CohortSummaryResponse* out) {
  out->set_patients(s.patients);
  out->set_transplanted(s.transplanted);
  out->set_neda3_evaluable(s.neda3_evaluable);
  AddCounts(s.by_disease, out->mutable_by_disease());
  AddCounts(s.by_center, out->mutable_by_center());
  AddCounts(s.by_regimen, out->mutable_by_regimen());
  AddCounts(s.treatments_by_drug, out->mutable_treatments_by_drug());
  const Quantile& f = s.median_follow_up;
  if (f.value) out->set_median_follow_up_days(*f.value);
  if (f.lower) out->set_median_follow_up_lower_days(*f.lower);
  if (f.upper) out->set_median_follow_up_upper_days(*f.upper);
  AddMilestones(s.neda3, out->mutable_neda3());
  AddMilestones(s.pfs, out->mutable_pfs());
  AddCurves(s.neda3_curves, out->mutable_neda3_curves());
  AddCurves(s.pfs_curves, out->mutable_pfs_curves());
  if (s.trm_day100) out->set_trm_day100(*s.trm_day100);
  if (s.trm_year1) out->set_trm_year1(*s.trm_year1);
  out->set_relapses_pre(s.relapses_pre);
  out->set_patient_years_pre(s.patient_years_pre);
  out->set_relapses_post(s.relapses_post);
  out->set_patient_years_post(s.patient_years_post);
  for (const EdssYearStats& e : s.edss_by_year) {
    *out->add_edss_by_year() = YearToProto(e);
  }
  out->set_cdi_patients(s.cdi_patients);
  out->set_cdi_assessable(s.cdi_assessable);
  out->set_treatment_restarted(s.treatment_restarted);
  AddSections(s, out);
}

}  // namespace registry
