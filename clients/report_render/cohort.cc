#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/report_render/render.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;

std::string Estimate(const v1::Milestone& m) {
  if (!m.has_estimate()) return "–";
  std::string text = absl::StrFormat("%.1f%%", m.estimate() * 100);
  if (m.has_lower() && m.has_upper()) {
    absl::StrAppend(&text, absl::StrFormat(" (%.1f–%.1f)", m.lower() * 100,
                                           m.upper() * 100));
  }
  return text;
}

std::string Years(double days) {
  return absl::StrFormat("%.1f", days / kDaysPerYear);
}

std::string Rate(int relapses, double years) {
  if (years <= 0) return "–";
  return absl::StrFormat("%.2f", relapses / years);
}

// Milestones regrouped: group -> estimate text per year, and n at risk.
struct MilestoneTable {
  std::vector<std::string> groups;
  std::map<std::string, std::map<double, const v1::Milestone*>> cells;
};

MilestoneTable Regroup(
    const google::protobuf::RepeatedPtrField<v1::Milestone>& milestones) {
  MilestoneTable table;
  for (const v1::Milestone& m : milestones) {
    if (!table.cells.count(m.group())) table.groups.push_back(m.group());
    table.cells[m.group()][m.years()] = &m;
  }
  return table;
}

const double kYears[] = {1, 2, 3, 5, 10};

std::string MilestoneHtml(
    const std::string& title,
    const google::protobuf::RepeatedPtrField<v1::Milestone>& milestones) {
  const MilestoneTable table = Regroup(milestones);
  std::string html =
      "<h3>" + Escape(title) + "</h3>\n<table>\n<tr><th>group</th>";
  for (double y : kYears) {
    absl::StrAppend(
        &html, absl::StrFormat("<th>%g year%s</th>", y, y == 1 ? "" : "s"));
  }
  html += "</tr>\n";
  for (const std::string& group : table.groups) {
    absl::StrAppend(&html, "<tr><td>", Escape(group.empty() ? "All" : group),
                    "</td>");
    for (double y : kYears) {
      auto it = table.cells.at(group).find(y);
      if (it == table.cells.at(group).end()) {
        html += "<td></td>";
        continue;
      }
      absl::StrAppend(&html, "<td>", Escape(Estimate(*it->second)),
                      "<br><small>at risk ", Escape(it->second->n_risk()),
                      "</small></td>");
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string CountsHtml(
    const std::string& title,
    const google::protobuf::RepeatedPtrField<v1::Count>& counts) {
  std::string html = "<table class=\"counts\">\n<tr><th>" + Escape(title) +
                     "</th><th>patients</th></tr>\n";
  for (const v1::Count& c : counts) {
    absl::StrAppend(&html, "<tr><td>", Escape(c.group()), "</td><td>",
                    Escape(c.count()), "</td></tr>\n");
  }
  return html + "</table>\n";
}

std::vector<v1::KaplanMeierCurve> Curves(
    const google::protobuf::RepeatedPtrField<v1::KaplanMeierCurve>& curves) {
  return {curves.begin(), curves.end()};
}

// A plot of the summary's curves: by center, its number-at-risk rows are
// suppressed as the per-center tables are.
PlotOptions CurvePlot(const v1::CohortSummaryResponse& s,
                      const std::string& title) {
  PlotOptions options{title,
                      "Kaplan–Meier estimate with 95% CI (log); ticks: "
                      "censored"};
  if (s.stratification() == "center") options.min_cell_size = s.min_cell_size();
  return options;
}

}  // namespace

std::string CohortReportHtml(const v1::CohortSummaryResponse& s) {
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>HSCT registry: cohort report</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 32px; color: #222; max-width: 980px; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 34px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; font-size: 13px; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
.counts { display: inline-table; margin-right: 24px; vertical-align: top; }
.note { color: #555; font-size: 12px; overflow-wrap: anywhere; }
</style></head><body>
)";
  absl::StrAppend(&html,
                  "<h1>Cohort report</h1>\n<p class=\"note\">Definition ",
                  Escape(s.definition().rules_version()), ": ",
                  Escape(s.definition().text()), "</p>\n");
  if (s.definition().has_data_as_of_recorded()) {
    absl::StrAppend(&html, "<p class=\"note\">Data as recorded at ",
                    DataAsOfText(s.definition()), "</p>\n");
  }
  absl::StrAppend(
      &html, "<h2>Patients</h2>\n<p>", s.patients(), " patients, ",
      s.transplanted(), " with a transplant; ", s.neda3_evaluable(),
      " evaluable for NEDA-3. Median follow-up (reverse Kaplan–Meier): ",
      s.has_median_follow_up_days()
          ? absl::StrCat(Years(s.median_follow_up_days()), " years")
          : std::string("not reached"),
      s.has_median_follow_up_lower_days()
          ? absl::StrCat(" (95% CI ", Years(s.median_follow_up_lower_days()),
                         "–",
                         s.has_median_follow_up_upper_days()
                             ? Years(s.median_follow_up_upper_days())
                             : std::string("NA"),
                         ")")
          : std::string(),
      ".</p>\n");
  html += CountsHtml("disease", s.by_disease());
  html += CountsHtml("center", s.by_center());
  html += CountsHtml("conditioning regimen", s.by_regimen());
  absl::StrAppend(&html,
                  "<p class=\"note\">Per-center cells describing fewer "
                  "than ",
                  s.min_cell_size(), " patients are shown as &lt;",
                  s.min_cell_size(), ".</p>\n");
  html += SafetyHtml(s);
  html += DiseasesHtml(s);

  // The MS measures only when MS patients are in the cohort.
  bool has_ms = false;
  for (const v1::DiseaseSection& d : s.diseases())
    has_ms |= d.disease() == "MS";
  if (has_ms) {
    html += "<h2>Multiple sclerosis: NEDA-3</h2>\n";
    html += KaplanMeierSvg(Curves(s.neda3_curves()),
                           CurvePlot(s, "NEDA-3 after transplant"));
    html += MilestoneHtml("NEDA-3 at milestones (95% CI)", s.neda3());
  }
  html += "<h2>Progression-free survival</h2>\n";
  html +=
      KaplanMeierSvg(Curves(s.pfs_curves()),
                     CurvePlot(s, "Progression-free survival (CDW or death)"));
  html += MilestoneHtml("Progression-free survival at milestones (95% CI)",
                        s.pfs());

  html +=
      "<h2>Transplant-related mortality</h2>\n<table><tr><th>time</th><th>"
      "cumulative mortality</th></tr>\n";
  absl::StrAppend(
      &html, "<tr><td>day 100</td><td>",
      s.has_trm_day100() ? absl::StrFormat("%.1f%%", s.trm_day100() * 100)
                         : "–",
      "</td></tr>\n<tr><td>year 1</td><td>",
      s.has_trm_year1() ? absl::StrFormat("%.1f%%", s.trm_year1() * 100) : "–",
      "</td></tr>\n</table>\n");

  if (!has_ms) {
    html += "</body></html>\n";
    return html;
  }
  html +=
      "<h2>Multiple sclerosis: "
      "relapses</h2>\n<table><tr><th></th><th>relapses</th><th>"
      "patient-years</th><th>ARR</th></tr>\n";
  absl::StrAppend(&html, "<tr><td>before transplant</td><td>", s.relapses_pre(),
                  "</td><td>", absl::StrFormat("%.1f", s.patient_years_pre()),
                  "</td><td>", Rate(s.relapses_pre(), s.patient_years_pre()),
                  "</td></tr>\n<tr><td>after transplant</td><td>",
                  s.relapses_post(), "</td><td>",
                  absl::StrFormat("%.1f", s.patient_years_post()), "</td><td>",
                  Rate(s.relapses_post(), s.patient_years_post()),
                  "</td></tr>\n</table>\n");

  html +=
      "<h2>Multiple sclerosis: EDSS by year since "
      "transplant</h2>\n<table><tr><th>year</th>"
      "<th>n</th><th>mean</th><th>SD</th><th>median</th><th>IQR</th></tr>\n";
  for (const v1::EdssYear& e : s.edss_by_year()) {
    absl::StrAppend(
        &html,
        absl::StrFormat("<tr><td>%s</td><td>%d</td><td>%.2f</td><td>"
                        "%.2f</td><td>%.1f</td><td>%.1f–%.1f</td></tr>\n",
                        e.year() == 0 ? "baseline" : absl::StrCat(e.year()),
                        e.n(), e.mean(), e.sd(), e.median(), e.q1(), e.q3()));
  }
  html += "</table>\n";
  absl::StrAppend(
      &html,
      "<h2>Improvement and treatment</h2>\n<p>Confirmed disability "
      "improvement: ",
      s.cdi_patients(), " of ", s.cdi_assessable(),
      " patients with follow-up EDSS",
      s.cdi_assessable() > 0
          ? absl::StrFormat(" (%.1f%%)",
                            100.0 * s.cdi_patients() / s.cdi_assessable())
          : std::string(),
      ". Treatment restarted after transplant: ", s.treatment_restarted(),
      " of ", s.transplanted(), " patients.</p>\n");
  html += CountsHtml("restarted drug", s.treatments_by_drug());
  html += "</body></html>\n";
  return html;
}

std::string DataAsOfText(const v1::AppliedDefinition& applied) {
  return RecordedTimeText(applied.data_as_of_recorded());
}

std::string RecordedTimeText(const google::protobuf::Timestamp& t) {
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E6SZ",
      absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
      absl::UTCTimeZone());
}

std::string CohortReportText(const v1::CohortSummaryResponse& s) {
  std::string text = absl::StrCat(
      "Cohort: ", s.patients(), " patients, ", s.transplanted(),
      " transplanted, ", s.neda3_evaluable(), " evaluable for NEDA-3\n");
  if (s.definition().has_data_as_of_recorded()) {
    absl::StrAppend(&text, "Data as recorded at ", DataAsOfText(s.definition()),
                    "\n");
  }
  absl::StrAppend(&text, "Median follow-up: ",
                  s.has_median_follow_up_days()
                      ? Years(s.median_follow_up_days()) + " years"
                      : std::string("not reached"),
                  "\n");
  for (const auto& [title, counts] : std::vector<std::pair<
           std::string, const google::protobuf::RepeatedPtrField<v1::Count>*>>{
           {"disease", &s.by_disease()},
           {"center", &s.by_center()},
           {"regimen", &s.by_regimen()}}) {
    absl::StrAppend(&text, "By ", title, ":");
    for (const v1::Count& c : *counts)
      absl::StrAppend(&text, " ", c.group(), " ", c.count(), ";");
    text += "\n";
  }
  for (const auto& [title, milestones] : std::vector<
           std::pair<std::string,
                     const google::protobuf::RepeatedPtrField<v1::Milestone>*>>{
           {"NEDA-3", &s.neda3()}, {"PFS", &s.pfs()}}) {
    absl::StrAppend(&text, title, " (estimate, 95% CI, at risk):\n");
    for (const v1::Milestone& m : *milestones) {
      absl::StrAppend(&text, "  ", m.group().empty() ? "All" : m.group(), " ",
                      absl::StrFormat("%g", m.years()), "y: ", Estimate(m),
                      " at risk ", m.n_risk(), "\n");
    }
  }
  absl::StrAppend(
      &text, "TRM: day 100 ",
      s.has_trm_day100() ? absl::StrFormat("%.1f%%", s.trm_day100() * 100)
                         : "–",
      ", year 1 ",
      s.has_trm_year1() ? absl::StrFormat("%.1f%%", s.trm_year1() * 100) : "–",
      "\nARR before ", Rate(s.relapses_pre(), s.patient_years_pre()), " (",
      s.relapses_pre(), " in ", absl::StrFormat("%.1f", s.patient_years_pre()),
      " patient-years), after ",
      Rate(s.relapses_post(), s.patient_years_post()), " (", s.relapses_post(),
      " in ", absl::StrFormat("%.1f", s.patient_years_post()),
      " patient-years)\n");
  text += "EDSS by year (n, mean, SD, median, IQR):\n";
  for (const v1::EdssYear& e : s.edss_by_year()) {
    absl::StrAppend(
        &text,
        absl::StrFormat("  %2d: %d, %.2f, %.2f, %.1f, %.1f-%.1f\n", e.year(),
                        e.n(), e.mean(), e.sd(), e.median(), e.q1(), e.q3()));
  }
  absl::StrAppend(&text, "Confirmed improvement: ", s.cdi_patients(), " of ",
                  s.cdi_assessable(),
                  "; treatment restarted: ", s.treatment_restarted(), "\n");
  return text + SectionsText(s);
}

}  // namespace registry
