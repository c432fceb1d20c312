// Duplicate keys within one request.
#include "core/request_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace registry {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(RequestKeysTest, EachRowOfARepeatedKeyIsReportedOnce) {
  RequestKeys keys;
  const RecordKey visit{Kind::kVisits, "P1", "2020-01-01"};
  EXPECT_THAT(keys.Add(0, visit), IsEmpty());
  // Same date, another patient or another kind: other keys.
  EXPECT_THAT(keys.Add(1, {Kind::kVisits, "P2", "2020-01-01"}), IsEmpty());
  EXPECT_THAT(keys.Add(2, {Kind::kMri, "P1", "2020-01-01"}), IsEmpty());
  const std::vector<FieldViolation> second = keys.Add(5, visit);
  ASSERT_THAT(second, SizeIs(2));
  EXPECT_EQ(second[0].field, "records[0].visit_date");
  EXPECT_EQ(second[0].description,
            "duplicate key: the same visits key is also given at records[5]; "
            "give each record once");
  EXPECT_EQ(second[1].field, "records[5].visit_date");
  const std::vector<FieldViolation> third = keys.Add(9, visit);
  ASSERT_THAT(third, SizeIs(1));
  EXPECT_EQ(third[0].field, "records[9].visit_date");
  EXPECT_THAT(third[0].description,
              ::testing::HasSubstr("also given at records[0], records[5];"));
}

TEST(RequestKeysTest, APatientsKeyIsReportedAtPatientId) {
  RequestKeys keys;
  EXPECT_THAT(keys.Add(0, {Kind::kPatients, "P1", ""}), IsEmpty());
  const std::vector<FieldViolation> twice =
      keys.Add(1, {Kind::kPatients, "P1", ""});
  ASSERT_THAT(twice, SizeIs(2));
  EXPECT_EQ(twice[1].field, "records[1].patient_id");
}

}  // namespace
}  // namespace registry
