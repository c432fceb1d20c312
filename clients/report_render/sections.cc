// The cohort report's safety and per-disease sections, as HTML and text.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/report_render/render.h"

namespace registry {
namespace {

std::string EndpointTitle(const std::string& endpoint) {
  static const auto* kTitles = new std::map<std::string, std::string>{
      {"trm", "Transplant-related mortality"},
      {"nrm", "Non-relapse mortality"},
      {"ri", "Relapse or progression"},
      {"infection", "Infection (grade 3 or more)"},
      {"secondary-autoimmunity", "Secondary autoimmune disease"},
      {"malignancy", "Malignancy"},
      {"agvhd", "Acute GvHD II–IV"},
      {"cgvhd", "Chronic GvHD"},
      {"os", "Overall survival"},
      {"pfs", "Progression-free survival"},
      {"tfr", "Treatment-free remission"},
      {"neda3", "NEDA-3"},
      {"ssc-pfs", "SSc progression-free survival"},
      {"ssc-efs", "Event-free survival (death or persistent organ failure)"},
      {"skin-progression", "Skin progression (mRSS)"},
      {"lung-progression", "Lung progression (FVC, DLCO)"},
      {"doris", "DORIS remission reached"},
      {"lldas", "LLDAS reached"},
      {"sle-flare", "Lupus flare"},
      {"relapse", "Relapse (attack)"},
      {"seroreversion", "AQP4-IgG seroreversion (positive before)"}};
  auto it = kTitles->find(endpoint);
  return it == kTitles->end() ? endpoint : it->second;
}

std::string MeasureTitle(const std::string& measure) {
  if (measure == "mrss") return "mRSS";
  if (measure == "fvc_pct") return "FVC % predicted";
  if (measure == "sledai_2k") return "SLEDAI-2K";
  return measure;
}

// "day 100", "year 1", "year 5".
std::string When(double days) {
  if (days < 365) return absl::StrFormat("day %g", days);
  return absl::StrFormat("year %d", static_cast<int>(days / 365.25 + 0.5));
}

std::string Percent(bool has, double value) {
  return has ? absl::StrFormat("%.1f%%", value * 100) : "–";
}

std::string Range(bool has, double median, double min, double max) {
  if (!has) return "–";
  return absl::StrFormat("day %g (range %g–%g)", median, min, max);
}

std::string Engraftment(const v1::SafetySection& s) {
  return absl::StrCat(
      "Engraftment reported for ", s.engraftment_reported(), " of ",
      s.patients(), " patients. Neutrophil recovery in ",
      s.neutrophil_recovered(), ", median ",
      Range(s.has_neutrophil_median_days(), s.neutrophil_median_days(),
            s.neutrophil_min_days(), s.neutrophil_max_days()),
      "; platelet recovery in ", s.platelet_recovered(), ", median ",
      Range(s.has_platelet_median_days(), s.platelet_median_days(),
            s.platelet_min_days(), s.platelet_max_days()),
      ". Primary graft failure: ", s.graft_failures(), " of ",
      s.graft_failure_evaluable(), " evaluable.");
}

std::string IncidenceRowsHtml(
    const google::protobuf::RepeatedPtrField<v1::IncidenceAt>& rows) {
  std::string html =
      "<table><tr><th>endpoint</th><th>time</th><th>at risk</th><th>"
      "cumulative incidence</th></tr>\n";
  for (const v1::IncidenceAt& r : rows) {
    absl::StrAppend(&html, "<tr><td>", Escape(EndpointTitle(r.endpoint())),
                    "</td><td>", When(r.days()), "</td><td>", r.n_risk(),
                    "</td><td>", Percent(r.has_incidence(), r.incidence()),
                    "</td></tr>\n");
  }
  return html + "</table>\n";
}

std::string SurvivalEstimate(const v1::SurvivalAt& r) {
  std::string text = Percent(r.has_estimate(), r.estimate());
  if (r.has_lower() && r.has_upper()) {
    absl::StrAppend(&text, absl::StrFormat(" (%.1f–%.1f)", r.lower() * 100,
                                           r.upper() * 100));
  }
  return text;
}

}  // namespace

std::string SafetyHtml(const v1::CohortSummaryResponse& summary) {
  if (summary.safety().empty()) return "";
  std::string html =
      "<h2>Safety</h2>\n<p class=\"note\">Cumulative incidence "
      "(Aalen–Johansen), death without the event competing (for "
      "transplant-related mortality, the other deaths; for non-relapse "
      "mortality, relapse or progression); by the type of the first "
      "transplant.</p>\n";
  for (const v1::SafetySection& s : summary.safety()) {
    absl::StrAppend(&html, "<h3>", Escape(s.transplant_type()), " (",
                    s.patients(), " patients)</h3>\n<p>",
                    Escape(Engraftment(s)), "</p>\n",
                    IncidenceRowsHtml(s.incidences()));
  }
  return html;
}

std::string DiseasesHtml(const v1::CohortSummaryResponse& summary) {
  std::string html;
  for (const v1::DiseaseSection& d : summary.diseases()) {
    absl::StrAppend(&html, "<h2>", Escape(d.disease()), " (", d.patients(),
                    " patients)</h2>\n<table><tr><th>endpoint</th><th>time"
                    "</th><th>at risk</th><th>estimate (95% CI)</th></tr>\n");
    for (const v1::SurvivalAt& r : d.survival()) {
      absl::StrAppend(&html, "<tr><td>", Escape(EndpointTitle(r.endpoint())),
                      "</td><td>", absl::StrFormat("year %g", r.years()),
                      "</td><td>", r.n_risk(), "</td><td>", SurvivalEstimate(r),
                      "</td></tr>\n");
    }
    html += "</table>\n" + IncidenceRowsHtml(d.incidences());
    if (d.by_year_size() > 0) {
      html +=
          "<table><tr><th>measure</th><th>year</th><th>n</th><th>mean</th>"
          "<th>SD</th><th>median</th><th>IQR</th></tr>\n";
      for (const v1::MeasureYear& m : d.by_year()) {
        const v1::EdssYear& e = m.stats();
        absl::StrAppend(
            &html, "<tr><td>", Escape(MeasureTitle(m.measure())), "</td><td>",
            e.year() == 0 ? "baseline" : absl::StrCat(e.year()),
            absl::StrFormat("</td><td>%d</td><td>%.1f</td><td>%.1f</td><td>"
                            "%.1f</td><td>%.1f–%.1f</td></tr>\n",
                            e.n(), e.mean(), e.sd(), e.median(), e.q1(),
                            e.q3()));
      }
      html += "</table>\n";
    }
  }
  return html;
}

std::string SectionsText(const v1::CohortSummaryResponse& summary) {
  std::string text;
  for (const v1::SafetySection& s : summary.safety()) {
    absl::StrAppend(&text, "Safety, ", s.transplant_type(), " (", s.patients(),
                    " patients): ", Engraftment(s), "\n");
    for (const v1::IncidenceAt& r : s.incidences()) {
      absl::StrAppend(&text, "  ", EndpointTitle(r.endpoint()), ", ",
                      When(r.days()), ": ",
                      Percent(r.has_incidence(), r.incidence()), " (",
                      r.n_risk(), " at risk)\n");
    }
  }
  for (const v1::DiseaseSection& d : summary.diseases()) {
    absl::StrAppend(&text, d.disease(), " (", d.patients(), " patients):\n");
    for (const v1::SurvivalAt& r : d.survival()) {
      absl::StrAppend(&text, "  ", EndpointTitle(r.endpoint()),
                      absl::StrFormat(", year %g: ", r.years()),
                      SurvivalEstimate(r), " (", r.n_risk(), " at risk)\n");
    }
    for (const v1::IncidenceAt& r : d.incidences()) {
      absl::StrAppend(&text, "  ", EndpointTitle(r.endpoint()), ", ",
                      When(r.days()), ": ",
                      Percent(r.has_incidence(), r.incidence()), " (",
                      r.n_risk(), " at risk)\n");
    }
    for (const v1::MeasureYear& m : d.by_year()) {
      const v1::EdssYear& e = m.stats();
      absl::StrAppend(
          &text, "  ", MeasureTitle(m.measure()), ", ",
          e.year() == 0 ? "baseline" : absl::StrCat("year ", e.year()),
          absl::StrFormat(": median %.1f (IQR %.1f–%.1f), mean %.1f, n %d\n",
                          e.median(), e.q1(), e.q3(), e.mean(), e.n()));
    }
  }
  return text;
}

}  // namespace registry
