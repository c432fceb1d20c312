#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/report_render/render.h"

namespace registry {
namespace {

constexpr double kDaysPerYear = 365.25;
// Colour-blind-safe palette (Okabe–Ito).
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};

// The step value of a curve at `day`: the last row at or before it.
const v1::KaplanMeierRow* RowAt(const v1::KaplanMeierCurve& curve, double day) {
  const v1::KaplanMeierRow* at = nullptr;
  for (const v1::KaplanMeierRow& row : curve.rows()) {
    if (row.time_days() > day) break;
    at = &row;
  }
  return at;
}

// Patients at risk at `day`: those whose time is at or after it.
int AtRisk(const v1::KaplanMeierCurve& curve, double day) {
  if (day <= 0) return curve.n();
  for (const v1::KaplanMeierRow& row : curve.rows()) {
    if (row.time_days() >= day)
      return row.counts_withheld() ? -1 : row.n_risk();
  }
  return 0;
}

std::string Percent(double value) {
  return absl::StrFormat("%.0f%%", value * 100);
}

// A count as the per-center tables show it: under `min_cell` (when above
// 0), or withheld by the server (-1), as "<min_cell"; 0 as 0.
std::string CountText(int n, int min_cell) {
  return n < 0 || (n > 0 && n < min_cell) ? absl::StrCat("<", min_cell)
                                          : absl::StrCat(n);
}

// The last time of the curve: it was followed that long.
double LastDay(const v1::KaplanMeierCurve& curve) {
  double last = 0;
  for (const v1::KaplanMeierRow& row : curve.rows())
    last = std::max(last, row.time_days());
  return last;
}

}  // namespace

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string KaplanMeierSvg(const std::vector<v1::KaplanMeierCurve>& curves,
                           const PlotOptions& options, double highlight_years) {
  const int width = options.width;
  const double left = 120, right = width - 30, top = 70, plot_height = 330;
  const double bottom = top + plot_height;
  // Legend under the axis title, then the number-at-risk table.
  const double legend_top = bottom + 66, legend_row = 19;
  const double risk_top = legend_top + legend_row * curves.size() + 22;
  const double risk_row = 20;
  const int height = static_cast<int>(risk_top + risk_row * curves.size() + 24);

  double max_day = 365;
  for (const auto& curve : curves) {
    for (const auto& row : curve.rows())
      max_day = std::max(max_day, row.time_days());
  }
  const int max_year = static_cast<int>(std::ceil(max_day / kDaysPerYear));
  const int step = max_year > 12 ? 2 : 1;
  const double span_days = max_year * kDaysPerYear;
  auto x = [&](double day) { return left + (right - left) * day / span_days; };
  auto y = [&](double s) { return bottom - plot_height * s; };

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" "
      "font-size=\"13\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n",
      width, height, width, height);
  absl::StrAppend(&svg,
                  absl::StrFormat("<text x=\"%g\" y=\"26\" font-size=\"18\" "
                                  "font-weight=\"bold\">%s</text>\n",
                                  left, Escape(options.title)));
  absl::StrAppend(&svg,
                  absl::StrFormat("<text x=\"%g\" y=\"46\" font-size=\"11\" "
                                  "fill=\"#555\">%s</text>\n",
                                  left, Escape(options.subtitle)));

  // Grid and axes.
  for (int i = 0; i <= 5; ++i) {
    const double s = i / 5.0;
    absl::StrAppend(
        &svg, absl::StrFormat("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                              "stroke=\"#e5e5e5\"/>\n<text x=\"%g\" y=\"%g\" "
                              "text-anchor=\"end\">%s</text>\n",
                              left, y(s), right, y(s), left - 8, y(s) + 4,
                              Percent(s)));
  }
  for (int year = 0; year <= max_year; year += step) {
    const double px = x(year * kDaysPerYear);
    absl::StrAppend(
        &svg, absl::StrFormat(
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                  "stroke=\"#f0f0f0\"/>\n<line x1=\"%g\" y1=\"%g\" x2=\"%g\" "
                  "y2=\"%g\" stroke=\"#333\"/>\n<text x=\"%g\" y=\"%g\" "
                  "text-anchor=\"middle\">%d</text>\n",
                  px, top, px, bottom, px, bottom, px, bottom + 5, px,
                  bottom + 20, year));
  }
  absl::StrAppend(
      &svg,
      absl::StrFormat("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                      "stroke=\"#333\"/>\n<line x1=\"%g\" y1=\"%g\" "
                      "x2=\"%g\" y2=\"%g\" stroke=\"#333\"/>\n",
                      left, bottom, right, bottom, left, top, left, bottom));
  absl::StrAppend(
      &svg, absl::StrFormat("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">"
                            "Years since transplant</text>\n",
                            (left + right) / 2, bottom + 40));
  absl::StrAppend(
      &svg,
      absl::StrFormat("<text transform=\"translate(20 %g) rotate(-90)\" "
                      "text-anchor=\"middle\">Estimate (95%% CI)</text>\n",
                      (top + bottom) / 2));
  // The highlighted year, to read the estimate off.
  if (highlight_years > 0 && highlight_years <= max_year) {
    const double px = x(highlight_years * kDaysPerYear);
    absl::StrAppend(
        &svg, absl::StrFormat("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                              "stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
                              px, top, px, bottom));
  }

  for (size_t c = 0; c < curves.size(); ++c) {
    const v1::KaplanMeierCurve& curve = curves[c];
    const char* colour = kColours[c % std::size(kColours)];
    // Confidence band: upper edge forwards, lower edge backwards, as steps.
    std::vector<std::pair<double, double>> upper, lower;
    double last_upper = 1, last_lower = 1, last_day = 0;
    for (const auto& row : curve.rows()) {
      if (!row.has_lower() || !row.has_upper()) continue;
      upper.push_back({row.time_days(), last_upper});
      lower.push_back({row.time_days(), last_lower});
      last_upper = row.upper();
      last_lower = row.lower();
      upper.push_back({row.time_days(), last_upper});
      lower.push_back({row.time_days(), last_lower});
      last_day = row.time_days();
    }
    if (!upper.empty()) {
      std::string points = absl::StrFormat("%g,%g ", x(0), y(1));
      for (const auto& [d, s] : upper)
        absl::StrAppend(&points, absl::StrFormat("%g,%g ", x(d), y(s)));
      absl::StrAppend(&points,
                      absl::StrFormat("%g,%g ", x(last_day), y(last_upper)));
      absl::StrAppend(&points,
                      absl::StrFormat("%g,%g ", x(last_day), y(last_lower)));
      for (auto it = lower.rbegin(); it != lower.rend(); ++it) {
        absl::StrAppend(&points,
                        absl::StrFormat("%g,%g ", x(it->first), y(it->second)));
      }
      absl::StrAppend(
          &svg, absl::StrFormat("<polygon points=\"%s\" fill=\"%s\" "
                                "fill-opacity=\"0.15\" stroke=\"none\"/>\n",
                                points, colour));
    }
    // The step line.
    std::string path = absl::StrFormat("M%g,%g", x(0), y(1));
    double surv = 1;
    for (const auto& row : curve.rows()) {
      absl::StrAppend(&path, absl::StrFormat(" H%g V%g", x(row.time_days()),
                                             y(row.surv())));
      surv = row.surv();
    }
    if (!curve.rows().empty()) {
      absl::StrAppend(
          &path,
          absl::StrFormat(" H%g", x(curve.rows().rbegin()->time_days())));
    }
    absl::StrAppend(
        &svg, absl::StrFormat("<path d=\"%s\" fill=\"none\" stroke=\"%s\" "
                              "stroke-width=\"2.2\"/>\n",
                              path, colour));
    // Censoring ticks.
    for (const auto& row : curve.rows()) {
      if (row.n_censor() == 0) continue;
      absl::StrAppend(
          &svg, absl::StrFormat("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                                "stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                                x(row.time_days()), y(row.surv()) - 5,
                                x(row.time_days()), y(row.surv()) + 5, colour));
    }
    (void)surv;

    // Small counts of a stratum as the per-center tables show them.
    const bool pooled = curve.stratum().empty() || curve.stratum() == "(all)";
    const int min_cell = pooled ? 0 : options.min_cell_size;
    // Legend entry with the estimate at the highlighted year, when this
    // curve reaches it (as summary(fit, times =) gives no row after the
    // last time): a shorter curve's last value is not that estimate.
    std::string label =
        curve.stratum().empty() ? "All patients" : curve.stratum();
    absl::StrAppend(
        &label, " (n=", CountText(curve.n(), min_cell), ", events=",
        CountText(curve.events_withheld() ? -1 : curve.events(), min_cell),
        ")");
    const double highlight_day = highlight_years * kDaysPerYear;
    if (highlight_years <= 0) {
      // No highlighted year.
    } else if (LastDay(curve) < highlight_day) {
      absl::StrAppend(
          &label, absl::StrFormat(": not followed %g year%s", highlight_years,
                                  highlight_years == 1 ? "" : "s"));
    } else {
      // Before the curve's first time, S = 1 with the interval 1 to 1.
      const v1::KaplanMeierRow* at = RowAt(curve, highlight_day);
      absl::StrAppend(&label, absl::StrFormat(": %g-year %s", highlight_years,
                                              Percent(at ? at->surv() : 1)));
      if (at == nullptr || (at->has_lower() && at->has_upper())) {
        absl::StrAppend(&label, absl::StrFormat(" (%s to %s)",
                                                Percent(at ? at->lower() : 1),
                                                Percent(at ? at->upper() : 1)));
      }
    }
    const double ly = legend_top + legend_row * c;
    absl::StrAppend(
        &svg,
        absl::StrFormat("<rect x=\"%g\" y=\"%g\" width=\"22\" "
                        "height=\"4\" fill=\"%s\"/>\n<text x=\"%g\" "
                        "y=\"%g\">%s</text>\n",
                        left, ly - 4, colour, left + 30, ly, Escape(label)));

    // Number at risk row.
    const double ry = risk_top + risk_row * (c + 1);
    absl::StrAppend(
        &svg, absl::StrFormat(
                  "<text x=\"%g\" y=\"%g\" text-anchor=\"end\" "
                  "fill=\"%s\">%s</text>\n",
                  left - 30, ry, colour,
                  Escape(curve.stratum().empty() ? "All" : curve.stratum())));
    for (int year = 0; year <= max_year; year += step) {
      absl::StrAppend(
          &svg,
          absl::StrFormat(
              "<text x=\"%g\" y=\"%g\" "
              "text-anchor=\"middle\">%s</text>\n",
              x(year * kDaysPerYear), ry,
              Escape(CountText(AtRisk(curve, year * kDaysPerYear), min_cell))));
    }
  }
  absl::StrAppend(
      &svg, absl::StrFormat("<text x=\"%g\" y=\"%g\" font-weight=\"bold\">"
                            "Number at risk</text>\n",
                            left - 110, risk_top));
  svg += "</svg>\n";
  return svg;
}

}  // namespace registry
