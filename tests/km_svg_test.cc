// The Kaplan–Meier plot's legend and number-at-risk table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "clients/report_render/render.h"

namespace registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Row {
  double time;
  int n_risk, n_event, n_censor;
  double surv;
};

v1::KaplanMeierCurve Curve(const std::string& stratum, int n,
                           const std::vector<Row>& rows) {
  v1::KaplanMeierCurve curve;
  curve.set_stratum(stratum);
  curve.set_n(n);
  for (const Row& r : rows) {
    v1::KaplanMeierRow* row = curve.add_rows();
    row->set_time_days(r.time);
    row->set_n_risk(r.n_risk);
    row->set_n_event(r.n_event);
    row->set_n_censor(r.n_censor);
    row->set_surv(r.surv);
    row->set_lower(r.surv - 0.1);
    row->set_upper(std::min(r.surv + 0.1, 1.0));
    curve.set_events(curve.events() + r.n_event);
  }
  return curve;
}

// The legend text of the curve of `stratum`.
std::string Legend(const std::string& svg, const std::string& stratum) {
  const size_t at = svg.find(">" + stratum + " (n=");
  if (at == std::string::npos) return "";
  return svg.substr(at + 1, svg.find("</text>", at) - at - 1);
}

// A group gets a 5-year estimate in the legend only when its curve reaches
// 5 years (1826.25 days, years of 365.25 days as on the axis): the last
// value of a shorter curve is not its 5-year estimate, though another
// group's curve makes the axis longer.
TEST(KaplanMeierSvgTest, FiveYearEstimateOnlyForGroupsFollowedThatLong) {
  const std::vector<v1::KaplanMeierCurve> curves = {
      Curve("long", 4, {{400, 4, 1, 0, 0.75}, {2000, 3, 0, 3, 0.75}}),
      Curve("short", 4, {{300, 4, 2, 0, 0.5}, {800, 2, 0, 2, 0.5}}),
      Curve("almost", 4, {{300, 4, 1, 0, 0.75}, {1826, 3, 0, 3, 0.75}}),
      Curve("just", 4, {{300, 4, 1, 0, 0.75}, {1827, 3, 0, 3, 0.75}})};
  const std::string svg = KaplanMeierSvg(curves, {"title", "subtitle"});
  EXPECT_THAT(Legend(svg, "long"), HasSubstr(": 5-year 75% (65% to 85%)"));
  EXPECT_THAT(Legend(svg, "just"), HasSubstr(": 5-year 75%"));
  for (const char* stratum : {"short", "almost"}) {
    EXPECT_THAT(Legend(svg, stratum), Not(HasSubstr("5-year"))) << stratum;
    EXPECT_THAT(Legend(svg, stratum), HasSubstr("not followed 5 years"))
        << stratum;
  }
}

// The risk-table cells (the centred numbers below the legend) of `svg`.
std::vector<std::string> RiskCells(const std::string& svg) {
  std::vector<std::string> cells;
  const std::string open = "text-anchor=\"middle\">";
  for (size_t at = svg.find(open); at != std::string::npos;
       at = svg.find(open, at + 1)) {
    const size_t y = svg.rfind(" y=\"", at);
    if (std::stod(svg.substr(y + 4)) <= 440) continue;  // the axis labels
    const size_t start = at + open.size();
    cells.push_back(svg.substr(start, svg.find('<', start) - start));
  }
  return cells;
}

// With a minimum cell size, a stratum's counts under it are shown as "<N"
// in the number-at-risk rows and the legend, as in the per-center tables;
// the pooled curve is shown in full, and 0 (past the last time) as 0.
TEST(KaplanMeierSvgTest, SmallCountsOfAStratumAreSuppressed) {
  const std::vector<v1::KaplanMeierCurve> curves = {
      Curve("C1", 12, {{100, 12, 3, 6, 0.75}, {500, 3, 1, 2, 0.5}}),
      Curve("(all)", 16, {{100, 16, 3, 9, 0.8}, {600, 4, 1, 3, 0.6}})};
  PlotOptions options{"title", "subtitle"};
  options.min_cell_size = 5;
  const std::vector<std::string> suppressed =
      RiskCells(KaplanMeierSvg(curves, options));
  // Years 0, 1 and 2 for each curve.
  EXPECT_EQ(suppressed,
            (std::vector<std::string>{"12", "&lt;5", "0", "16", "4", "0"}));
  const std::string svg = KaplanMeierSvg(curves, options);
  EXPECT_THAT(svg, HasSubstr(">C1 (n=12, events=&lt;5)"));
  EXPECT_THAT(svg, HasSubstr(">(all) (n=16, events=4)"));

  options.min_cell_size = 0;
  EXPECT_EQ(RiskCells(KaplanMeierSvg(curves, options)),
            (std::vector<std::string>{"12", "3", "0", "16", "4", "0"}));
}

// Counts the server withheld (sent as 0) show as "<N", not as 0.
TEST(KaplanMeierSvgTest, CountsTheServerWithheldShowAsSuppressed) {
  std::vector<v1::KaplanMeierCurve> curves = {
      Curve("C1", 12, {{100, 12, 3, 6, 0.75}, {500, 0, 0, 0, 0.5}})};
  curves[0].mutable_rows(1)->set_counts_withheld(true);
  curves[0].set_events(0);
  curves[0].set_events_withheld(true);
  PlotOptions options{"title", "subtitle"};
  options.min_cell_size = 5;
  EXPECT_EQ(RiskCells(KaplanMeierSvg(curves, options)),
            (std::vector<std::string>{"12", "&lt;5", "0"}));
  EXPECT_THAT(KaplanMeierSvg(curves, options),
              HasSubstr(">C1 (n=12, events=&lt;5)"));
}

}  // namespace
}  // namespace registry
