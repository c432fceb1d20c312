// Every enum that crosses between the core and the API, mapped value by
// value: no arithmetic on enum values anywhere.
//
// ToProto is a switch over the core enum without a default, so a core
// value added without its proto counterpart does not compile
// (-Werror=switch). FromProto returns nullopt for *_UNSPECIFIED and for
// values this build does not know; callers decide what an unset value
// means. tests/enum_maps_test.cc walks every value of every proto enum and
// checks that it maps to a core value and back.
#ifndef REGISTRY_API_ENUM_MAPS_H_
#define REGISTRY_API_ENUM_MAPS_H_

#include <optional>

#include "core/access.h"
#include "core/disability.h"
#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "core/records.h"
#include "core/survival.h"
#include "registry/v1/admin.pb.h"
#include "registry/v1/outcomes.pb.h"
#include "registry/v1/records.pb.h"
#include "registry/v1/reports.pb.h"
#include "registry/v1/submission.pb.h"

namespace registry {

v1::Sex ToProto(Sex sex);
std::optional<Sex> FromProto(v1::Sex sex);

v1::Disease ToProto(Disease disease);
std::optional<Disease> FromProto(v1::Disease disease);

v1::TransplantType ToProto(TransplantType type);
std::optional<TransplantType> FromProto(v1::TransplantType type);

v1::DeathCause ToProto(DeathCause value);
std::optional<DeathCause> FromProto(v1::DeathCause value);

v1::TreatmentClass ToProto(TreatmentClass value);
std::optional<TreatmentClass> FromProto(v1::TreatmentClass value);

v1::DiseaseState ToProto(DiseaseState value);
std::optional<DiseaseState> FromProto(v1::DiseaseState value);

v1::AdverseEventCategory ToProto(AdverseEventCategory value);
std::optional<AdverseEventCategory> FromProto(v1::AdverseEventCategory value);

v1::AdverseEventGrade ToProto(AdverseEventGrade value);
std::optional<AdverseEventGrade> FromProto(v1::AdverseEventGrade value);

v1::AttackPhenotype ToProto(AttackPhenotype value);
std::optional<AttackPhenotype> FromProto(v1::AttackPhenotype value);

v1::Organ ToProto(Organ value);
std::optional<Organ> FromProto(v1::Organ value);

v1::LabResultState ToProto(LabResultState value);
std::optional<LabResultState> FromProto(v1::LabResultState value);

v1::RecordKind ToProto(Kind kind);
std::optional<Kind> FromProto(v1::RecordKind kind);

v1::Operation ToProto(Operation operation);
std::optional<Operation> FromProto(v1::Operation operation);

// kSystem and kAnonymous hold no token: ROLE_UNSPECIFIED.
v1::Role ToProto(Role role);
std::optional<Role> FromProto(v1::Role role);

v1::EventSelection ToProto(EventSelection event);
std::optional<EventSelection> FromProto(v1::EventSelection event);

v1::BaselineScheme ToProto(BaselineScheme scheme);
std::optional<BaselineScheme> FromProto(v1::BaselineScheme scheme);

v1::PiraReference ToProto(PiraReference reference);
std::optional<PiraReference> FromProto(v1::PiraReference reference);

v1::EdaKind ToProto(EdaKind kind);
std::optional<EdaKind> FromProto(v1::EdaKind kind);

v1::DisabilityEventType ToProto(DisabilityEventType type);
std::optional<DisabilityEventType> FromProto(v1::DisabilityEventType type);

// kNotApplicable (CDI events) is CDW_TYPE_UNSPECIFIED.
v1::CdwType ToProto(CdwType type);
std::optional<CdwType> FromProto(v1::CdwType type);

v1::Endpoint ToProto(Endpoint endpoint);
std::optional<Endpoint> FromProto(v1::Endpoint endpoint);

// kNone (one curve) is STRATIFICATION_UNSPECIFIED, which maps back to it.
v1::Stratification ToProto(Stratification by);
std::optional<Stratification> FromProto(v1::Stratification by);

v1::ConfidenceType ToProto(ConfidenceType type);
std::optional<ConfidenceType> FromProto(v1::ConfidenceType type);

}  // namespace registry

#endif  // REGISTRY_API_ENUM_MAPS_H_
