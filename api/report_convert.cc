#include "api/report_convert.h"

namespace registry {
namespace {

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
    *out->Add() = CurveToProto(c.group, c.curve, {});
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
    v1::EdssYear* y = out->add_edss_by_year();
    y->set_year(e.year);
    y->set_n(e.n);
    y->set_mean(e.mean);
    y->set_sd(e.sd);
    y->set_median(e.median);
    y->set_q1(e.q1);
    y->set_q3(e.q3);
  }
  out->set_cdi_patients(s.cdi_patients);
  out->set_cdi_assessable(s.cdi_assessable);
  out->set_treatment_restarted(s.treatment_restarted);
}

}  // namespace registry
