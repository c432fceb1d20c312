// The declaration of every record kind (core/records.h) agrees with the
// proto, the CSV header and the export: the same column names as the proto
// message's fields, compatible types, an example row that parses and
// survives the trip through the proto unchanged.
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/convert.h"
#include "core/records.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "registry/v1/records.pb.h"

namespace registry {
namespace {

using google::protobuf::FieldDescriptor;

Row ExampleRow(const KindDeclaration& d) {
  Row row;
  for (const Column& c : d.columns) row.emplace_back(c.example);
  return row;
}

TEST(RecordDeclarationTest, EveryKindOnceInKindOrder) {
  ASSERT_EQ(KindDeclarations().size(), kAllKinds.size());
  for (size_t i = 0; i < kAllKinds.size(); ++i) {
    const KindDeclaration& d = KindDeclarations()[i];
    EXPECT_EQ(d.kind, kAllKinds[i]);
    EXPECT_EQ(ParseKind(d.name), d.kind);
    EXPECT_EQ(KindName(d.kind), d.name);
    EXPECT_EQ(ColumnsOf(d.kind).data(), d.columns.data());
    EXPECT_FALSE(d.meaning.empty()) << d.name;
  }
}

TEST(RecordDeclarationTest, ColumnsAreTheFieldsOfTheProtoMessage) {
  const google::protobuf::Descriptor* record = v1::Record::descriptor();
  const google::protobuf::OneofDescriptor* oneof =
      record->FindOneofByName("record");
  ASSERT_NE(oneof, nullptr);
  EXPECT_EQ(oneof->field_count(), static_cast<int>(kAllKinds.size()));
  for (const KindDeclaration& d : KindDeclarations()) {
    SCOPED_TRACE(std::string(d.name));
    const FieldDescriptor* field =
        record->FindFieldByName(std::string(d.proto_field));
    ASSERT_NE(field, nullptr) << d.proto_field;
    EXPECT_EQ(field->containing_oneof(), oneof);
    const google::protobuf::Descriptor* message = field->message_type();
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->field_count(), static_cast<int>(d.columns.size()))
        << message->full_name() << " has other fields than the columns";
    for (const Column& c : d.columns) {
      SCOPED_TRACE(std::string(c.name));
      const FieldDescriptor* f = message->FindFieldByName(std::string(c.name));
      ASSERT_NE(f, nullptr) << message->full_name() << " has no field";
      switch (c.type) {
        case ColumnType::kText:
          EXPECT_EQ(f->type(), FieldDescriptor::TYPE_STRING);
          break;
        case ColumnType::kCode:
          // A yes/no column is a proto bool (unset: no).
          if (c.codes.size() == 2 && c.codes[0] == "no" &&
              c.codes[1] == "yes") {
            EXPECT_EQ(f->type(), FieldDescriptor::TYPE_BOOL);
            break;
          }
          ASSERT_EQ(f->type(), FieldDescriptor::TYPE_ENUM);
          // Every code has a proto value, plus UNSPECIFIED.
          EXPECT_EQ(f->enum_type()->value_count(),
                    static_cast<int>(c.codes.size()) + 1);
          break;
        case ColumnType::kDate:
          ASSERT_EQ(f->type(), FieldDescriptor::TYPE_MESSAGE);
          EXPECT_EQ(f->message_type()->full_name(), "registry.v1.Date");
          break;
        case ColumnType::kInt:
          EXPECT_EQ(f->type(), FieldDescriptor::TYPE_INT32);
          break;
        case ColumnType::kNumber:
          EXPECT_EQ(f->type(), FieldDescriptor::TYPE_DOUBLE);
          break;
      }
      // A number that may be missing must be able to say so.
      if (!c.required &&
          (c.type == ColumnType::kInt || c.type == ColumnType::kNumber)) {
        EXPECT_TRUE(f->has_presence());
      }
      EXPECT_FALSE(c.example.empty());
      if (c.type == ColumnType::kCode) {
        EXPECT_NE(std::find(c.codes.begin(), c.codes.end(), c.example),
                  c.codes.end());
      }
    }
  }
}

TEST(RecordDeclarationTest, ExamplesParseAndSurviveTheProto) {
  for (const KindDeclaration& d : KindDeclarations()) {
    SCOPED_TRACE(std::string(d.name));
    const Row row = ExampleRow(d);
    Parsed<Record> parsed = ParseRecord(d.kind, row, Date(2026, 1, 1));
    ASSERT_TRUE(parsed.value.has_value())
        << (parsed.violations.empty() ? ""
                                      : parsed.violations[0].field + ": " +
                                            parsed.violations[0].description);
    // Canonical text is the example's (examples are written canonically).
    EXPECT_EQ(ToRow(*parsed.value), row);
    const v1::Record proto = ToProto(*parsed.value);
    EXPECT_EQ(proto.GetDescriptor()
                  ->FindFieldByName(std::string(d.proto_field))
                  ->number(),
              static_cast<int>(proto.record_case()));
    std::optional<Record> back = ToCore(proto);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, *parsed.value);
    EXPECT_EQ(KindOf(*back), d.kind);
  }
}

// The proto message of kind `d` inside `record`, for setting one field.
google::protobuf::Message* KindMessage(v1::Record& record,
                                       const KindDeclaration& d) {
  const FieldDescriptor* field =
      record.GetDescriptor()->FindFieldByName(std::string(d.proto_field));
  return record.GetReflection()->MutableMessage(&record, field);
}

// For every column of every kind, a value missing or out of range gets
// the same violations from a CSV row (ParseRecord) as from a proto record
// (ValuesOfProto, BuildRecord): the server checks typed values, the
// client text, with the same words.
TEST(RecordDeclarationTest, CsvAndProtoPathsReportTheSameViolations) {
  const Date today(2026, 1, 1);
  int compared = 0;
  for (const KindDeclaration& d : KindDeclarations()) {
    const Row example = ExampleRow(d);
    const v1::Record example_proto =
        ToProto(*ParseRecord(d.kind, example, today).value);
    for (size_t i = 0; i < d.columns.size(); ++i) {
      const Column& c = d.columns[i];
      SCOPED_TRACE(std::string(d.name) + "." + std::string(c.name));
      v1::Record proto = example_proto;
      google::protobuf::Message* message = KindMessage(proto, d);
      const FieldDescriptor* f =
          message->GetDescriptor()->FindFieldByName(std::string(c.name));
      ASSERT_NE(f, nullptr);
      std::vector<std::pair<std::string, std::function<void()>>> cases;
      cases.push_back(
          {"", [&] { message->GetReflection()->ClearField(message, f); }});
      if (c.min < c.max && c.type == ColumnType::kInt) {
        const int32_t over = static_cast<int32_t>(c.max) + 1;
        cases.push_back({std::to_string(over), [&, over] {
                           message->GetReflection()->SetInt32(message, f, over);
                         }});
      } else if (c.min < c.max && c.type == ColumnType::kNumber) {
        const double under = c.min - 0.5;
        cases.push_back({FormatNumber(under), [&, under] {
                           message->GetReflection()->SetDouble(message, f,
                                                               under);
                         }});
      }
      for (auto& [cell, set] : cases) {
        SCOPED_TRACE("cell '" + cell + "'");
        Row row = example;
        row[i] = cell;
        proto = example_proto;
        message = KindMessage(proto, d);
        set();
        const Parsed<Record> from_csv = ParseRecord(d.kind, row, today);
        const Parsed<Record> from_proto =
            BuildRecord(ValuesOfProto(proto), today);
        EXPECT_EQ(from_proto.violations, from_csv.violations);
        EXPECT_EQ(from_proto.value, from_csv.value);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 30);  // every column once, ranged ones twice
}

TEST(RecordDeclarationTest, ProtoValuesThatCannotBeReadAreNamed) {
  v1::Record record;
  v1::Patient* p = record.mutable_patient();
  p->set_patient_id("P1");
  p->set_sex(static_cast<v1::Sex>(99));  // a value of a later release
  p->set_birth_year(1980);
  p->set_disease(v1::DISEASE_RRMS);
  p->mutable_diagnosis_date()->set_year(2021);
  p->mutable_diagnosis_date()->set_month(2);
  p->mutable_diagnosis_date()->set_day(30);
  const Parsed<Record> built =
      BuildRecord(ValuesOfProto(record), Date(2026, 1, 1));
  EXPECT_FALSE(built.value.has_value());
  ASSERT_EQ(built.violations.size(), 2u);
  EXPECT_EQ(built.violations[0],
            (FieldViolation{"sex", "'99' is not one of F, M, X"}));
  EXPECT_EQ(built.violations[1],
            (FieldViolation{"diagnosis_date",
                            "'2021-02-30' is not a valid date (YYYY-MM-DD)"}));
  EXPECT_FALSE(ValuesOfProto(v1::Record()).kind.has_value());
}

TEST(RecordDeclarationTest, KeysAreDeclaredColumnsAndPatientIdComesFirst) {
  for (const KindDeclaration& d : KindDeclarations()) {
    EXPECT_EQ(d.columns[0].name, "patient_id");
    EXPECT_TRUE(d.columns[0].key);
    std::set<std::string_view> names;
    for (const Column& c : d.columns) {
      EXPECT_TRUE(names.insert(c.name).second) << d.name << "." << c.name;
      // A key column is always required.
      if (c.key) {
        EXPECT_TRUE(c.required) << d.name << "." << c.name;
      }
    }
  }
}

}  // namespace
}  // namespace registry
