// Unit tests of the cohort report's safety and per-disease sections.
#include "core/cohort_sections.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace registry {
namespace {

const Date kDay0(2016, 1, 10);
Date D(int day) { return kDay0 + day; }

PatientClinicalData Patient(Disease disease, TransplantType type) {
  PatientClinicalData p;
  p.disease = disease;
  p.transplant_dates = {D(0)};
  p.first_type = type;
  p.disease_statuses = {{"P", D(400), DiseaseState::kStable}};
  return p;
}

const IncidenceAt* Find(const std::vector<IncidenceAt>& rows,
                        const std::string& endpoint, double days) {
  for (const IncidenceAt& r : rows) {
    if (r.endpoint == endpoint && r.days == days) return &r;
  }
  return nullptr;
}

class SectionsTest : public ::testing::Test {
 protected:
  void Add(const PatientClinicalData& p) {
    builder_.Add(p, ComputeOutcome(p, definition_));
  }
  OutcomeDefinition definition_;
  CohortSectionsBuilder builder_{definition_};
};

TEST_F(SectionsTest, EngraftmentMediansAndPrimaryGraftFailure) {
  for (int day : {9, 11, 12, 14}) {
    PatientClinicalData p = Patient(Disease::kSsc, TransplantType::kAutologous);
    p.engraftments = {{"P", D(0), D(day), D(day + 5)}};
    Add(p);
  }
  // No recovery by day 28, followed past it: a failure. Recovering on day
  // 30 is one too. Dying on day 20 without recovery: not evaluable.
  PatientClinicalData none =
      Patient(Disease::kSle, TransplantType::kAutologous);
  none.engraftments = {{"P", D(0), std::nullopt, std::nullopt}};
  Add(none);
  PatientClinicalData late =
      Patient(Disease::kSle, TransplantType::kAutologous);
  late.engraftments = {{"P", D(0), D(30), std::nullopt}};
  Add(late);
  PatientClinicalData died =
      Patient(Disease::kSle, TransplantType::kAutologous);
  died.disease_statuses.clear();
  died.engraftments = {{"P", D(0), std::nullopt, std::nullopt}};
  died.death_date = D(20);
  died.death_cause = DeathCause::kInfection;
  Add(died);
  // A patient without an engraftment record counts for the rest only.
  Add(Patient(Disease::kSsc, TransplantType::kAllogeneic));

  const std::vector<SafetySection> safety = builder_.Safety();
  ASSERT_EQ(safety.size(), 3u);
  EXPECT_EQ(safety[0].transplant_type, "(all)");
  EXPECT_EQ(safety[1].transplant_type, "allogeneic");
  EXPECT_EQ(safety[2].transplant_type, "autologous");
  const SafetySection& all = safety[0];
  EXPECT_EQ(all.patients, 8);
  EXPECT_EQ(all.engraftment_reported, 7);
  EXPECT_EQ(all.neutrophil_recovered, 5);
  EXPECT_EQ(all.neutrophil_median_days, 12);  // of 9, 11, 12, 14, 30
  EXPECT_EQ(all.neutrophil_min_days, 9);
  EXPECT_EQ(all.neutrophil_max_days, 30);
  EXPECT_EQ(all.platelet_recovered, 4);
  EXPECT_EQ(all.platelet_median_days, 16.5);  // of 14, 16, 17, 19
  EXPECT_EQ(all.graft_failure_evaluable, 6);
  EXPECT_EQ(all.graft_failures, 2);
  EXPECT_EQ(safety[1].patients, 1);
  EXPECT_EQ(safety[1].engraftment_reported, 0);

  // One transplant-related death of 8 by day 20: 1/8 at day 100.
  const IncidenceAt* trm = Find(all.incidences, "trm", 100);
  ASSERT_NE(trm, nullptr);
  EXPECT_DOUBLE_EQ(*trm->incidence, 1.0 / 8);
  EXPECT_EQ(trm->n_risk, 7);
  // Nobody followed 5 years: no estimate.
  const IncidenceAt* malignancy = Find(all.incidences, "malignancy", 1826);
  ASSERT_NE(malignancy, nullptr);
  EXPECT_EQ(malignancy->incidence, std::nullopt);
  // GvHD rows only for allogeneic transplants.
  EXPECT_EQ(Find(all.incidences, "agvhd", 100), nullptr);
  EXPECT_NE(Find(safety[1].incidences, "agvhd", 100), nullptr);
}

TEST_F(SectionsTest, EachDiseaseHasItsOwnEndpoints) {
  PatientClinicalData ms = Patient(Disease::kRrms, TransplantType::kAutologous);
  ms.visits = {{D(-10), 3.0}, {D(400), 3.0}};
  ms.scans = {{D(200), 0, 0, 0, std::nullopt}, {D(400), 0, 0, 0, {}}};
  Add(ms);
  PatientClinicalData spms = ms;
  spms.disease = Disease::kSpms;
  Add(spms);
  PatientClinicalData ssc = Patient(Disease::kSsc, TransplantType::kAutologous);
  Add(ssc);  // stable on day 400
  ssc.disease_statuses.push_back({"P", D(200), DiseaseState::kProgression});
  Add(ssc);

  const std::vector<DiseaseSection> diseases = builder_.Diseases();
  ASSERT_EQ(diseases.size(), 2u);
  EXPECT_EQ(diseases[0].disease, "MS");  // RRMS and SPMS together
  EXPECT_EQ(diseases[0].patients, 2);
  EXPECT_EQ(diseases[1].disease, "SSC");
  auto endpoints = [](const DiseaseSection& d) {
    std::vector<std::string> names;
    for (const SurvivalAt& r : d.survival) {
      if (names.empty() || names.back() != r.endpoint) {
        names.push_back(r.endpoint);
      }
    }
    return names;
  };
  EXPECT_THAT(endpoints(diseases[0]),
              ::testing::UnorderedElementsAre("os", "pfs", "tfr", "neda3"));
  EXPECT_THAT(endpoints(diseases[1]),
              ::testing::UnorderedElementsAre("os", "pfs", "tfr", "ssc-pfs",
                                              "ssc-efs"));
  // The centre's progression on day 200 is an SSc progression too.
  const auto ssc_pfs =
      std::find_if(diseases[1].survival.begin(), diseases[1].survival.end(),
                   [](const SurvivalAt& r) { return r.endpoint == "ssc-pfs"; });
  ASSERT_NE(ssc_pfs, diseases[1].survival.end());
  EXPECT_EQ(ssc_pfs->estimate, 0.5);
  // Without a baseline mRSS or FVC, no skin or lung progression rows.
  EXPECT_EQ(Find(diseases[1].incidences, "skin-progression", 365.25), nullptr);
  // One of the two SSc patients progressed on day 200: relapse incidence
  // 1/2 at year 1, one still at risk.
  const IncidenceAt* ri = Find(diseases[1].incidences, "ri", 365.25);
  ASSERT_NE(ri, nullptr);
  EXPECT_EQ(ri->incidence, 0.5);
  EXPECT_EQ(ri->n_risk, 1);
  // Nobody followed to year 2.
  EXPECT_EQ(Find(diseases[1].incidences, "ri", 730.5)->incidence, std::nullopt);
  const IncidenceAt* nrm = Find(diseases[1].incidences, "nrm", 365.25);
  ASSERT_NE(nrm, nullptr);
  EXPECT_EQ(nrm->incidence, 0.0);
}

TEST_F(SectionsTest, SscAndLupusMeasuresByYearSinceTransplant) {
  PatientClinicalData a = Patient(Disease::kSsc, TransplantType::kAutologous);
  a.ssc_assessments = {{"P", D(-30), 30, 70.0},
                       {"P", D(350), 20, 74.0},
                       {"P", D(700), 14, std::nullopt}};
  Add(a);
  PatientClinicalData b = a;
  b.ssc_assessments = {{"P", D(-10), 20, 80.0}, {"P", D(380), 10, 82.0}};
  Add(b);
  PatientClinicalData sle = Patient(Disease::kSle, TransplantType::kAutologous);
  sle.sle_assessments = {
      {"P", D(-10), Bit(SledaiDescriptor::kArthritis), 2, 20},  // 4
      {"P", D(365), Bit(SledaiDescriptor::kRash), 0, 5}};       // 2
  Add(sle);
  const std::vector<DiseaseSection> diseases = builder_.Diseases();
  ASSERT_EQ(diseases.size(), 2u);
  std::vector<std::string> rows;
  for (const DiseaseSection& d : diseases) {
    for (const MeasureYear& m : d.by_year) {
      rows.push_back(absl::StrCat(d.disease, " ", m.measure, " ", m.stats.year,
                                  ": n ", m.stats.n, " median ",
                                  m.stats.median));
    }
  }
  EXPECT_THAT(
      rows, ::testing::ElementsAre(
                "SLE sledai_2k 0: n 1 median 4",
                "SLE sledai_2k 1: n 1 median 2", "SSC fvc_pct 0: n 2 median 75",
                "SSC fvc_pct 1: n 2 median 78", "SSC mrss 0: n 2 median 25",
                "SSC mrss 1: n 2 median 15", "SSC mrss 2: n 1 median 14"));
}

TEST_F(SectionsTest, LupusAndNmosdSectionsHaveTheirStatesAndAttacks) {
  PatientClinicalData sle = Patient(Disease::kSle, TransplantType::kAutologous);
  sle.sle_assessments = {
      {"P", D(-10), Bit(SledaiDescriptor::kArthritis), 2, 20},
      {"P", D(200), 0, 0, 0},
      {"P", D(800), 0, 0, 0}};
  Add(sle);
  PatientClinicalData active = sle;  // never in DORIS, followed to day 800
  for (SleAssessmentRecord& a : active.sle_assessments) a.pga = 2;
  Add(active);
  PatientClinicalData nmo =
      Patient(Disease::kNmosd, TransplantType::kAutologous);
  Add(nmo);  // no attack, followed to day 400
  nmo.relapses = {D(300)};
  Add(nmo);
  const std::vector<DiseaseSection> diseases = builder_.Diseases();
  ASSERT_EQ(diseases.size(), 2u);
  EXPECT_EQ(diseases[0].disease, "NMOSD");
  EXPECT_EQ(diseases[1].disease, "SLE");
  const IncidenceAt* doris = Find(diseases[1].incidences, "doris", 365.25);
  ASSERT_NE(doris, nullptr);
  EXPECT_EQ(doris->incidence, 0.5);  // one of two reached it on day 200
  EXPECT_NE(Find(diseases[1].incidences, "sle-flare", 365.25), nullptr);
  const IncidenceAt* attack = Find(diseases[0].incidences, "relapse", 365.25);
  ASSERT_NE(attack, nullptr);
  EXPECT_EQ(attack->incidence, 0.5);
}

}  // namespace
}  // namespace registry
