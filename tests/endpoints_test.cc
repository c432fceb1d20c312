// Unit tests of the per-patient endpoint observations: where follow-up
// ends, and which endpoints count for which disease.
#include "core/endpoints.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace registry {
namespace {

using ::testing::Optional;

const Date kDay0(2015, 3, 4);
Date D(int day) { return kDay0 + day; }

PatientClinicalData Patient(Disease disease) {
  PatientClinicalData p;
  p.disease = disease;
  p.transplant_dates = {D(0)};
  p.visits = {{D(-10), 3.0}, {D(365), 3.0}};
  return p;
}

std::optional<EndpointObservation> Observe(Endpoint endpoint,
                                           const PatientClinicalData& p) {
  const PatientOutcome o = ComputeOutcome(p, OutcomeDefinition());
  return ObserveEndpoint(endpoint, p, o);
}

MATCHER_P2(IsObservation, time, event, "") {
  return arg.has_value() && arg->time == time && arg->event == event;
}

// Overall survival follows a patient to the last contact of any kind: a
// patient whose last record is a second transplant is still followed then.
TEST(OverallSurvivalTest, IsCensoredAtTheLastContactOfAnyKind) {
  PatientClinicalData p = Patient(Disease::kRrms);
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(365, false));

  p.transplant_dates.push_back(D(500));
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(500, false));

  p.adverse_events.push_back({"P", D(520), AdverseEventCategory::kInfection,
                              AdverseEventGrade::k3, D(540), ""});
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(540, false));

  p.engraftments.push_back({"P", D(500), D(512), D(560)});
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(560, false));

  p.disease_statuses.push_back({"P", D(600), DiseaseState::kStable});
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(600, false));

  // As of a date, only what was dated by then.
  const PatientOutcome as_of = ComputeOutcome(p, OutcomeDefinition(), D(550));
  EXPECT_EQ(as_of.end_of_follow_up, D(540));

  // A death on the day of the last contact is an event on that day.
  p.death_date = D(600);
  EXPECT_THAT(Observe(Endpoint::kOs, p), IsObservation(600, true));
}

TEST(NedaTest, IsForMultipleSclerosisOnly) {
  for (Disease disease :
       {Disease::kNmosd, Disease::kSsc, Disease::kSle, Disease::kOther}) {
    PatientClinicalData p = Patient(disease);
    p.scans = {{D(200), 0, 0, 0, std::nullopt}, {D(365), 1, 0, 0, {}}};
    const PatientOutcome o = ComputeOutcome(p, OutcomeDefinition());
    EXPECT_FALSE(o.neda3_evaluable);
    EXPECT_EQ(o.not_evaluable_reason, "not MS");
    for (Endpoint e :
         {Endpoint::kNeda3, Endpoint::kNeda4, Endpoint::kCdw, Endpoint::kMri}) {
      EXPECT_EQ(ObserveEndpoint(e, p, o), std::nullopt) << EndpointName(e);
    }
    EXPECT_THAT(ObserveEndpoint(Endpoint::kOs, p, o),
                IsObservation(365, false));
  }
  PatientClinicalData ms = Patient(Disease::kSpms);
  ms.scans = {{D(200), 0, 0, 0, std::nullopt}, {D(365), 0, 0, 0, {}}};
  const PatientOutcome o = ComputeOutcome(ms, OutcomeDefinition());
  EXPECT_TRUE(o.neda3_evaluable) << o.not_evaluable_reason;
  EXPECT_THAT(ObserveEndpoint(Endpoint::kNeda3, ms, o),
              IsObservation(365, false));
}

TEST(ProgressionFreeSurvivalTest, OutsideMsFollowsTheCentresAssessment) {
  PatientClinicalData p = Patient(Disease::kSsc);
  p.disease_statuses = {{"P", D(-20), DiseaseState::kProgression},
                        {"P", D(180), DiseaseState::kImproved},
                        {"P", D(700), DiseaseState::kStable}};
  EXPECT_THAT(Observe(Endpoint::kPfs, p), IsObservation(700, false));
  p.disease_statuses.push_back({"P", D(400), DiseaseState::kProgression});
  p.disease_statuses.push_back({"P", D(300), DiseaseState::kRelapse});
  EXPECT_THAT(Observe(Endpoint::kPfs, p), IsObservation(300, true));
  p.death_date = D(250);
  p.disease_statuses.resize(3);
  p.visits.resize(1);
  EXPECT_THAT(Observe(Endpoint::kPfs, p), IsObservation(250, true));
}

}  // namespace
}  // namespace registry
