// The bookkeeping of failed authentications: delays that double and are
// capped, failures that only time clears, held answers that are bounded,
// and audit entries aggregated per host and interval.
#include <gtest/gtest.h>

#include "services/auth.h"

namespace registry {
namespace {

class FailedAuthTrackerTest : public ::testing::Test {
 protected:
  AuthOptions Options() {
    AuthOptions options;
    options.free_failures = 3;
    options.max_held_per_host = 4;
    options.max_held = 6;
    options.max_audited_hosts = 2;
    return options;
  }
  absl::Time now_ = absl::UnixEpoch();
  FailedAuthTracker tracker_{Options(), [this] { return now_; }};
};

TEST_F(FailedAuthTrackerTest, DelaysDoubleAndAreCapped) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(tracker_.RecordFailure("h"), absl::ZeroDuration());
  }
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(100));
  tracker_.Released("h");
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(200));
  tracker_.Released("h");
  for (int i = 0; i < 10; ++i) {
    tracker_.RecordFailure("h");
    tracker_.Released("h");
  }
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Seconds(5));
  EXPECT_EQ(tracker_.RecordFailure("other"), absl::ZeroDuration());
}

TEST_F(FailedAuthTrackerTest, OnlyTimeClearsAHostsFailures) {
  for (int i = 0; i < 3; ++i) tracker_.RecordFailure("h");
  // Nothing a caller does resets the count: the next failure is delayed,
  // whatever succeeded in between (there is no way to report a success).
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(100));
  tracker_.Released("h");
  now_ += absl::Minutes(9);
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(200));
  tracker_.Released("h");
  now_ += absl::Minutes(11);  // a new window
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::ZeroDuration());
}

TEST_F(FailedAuthTrackerTest, ParallelFailuresAreCountedWhileTheirAnswersWait) {
  for (int i = 0; i < 3; ++i) tracker_.RecordFailure("h");
  // None of these answers is released: each is counted all the same.
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(100));
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(200));
  EXPECT_EQ(tracker_.RecordFailure("h"), absl::Milliseconds(400));
  EXPECT_EQ(tracker_.held(), 3);
}

TEST_F(FailedAuthTrackerTest, HeldAnswersAreBoundedPerHostAndInAll) {
  for (int i = 0; i < 3; ++i) tracker_.RecordFailure("h");
  EXPECT_FALSE(tracker_.Saturated("h"));
  for (int i = 0; i < 4; ++i) tracker_.RecordFailure("h");  // 4 held
  EXPECT_TRUE(tracker_.Saturated("h"));                     // its own bound
  EXPECT_FALSE(tracker_.Saturated("new"));  // another host is not concerned
  for (int i = 0; i < 3; ++i) tracker_.RecordFailure("g");
  tracker_.RecordFailure("g");
  tracker_.RecordFailure("g");  // 6 held in all
  EXPECT_TRUE(tracker_.Saturated("g"));
  // A host without failures goes on; a host with some is refused too.
  EXPECT_FALSE(tracker_.Saturated("clean"));
  tracker_.RecordFailure("f");
  EXPECT_TRUE(tracker_.Saturated("f"));
  for (int i = 0; i < 4; ++i) tracker_.Released("h");
  EXPECT_FALSE(tracker_.Saturated("h"));
}

TEST_F(FailedAuthTrackerTest, AuditIsOneEntryPerHostAndInterval) {
  tracker_.RecordFailure("a");
  std::vector<FailedAuthEntry> first = tracker_.TakeAudit(false);
  ASSERT_EQ(first.size(), 1u);  // a host's first failure at once
  EXPECT_EQ(first[0].host, "a");
  EXPECT_EQ(first[0].failures, 1);
  for (int i = 0; i < 5; ++i) tracker_.RecordFailure("a");
  EXPECT_TRUE(tracker_.TakeAudit(false).empty());  // within the interval
  now_ += absl::Minutes(1);
  std::vector<FailedAuthEntry> later = tracker_.TakeAudit(false);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].failures, 5);
  EXPECT_EQ(later[0].last_delay, absl::Milliseconds(400));
}

TEST_F(FailedAuthTrackerTest, HostsBeyondTheAuditBoundShareOneEntry) {
  for (const char* host : {"a", "b", "c", "d"}) tracker_.RecordFailure(host);
  std::vector<FailedAuthEntry> entries = tracker_.TakeAudit(true);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].host, "a");
  EXPECT_EQ(entries[1].host, "b");
  EXPECT_EQ(entries[2].host, "");
  EXPECT_EQ(entries[2].hosts, 2);
  EXPECT_EQ(entries[2].failures, 2);
}

}  // namespace
}  // namespace registry
