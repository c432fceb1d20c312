// The rules of systemic sclerosis, lupus and NMOSD at their thresholds,
// with hand-worked vectors, and the endpoints built on them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/endpoints.h"
#include "core/nmosd_rules.h"
#include "core/sle_rules.h"
#include "core/ssc_rules.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

const Date kDay0(2015, 3, 4);
Date D(int day) { return kDay0 + day; }

MATCHER_P3(Ends, time, event, competing, "") {
  return arg.has_value() && arg->time == time && arg->event == event &&
         arg->competing == competing;
}

std::optional<EndpointObservation> Observe(
    Endpoint endpoint, const PatientClinicalData& p,
    const OutcomeDefinition& d = OutcomeDefinition()) {
  return ObserveEndpoint(endpoint, p, ComputeOutcome(p, d), d);
}

// ------------------------------------------------------------ Systemic
// sclerosis

TEST(SkinProgressionTest, MoreThanFivePointsAndAtLeastAQuarter) {
  EXPECT_FALSE(IsSkinProgression(20, 25));  // +5
  EXPECT_TRUE(IsSkinProgression(20, 26));   // +6, +30 %
  EXPECT_FALSE(IsSkinProgression(24, 29));  // +5
  EXPECT_TRUE(IsSkinProgression(24, 30));   // +6, +25 % exactly
  EXPECT_FALSE(IsSkinProgression(30, 36));  // +6, +20 %
  EXPECT_TRUE(IsSkinProgression(0, 6));     // from 0, any rise over 5
  EXPECT_FALSE(IsSkinProgression(20, 14));  // a fall
}

TEST(LungProgressionTest, TenPercentOrFiveWithAFallInDlco) {
  // Relative to the baseline (the default).
  EXPECT_TRUE(IsLungProgression(80, 72, std::nullopt, std::nullopt, false));
  EXPECT_FALSE(IsLungProgression(80, 74, std::nullopt, std::nullopt, false));
  EXPECT_FALSE(IsLungProgression(80, 74, 60.0, 52.0, false));    // DLCO -13 %
  EXPECT_TRUE(IsLungProgression(80, 74, 60.0, 51.0, false));     // DLCO -15 %
  EXPECT_FALSE(IsLungProgression(80, 76.5, 60.0, 40.0, false));  // FVC -4.4 %
  EXPECT_TRUE(IsLungProgression(80, 76, 60.0, 51.0, false));     // FVC -5 %
  EXPECT_TRUE(IsLungProgression(78.5, 70.65, std::nullopt, std::nullopt,
                                false));  // -10 % of a decimal baseline
  // In %-predicted points.
  EXPECT_FALSE(IsLungProgression(80, 72, std::nullopt, std::nullopt, true));
  EXPECT_TRUE(IsLungProgression(80, 70, std::nullopt, std::nullopt, true));
  EXPECT_TRUE(IsLungProgression(80, 72, 60.0, 45.0, true));   // DLCO -15
  EXPECT_FALSE(IsLungProgression(80, 72, 60.0, 46.0, true));  // DLCO -14
}

SscAssessmentRecord Ssc(int day, std::optional<int> mrss,
                        std::optional<double> fvc,
                        std::optional<double> dlco = std::nullopt) {
  SscAssessmentRecord a;
  a.patient_id = "P";
  a.assessment_date = D(day);
  a.mrss = mrss;
  a.fvc_pct = fvc;
  a.dlco_pct = dlco;
  return a;
}

PatientClinicalData SscPatient() {
  PatientClinicalData p;
  p.disease = Disease::kSsc;
  p.transplant_dates = {D(0)};
  return p;
}

TEST(CrissTest, HandComputedProbabilities) {
  // L = -5.54: no change at all.
  EXPECT_NEAR(CrissProbability({0, 0, 0, 0, 0, false}), 0.0039111695, 1e-9);
  // L = -5.54 + 0.81 * 6 = -0.68.
  EXPECT_NEAR(CrissProbability({-6, 0, 0, 0, 0, false}), 0.3362613026, 1e-9);
  // L = -5.54 + 6.48 + 0.42 + 0.40 + 0.44 + 0.8525 = 3.0525.
  EXPECT_NEAR(CrissProbability({-8, 2, -1, -1, -0.25, false}), 0.9548903360,
              1e-9);
  // Step 1 overrides any improvement.
  EXPECT_EQ(CrissProbability({-8, 2, -1, -1, -0.25, true}), 0);
}

TEST(RevisedCrissTest, ThreeOfFiveItemsImprove) {
  const CoreItems base{20, 70, 6, 5, 1.5};
  // mRSS -25 %, patient global -33 %, FVC +5 %: three items at 25 %.
  EXPECT_TRUE(RevisedCrissImproved(base, {15, 73.5, 4, 5, 1.5}, false, 25));
  // FVC +4.3 % does not count: two items.
  EXPECT_FALSE(RevisedCrissImproved(base, {15, 73, 4, 5, 1.5}, false, 25));
  // mRSS -25 % is not -30 %.
  EXPECT_FALSE(RevisedCrissImproved(base, {15, 73.5, 4, 5, 1.5}, false, 30));
  // HAQ-DI 1.5 -> 1.125 (-25 %) and physician global 5 -> 3.75 (-25 %):
  // two items; with the mRSS, three.
  EXPECT_FALSE(RevisedCrissImproved(base, {20, 70, 6, 3.75, 1.125}, false, 25));
  EXPECT_TRUE(RevisedCrissImproved(base, {15, 70, 6, 3.75, 1.125}, false, 25));
  // A step-1 worsening is never improved; an item at 0 cannot fall.
  EXPECT_FALSE(RevisedCrissImproved(base, {5, 90, 0, 0, 0}, true, 25));
  EXPECT_FALSE(
      RevisedCrissImproved({20, 70, 0, 0, 0}, {19, 70, 0, 0, 0}, false, 25));
}

TEST(SscTwelveMonthTest, ResponseAndCrissAtTheNearestAssessment) {
  PatientClinicalData p;
  p.disease = Disease::kSsc;
  p.transplant_dates = {D(0)};
  SscAssessmentRecord base = Ssc(-20, 20, 70, 50);
  base.haq_di = 1.5;
  base.patient_global = 6;
  base.physician_global = 5;
  base.lvef_pct = 60;
  SscAssessmentRecord year = Ssc(370, 12, 72, 52);  // -40 % mRSS
  year.haq_di = 1.25;
  year.patient_global = 5;
  year.physician_global = 4;
  year.lvef_pct = 58;
  p.ssc_assessments = {base, Ssc(300, 18, 71), year, Ssc(500, 10, 75)};
  EXPECT_EQ(TwelveMonthAssessment(p.ssc_assessments, D(0))->assessment_date,
            D(370));
  SscCourse c = DescribeSsc(p, D(0), OutcomeDefinition());
  EXPECT_EQ(c.response_12m, true);
  // dmRSS -8, dFVC +2, globals -1 and -1, HAQ -0.25: the third vector.
  EXPECT_THAT(c.criss_12m, Optional(::testing::DoubleNear(0.95489, 1e-5)));
  // mRSS -40 %, globals -17 % and -20 %, HAQ-DI -17 %, FVC +2.9 %: only
  // the mRSS improved by 25 %, so not improved by the revised CRISS; by
  // 15 %, four items.
  EXPECT_EQ(c.rcriss_12m, false);
  OutcomeDefinition fifteen;
  fifteen.rcriss_percent = 15;
  EXPECT_EQ(DescribeSsc(p, D(0), fifteen).rcriss_12m, true);

  // 20 -> 15 is -25 %, not more: no skin response; FVC 70 -> 77 is +10 %.
  p.ssc_assessments[2].mrss = 15;
  p.ssc_assessments[2].fvc_pct = 76.5;
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).response_12m, false);
  p.ssc_assessments[2].fvc_pct = 77;
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).response_12m, true);
  // A baseline mRSS of 14 or less is not judged on the skin.
  p.ssc_assessments[0].mrss = 14;
  p.ssc_assessments[2].mrss = 5;
  p.ssc_assessments[2].fvc_pct = 70;
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).response_12m, false);

  // Step 1: the LVEF falls to 45 %, or a renal crisis by 12 months.
  p.ssc_assessments[2].lvef_pct = 45;
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).criss_12m, 0.0);
  p.ssc_assessments[2].lvef_pct = 58;
  p.organ_failures = {{"P", D(200), Organ::kKidney, "renal crisis", false}};
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).criss_12m, 0.0);
  // An item missing at 12 months: not computed.
  p.organ_failures.clear();
  p.ssc_assessments[2].haq_di.reset();
  EXPECT_EQ(DescribeSsc(p, D(0), OutcomeDefinition()).criss_12m, std::nullopt);
  // No assessment near 12 months: neither.
  p.ssc_assessments.erase(p.ssc_assessments.begin() + 2);
  p.ssc_assessments.erase(p.ssc_assessments.begin() + 1);
  c = DescribeSsc(p, D(0), OutcomeDefinition());
  EXPECT_EQ(c.response_12m, std::nullopt);
  EXPECT_EQ(c.criss_12m, std::nullopt);
}

TEST(SscBaselineTest, EachMeasuresLastValueInTheWindowBeforeDayZero) {
  const std::vector<SscAssessmentRecord> a = {
      Ssc(-200, 30, 60), Ssc(-80, 24, std::nullopt), Ssc(-10, std::nullopt, 75),
      Ssc(5, 10, 90)};
  const SscBaseline b = BaselineOf(a, D(0), OutcomeDefinition());
  EXPECT_EQ(b.mrss, 24);
  EXPECT_EQ(b.fvc_pct, 75);
  OutcomeDefinition narrow;
  narrow.ssc_baseline_days = 30;
  EXPECT_EQ(BaselineOf(a, D(0), narrow).mrss, std::nullopt);
  EXPECT_EQ(BaselineOf(a, D(0), narrow).fvc_pct, 75);
}

TEST(SscEndpointTest, ProgressionIsTheFirstOfItsPartsAndDeath) {
  PatientClinicalData p = SscPatient();
  p.ssc_assessments = {Ssc(-30, 20, 80, 60), Ssc(180, 25, 74, 52),
                       Ssc(365, 26, 78, 60), Ssc(730, 18, 72, 60)};
  const SscCourse c = DescribeSsc(p, D(0), OutcomeDefinition());
  EXPECT_EQ(c.skin_progression, D(365));
  EXPECT_EQ(c.lung_progression, D(730));
  EXPECT_EQ(c.progression, D(365));
  EXPECT_THAT(Observe(Endpoint::kSscPfs, p), Ends(365, true, false));
  EXPECT_THAT(Observe(Endpoint::kSkinProgression, p), Ends(365, true, false));
  EXPECT_THAT(Observe(Endpoint::kLungProgression, p), Ends(730, true, false));
  // Absolute change: 80 -> 72 is 8 points, and the DLCO did not fall.
  OutcomeDefinition absolute;
  absolute.fvc_change_absolute = true;
  EXPECT_THAT(Observe(Endpoint::kLungProgression, p, absolute),
              Ends(730, false, false));

  // An organ failure before the skin progression comes first; only a
  // persistent one is an event-free-survival event.
  p.organ_failures = {{"P", D(100), Organ::kKidney, "renal crisis", false}};
  EXPECT_THAT(Observe(Endpoint::kSscPfs, p), Ends(100, true, false));
  EXPECT_THAT(Observe(Endpoint::kSscEfs, p), Ends(730, false, false));
  p.organ_failures.push_back({"P", D(400), Organ::kLung, "oxygen", true});
  EXPECT_THAT(Observe(Endpoint::kSscEfs, p), Ends(400, true, false));

  // Death is part of PFS and EFS; for lung progression it competes.
  PatientClinicalData died = SscPatient();
  died.ssc_assessments = {Ssc(-30, 20, 80), Ssc(180, 20, 79)};
  died.death_date = D(300);
  EXPECT_THAT(Observe(Endpoint::kSscPfs, died), Ends(300, true, false));
  EXPECT_THAT(Observe(Endpoint::kSscEfs, died), Ends(300, true, false));
  EXPECT_THAT(Observe(Endpoint::kLungProgression, died),
              Ends(300, false, true));
  EXPECT_TRUE(DeathIsAnEvent(Endpoint::kSscPfs));
  EXPECT_FALSE(DeathIsAnEvent(Endpoint::kLungProgression));
}

TEST(SscEndpointTest, OnlySscPatientsWithABaselineCount) {
  PatientClinicalData p = SscPatient();
  p.ssc_assessments = {Ssc(180, 25, 74)};  // nothing before day 0
  EXPECT_EQ(Observe(Endpoint::kSkinProgression, p), std::nullopt);
  EXPECT_EQ(Observe(Endpoint::kLungProgression, p), std::nullopt);
  EXPECT_THAT(Observe(Endpoint::kSscPfs, p), Ends(180, false, false));
  p.disease = Disease::kSle;
  EXPECT_EQ(Observe(Endpoint::kSscPfs, p), std::nullopt);
}

// ------------------------------------------------------------ Lupus

using D24 = SledaiDescriptor;

TEST(SledaiTest, EachWeightClassAndTheClinicalScore) {
  EXPECT_EQ(Sledai2k(0), 0);
  EXPECT_EQ(Sledai2k(Bit(D24::kSeizure)), 8);
  EXPECT_EQ(Sledai2k(Bit(D24::kVasculitis)), 8);
  EXPECT_EQ(Sledai2k(Bit(D24::kArthritis)), 4);
  EXPECT_EQ(Sledai2k(Bit(D24::kPyuria)), 4);
  EXPECT_EQ(Sledai2k(Bit(D24::kRash)), 2);
  EXPECT_EQ(Sledai2k(Bit(D24::kIncreasedDnaBinding)), 2);
  EXPECT_EQ(Sledai2k(Bit(D24::kFever)), 1);
  EXPECT_EQ(Sledai2k(Bit(D24::kLeukopenia)), 1);
  // 8 + 4 + 2 + 2 + 1 = 17; clinical SLEDAI drops complement and DNA.
  const SledaiSet s = Bit(D24::kPsychosis) | Bit(D24::kProteinuria) |
                      Bit(D24::kLowComplement) | Bit(D24::kAlopecia) |
                      Bit(D24::kThrombocytopenia);
  EXPECT_EQ(Sledai2k(s), 17);
  EXPECT_EQ(ClinicalSledai(s), 15);
  EXPECT_EQ(Sledai2k((SledaiSet{1} << kSledaiDescriptorCount) - 1), 105);
}

SleAssessmentRecord Sle(int day, SledaiSet present, std::optional<double> pga,
                        std::optional<double> pred) {
  return {"P", D(day), present, pga, pred};
}

PatientClinicalData SlePatient() {
  PatientClinicalData p;
  p.disease = Disease::kSle;
  p.transplant_dates = {D(0)};
  return p;
}

TEST(SleStateTest, DorisAtFiveAndFiveAndAHalfMilligrams) {
  PatientClinicalData p = SlePatient();
  const SledaiSet serology =
      Bit(D24::kLowComplement) | Bit(D24::kIncreasedDnaBinding);
  p.sle_assessments = {Sle(100, serology, 0.4, 5), Sle(200, 0, 0.4, 5.5),
                       Sle(300, 0, 0.5, 0), Sle(400, Bit(D24::kRash), 0, 0),
                       Sle(500, 0, std::nullopt, 0)};
  const std::vector<SleState> s = SleStates(p, OutcomeDefinition());
  EXPECT_EQ(s[0].doris, true);  // serology alone is allowed
  EXPECT_EQ(s[1].doris, false);
  EXPECT_EQ(s[2].doris, false);  // PGA 0.5
  EXPECT_EQ(s[3].doris, false);
  EXPECT_EQ(s[4].doris, std::nullopt);  // no PGA recorded
  OutcomeDefinition strict;
  strict.doris_prednisolone_strict = true;
  EXPECT_EQ(SleStates(p, strict)[0].doris, false);
  OutcomeDefinition higher;
  higher.doris_prednisolone_mg = 5.5;
  EXPECT_EQ(SleStates(p, higher)[1].doris, true);
}

TEST(SleStateTest, LldasAllowsLowActivityOutsideMajorOrgans) {
  PatientClinicalData p = SlePatient();
  const SledaiSet rash_serology = Bit(D24::kRash) | Bit(D24::kLowComplement);
  p.sle_assessments = {
      Sle(100, rash_serology, 1, 7.5),  // SLEDAI 4: LLDAS (first: no new)
      Sle(200, rash_serology | Bit(D24::kFever), 1, 5),       // fever: major
      Sle(300, rash_serology, 1, 5),                          // nothing new
      Sle(400, rash_serology | Bit(D24::kLeukopenia), 1, 5),  // new: no
      Sle(500, Bit(D24::kArthritis), 1, 5),     // 4 but new arthritis
      Sle(600, Bit(D24::kArthritis), 1, 5),     // the same: LLDAS
      Sle(700, Bit(D24::kArthritis), 1.5, 5),   // PGA over 1
      Sle(800, Bit(D24::kArthritis), 1, 8),     // prednisolone over 7.5
      Sle(900, Bit(D24::kProteinuria), 0, 0)};  // renal
  std::vector<std::optional<bool>> lldas;
  for (const SleState& s : SleStates(p, OutcomeDefinition())) {
    lldas.push_back(s.lldas);
  }
  EXPECT_THAT(lldas, ElementsAre(true, false, true, false, false, true, false,
                                 false, false));
}

TEST(SleStateTest, FlareIsARiseOfFourFromThePreviousAssessment) {
  PatientClinicalData p = SlePatient();
  p.sle_assessments = {
      Sle(-10, Bit(D24::kArthritis) | Bit(D24::kRash), 1, 20),  // 6
      Sle(100, 0, 0, 10),                                       // 0
      Sle(200, Bit(D24::kRash) | Bit(D24::kFever), 0, 5),       // 3: +3
      Sle(300, Bit(D24::kArthritis) | Bit(D24::kRash) | Bit(D24::kFever), 0,
          5)};  // 7: +4
  std::vector<bool> flares;
  for (const SleState& s : SleStates(p, OutcomeDefinition())) {
    flares.push_back(s.flare);
  }
  EXPECT_THAT(flares, ElementsAre(false, false, false, true));
  OutcomeDefinition five;
  five.sle_flare_points = 5;
  EXPECT_FALSE(SleStates(p, five)[3].flare);
  EXPECT_THAT(Observe(Endpoint::kSleFlare, p), Ends(300, true, false));
  // A centre-reported relapse is a flare too.
  p.relapses = {D(150)};
  EXPECT_THAT(Observe(Endpoint::kSleFlare, p), Ends(150, true, false));
}

TEST(SleStateTest, HsctRemissionAllowsAntimalarialsAndTenMilligrams) {
  PatientClinicalData p = SlePatient();
  p.sle_assessments = {Sle(100, Bit(D24::kRash), 2, 10), Sle(200, 0, 0, 10.5),
                       Sle(300, 0, 0, 5), Sle(400, 0, 0, 5)};
  p.treatments = {{"hydroxychloroquine", D(50), std::nullopt,
                   TreatmentClass::kAntimalarial, false},
                  {"mycophenolate", D(250), D(350),
                   TreatmentClass::kImmunosuppressant, false}};
  std::vector<std::optional<bool>> remission;
  for (const SleState& s : SleStates(p, OutcomeDefinition())) {
    remission.push_back(s.hsct_remission);
  }
  EXPECT_THAT(remission, ElementsAre(true, false, false, true));
}

TEST(SleEndpointTest, TimeToFirstStateAndTimeInLldas) {
  PatientClinicalData p = SlePatient();
  p.sle_assessments = {Sle(-10, Bit(D24::kArthritis), 2, 30),
                       Sle(100, Bit(D24::kArthritis), 1, 10),  // not LLDAS
                       Sle(200, Bit(D24::kRash), 1, 5),        // new rash
                       Sle(300, Bit(D24::kRash), 0.5, 5),      // LLDAS
                       Sle(500, 0, 0, 2),                      // DORIS
                       Sle(700, 0, 0, 0)};
  EXPECT_THAT(Observe(Endpoint::kLldas, p), Ends(300, true, false));
  EXPECT_THAT(Observe(Endpoint::kDoris, p), Ends(500, true, false));
  const SleCourse c = DescribeSle(p, D(0), SleStates(p, OutcomeDefinition()));
  // Days 100-300 out of LLDAS, 300-700 in it.
  EXPECT_THAT(c.lldas_time_fraction, Optional(400.0 / 600.0));

  // Never reached: censored at the last assessment that could judge it;
  // a death before competes.
  PatientClinicalData q = SlePatient();
  q.sle_assessments = {Sle(100, Bit(D24::kArthritis), 2, 10),
                       Sle(200, Bit(D24::kArthritis), std::nullopt, 10)};
  EXPECT_THAT(Observe(Endpoint::kDoris, q), Ends(100, false, false));
  q.death_date = D(400);
  EXPECT_THAT(Observe(Endpoint::kDoris, q), Ends(400, false, true));
  q.disease = Disease::kSsc;
  EXPECT_EQ(Observe(Endpoint::kDoris, q), std::nullopt);
}

// ------------------------------------------------------------ NMOSD

LabResultRecord Aqp4(int day, LabResultState result) {
  LabResultRecord l;
  l.patient_id = "P";
  l.sample_date = D(day);
  l.test = "aqp4_igg";
  l.result = result;
  return l;
}

TEST(NmosdTest, RelapseFreeSurvivalFollowsAttacksToTheLastContact) {
  PatientClinicalData p;
  p.disease = Disease::kNmosd;
  p.transplant_dates = {D(0)};
  p.relapses = {D(-200), D(900)};
  p.lab_results = {Aqp4(1200, LabResultState::kPositive)};
  EXPECT_THAT(Observe(Endpoint::kRelapse, p), Ends(900, true, false));
  p.relapses = {D(-200)};
  EXPECT_THAT(Observe(Endpoint::kRelapse, p), Ends(1200, false, false));
  p.disease = Disease::kSsc;
  EXPECT_EQ(Observe(Endpoint::kRelapse, p), std::nullopt);
}

TEST(NmosdTest, DisabilityWorseningByTheMsRulesButNoNeda) {
  PatientClinicalData p;
  p.disease = Disease::kNmosd;
  p.transplant_dates = {D(0)};
  // EDSS 3.0 at baseline, 4.0 on day 200 confirmed on day 300.
  p.visits = {{D(-10), 3.0}, {D(200), 4.0}, {D(300), 4.0}};
  const PatientOutcome o = ComputeOutcome(p, OutcomeDefinition());
  EXPECT_EQ(o.cdw_count, 1);
  EXPECT_EQ(o.not_evaluable_reason, "not MS");
  EXPECT_FALSE(o.neda3_evaluable);
  EXPECT_THAT(Observe(Endpoint::kCdw, p), Ends(200, true, false));
  EXPECT_EQ(Observe(Endpoint::kNeda3, p), std::nullopt);
  p.disease = Disease::kSle;
  EXPECT_EQ(ComputeOutcome(p, OutcomeDefinition()).cdw_count, 0);
  EXPECT_EQ(Observe(Endpoint::kCdw, p), std::nullopt);
}

TEST(Aqp4Test, SeroreversionAndReconversion) {
  PatientClinicalData p;
  p.disease = Disease::kNmosd;
  p.transplant_dates = {D(0)};
  const auto pos = LabResultState::kPositive, neg = LabResultState::kNegative;
  p.lab_results = {Aqp4(-400, neg), Aqp4(-30, pos), Aqp4(180, pos),
                   Aqp4(365, neg),  Aqp4(730, neg), Aqp4(1500, pos)};
  Aqp4Course c = DescribeAqp4(p, D(0));
  EXPECT_TRUE(c.positive_before);
  EXPECT_EQ(c.seroreversion, D(365));
  EXPECT_EQ(c.reconversion, D(1500));
  EXPECT_THAT(Observe(Endpoint::kSeroreversion, p), Ends(365, true, false));

  // Negative before day 0 (the last result counts): not in the endpoint.
  p.lab_results = {Aqp4(-400, pos), Aqp4(-30, neg), Aqp4(365, neg)};
  EXPECT_FALSE(DescribeAqp4(p, D(0)).positive_before);
  EXPECT_EQ(Observe(Endpoint::kSeroreversion, p), std::nullopt);

  // Still positive: censored at the last test; other tests do not count.
  p.lab_results = {Aqp4(-30, pos), Aqp4(365, pos)};
  LabResultRecord mog = Aqp4(500, neg);
  mog.test = "mog_igg";
  p.lab_results.push_back(mog);
  EXPECT_THAT(Observe(Endpoint::kSeroreversion, p), Ends(365, false, false));
}

}  // namespace
}  // namespace registry
