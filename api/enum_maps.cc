#include "api/enum_maps.h"

namespace registry {

v1::Sex ToProto(Sex value) {
  switch (value) {
    case Sex::kFemale:
      return v1::SEX_FEMALE;
    case Sex::kMale:
      return v1::SEX_MALE;
    case Sex::kOther:
      return v1::SEX_OTHER;
  }
  return {};  // not reached: every value is a case
}

std::optional<Sex> FromProto(v1::Sex value) {
  switch (value) {
    case v1::SEX_FEMALE:
      return Sex::kFemale;
    case v1::SEX_MALE:
      return Sex::kMale;
    case v1::SEX_OTHER:
      return Sex::kOther;
    default:
      return std::nullopt;
  }
}

v1::Disease ToProto(Disease value) {
  switch (value) {
    case Disease::kRrms:
      return v1::DISEASE_RRMS;
    case Disease::kSpms:
      return v1::DISEASE_SPMS;
    case Disease::kPpms:
      return v1::DISEASE_PPMS;
    case Disease::kNmosd:
      return v1::DISEASE_NMOSD;
    case Disease::kSsc:
      return v1::DISEASE_SSC;
    case Disease::kSle:
      return v1::DISEASE_SLE;
    case Disease::kOther:
      return v1::DISEASE_OTHER;
  }
  return {};  // not reached: every value is a case
}

std::optional<Disease> FromProto(v1::Disease value) {
  switch (value) {
    case v1::DISEASE_RRMS:
      return Disease::kRrms;
    case v1::DISEASE_SPMS:
      return Disease::kSpms;
    case v1::DISEASE_PPMS:
      return Disease::kPpms;
    case v1::DISEASE_NMOSD:
      return Disease::kNmosd;
    case v1::DISEASE_SSC:
      return Disease::kSsc;
    case v1::DISEASE_SLE:
      return Disease::kSle;
    case v1::DISEASE_OTHER:
      return Disease::kOther;
    default:
      return std::nullopt;
  }
}

v1::TransplantType ToProto(TransplantType value) {
  switch (value) {
    case TransplantType::kAutologous:
      return v1::TRANSPLANT_TYPE_AUTOLOGOUS;
    case TransplantType::kAllogeneic:
      return v1::TRANSPLANT_TYPE_ALLOGENEIC;
  }
  return {};  // not reached: every value is a case
}

std::optional<TransplantType> FromProto(v1::TransplantType value) {
  switch (value) {
    case v1::TRANSPLANT_TYPE_AUTOLOGOUS:
      return TransplantType::kAutologous;
    case v1::TRANSPLANT_TYPE_ALLOGENEIC:
      return TransplantType::kAllogeneic;
    default:
      return std::nullopt;
  }
}

v1::DeathCause ToProto(DeathCause value) {
  switch (value) {
    case DeathCause::kDisease:
      return v1::DEATH_CAUSE_DISEASE;
    case DeathCause::kInfection:
      return v1::DEATH_CAUSE_INFECTION;
    case DeathCause::kToxicity:
      return v1::DEATH_CAUSE_TOXICITY;
    case DeathCause::kGvhd:
      return v1::DEATH_CAUSE_GVHD;
    case DeathCause::kGraftFailure:
      return v1::DEATH_CAUSE_GRAFT_FAILURE;
    case DeathCause::kSecondaryMalignancy:
      return v1::DEATH_CAUSE_SECONDARY_MALIGNANCY;
    case DeathCause::kOther:
      return v1::DEATH_CAUSE_OTHER;
    case DeathCause::kUnknown:
      return v1::DEATH_CAUSE_UNKNOWN;
  }
  return {};  // not reached: every value is a case
}

std::optional<DeathCause> FromProto(v1::DeathCause value) {
  switch (value) {
    case v1::DEATH_CAUSE_DISEASE:
      return DeathCause::kDisease;
    case v1::DEATH_CAUSE_INFECTION:
      return DeathCause::kInfection;
    case v1::DEATH_CAUSE_TOXICITY:
      return DeathCause::kToxicity;
    case v1::DEATH_CAUSE_GVHD:
      return DeathCause::kGvhd;
    case v1::DEATH_CAUSE_GRAFT_FAILURE:
      return DeathCause::kGraftFailure;
    case v1::DEATH_CAUSE_SECONDARY_MALIGNANCY:
      return DeathCause::kSecondaryMalignancy;
    case v1::DEATH_CAUSE_OTHER:
      return DeathCause::kOther;
    case v1::DEATH_CAUSE_UNKNOWN:
      return DeathCause::kUnknown;
    default:
      return std::nullopt;
  }
}

v1::TreatmentClass ToProto(TreatmentClass value) {
  switch (value) {
    case TreatmentClass::kDmt:
      return v1::TREATMENT_CLASS_DMT;
    case TreatmentClass::kImmunosuppressant:
      return v1::TREATMENT_CLASS_IMMUNOSUPPRESSANT;
    case TreatmentClass::kBiologic:
      return v1::TREATMENT_CLASS_BIOLOGIC;
    case TreatmentClass::kCorticosteroid:
      return v1::TREATMENT_CLASS_CORTICOSTEROID;
    case TreatmentClass::kAntimalarial:
      return v1::TREATMENT_CLASS_ANTIMALARIAL;
    case TreatmentClass::kIvigOrPlasmaExchange:
      return v1::TREATMENT_CLASS_IVIG_OR_PLASMA_EXCHANGE;
    case TreatmentClass::kOther:
      return v1::TREATMENT_CLASS_OTHER;
  }
  return {};  // not reached: every value is a case
}

std::optional<TreatmentClass> FromProto(v1::TreatmentClass value) {
  switch (value) {
    case v1::TREATMENT_CLASS_DMT:
      return TreatmentClass::kDmt;
    case v1::TREATMENT_CLASS_IMMUNOSUPPRESSANT:
      return TreatmentClass::kImmunosuppressant;
    case v1::TREATMENT_CLASS_BIOLOGIC:
      return TreatmentClass::kBiologic;
    case v1::TREATMENT_CLASS_CORTICOSTEROID:
      return TreatmentClass::kCorticosteroid;
    case v1::TREATMENT_CLASS_ANTIMALARIAL:
      return TreatmentClass::kAntimalarial;
    case v1::TREATMENT_CLASS_IVIG_OR_PLASMA_EXCHANGE:
      return TreatmentClass::kIvigOrPlasmaExchange;
    case v1::TREATMENT_CLASS_OTHER:
      return TreatmentClass::kOther;
    default:
      return std::nullopt;
  }
}

v1::DiseaseState ToProto(DiseaseState value) {
  switch (value) {
    case DiseaseState::kRemission:
      return v1::DISEASE_STATE_REMISSION;
    case DiseaseState::kImproved:
      return v1::DISEASE_STATE_IMPROVED;
    case DiseaseState::kStable:
      return v1::DISEASE_STATE_STABLE;
    case DiseaseState::kRelapse:
      return v1::DISEASE_STATE_RELAPSE;
    case DiseaseState::kProgression:
      return v1::DISEASE_STATE_PROGRESSION;
  }
  return {};  // not reached: every value is a case
}

std::optional<DiseaseState> FromProto(v1::DiseaseState value) {
  switch (value) {
    case v1::DISEASE_STATE_REMISSION:
      return DiseaseState::kRemission;
    case v1::DISEASE_STATE_IMPROVED:
      return DiseaseState::kImproved;
    case v1::DISEASE_STATE_STABLE:
      return DiseaseState::kStable;
    case v1::DISEASE_STATE_RELAPSE:
      return DiseaseState::kRelapse;
    case v1::DISEASE_STATE_PROGRESSION:
      return DiseaseState::kProgression;
    default:
      return std::nullopt;
  }
}

v1::AdverseEventCategory ToProto(AdverseEventCategory value) {
  switch (value) {
    case AdverseEventCategory::kInfection:
      return v1::ADVERSE_EVENT_CATEGORY_INFECTION;
    case AdverseEventCategory::kViralReactivation:
      return v1::ADVERSE_EVENT_CATEGORY_VIRAL_REACTIVATION;
    case AdverseEventCategory::kSecondaryAutoimmuneDisease:
      return v1::ADVERSE_EVENT_CATEGORY_SECONDARY_AUTOIMMUNE_DISEASE;
    case AdverseEventCategory::kMalignancy:
      return v1::ADVERSE_EVENT_CATEGORY_MALIGNANCY;
    case AdverseEventCategory::kAcuteGvhd:
      return v1::ADVERSE_EVENT_CATEGORY_ACUTE_GVHD;
    case AdverseEventCategory::kChronicGvhd:
      return v1::ADVERSE_EVENT_CATEGORY_CHRONIC_GVHD;
    case AdverseEventCategory::kOrganToxicity:
      return v1::ADVERSE_EVENT_CATEGORY_ORGAN_TOXICITY;
    case AdverseEventCategory::kOther:
      return v1::ADVERSE_EVENT_CATEGORY_OTHER;
  }
  return {};  // not reached: every value is a case
}

std::optional<AdverseEventCategory> FromProto(v1::AdverseEventCategory value) {
  switch (value) {
    case v1::ADVERSE_EVENT_CATEGORY_INFECTION:
      return AdverseEventCategory::kInfection;
    case v1::ADVERSE_EVENT_CATEGORY_VIRAL_REACTIVATION:
      return AdverseEventCategory::kViralReactivation;
    case v1::ADVERSE_EVENT_CATEGORY_SECONDARY_AUTOIMMUNE_DISEASE:
      return AdverseEventCategory::kSecondaryAutoimmuneDisease;
    case v1::ADVERSE_EVENT_CATEGORY_MALIGNANCY:
      return AdverseEventCategory::kMalignancy;
    case v1::ADVERSE_EVENT_CATEGORY_ACUTE_GVHD:
      return AdverseEventCategory::kAcuteGvhd;
    case v1::ADVERSE_EVENT_CATEGORY_CHRONIC_GVHD:
      return AdverseEventCategory::kChronicGvhd;
    case v1::ADVERSE_EVENT_CATEGORY_ORGAN_TOXICITY:
      return AdverseEventCategory::kOrganToxicity;
    case v1::ADVERSE_EVENT_CATEGORY_OTHER:
      return AdverseEventCategory::kOther;
    default:
      return std::nullopt;
  }
}

v1::AdverseEventGrade ToProto(AdverseEventGrade value) {
  switch (value) {
    case AdverseEventGrade::k1:
      return v1::ADVERSE_EVENT_GRADE_1;
    case AdverseEventGrade::k2:
      return v1::ADVERSE_EVENT_GRADE_2;
    case AdverseEventGrade::k3:
      return v1::ADVERSE_EVENT_GRADE_3;
    case AdverseEventGrade::k4:
      return v1::ADVERSE_EVENT_GRADE_4;
    case AdverseEventGrade::k5:
      return v1::ADVERSE_EVENT_GRADE_5;
    case AdverseEventGrade::kI:
      return v1::ADVERSE_EVENT_GRADE_I;
    case AdverseEventGrade::kII:
      return v1::ADVERSE_EVENT_GRADE_II;
    case AdverseEventGrade::kIII:
      return v1::ADVERSE_EVENT_GRADE_III;
    case AdverseEventGrade::kIV:
      return v1::ADVERSE_EVENT_GRADE_IV;
    case AdverseEventGrade::kMild:
      return v1::ADVERSE_EVENT_GRADE_MILD;
    case AdverseEventGrade::kModerate:
      return v1::ADVERSE_EVENT_GRADE_MODERATE;
    case AdverseEventGrade::kSevere:
      return v1::ADVERSE_EVENT_GRADE_SEVERE;
  }
  return {};  // not reached: every value is a case
}

std::optional<AdverseEventGrade> FromProto(v1::AdverseEventGrade value) {
  switch (value) {
    case v1::ADVERSE_EVENT_GRADE_1:
      return AdverseEventGrade::k1;
    case v1::ADVERSE_EVENT_GRADE_2:
      return AdverseEventGrade::k2;
    case v1::ADVERSE_EVENT_GRADE_3:
      return AdverseEventGrade::k3;
    case v1::ADVERSE_EVENT_GRADE_4:
      return AdverseEventGrade::k4;
    case v1::ADVERSE_EVENT_GRADE_5:
      return AdverseEventGrade::k5;
    case v1::ADVERSE_EVENT_GRADE_I:
      return AdverseEventGrade::kI;
    case v1::ADVERSE_EVENT_GRADE_II:
      return AdverseEventGrade::kII;
    case v1::ADVERSE_EVENT_GRADE_III:
      return AdverseEventGrade::kIII;
    case v1::ADVERSE_EVENT_GRADE_IV:
      return AdverseEventGrade::kIV;
    case v1::ADVERSE_EVENT_GRADE_MILD:
      return AdverseEventGrade::kMild;
    case v1::ADVERSE_EVENT_GRADE_MODERATE:
      return AdverseEventGrade::kModerate;
    case v1::ADVERSE_EVENT_GRADE_SEVERE:
      return AdverseEventGrade::kSevere;
    default:
      return std::nullopt;
  }
}

v1::RecordKind ToProto(Kind value) {
  switch (value) {
    case Kind::kPatients:
      return v1::RECORD_KIND_PATIENTS;
    case Kind::kTransplants:
      return v1::RECORD_KIND_TRANSPLANTS;
    case Kind::kVisits:
      return v1::RECORD_KIND_VISITS;
    case Kind::kRelapses:
      return v1::RECORD_KIND_RELAPSES;
    case Kind::kMri:
      return v1::RECORD_KIND_MRI;
    case Kind::kTreatments:
      return v1::RECORD_KIND_TREATMENTS;
    case Kind::kDeaths:
      return v1::RECORD_KIND_DEATHS;
    case Kind::kAdverseEvents:
      return v1::RECORD_KIND_ADVERSE_EVENTS;
    case Kind::kEngraftment:
      return v1::RECORD_KIND_ENGRAFTMENT;
    case Kind::kDiseaseStatus:
      return v1::RECORD_KIND_DISEASE_STATUS;
    case Kind::kSscAssessments:
      return v1::RECORD_KIND_SSC_ASSESSMENTS;
    case Kind::kOrganFailures:
      return v1::RECORD_KIND_ORGAN_FAILURES;
    case Kind::kSleAssessments:
      return v1::RECORD_KIND_SLE_ASSESSMENTS;
    case Kind::kLabResults:
      return v1::RECORD_KIND_LAB_RESULTS;
    case Kind::kConsents:
      return v1::RECORD_KIND_CONSENTS;
  }
  return {};  // not reached: every value is a case
}

std::optional<Kind> FromProto(v1::RecordKind value) {
  switch (value) {
    case v1::RECORD_KIND_PATIENTS:
      return Kind::kPatients;
    case v1::RECORD_KIND_TRANSPLANTS:
      return Kind::kTransplants;
    case v1::RECORD_KIND_VISITS:
      return Kind::kVisits;
    case v1::RECORD_KIND_RELAPSES:
      return Kind::kRelapses;
    case v1::RECORD_KIND_MRI:
      return Kind::kMri;
    case v1::RECORD_KIND_TREATMENTS:
      return Kind::kTreatments;
    case v1::RECORD_KIND_DEATHS:
      return Kind::kDeaths;
    case v1::RECORD_KIND_ADVERSE_EVENTS:
      return Kind::kAdverseEvents;
    case v1::RECORD_KIND_ENGRAFTMENT:
      return Kind::kEngraftment;
    case v1::RECORD_KIND_DISEASE_STATUS:
      return Kind::kDiseaseStatus;
    case v1::RECORD_KIND_SSC_ASSESSMENTS:
      return Kind::kSscAssessments;
    case v1::RECORD_KIND_ORGAN_FAILURES:
      return Kind::kOrganFailures;
    case v1::RECORD_KIND_SLE_ASSESSMENTS:
      return Kind::kSleAssessments;
    case v1::RECORD_KIND_LAB_RESULTS:
      return Kind::kLabResults;
    case v1::RECORD_KIND_CONSENTS:
      return Kind::kConsents;
    default:
      return std::nullopt;
  }
}

v1::Operation ToProto(Operation value) {
  switch (value) {
    case Operation::kImport:
      return v1::OPERATION_IMPORT;
    case Operation::kAmend:
      return v1::OPERATION_AMEND;
    case Operation::kRetract:
      return v1::OPERATION_RETRACT;
    case Operation::kUpsert:
      return v1::OPERATION_UPSERT;
  }
  return {};  // not reached: every value is a case
}

std::optional<Operation> FromProto(v1::Operation value) {
  switch (value) {
    case v1::OPERATION_IMPORT:
      return Operation::kImport;
    case v1::OPERATION_AMEND:
      return Operation::kAmend;
    case v1::OPERATION_RETRACT:
      return Operation::kRetract;
    case v1::OPERATION_UPSERT:
      return Operation::kUpsert;
    default:
      return std::nullopt;
  }
}

v1::Role ToProto(Role value) {
  switch (value) {
    case Role::kSubmitter:
      return v1::ROLE_SUBMITTER;
    case Role::kAnalyst:
      return v1::ROLE_ANALYST;
    case Role::kAdmin:
      return v1::ROLE_ADMIN;
    case Role::kSystem:
      return v1::ROLE_UNSPECIFIED;
    case Role::kAnonymous:
      return v1::ROLE_UNSPECIFIED;
  }
  return {};  // not reached: every value is a case
}

std::optional<Role> FromProto(v1::Role value) {
  switch (value) {
    case v1::ROLE_SUBMITTER:
      return Role::kSubmitter;
    case v1::ROLE_ANALYST:
      return Role::kAnalyst;
    case v1::ROLE_ADMIN:
      return Role::kAdmin;
    default:
      return std::nullopt;
  }
}

v1::EventSelection ToProto(EventSelection value) {
  switch (value) {
    case EventSelection::kFirstCdw:
      return v1::EVENT_SELECTION_FIRST_CDW;
    case EventSelection::kFirstCdi:
      return v1::EVENT_SELECTION_FIRST_CDI;
    case EventSelection::kFirst:
      return v1::EVENT_SELECTION_FIRST;
    case EventSelection::kMultiple:
      return v1::EVENT_SELECTION_MULTIPLE;
    case EventSelection::kFirstPira:
      return v1::EVENT_SELECTION_FIRST_PIRA;
    case EventSelection::kFirstRaw:
      return v1::EVENT_SELECTION_FIRST_RAW;
  }
  return {};  // not reached: every value is a case
}

std::optional<EventSelection> FromProto(v1::EventSelection value) {
  switch (value) {
    case v1::EVENT_SELECTION_FIRST_CDW:
      return EventSelection::kFirstCdw;
    case v1::EVENT_SELECTION_FIRST_CDI:
      return EventSelection::kFirstCdi;
    case v1::EVENT_SELECTION_FIRST:
      return EventSelection::kFirst;
    case v1::EVENT_SELECTION_MULTIPLE:
      return EventSelection::kMultiple;
    case v1::EVENT_SELECTION_FIRST_PIRA:
      return EventSelection::kFirstPira;
    case v1::EVENT_SELECTION_FIRST_RAW:
      return EventSelection::kFirstRaw;
    default:
      return std::nullopt;
  }
}

v1::BaselineScheme ToProto(BaselineScheme value) {
  switch (value) {
    case BaselineScheme::kFixed:
      return v1::BASELINE_SCHEME_FIXED;
    case BaselineScheme::kRoving:
      return v1::BASELINE_SCHEME_ROVING;
  }
  return {};  // not reached: every value is a case
}

std::optional<BaselineScheme> FromProto(v1::BaselineScheme value) {
  switch (value) {
    case v1::BASELINE_SCHEME_FIXED:
      return BaselineScheme::kFixed;
    case v1::BASELINE_SCHEME_ROVING:
      return BaselineScheme::kRoving;
    default:
      return std::nullopt;
  }
}

v1::PiraReference ToProto(PiraReference value) {
  switch (value) {
    case PiraReference::kBaseline:
      return v1::PIRA_REFERENCE_BASELINE;
    case PiraReference::kLast:
      return v1::PIRA_REFERENCE_LAST;
    case PiraReference::kLastDelta:
      return v1::PIRA_REFERENCE_LAST_DELTA;
  }
  return {};  // not reached: every value is a case
}

std::optional<PiraReference> FromProto(v1::PiraReference value) {
  switch (value) {
    case v1::PIRA_REFERENCE_BASELINE:
      return PiraReference::kBaseline;
    case v1::PIRA_REFERENCE_LAST:
      return PiraReference::kLast;
    case v1::PIRA_REFERENCE_LAST_DELTA:
      return PiraReference::kLastDelta;
    default:
      return std::nullopt;
  }
}

v1::EdaKind ToProto(EdaKind value) {
  switch (value) {
    case EdaKind::kRelapse:
      return v1::EDA_KIND_RELAPSE;
    case EdaKind::kMri:
      return v1::EDA_KIND_MRI;
    case EdaKind::kCdw:
      return v1::EDA_KIND_CDW;
  }
  return {};  // not reached: every value is a case
}

std::optional<EdaKind> FromProto(v1::EdaKind value) {
  switch (value) {
    case v1::EDA_KIND_RELAPSE:
      return EdaKind::kRelapse;
    case v1::EDA_KIND_MRI:
      return EdaKind::kMri;
    case v1::EDA_KIND_CDW:
      return EdaKind::kCdw;
    default:
      return std::nullopt;
  }
}

v1::DisabilityEventType ToProto(DisabilityEventType value) {
  switch (value) {
    case DisabilityEventType::kCdw:
      return v1::DISABILITY_EVENT_TYPE_CDW;
    case DisabilityEventType::kCdi:
      return v1::DISABILITY_EVENT_TYPE_CDI;
  }
  return {};  // not reached: every value is a case
}

std::optional<DisabilityEventType> FromProto(v1::DisabilityEventType value) {
  switch (value) {
    case v1::DISABILITY_EVENT_TYPE_CDW:
      return DisabilityEventType::kCdw;
    case v1::DISABILITY_EVENT_TYPE_CDI:
      return DisabilityEventType::kCdi;
    default:
      return std::nullopt;
  }
}

v1::CdwType ToProto(CdwType value) {
  switch (value) {
    case CdwType::kNotApplicable:
      return v1::CDW_TYPE_UNSPECIFIED;
    case CdwType::kPira:
      return v1::CDW_TYPE_PIRA;
    case CdwType::kRaw:
      return v1::CDW_TYPE_RAW;
    case CdwType::kUndefined:
      return v1::CDW_TYPE_UNDEFINED;
  }
  return {};  // not reached: every value is a case
}

std::optional<CdwType> FromProto(v1::CdwType value) {
  switch (value) {
    case v1::CDW_TYPE_UNSPECIFIED:
      return CdwType::kNotApplicable;
    case v1::CDW_TYPE_PIRA:
      return CdwType::kPira;
    case v1::CDW_TYPE_RAW:
      return CdwType::kRaw;
    case v1::CDW_TYPE_UNDEFINED:
      return CdwType::kUndefined;
    default:
      return std::nullopt;
  }
}

// The proto values follow the core enum's order, one apart.
static_assert(v1::Endpoint_MAX == kEndpointCount);

v1::Endpoint ToProto(Endpoint value) {
  return static_cast<v1::Endpoint>(static_cast<int>(value) + 1);
}

std::optional<Endpoint> FromProto(v1::Endpoint value) {
  if (value < 1 || value > kEndpointCount) return std::nullopt;
  return static_cast<Endpoint>(static_cast<int>(value) - 1);
}

v1::Stratification ToProto(Stratification value) {
  switch (value) {
    case Stratification::kNone:
      return v1::STRATIFICATION_UNSPECIFIED;
    case Stratification::kDisease:
      return v1::STRATIFICATION_DISEASE;
    case Stratification::kCenter:
      return v1::STRATIFICATION_CENTER;
    case Stratification::kRegimen:
      return v1::STRATIFICATION_REGIMEN;
    case Stratification::kEra:
      return v1::STRATIFICATION_ERA;
  }
  return {};  // not reached: every value is a case
}

std::optional<Stratification> FromProto(v1::Stratification value) {
  switch (value) {
    case v1::STRATIFICATION_UNSPECIFIED:
      return Stratification::kNone;
    case v1::STRATIFICATION_DISEASE:
      return Stratification::kDisease;
    case v1::STRATIFICATION_CENTER:
      return Stratification::kCenter;
    case v1::STRATIFICATION_REGIMEN:
      return Stratification::kRegimen;
    case v1::STRATIFICATION_ERA:
      return Stratification::kEra;
    default:
      return std::nullopt;
  }
}

v1::ConfidenceType ToProto(ConfidenceType value) {
  switch (value) {
    case ConfidenceType::kLog:
      return v1::CONFIDENCE_TYPE_LOG;
    case ConfidenceType::kLogLog:
      return v1::CONFIDENCE_TYPE_LOG_LOG;
    case ConfidenceType::kPlain:
      return v1::CONFIDENCE_TYPE_PLAIN;
  }
  return {};  // not reached: every value is a case
}

std::optional<ConfidenceType> FromProto(v1::ConfidenceType value) {
  switch (value) {
    case v1::CONFIDENCE_TYPE_LOG:
      return ConfidenceType::kLog;
    case v1::CONFIDENCE_TYPE_LOG_LOG:
      return ConfidenceType::kLogLog;
    case v1::CONFIDENCE_TYPE_PLAIN:
      return ConfidenceType::kPlain;
    default:
      return std::nullopt;
  }
}

// The proto values of these follow the core enums one after another, from
// 1 (0 is UNSPECIFIED).
static_assert(v1::AttackPhenotype_MAX ==
              static_cast<int>(AttackPhenotype::kCerebral) + 1);
static_assert(v1::Organ_MAX == static_cast<int>(Organ::kKidney) + 1);
static_assert(v1::LabResultState_MAX ==
              static_cast<int>(LabResultState::kNegative) + 1);

v1::AttackPhenotype ToProto(AttackPhenotype value) {
  return static_cast<v1::AttackPhenotype>(static_cast<int>(value) + 1);
}
std::optional<AttackPhenotype> FromProto(v1::AttackPhenotype value) {
  if (value < 1 || value > v1::AttackPhenotype_MAX) return std::nullopt;
  return static_cast<AttackPhenotype>(static_cast<int>(value) - 1);
}
v1::Organ ToProto(Organ value) {
  return static_cast<v1::Organ>(static_cast<int>(value) + 1);
}
std::optional<Organ> FromProto(v1::Organ value) {
  if (value < 1 || value > v1::Organ_MAX) return std::nullopt;
  return static_cast<Organ>(static_cast<int>(value) - 1);
}
v1::LabResultState ToProto(LabResultState value) {
  return static_cast<v1::LabResultState>(static_cast<int>(value) + 1);
}
std::optional<LabResultState> FromProto(v1::LabResultState value) {
  if (value < 1 || value > v1::LabResultState_MAX) return std::nullopt;
  return static_cast<LabResultState>(static_cast<int>(value) - 1);
}

}  // namespace registry
