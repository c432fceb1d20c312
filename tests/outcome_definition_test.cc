// Outcome definitions are numbers in sane ranges: NaN, infinities and
// absurd windows are refused with the field they are in, never computed
// with (NaN tolerances silently turned 19 confirmed worsenings into 0).
#include "core/outcome_definition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <limits>

#include "absl/strings/str_join.h"

namespace registry {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Problems(const OutcomeDefinition& d) {
  return absl::StrJoin(ValidateDefinition(d), "\n");
}

TEST(OutcomeDefinitionTest, TheReferenceDefinitionIsValid) {
  EXPECT_THAT(ValidateDefinition(OutcomeDefinition()), IsEmpty());
}

TEST(OutcomeDefinitionTest, NumbersThatAreNotFiniteAreRefusedByName) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {nan, inf, -inf}) {
    OutcomeDefinition d;
    d.confirmation_tolerance_before_days = bad;
    EXPECT_THAT(Problems(d), HasSubstr("confirmation_tolerance_days"));
    d = OutcomeDefinition();
    d.confirmation_tolerance_after_days = bad;
    if (bad == inf) {
      EXPECT_EQ(Problems(d), "") << "no upper end, msprog's Inf";
    } else {
      EXPECT_THAT(Problems(d), HasSubstr("confirmation_tolerance_days"));
    }
    d = OutcomeDefinition();
    d.require_sustained_days = bad;
    if (bad == inf) {
      EXPECT_EQ(Problems(d), "") << "sustained to the last visit";
    } else {
      EXPECT_THAT(Problems(d), HasSubstr("require_sustained_days"));
    }
    d = OutcomeDefinition();
    d.edss_plus1_max = bad;
    EXPECT_THAT(Problems(d), HasSubstr("edss_plus1_max"));
    d = OutcomeDefinition();
    d.neda4_max_brain_volume_loss_pct_per_year = bad;
    EXPECT_THAT(Problems(d),
                HasSubstr("neda4_max_brain_volume_loss_pct_per_year"));
  }
}

TEST(OutcomeDefinitionTest, WindowsOutsideTheirRangeAreRefusedByName) {
  struct Case {
    const char* field;
    void (*set)(OutcomeDefinition&, int);
  };
  const Case cases[] = {
      {"relapse_to_baseline_days",
       [](OutcomeDefinition& d, int v) { d.relapse_to_baseline_days = v; }},
      {"relapse_to_event_days",
       [](OutcomeDefinition& d, int v) { d.relapse_to_event_days = v; }},
      {"relapse_to_confirmation_days",
       [](OutcomeDefinition& d, int v) { d.relapse_to_confirmation_days = v; }},
      {"relapse_assoc_days",
       [](OutcomeDefinition& d, int v) { d.relapse_assoc_days = v; }},
      {"pira_windows_days",
       [](OutcomeDefinition& d, int v) { d.pira_event_before_days = v; }},
      {"pira_windows_days",
       [](OutcomeDefinition& d, int v) { d.pira_confirmation_after_days = v; }},
      {"relapse_merge_days",
       [](OutcomeDefinition& d, int v) { d.relapse_merge_days = v; }},
      {"arr_pre_window_days",
       [](OutcomeDefinition& d, int v) { d.arr_pre_window_days = v; }},
      {"mri_rebaseline_days",
       [](OutcomeDefinition& d, int v) { d.mri_rebaseline_days = v; }},
  };
  for (const Case& c : cases) {
    for (int bad : {-1, INT_MAX, INT_MIN, 36501}) {
      OutcomeDefinition d;
      c.set(d, bad);
      EXPECT_THAT(Problems(d), HasSubstr(c.field)) << c.field << "=" << bad;
    }
  }
  OutcomeDefinition d;
  d.confirmation_days = {84, INT_MAX};
  EXPECT_THAT(Problems(d), HasSubstr("confirmation_days"));
  d.confirmation_days = {};
  EXPECT_THAT(Problems(d), HasSubstr("confirmation_days"));
  d = OutcomeDefinition();
  d.confirmation_tolerance_after_days = 1e12;
  EXPECT_THAT(Problems(d), HasSubstr("confirmation_tolerance_days"));
  d = OutcomeDefinition();
  d.neda4_max_brain_volume_loss_pct_per_year = 1e9;
  EXPECT_THAT(Problems(d),
              HasSubstr("neda4_max_brain_volume_loss_pct_per_year"));
}

TEST(OutcomeDefinitionTest, TextNamesThePiraWindowsAndOpenBounds) {
  const std::string text = DefinitionText(OutcomeDefinition());
  EXPECT_THAT(text, HasSubstr(";pira_reference=baseline;pira_windows_days=0,"
                              "0,90,30,90,30;relapse_rebaseline=false;"
                              "require_sustained_days=0;"));
  EXPECT_THAT(text, Not(HasSubstr("preset=")));
  OutcomeDefinition open;
  open.pira_reference_after_days.reset();
  open.pira_event_before_days.reset();
  open.require_sustained_days = std::numeric_limits<double>::infinity();
  EXPECT_THAT(DefinitionText(open),
              HasSubstr("pira_windows_days=0,-,-,30,90,30;"
                        "relapse_rebaseline=false;require_sustained_days=inf"));
}

TEST(OutcomeDefinitionTest, PresetsExpandToThePublishedDefinitions) {
  std::optional<OutcomeDefinition> muller = PresetDefinition("muller2025");
  ASSERT_TRUE(muller.has_value());
  EXPECT_THAT(DefinitionText(*muller),
              HasSubstr("preset=muller2025;event=first-pira;baseline=roving;"
                        "confirmation_days=365;confirmation_tolerance_days=0,"
                        "inf;relapse_to_baseline_days=30;relapse_to_event_"
                        "days=0;relapse_to_confirmation_days=30;relapse_assoc_"
                        "days=90;pira_reference=last;pira_windows_days=0,-,-,"
                        "0,0,0;relapse_rebaseline=true;require_sustained_days="
                        "0;"));
  EXPECT_EQ(Problems(*muller), "");
  std::optional<OutcomeDefinition> portaccio =
      PresetDefinition("portaccio2025");
  ASSERT_TRUE(portaccio.has_value());
  EXPECT_THAT(DefinitionText(*portaccio),
              HasSubstr("preset=portaccio2025;event=first-pira;baseline="
                        "roving;confirmation_days=168;confirmation_tolerance_"
                        "days=7,730.5;"));
  EXPECT_THAT(DefinitionText(*portaccio),
              HasSubstr("pira_reference=baseline;pira_windows_days=0,0,90,30,"
                        "0,0;relapse_rebaseline=false;"));
  EXPECT_EQ(Problems(*portaccio), "");
  EXPECT_FALSE(PresetDefinition("lublin2014").has_value());
  EXPECT_EQ(PresetDescriptions().size(), 2u);
}

}  // namespace
}  // namespace registry
