// Systemic lupus erythematosus: SLEDAI-2K, DORIS remission, LLDAS, the
// HSCT remission definition and flares, per assessment (docs/outcomes.md,
// "Lupus"). Plain functions over one patient's data.
#ifndef REGISTRY_CORE_SLE_RULES_H_
#define REGISTRY_CORE_SLE_RULES_H_

#include <optional>
#include <vector>

#include "core/outcome_definition.h"
#include "core/outcomes.h"

namespace registry {

// The descriptor's SLEDAI-2K weight: 8, 4, 2 or 1 (Gladman 2002).
int SledaiWeight(SledaiDescriptor descriptor);
// The SLEDAI-2K total, 0 to 105.
int Sledai2k(SledaiSet present);
// SLEDAI-2K without low complement and increased DNA binding.
int ClinicalSledai(SledaiSet present);

// One assessment's states; a state is unset when a value it needs (PGA,
// prednisolone dose) was not recorded.
struct SleState {
  Date date;
  int sledai_2k = 0;
  int clinical_sledai = 0;
  // Clinical SLEDAI 0, PGA < 0.5, prednisolone <= doris_prednisolone_mg
  // (< with doris_prednisolone_strict) (van Vollenhoven 2021).
  std::optional<bool> doris;
  // SLEDAI-2K <= 4 with no renal, CNS, cardiopulmonary, vasculitis or
  // fever activity, no descriptor new since the previous assessment (met
  // at the first), PGA <= 1, prednisolone <= 7.5 mg/day (Franklyn 2016).
  std::optional<bool> lldas;
  // No immunosuppressant or biologic other than an antimalarial running
  // on the day, prednisolone <= 10 mg/day (Burt 2018).
  std::optional<bool> hsct_remission;
  // A SLEDAI-2K rise of at least sle_flare_points from the previous
  // assessment.
  bool flare = false;
};
// Every SLE assessment of the patient, by date.
std::vector<SleState> SleStates(const PatientClinicalData& data,
                                const OutcomeDefinition& definition);

// The first dates after day 0 (unset without one).
struct SleCourse {
  std::optional<Date> first_doris;
  std::optional<Date> first_lldas;
  // A flare by SLEDAI-2K or a centre-reported relapse (relapse record or
  // relapse status).
  std::optional<Date> first_flare;
  // Days in LLDAS over days followed from the first assessment after day 0
  // to the last: each assessment's state holds until the next. Unset
  // without two assessments after day 0 whose LLDAS is known.
  std::optional<double> lldas_time_fraction;
};
SleCourse DescribeSle(const PatientClinicalData& data, Date day0,
                      const std::vector<SleState>& states);

}  // namespace registry

#endif  // REGISTRY_CORE_SLE_RULES_H_
