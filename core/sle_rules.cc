#include "core/sle_rules.h"

namespace registry {
namespace {

using D = SledaiDescriptor;

// LLDAS allows no activity in these systems (renal, CNS, cardiopulmonary,
// vasculitis, fever).
constexpr SledaiSet kMajorOrganActivity =
    Bit(D::kSeizure) | Bit(D::kPsychosis) | Bit(D::kOrganicBrainSyndrome) |
    Bit(D::kVisualDisturbance) | Bit(D::kCranialNerveDisorder) |
    Bit(D::kLupusHeadache) | Bit(D::kCva) | Bit(D::kVasculitis) |
    Bit(D::kUrinaryCasts) | Bit(D::kHaematuria) | Bit(D::kProteinuria) |
    Bit(D::kPyuria) | Bit(D::kPleurisy) | Bit(D::kPericarditis) |
    Bit(D::kFever);
constexpr SledaiSet kSerology =
    Bit(D::kLowComplement) | Bit(D::kIncreasedDnaBinding);

bool RunsOn(const TreatmentData& t, Date date) {
  return t.start_date <= date && (!t.end_date || *t.end_date >= date);
}

}  // namespace

int SledaiWeight(SledaiDescriptor d) {
  const int i = static_cast<int>(d);
  if (i <= static_cast<int>(D::kVasculitis)) return 8;
  if (i <= static_cast<int>(D::kPyuria)) return 4;
  if (i <= static_cast<int>(D::kIncreasedDnaBinding)) return 2;
  return 1;
}

int Sledai2k(SledaiSet present) {
  int total = 0;
  for (int i = 0; i < kSledaiDescriptorCount; ++i) {
    if (present & (SledaiSet{1} << i)) {
      total += SledaiWeight(static_cast<SledaiDescriptor>(i));
    }
  }
  return total;
}

int ClinicalSledai(SledaiSet present) { return Sledai2k(present & ~kSerology); }

std::vector<SleState> SleStates(const PatientClinicalData& data,
                                const OutcomeDefinition& d) {
  std::vector<SleState> states;
  const SleAssessmentRecord* previous = nullptr;
  for (const SleAssessmentRecord& a : data.sle_assessments) {
    SleState s;
    s.date = a.assessment_date;
    s.sledai_2k = Sledai2k(a.descriptors);
    s.clinical_sledai = ClinicalSledai(a.descriptors);
    const std::optional<double> pred = a.prednisolone_mg_day;
    if (a.pga && pred) {
      const bool steroid_ok = d.doris_prednisolone_strict
                                  ? *pred < d.doris_prednisolone_mg
                                  : *pred <= d.doris_prednisolone_mg;
      s.doris = s.clinical_sledai == 0 && *a.pga < 0.5 && steroid_ok;
      const SledaiSet added =
          previous ? a.descriptors & ~previous->descriptors : 0;
      s.lldas = s.sledai_2k <= 4 &&
                (a.descriptors & kMajorOrganActivity) == 0 && added == 0 &&
                *a.pga <= 1 && *pred <= 7.5;
    }
    if (pred) {
      bool immunosuppressed = false;
      for (const TreatmentData& t : data.treatments) {
        immunosuppressed =
            immunosuppressed ||
            ((t.treatment_class == TreatmentClass::kImmunosuppressant ||
              t.treatment_class == TreatmentClass::kBiologic) &&
             RunsOn(t, a.assessment_date));
      }
      s.hsct_remission = !immunosuppressed && *pred <= 10;
    }
    s.flare = previous && s.sledai_2k - Sledai2k(previous->descriptors) >=
                              d.sle_flare_points;
    states.push_back(s);
    previous = &a;
  }
  return states;
}

SleCourse DescribeSle(const PatientClinicalData& data, Date day0,
                      const std::vector<SleState>& states) {
  SleCourse c;
  auto earliest = [](std::optional<Date>& slot, Date date) {
    if (!slot || date < *slot) slot = date;
  };
  double in_lldas = 0, known = 0;
  const SleState* open = nullptr;  // the last assessment after day 0
  for (const SleState& s : states) {
    if (s.date <= day0) continue;
    if (s.doris == true) earliest(c.first_doris, s.date);
    if (s.lldas == true) earliest(c.first_lldas, s.date);
    if (s.flare) earliest(c.first_flare, s.date);
    if (open && open->lldas) {
      const double days = s.date - open->date;
      known += days;
      if (*open->lldas) in_lldas += days;
    }
    open = &s;
  }
  if (known > 0) c.lldas_time_fraction = in_lldas / known;
  for (Date onset : data.relapses) {
    if (onset > day0) earliest(c.first_flare, onset);
  }
  for (const DiseaseStatusRecord& s : data.disease_statuses) {
    if (s.status_date > day0 && s.status == DiseaseState::kRelapse) {
      earliest(c.first_flare, s.status_date);
    }
  }
  return c;
}

}  // namespace registry
