#include "core/outcomes.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;

template <typename T, typename Key>
std::optional<Date> LatestOf(const std::vector<T>& items, Key key) {
  std::optional<Date> latest;
  for (const T& item : items) {
    const Date date = key(item);
    if (!latest || date > *latest) latest = date;
  }
  return latest;
}

std::optional<Date> Later(std::optional<Date> a, std::optional<Date> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

std::optional<Date> Earlier(std::optional<Date> a, std::optional<Date> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// Visits by date, one per day (the last given for a day).
std::vector<EdssVisit> OnePerDay(std::vector<EdssVisit> visits) {
  std::stable_sort(
      visits.begin(), visits.end(),
      [](const EdssVisit& a, const EdssVisit& b) { return a.date < b.date; });
  std::vector<EdssVisit> result;
  for (size_t i = 0; i < visits.size(); ++i) {
    if (i + 1 < visits.size() && visits[i + 1].date == visits[i].date) continue;
    result.push_back(visits[i]);
  }
  return result;
}

bool IsActive(const MriScanData& scan, bool rebaseline) {
  if (rebaseline) return scan.gd_enhancing > 0;
  return scan.new_t2 > 0 || scan.enlarging_t2 > 0 || scan.gd_enhancing > 0;
}

std::string EdssText(double edss) { return absl::StrFormat("%.1f", edss); }

std::string DayText(int days) {
  return absl::StrFormat("day %d, %.1f years", days, days / kDaysPerYear);
}

std::string KindsText(const std::vector<EdaKind>& kinds) {
  std::vector<std::string> names;
  for (EdaKind kind : kinds) {
    names.push_back(kind == EdaKind::kRelapse ? "relapse"
                    : kind == EdaKind::kMri   ? "MRI activity"
                                            : "confirmed disability worsening");
  }
  return absl::StrJoin(names, " and ");
}

}  // namespace

PatientClinicalData ClinicalDataFromRecords(
    const std::vector<Record>& records) {
  PatientClinicalData data;
  for (const Record& record : records) {
    if (auto* p = std::get_if<PatientRecord>(&record)) {
      data.disease = p->disease;
      data.diagnosis_date = p->diagnosis_date;
    } else if (auto* t = std::get_if<TransplantRecord>(&record)) {
      data.transplant_dates.push_back(t->transplant_date);
      if (data.transplant_dates.size() == 1 ||
          t->transplant_date <
              *std::min_element(data.transplant_dates.begin(),
                                data.transplant_dates.end() - 1)) {
        data.first_regimen = t->regimen;
        data.first_type = t->type;
      }
    } else if (auto* v = std::get_if<VisitRecord>(&record)) {
      data.visits.push_back({v->visit_date, v->edss});
    } else if (auto* r = std::get_if<RelapseRecord>(&record)) {
      data.relapses.push_back(r->onset_date);
    } else if (auto* m = std::get_if<MriRecord>(&record)) {
      data.scans.push_back({m->scan_date, m->new_t2, m->enlarging_t2,
                            m->gd_enhancing, m->brain_volume_change_pct});
    } else if (auto* tr = std::get_if<TreatmentRecord>(&record)) {
      data.treatments.push_back({tr->drug, tr->start_date, tr->end_date,
                                 tr->treatment_class, tr->protocol});
    } else if (auto* d = std::get_if<DeathRecord>(&record)) {
      data.death_date = d->death_date;
      data.death_cause = d->cause_code;
    } else if (auto* a = std::get_if<AdverseEventRecord>(&record)) {
      data.adverse_events.push_back(*a);
    } else if (auto* e = std::get_if<EngraftmentRecord>(&record)) {
      data.engraftments.push_back(*e);
    } else if (auto* s = std::get_if<DiseaseStatusRecord>(&record)) {
      data.disease_statuses.push_back(*s);
    } else if (auto* sa = std::get_if<SscAssessmentRecord>(&record)) {
      data.ssc_assessments.push_back(*sa);
    } else if (auto* f = std::get_if<OrganFailureRecord>(&record)) {
      data.organ_failures.push_back(*f);
    } else if (auto* la = std::get_if<SleAssessmentRecord>(&record)) {
      data.sle_assessments.push_back(*la);
    } else if (auto* l = std::get_if<LabResultRecord>(&record)) {
      data.lab_results.push_back(*l);
    }
  }
  auto by_date = [](auto& records, auto date) {
    std::sort(records.begin(), records.end(),
              [&](const auto& a, const auto& b) { return date(a) < date(b); });
  };
  by_date(data.ssc_assessments,
          [](const SscAssessmentRecord& a) { return a.assessment_date; });
  by_date(data.organ_failures,
          [](const OrganFailureRecord& f) { return f.event_date; });
  by_date(data.sle_assessments,
          [](const SleAssessmentRecord& a) { return a.assessment_date; });
  by_date(data.lab_results,
          [](const LabResultRecord& l) { return l.sample_date; });
  std::sort(data.transplant_dates.begin(), data.transplant_dates.end());
  std::sort(data.relapses.begin(), data.relapses.end());
  std::sort(data.scans.begin(), data.scans.end(),
            [](const MriScanData& a, const MriScanData& b) {
              return a.date < b.date;
            });
  return data;
}

PatientClinicalData DataAsOf(const PatientClinicalData& data, Date as_of) {
  PatientClinicalData out = data;
  if (out.diagnosis_date && *out.diagnosis_date > as_of) {
    out.diagnosis_date.reset();
  }
  std::erase_if(out.transplant_dates, [&](Date d) { return d > as_of; });
  std::erase_if(out.visits, [&](const EdssVisit& v) { return v.date > as_of; });
  std::erase_if(out.relapses, [&](Date d) { return d > as_of; });
  std::erase_if(out.scans,
                [&](const MriScanData& s) { return s.date > as_of; });
  std::erase_if(out.treatments,
                [&](const TreatmentData& t) { return t.start_date > as_of; });
  for (TreatmentData& t : out.treatments) {
    if (t.end_date && *t.end_date > as_of) t.end_date.reset();
  }
  if (out.death_date && *out.death_date > as_of) out.death_date.reset();
  std::erase_if(out.adverse_events, [&](const AdverseEventRecord& a) {
    return a.onset_date > as_of;
  });
  for (AdverseEventRecord& a : out.adverse_events) {
    if (a.resolution_date && *a.resolution_date > as_of) {
      a.resolution_date.reset();
    }
  }
  std::erase_if(out.engraftments, [&](const EngraftmentRecord& e) {
    return e.transplant_date > as_of;
  });
  for (EngraftmentRecord& e : out.engraftments) {
    if (e.neutrophil_date && *e.neutrophil_date > as_of) {
      e.neutrophil_date.reset();
    }
    if (e.platelet_date && *e.platelet_date > as_of) e.platelet_date.reset();
  }
  std::erase_if(out.disease_statuses, [&](const DiseaseStatusRecord& s) {
    return s.status_date > as_of;
  });
  std::erase_if(out.ssc_assessments, [&](const SscAssessmentRecord& a) {
    return a.assessment_date > as_of;
  });
  std::erase_if(out.organ_failures, [&](const OrganFailureRecord& f) {
    return f.event_date > as_of;
  });
  std::erase_if(out.sle_assessments, [&](const SleAssessmentRecord& a) {
    return a.assessment_date > as_of;
  });
  std::erase_if(out.lab_results, [&](const LabResultRecord& l) {
    return l.sample_date > as_of;
  });
  return out;
}

PatientOutcome ComputeOutcome(const PatientClinicalData& input,
                              const OutcomeDefinition& d,
                              std::optional<Date> as_of) {
  PatientClinicalData data = as_of ? DataAsOf(input, *as_of) : input;
  // The rules below read dates in order; callers need not sort.
  std::sort(data.transplant_dates.begin(), data.transplant_dates.end());
  std::sort(data.relapses.begin(), data.relapses.end());
  std::stable_sort(data.scans.begin(), data.scans.end(),
                   [](const MriScanData& a, const MriScanData& b) {
                     return a.date < b.date;
                   });
  PatientOutcome out;
  const std::vector<EdssVisit> visits = OnePerDay(data.visits);
  out.last_edss_date =
      LatestOf(visits, [](const EdssVisit& v) { return v.date; });
  out.last_mri_date =
      LatestOf(data.scans, [](const MriScanData& s) { return s.date; });
  if (data.death_date) {
    out.end_of_follow_up = data.death_date;
  } else {
    std::optional<Date> end = Later(out.last_edss_date, out.last_mri_date);
    if (!data.relapses.empty()) end = Later(end, data.relapses.back());
    for (const TreatmentData& t : data.treatments) {
      end = Later(Later(end, t.start_date), t.end_date);
    }
    if (!data.transplant_dates.empty()) {
      end = Later(end, data.transplant_dates.back());
    }
    for (const AdverseEventRecord& a : data.adverse_events) {
      end = Later(Later(end, a.onset_date), a.resolution_date);
    }
    for (const EngraftmentRecord& e : data.engraftments) {
      end = Later(Later(Later(end, e.transplant_date), e.neutrophil_date),
                  e.platelet_date);
    }
    for (const DiseaseStatusRecord& s : data.disease_statuses) {
      end = Later(end, s.status_date);
    }
    // Each list is sorted by date: its last entry is its latest.
    if (!data.ssc_assessments.empty()) {
      end = Later(end, data.ssc_assessments.back().assessment_date);
    }
    if (!data.organ_failures.empty()) {
      end = Later(end, data.organ_failures.back().event_date);
    }
    if (!data.sle_assessments.empty()) {
      end = Later(end, data.sle_assessments.back().assessment_date);
    }
    if (!data.lab_results.empty()) {
      end = Later(end, data.lab_results.back().sample_date);
    }
    out.end_of_follow_up = end;
  }
  if (data.transplant_dates.empty()) {
    out.not_evaluable_reason = "no transplant recorded";
    return out;
  }
  const Date day0 = data.transplant_dates.front();
  out.day0 = day0;

  // Relapses: onsets closer than relapse_merge_days to the last counted
  // one are the same relapse.
  std::vector<Date> counted;
  for (Date onset : data.relapses) {
    if (!counted.empty() && onset - counted.back() < d.relapse_merge_days) {
      out.warnings.push_back(
          absl::StrCat("relapse on ", FormatIsoDate(onset), " is within ",
                       d.relapse_merge_days, " days of the one on ",
                       FormatIsoDate(counted.back()), ": counted once"));
      continue;
    }
    counted.push_back(onset);
  }
  Date pre_start = day0 - d.arr_pre_window_days;
  if (data.diagnosis_date && *data.diagnosis_date > pre_start &&
      *data.diagnosis_date <= day0) {
    pre_start = *data.diagnosis_date;
  }
  for (Date onset : counted) {
    if (onset > day0) {
      ++out.relapses_post;
      if (!out.first_relapse_post) out.first_relapse_post = onset;
    } else if (onset >= pre_start) {
      ++out.relapses_pre;
    }
  }
  out.years_pre = (day0 - pre_start) / kDaysPerYear;
  if (out.years_pre > 0) out.arr_pre = out.relapses_pre / out.years_pre;
  if (out.end_of_follow_up && *out.end_of_follow_up > day0) {
    out.years_post = (*out.end_of_follow_up - day0) / kDaysPerYear;
    out.arr_post = out.relapses_post / out.years_post;
  }

  // NEDA and MRI activity are MS measures; disability worsening is
  // judged by the same rules for NMOSD too.
  const bool ms = !data.disease || IsMultipleSclerosis(*data.disease);
  if (!ms) out.not_evaluable_reason = "not MS";
  if (!ms && data.disease != Disease::kNmosd) return out;

  // Disability: from the last EDSS on or before day 0 (or the first after).
  size_t baseline = 0;
  for (size_t i = 0; i < visits.size(); ++i) {
    if (visits[i].date <= day0) baseline = i;
  }
  if (!visits.empty()) {
    out.disability_baseline = visits[baseline];
    out.disability_events = DetectDisabilityEvents(
        std::vector<EdssVisit>(visits.begin() + baseline, visits.end()),
        data.relapses, d);
  }
  for (const DisabilityEvent& event : out.disability_events) {
    if (event.type != DisabilityEventType::kCdw) continue;
    ++out.cdw_count;
    if (!out.first_cdw_onset) out.first_cdw_onset = event.onset_date;
  }
  if (!ms) return out;

  // MRI: scans before the re-baseline day are ignored; on the re-baseline
  // scan only Gd+ lesions count.
  const Date rebaseline_day = day0 + d.mri_rebaseline_days;
  std::vector<MriScanData> followed;
  for (const MriScanData& scan : data.scans) {
    if (scan.date < rebaseline_day) continue;
    const bool first = followed.empty();
    followed.push_back(scan);
    if (first) out.rebaseline_scan = scan.date;
    if (!out.first_active_scan && IsActive(scan, first)) {
      out.first_active_scan = scan.date;
    }
  }

  // Brain-volume loss from the re-baseline scan on: every later scan must
  // report its change since the previous scan.
  if (followed.size() >= 2 &&
      std::all_of(followed.begin() + 1, followed.end(),
                  [](const MriScanData& s) {
                    return s.brain_volume_change_pct.has_value();
                  })) {
    double change = 0;
    for (size_t i = 1; i < followed.size(); ++i) {
      change += *followed[i].brain_volume_change_pct;
    }
    const double years =
        (followed.back().date - followed.front().date) / kDaysPerYear;
    if (years > 0) out.brain_volume_loss_pct_per_year = -change / years;
  }

  const bool edss_after_day0 =
      std::any_of(visits.begin(), visits.end(),
                  [&](const EdssVisit& v) { return v.date > day0; });
  std::vector<std::string> missing;
  if (!edss_after_day0) missing.push_back("no EDSS assessment after day 0");
  if (followed.empty()) {
    missing.push_back(absl::StrCat("no MRI scan on or after day ",
                                   d.mri_rebaseline_days, " (",
                                   FormatIsoDate(rebaseline_day), ")"));
  }
  if (!missing.empty()) {
    out.not_evaluable_reason = absl::StrJoin(missing, "; ");
    return out;
  }
  out.neda3_evaluable = true;

  out.eda_date = Earlier(Earlier(out.first_relapse_post, out.first_active_scan),
                         out.first_cdw_onset);
  if (out.eda_date) {
    if (out.first_relapse_post == out.eda_date) {
      out.eda_kinds.push_back(EdaKind::kRelapse);
    }
    if (out.first_active_scan == out.eda_date) {
      out.eda_kinds.push_back(EdaKind::kMri);
    }
    if (out.first_cdw_onset == out.eda_date) {
      out.eda_kinds.push_back(EdaKind::kCdw);
    }
    out.remission_days = static_cast<int>(*out.eda_date - day0);
    out.censored = false;
    out.neda4 = false;
  } else {
    out.censoring_date = std::min(*out.last_edss_date, *out.last_mri_date);
    out.remission_days = static_cast<int>(*out.censoring_date - day0);
    out.censored = true;
    if (out.brain_volume_loss_pct_per_year) {
      out.neda4 = *out.brain_volume_loss_pct_per_year <
                  d.neda4_max_brain_volume_loss_pct_per_year;
    }
  }
  return out;
}

std::string DescribeNedaStatus(const PatientOutcome& o) {
  if (!o.neda3_evaluable) {
    return "NEDA-3 not evaluable: " + o.not_evaluable_reason + ".";
  }
  std::string text;
  if (o.eda_date) {
    text = absl::StrCat("NEDA-3 lost on ", FormatIsoDate(*o.eda_date), " (",
                        DayText(*o.remission_days), ") by ",
                        KindsText(o.eda_kinds), ".");
  } else {
    text =
        absl::StrCat("NEDA-3 maintained for ", *o.remission_days, " days (",
                     absl::StrFormat("%.1f", *o.remission_days / kDaysPerYear),
                     " years), to the last complete assessment on ",
                     FormatIsoDate(*o.censoring_date), " (censored).");
  }
  if (o.neda4.has_value()) {
    absl::StrAppend(&text, " NEDA-4 ", *o.neda4 ? "maintained" : "lost");
    if (o.brain_volume_loss_pct_per_year) {
      absl::StrAppend(&text,
                      absl::StrFormat(" (brain-volume loss %.2f %%/year)",
                                      *o.brain_volume_loss_pct_per_year));
    }
    absl::StrAppend(&text, ".");
  } else {
    absl::StrAppend(&text,
                    " NEDA-4 not evaluable (brain-volume change missing).");
  }
  return text;
}

std::vector<TimelineEntry> BuildTimeline(const PatientClinicalData& data,
                                         const PatientOutcome& o,
                                         const OutcomeDefinition& d) {
  std::vector<TimelineEntry> entries;
  auto add = [&](Date date, std::string what) {
    std::optional<int> day;
    if (o.day0) day = static_cast<int>(date - *o.day0);
    entries.push_back({date, day, std::move(what)});
  };
  if (data.diagnosis_date) {
    add(*data.diagnosis_date,
        absl::StrCat("diagnosis",
                     data.disease
                         ? " of " + std::string(DiseaseCode(*data.disease))
                         : std::string()));
  }
  for (size_t i = 0; i < data.transplant_dates.size(); ++i) {
    add(data.transplant_dates[i],
        i == 0 ? "transplant (day 0)" : "further transplant");
  }
  for (const EdssVisit& v : OnePerDay(data.visits)) {
    std::string what = "EDSS " + EdssText(v.edss);
    if (o.disability_baseline && o.disability_baseline->date == v.date) {
      what += " (disability baseline)";
    }
    add(v.date, what);
  }
  for (Date onset : data.relapses) {
    std::string what = "relapse";
    if (o.day0 && onset <= *o.day0) what += " (before transplant)";
    if (o.first_relapse_post == onset) what += " (first after transplant)";
    add(onset, what);
  }
  for (const MriScanData& s : data.scans) {
    std::string what =
        absl::StrFormat("MRI: %d new T2, %d enlarging T2, %d Gd+", s.new_t2,
                        s.enlarging_t2, s.gd_enhancing);
    if (s.brain_volume_change_pct) {
      absl::StrAppend(&what, ", brain volume ",
                      FormatNumber(*s.brain_volume_change_pct), " %");
    }
    if (o.day0 && s.date < *o.day0 + d.mri_rebaseline_days) {
      what += " (before re-baseline: not used for NEDA)";
    } else if (o.rebaseline_scan == s.date) {
      what += " (re-baseline scan: only Gd+ counts)";
    }
    if (o.first_active_scan == s.date) what += " (active)";
    add(s.date, what);
  }
  for (const DisabilityEvent& e : o.disability_events) {
    std::string what = e.type == DisabilityEventType::kCdw
                           ? "confirmed disability worsening"
                           : "confirmed disability improvement";
    if (e.type == DisabilityEventType::kCdw) {
      what += e.cdw_type == CdwType::kPira  ? " (PIRA)"
              : e.cdw_type == CdwType::kRaw ? " (RAW)"
                                            : " (undefined type)";
    }
    absl::StrAppend(&what, ": EDSS ", EdssText(e.baseline_edss), " on ",
                    FormatIsoDate(e.baseline_date), " to ",
                    EdssText(e.onset_edss), ", confirmed on ",
                    FormatIsoDate(e.confirmation_date), " (EDSS ",
                    EdssText(e.confirmation_edss), ")");
    add(e.onset_date, what);
  }
  for (const TreatmentData& t : data.treatments) {
    add(t.start_date, "treatment restarted: " + t.drug);
    if (t.end_date) add(*t.end_date, "treatment stopped: " + t.drug);
  }
  for (const EngraftmentRecord& e : data.engraftments) {
    auto recovery = [&](std::optional<Date> date, const char* what) {
      if (!date) return;
      add(*date,
          absl::StrCat(what, " recovery, day ", *date - e.transplant_date,
                       " after the transplant of ",
                       FormatIsoDate(e.transplant_date)));
    };
    recovery(e.neutrophil_date, "neutrophil");
    recovery(e.platelet_date, "platelet");
  }
  for (const AdverseEventRecord& a : data.adverse_events) {
    std::string what =
        "adverse event: " + std::string(AdverseEventCategoryCode(a.category)) +
        ", grade " + std::string(AdverseEventGradeCode(a.grade));
    if (!a.description.empty()) what += " (" + a.description + ")";
    if (a.resolution_date) {
      what += ", resolved " + FormatIsoDate(*a.resolution_date);
    }
    add(a.onset_date, what);
  }
  for (const DiseaseStatusRecord& s : data.disease_statuses) {
    add(s.status_date,
        "disease status: " + std::string(DiseaseStateCode(s.status)));
  }
  if (data.death_date) add(*data.death_date, "death");
  if (o.eda_date) {
    add(*o.eda_date, "NEDA-3 lost: " + KindsText(o.eda_kinds));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) {
                     return a.date < b.date;
                   });
  return entries;
}

}  // namespace registry
