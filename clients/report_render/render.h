// Pictures and pages for people: Kaplan–Meier curves as SVG and the
// cohort report as one self-contained HTML file. Pure functions of the
// report messages; the output needs no network to display.
#ifndef REGISTRY_CLIENTS_REPORT_RENDER_RENDER_H_
#define REGISTRY_CLIENTS_REPORT_RENDER_RENDER_H_

#include <string>
#include <vector>

#include "registry/v1/reports.pb.h"

namespace registry {

struct PlotOptions {
  std::string title;     // e.g. "NEDA-3 after transplant"
  std::string subtitle;  // e.g. the definition and interval type
  int width = 860;       // pixels
  // Above 0: a stratum's counts under it (patients at risk, events) show
  // as "<N", as in the per-center tables; pooled curves ("(all)", or one
  // without a stratum) are shown in full. 0 at risk (past a curve's last
  // time) shows as 0.
  int min_cell_size = 0;
};

// Step curves with 95 % confidence bands, censoring ticks, a legend with
// each curve's n, events and estimate at `highlight_years` (only when that
// curve reaches it; otherwise "not followed N years"), the time axis in
// years and a number-at-risk table under it. One colour per stratum.
std::string KaplanMeierSvg(const std::vector<v1::KaplanMeierCurve>& curves,
                           const PlotOptions& options,
                           double highlight_years = 5);

// The cohort summary as an HTML page: tables and the NEDA-3 and
// progression-free survival plots inline.
std::string CohortReportHtml(const v1::CohortSummaryResponse& summary);

// The recorded time of the data a result was computed from, to the
// microsecond ("2026-01-31T12:00:00.000000Z"): passed back as
// --as-of-recorded it gives the same data.
std::string DataAsOfText(const v1::AppliedDefinition& applied);
// A recorded time to the microsecond, as --as-of-recorded takes it back.
std::string RecordedTimeText(const google::protobuf::Timestamp& time);

// "<5"-style or plain count tables as text for terminals.
std::string CohortReportText(const v1::CohortSummaryResponse& summary);

// The safety section (engraftment, TRM/NRM and adverse-event incidences
// by transplant type) and one section per disease with its own endpoints.
std::string SafetyHtml(const v1::CohortSummaryResponse& summary);
std::string DiseasesHtml(const v1::CohortSummaryResponse& summary);
std::string SectionsText(const v1::CohortSummaryResponse& summary);

// HTML/XML escaping of text.
std::string Escape(const std::string& text);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REPORT_RENDER_RENDER_H_
