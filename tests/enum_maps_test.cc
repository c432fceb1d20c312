// Every value of every proto enum that crosses into the core maps to one
// core value and back; the core side is checked at compile time (the
// switches in api/enum_maps.cc have no default, under -Werror=switch).
#include "api/enum_maps.h"

#include <set>

#include "gtest/gtest.h"

namespace registry {
namespace {

// For each value of `descriptor`: UNSPECIFIED (0) maps to nothing unless
// `zero_is_value`; every other value maps to a core value whose ToProto
// is that value; no two values map to the same core value.
template <typename ProtoEnum>
void ExpectRoundTrip(const google::protobuf::EnumDescriptor* descriptor,
                     bool zero_is_value = false) {
  SCOPED_TRACE(descriptor->full_name());
  std::set<int> cores;
  int mapped = 0;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const int number = descriptor->value(i)->number();
    const auto value = static_cast<ProtoEnum>(number);
    const auto core = FromProto(value);
    if (number == 0 && !zero_is_value) {
      EXPECT_FALSE(core.has_value()) << descriptor->value(i)->name();
      continue;
    }
    ASSERT_TRUE(core.has_value()) << descriptor->value(i)->name();
    EXPECT_EQ(ToProto(*core), value) << descriptor->value(i)->name();
    EXPECT_TRUE(cores.insert(static_cast<int>(*core)).second)
        << descriptor->value(i)->name() << " shares its core value";
    ++mapped;
  }
  EXPECT_GT(mapped, 0);
  // A number the proto does not define maps to nothing.
  EXPECT_FALSE(FromProto(static_cast<ProtoEnum>(1000)).has_value());
}

TEST(EnumMapsTest, RecordEnums) {
  ExpectRoundTrip<v1::Sex>(v1::Sex_descriptor());
  ExpectRoundTrip<v1::Disease>(v1::Disease_descriptor());
  ExpectRoundTrip<v1::TransplantType>(v1::TransplantType_descriptor());
  ExpectRoundTrip<v1::DeathCause>(v1::DeathCause_descriptor());
  ExpectRoundTrip<v1::TreatmentClass>(v1::TreatmentClass_descriptor());
  ExpectRoundTrip<v1::DiseaseState>(v1::DiseaseState_descriptor());
  ExpectRoundTrip<v1::AdverseEventCategory>(
      v1::AdverseEventCategory_descriptor());
  ExpectRoundTrip<v1::AdverseEventGrade>(v1::AdverseEventGrade_descriptor());
  ExpectRoundTrip<v1::RecordKind>(v1::RecordKind_descriptor());
  ExpectRoundTrip<v1::Operation>(v1::Operation_descriptor());
}

TEST(EnumMapsTest, EveryRecordKindHasAProtoKind) {
  std::set<v1::RecordKind> seen;
  for (Kind kind : kAllKinds) {
    const v1::RecordKind proto = ToProto(kind);
    EXPECT_NE(proto, v1::RECORD_KIND_UNSPECIFIED) << KindName(kind);
    EXPECT_TRUE(seen.insert(proto).second) << KindName(kind);
    EXPECT_EQ(FromProto(proto), kind);
  }
  EXPECT_EQ(seen.size() + 1,
            static_cast<size_t>(v1::RecordKind_descriptor()->value_count()));
}

TEST(EnumMapsTest, Roles) {
  ExpectRoundTrip<v1::Role>(v1::Role_descriptor());
  // The server itself and a failed login hold no token.
  EXPECT_EQ(ToProto(Role::kSystem), v1::ROLE_UNSPECIFIED);
  EXPECT_EQ(ToProto(Role::kAnonymous), v1::ROLE_UNSPECIFIED);
}

TEST(EnumMapsTest, OutcomeEnums) {
  ExpectRoundTrip<v1::EventSelection>(v1::EventSelection_descriptor());
  ExpectRoundTrip<v1::BaselineScheme>(v1::BaselineScheme_descriptor());
  ExpectRoundTrip<v1::EdaKind>(v1::EdaKind_descriptor());
  ExpectRoundTrip<v1::DisabilityEventType>(
      v1::DisabilityEventType_descriptor());
  // CDI events have no CDW type: UNSPECIFIED is a value here.
  ExpectRoundTrip<v1::CdwType>(v1::CdwType_descriptor(), true);
  EXPECT_EQ(FromProto(v1::CDW_TYPE_UNSPECIFIED), CdwType::kNotApplicable);
}

TEST(EnumMapsTest, ReportEnums) {
  ExpectRoundTrip<v1::Endpoint>(v1::Endpoint_descriptor());
  // One curve: STRATIFICATION_UNSPECIFIED.
  ExpectRoundTrip<v1::Stratification>(v1::Stratification_descriptor(), true);
  EXPECT_EQ(FromProto(v1::STRATIFICATION_UNSPECIFIED), Stratification::kNone);
  ExpectRoundTrip<v1::ConfidenceType>(v1::ConfidenceType_descriptor());
}

TEST(EnumMapsTest, NamesAgreeWithTheCore) {
  // The proto's value names spell the core's codes.
  EXPECT_EQ(v1::Disease_Name(ToProto(Disease::kSsc)), "DISEASE_SSC");
  EXPECT_EQ(v1::Endpoint_Name(ToProto(Endpoint::kOs)), "ENDPOINT_OS");
  for (int i = 0; i < kEndpointCount; ++i) {
    const Endpoint endpoint = static_cast<Endpoint>(i);
    std::string name(EndpointName(endpoint));
    for (char& c : name)
      c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    EXPECT_EQ(v1::Endpoint_Name(ToProto(endpoint)), "ENDPOINT_" + name);
    EXPECT_EQ(ParseEndpoint(EndpointName(endpoint)), endpoint);
  }
  EXPECT_EQ(v1::RecordKind_Name(ToProto(Kind::kMri)), "RECORD_KIND_MRI");
  for (Kind kind : kAllKinds) {
    std::string name(KindName(kind));
    for (char& c : name) c = static_cast<char>(std::toupper(c));
    EXPECT_EQ(v1::RecordKind_Name(ToProto(kind)), "RECORD_KIND_" + name);
  }
}

}  // namespace
}  // namespace registry
