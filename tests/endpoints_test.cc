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

std::optional<EndpointObservation> Observe(
    Endpoint endpoint, const PatientClinicalData& p,
    const OutcomeDefinition& d = OutcomeDefinition()) {
  const PatientOutcome o = ComputeOutcome(p, d);
  return ObserveEndpoint(endpoint, p, o, d);
}

MATCHER_P2(IsObservation, time, event, "") {
  return arg.has_value() && arg->time == time && arg->event == event;
}

// Time, event, and whether the end was the competing event.
MATCHER_P3(Ends, time, event, competing, "") {
  return arg.has_value() && arg->time == time && arg->event == event &&
         arg->competing == competing;
}

AdverseEventRecord Event(int day, AdverseEventCategory category,
                         AdverseEventGrade grade) {
  return {"P", D(day), category, grade, std::nullopt, ""};
}

PatientClinicalData Allogeneic(Disease disease) {
  PatientClinicalData p = Patient(disease);
  p.first_type = TransplantType::kAllogeneic;
  return p;
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
    for (Endpoint e : {Endpoint::kNeda3, Endpoint::kNeda4, Endpoint::kMri}) {
      EXPECT_EQ(ObserveEndpoint(e, p, o, OutcomeDefinition()), std::nullopt)
          << EndpointName(e);
    }
    // Disability worsening is judged by the MS rules for NMOSD as well.
    if (disease == Disease::kNmosd) {
      EXPECT_THAT(ObserveEndpoint(Endpoint::kCdw, p, o, OutcomeDefinition()),
                  IsObservation(365, false));
    } else {
      EXPECT_EQ(ObserveEndpoint(Endpoint::kCdw, p, o, OutcomeDefinition()),
                std::nullopt);
    }
    EXPECT_THAT(ObserveEndpoint(Endpoint::kOs, p, o, OutcomeDefinition()),
                IsObservation(365, false));
  }
  PatientClinicalData ms = Patient(Disease::kSpms);
  ms.scans = {{D(200), 0, 0, 0, std::nullopt}, {D(365), 0, 0, 0, {}}};
  const PatientOutcome o = ComputeOutcome(ms, OutcomeDefinition());
  EXPECT_TRUE(o.neda3_evaluable) << o.not_evaluable_reason;
  EXPECT_THAT(ObserveEndpoint(Endpoint::kNeda3, ms, o, OutcomeDefinition()),
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

// Relapse/progression incidence and non-relapse mortality are a competing
// pair: each patient's follow-up ends the same day in both, as the event
// of one and the competing event of the other.
TEST(RelapseAndNonRelapseMortalityTest, AreACompetingPair) {
  PatientClinicalData p = Patient(Disease::kSsc);
  EXPECT_THAT(Observe(Endpoint::kRi, p), Ends(365, false, false));
  EXPECT_THAT(Observe(Endpoint::kNrm, p), Ends(365, false, false));

  p.death_date = D(365);  // on the last contact day
  EXPECT_THAT(Observe(Endpoint::kRi, p), Ends(365, false, true));
  EXPECT_THAT(Observe(Endpoint::kNrm, p), Ends(365, true, false));

  p.disease_statuses = {{"P", D(200), DiseaseState::kProgression}};
  EXPECT_THAT(Observe(Endpoint::kRi, p), Ends(200, true, false));
  EXPECT_THAT(Observe(Endpoint::kNrm, p), Ends(200, false, true));

  // A relapse reported on the day of death comes first: not NRM.
  p.disease_statuses = {{"P", D(365), DiseaseState::kRelapse}};
  EXPECT_THAT(Observe(Endpoint::kRi, p), Ends(365, true, false));
  EXPECT_THAT(Observe(Endpoint::kNrm, p), Ends(365, false, true));

  // For MS the engine's relapses count too.
  PatientClinicalData ms = Patient(Disease::kRrms);
  ms.relapses = {D(150)};
  EXPECT_THAT(Observe(Endpoint::kRi, ms), Ends(150, true, false));
  EXPECT_THAT(Observe(Endpoint::kNrm, ms), Ends(150, false, true));
}

TEST(TransplantRelatedMortalityTest, FollowsTheCodedCause) {
  for (DeathCause cause :
       {DeathCause::kInfection, DeathCause::kToxicity, DeathCause::kGvhd,
        DeathCause::kGraftFailure, DeathCause::kDisease,
        DeathCause::kSecondaryMalignancy, DeathCause::kOther,
        DeathCause::kUnknown}) {
    PatientClinicalData p = Patient(Disease::kSle);
    p.death_date = D(80);
    p.death_cause = cause;
    const bool related = IsTransplantRelated(cause);
    EXPECT_THAT(Observe(Endpoint::kTrm, p), Ends(80, related, !related))
        << DeathCauseCode(cause);
  }
  EXPECT_THAT(Observe(Endpoint::kTrm, Patient(Disease::kSle)),
              Ends(365, false, false));
}

TEST(TreatmentFreeRemissionTest, EndsWithATreatmentOutsideTheProtocol) {
  PatientClinicalData p = Patient(Disease::kNmosd);
  // Before day 0, and planned rituximab after: neither ends it.
  p.treatments = {
      {"azathioprine", D(-400), D(-30), TreatmentClass::kImmunosuppressant},
      {"rituximab", D(180), D(181), TreatmentClass::kBiologic, true},
      {"prednisolone", D(200), D(230), TreatmentClass::kCorticosteroid}};
  EXPECT_THAT(Observe(Endpoint::kTfr, p), Ends(365, false, false));

  // Corticosteroids end it only when the definition says so.
  OutcomeDefinition with_steroids;
  with_steroids.tfr_ending_classes.push_back(TreatmentClass::kCorticosteroid);
  EXPECT_THAT(Observe(Endpoint::kTfr, p, with_steroids),
              Ends(200, true, false));

  p.treatments.push_back(
      {"rituximab", D(300), std::nullopt, TreatmentClass::kBiologic});
  EXPECT_THAT(Observe(Endpoint::kTfr, p), Ends(300, true, false));
  p.disease_statuses = {{"P", D(250), DiseaseState::kRelapse}};
  EXPECT_THAT(Observe(Endpoint::kTfr, p), Ends(250, true, false));
  p.death_date = D(240);
  EXPECT_THAT(Observe(Endpoint::kTfr, p), Ends(240, true, false));
}

TEST(SafetyEndpointsTest, CountTheirCategoryWithDeathCompeting) {
  PatientClinicalData p = Patient(Disease::kSsc);
  p.adverse_events = {
      Event(-5, AdverseEventCategory::kInfection, AdverseEventGrade::k4),
      Event(20, AdverseEventCategory::kInfection, AdverseEventGrade::k2),
      Event(30, AdverseEventCategory::kViralReactivation,
            AdverseEventGrade::k3)};
  // Before day 0, grade 2 and a viral reactivation: no infection event.
  EXPECT_THAT(Observe(Endpoint::kInfection, p), Ends(365, false, false));
  OutcomeDefinition grade2;
  grade2.infection_min_grade = 2;
  EXPECT_THAT(Observe(Endpoint::kInfection, p, grade2), Ends(20, true, false));
  p.adverse_events.push_back(
      Event(40, AdverseEventCategory::kInfection, AdverseEventGrade::k3));
  EXPECT_THAT(Observe(Endpoint::kInfection, p), Ends(40, true, false));

  EXPECT_THAT(Observe(Endpoint::kSecondaryAutoimmunity, p),
              Ends(365, false, false));
  p.death_date = D(300);
  EXPECT_THAT(Observe(Endpoint::kSecondaryAutoimmunity, p),
              Ends(300, false, true));
  p.adverse_events.push_back(
      Event(300, AdverseEventCategory::kSecondaryAutoimmuneDisease,
            AdverseEventGrade::k2));
  EXPECT_THAT(Observe(Endpoint::kSecondaryAutoimmunity, p),
              Ends(300, true, false));
  EXPECT_THAT(Observe(Endpoint::kMalignancy, p), Ends(300, false, true));
  p.adverse_events.push_back(
      Event(250, AdverseEventCategory::kMalignancy, AdverseEventGrade::k3));
  EXPECT_THAT(Observe(Endpoint::kMalignancy, p), Ends(250, true, false));
}

TEST(GvhdTest, CountsAfterAnAllogeneicTransplantOnly) {
  PatientClinicalData autologous = Patient(Disease::kNmosd);
  autologous.first_type = TransplantType::kAutologous;
  EXPECT_EQ(Observe(Endpoint::kAgvhd, autologous), std::nullopt);
  EXPECT_EQ(Observe(Endpoint::kCgvhd, autologous), std::nullopt);

  PatientClinicalData p = Allogeneic(Disease::kNmosd);
  // Followed past day 100 without it: censored at day 100.
  EXPECT_THAT(Observe(Endpoint::kAgvhd, p), Ends(100, false, false));
  // Grade I, and grade II after day 100, do not count.
  p.adverse_events = {
      Event(30, AdverseEventCategory::kAcuteGvhd, AdverseEventGrade::kI),
      Event(120, AdverseEventCategory::kAcuteGvhd, AdverseEventGrade::kII)};
  EXPECT_THAT(Observe(Endpoint::kAgvhd, p), Ends(100, false, false));
  p.adverse_events.push_back(
      Event(45, AdverseEventCategory::kAcuteGvhd, AdverseEventGrade::kIII));
  EXPECT_THAT(Observe(Endpoint::kAgvhd, p), Ends(45, true, false));
  // A death by day 100 without it competes; a later death does not.
  p.adverse_events.resize(2);
  p.death_date = D(200);
  EXPECT_THAT(Observe(Endpoint::kAgvhd, p), Ends(100, false, false));
  p.death_date = D(60);
  EXPECT_THAT(Observe(Endpoint::kAgvhd, p), Ends(60, false, true));

  PatientClinicalData c = Allogeneic(Disease::kOther);
  EXPECT_THAT(Observe(Endpoint::kCgvhd, c), Ends(365, false, false));
  c.adverse_events = {Event(250, AdverseEventCategory::kChronicGvhd,
                            AdverseEventGrade::kModerate)};
  EXPECT_THAT(Observe(Endpoint::kCgvhd, c), Ends(250, true, false));
}

TEST(EngraftmentTest, TimesTheFirstTransplantsRecovery) {
  PatientClinicalData p = Patient(Disease::kSsc);
  EXPECT_EQ(Observe(Endpoint::kNeutrophilEngraftment, p), std::nullopt);
  // A second transplant's engraftment is not the first's.
  p.transplant_dates.push_back(D(400));
  p.engraftments = {{"P", D(400), D(411), D(420)}};
  EXPECT_EQ(Observe(Endpoint::kNeutrophilEngraftment, p), std::nullopt);
  p.engraftments.push_back({"P", D(0), D(11), std::nullopt});
  EXPECT_THAT(Observe(Endpoint::kNeutrophilEngraftment, p),
              Ends(11, true, false));
  // No platelet recovery: censored at the last contact (the second
  // transplant's recovery), or the death competes.
  EXPECT_THAT(Observe(Endpoint::kPlateletEngraftment, p),
              Ends(420, false, false));
  p.death_date = D(430);
  EXPECT_THAT(Observe(Endpoint::kPlateletEngraftment, p),
              Ends(430, false, true));
}

}  // namespace
}  // namespace registry
