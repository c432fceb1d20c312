// The store under storage faults (a full disk, a failing device), injected
// through a SQLite VFS: every call returns a status, nothing is
// half-written, the audit chain stays whole, and writes work again once
// the fault is gone, without reopening the store.
#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/sync.h"
#include "storage/registry_store.h"
#include "tests/fault_vfs.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kPatients = 16;

class StorageFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallFaultVfs();
    SetStorageFault(StorageFault::kNone);
    // The faults are the VFS's, not the disk's: a disk reserve would see a
    // disk with room and hold submissions back for its own second.
    StoreOptions options;
    options.disk_reserve_bytes = 0;
    auto store = RegistryStore::Open(dir_.File("store.db"), options);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    ASSERT_THAT(store_->AddCenter(system_, "C1", "Center 1").status(), IsOk());
    auto token = store_->IssueToken(system_, Role::kSubmitter, "C1", "");
    ASSERT_THAT(token.status(), IsOk());
    auto principal = store_->Authenticate(token->secret);
    ASSERT_TRUE(principal.ok() && principal->has_value());
    submitter_ = {**principal, "req_test"};
    auto analyst = store_->IssueToken(system_, Role::kAnalyst, "", "");
    ASSERT_THAT(analyst.status(), IsOk());
    analyst_ = {{analyst->info.token_id, Role::kAnalyst, 0, ""}, "req_a"};
    std::vector<RecordValues> patients;
    for (int p = 0; p < kPatients; ++p) {
      patients.push_back(
          ReadRow(Kind::kPatients,
                  {absl::StrCat("P", p), "F", "1980", "RRMS", "2010-01-01"}));
    }
    ASSERT_THAT(
        store_->Submit(submitter_, Operation::kImport, "", patients).status(),
        IsOk());
  }
  void TearDown() override { SetStorageFault(StorageFault::kNone); }

  // `n` visits of patient `p`, one a day from 1990-01-01 + `offset` days.
  static std::vector<RecordValues> Visits(int p, int n, int offset = 0) {
    std::vector<RecordValues> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back(
          ReadRow(Kind::kVisits,
                  {absl::StrCat("P", p),
                   FormatIsoDate(Date(1990, 1, 1) + offset + i), "2.0"}));
    }
    return rows;
  }
  std::vector<std::string> ExportedVisits() {
    std::vector<std::string> rows;
    EXPECT_THAT(store_->ExportRecords(submitter_, Kind::kVisits, std::nullopt,
                                      [&](const StoredRecord& r) {
                                        const Row row = ToRow(r.record);
                                        rows.push_back(row[0] + "," + row[1]);
                                        return true;
                                      }),
                IsOk());
    return rows;
  }
  void ExpectAuditOk() {
    auto report = store_->VerifyAudit(system_);
    ASSERT_THAT(report.status(), IsOk());
    EXPECT_TRUE(report->ok) << report->problem;
  }

  TempDir dir_;
  std::unique_ptr<RegistryStore> store_;
  RequestContext system_{{"registryd", Role::kSystem, 0, ""}, "req_setup"};
  RequestContext submitter_;
  RequestContext analyst_;
};

TEST_F(StorageFaultTest, AFullDiskFailsTheWriteCleanlyAndWritesResumeAfter) {
  SetStorageFault(StorageFault::kDiskFull);
  auto counts =
      store_->Submit(submitter_, Operation::kImport, "", Visits(0, 2000));
  EXPECT_EQ(counts.status().code(), absl::StatusCode::kResourceExhausted)
      << counts.status();
  EXPECT_THAT(counts.status().message(), HasSubstr("disk is full"));

  SetStorageFault(StorageFault::kNone);
  EXPECT_TRUE(ExportedVisits().empty());  // nothing of it was written
  // The same store, not reopened, takes writes again.
  ASSERT_THAT(
      store_->Submit(submitter_, Operation::kImport, "", Visits(0, 2000))
          .status(),
      IsOk());
  EXPECT_EQ(ExportedVisits().size(), 2000u);
  ExpectAuditOk();
}

TEST_F(StorageFaultTest, EveryCallUnderAFailingDeviceReturnsAStatus) {
  auto issued = store_->IssueToken(system_, Role::kAnalyst, "", "to revoke");
  ASSERT_THAT(issued.status(), IsOk());
  SetStorageFault(StorageFault::kIoError);
  auto failed = [](const absl::Status& status) {
    EXPECT_FALSE(status.ok());
    return status.code();
  };
  failed(store_->AddCenter(system_, "C2", "Center 2").status());
  failed(store_->ListCenters(system_).status());
  failed(store_->IssueToken(system_, Role::kAnalyst, "", "").status());
  failed(store_->ListTokens(system_).status());
  failed(store_->RevokeToken(system_, issued->info.token_id).status());
  failed(store_->RotateToken(submitter_).status());
  failed(store_->Submit(submitter_, Operation::kImport, "", Visits(1, 10))
             .status());
  registry::Notification answered;
  absl::Status async_status;
  store_->SubmitAsync(submitter_, Operation::kImport, "", Visits(2, 10),
                      [&](absl::StatusOr<SubmitCounts> counts) {
                        async_status = counts.status();
                        answered.Notify();
                      });
  answered.WaitForNotification();
  failed(async_status);
  failed(store_->ExportRecords(submitter_, Kind::kVisits, std::nullopt,
                               [](const StoredRecord&) { return true; }));
  failed(
      store_->GetPatientHistory(submitter_, {"P0", ""}, std::nullopt).status());
  failed(store_->ReadPatients(analyst_, std::nullopt, "reports.read",
                              std::nullopt,
                              [](PatientRecords&&) { return true; }));
  failed(store_->ExportAllCenters(
      analyst_, Kind::kPatients, std::nullopt, [](const std::string&, Date) {},
      [](const StoredRecord&) { return true; }));
  failed(store_->VerifyAudit(system_).status());
  failed(store_->Backup(system_).status());
  failed(store_->RecordAction(system_, "test.action", "entity", ""));

  SetStorageFault(StorageFault::kNone);
  ASSERT_THAT(store_->Submit(submitter_, Operation::kImport, "", Visits(1, 10))
                  .status(),
              IsOk());
  EXPECT_EQ(ExportedVisits().size(), 10u);
  ExpectAuditOk();
}

// Concurrent writes share one transaction; a fault in the middle of a
// group must fail what it rolled back and keep what it did not, with an
// audit chain that links only committed entries.
TEST_F(StorageFaultTest, AFaultInsideAGroupCommitKeepsTheChainWhole) {
  std::mt19937 random(20261202);
  std::vector<std::string> expected;
  int failed_in_all = 0, succeeded_in_all = 0;
  for (int round = 0; round < 12; ++round) {
    // A large write keeps the writer busy while the others queue up behind
    // it, so that they run as one group.
    constexpr int kBlocker = 4000, kGrouped = 300;
    std::vector<absl::Status> results(kPatients);
    registry::Mutex mutex;
    int answered = 0;
    auto submit = [&](int p, int n, int offset) {
      store_->SubmitAsync(submitter_, Operation::kImport, "",
                          Visits(p, n, offset),
                          [&, p](absl::StatusOr<SubmitCounts> counts) {
                            registry::MutexLock lock(&mutex);
                            results[p] = counts.status();
                            ++answered;
                          });
    };
    submit(kPatients - 1, kBlocker, round * kBlocker);
    for (int p = 0; p < kPatients - 1; ++p)
      submit(p, kGrouped, round * kGrouped);
    // A fault that stays (a full disk), or a single failed write after
    // which the device works again, so that the group's later writes
    // succeed and must not be committed on their own.
    SetStorageFault(
        round % 2 ? StorageFault::kDiskFull : StorageFault::kIoError,
        std::uniform_int_distribution<int>(0, 3 << 20)(random),
        round % 4 < 2 ? 1 : -1);
    {
      registry::MutexLock lock(&mutex);
      mutex.Await(absl::Condition(
          +[](int* n) { return *n == kPatients; }, &answered));
    }
    SetStorageFault(StorageFault::kNone);
    for (int p = 0; p < kPatients; ++p) {
      const bool blocker = p == kPatients - 1;
      if (!results[p].ok()) {
        ++failed_in_all;
        continue;
      }
      ++succeeded_in_all;
      for (const RecordValues& visit :
           Visits(p, blocker ? kBlocker : kGrouped,
                  round * (blocker ? kBlocker : kGrouped))) {
        const Row row = ToRow(*BuildRecord(visit, Date(9999, 12, 31)).value);
        expected.push_back(row[0] + "," + row[1]);
      }
    }
    std::vector<std::string> exported = ExportedVisits();
    std::sort(exported.begin(), exported.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(exported, expected) << "round " << round;
    ExpectAuditOk();
  }
  // The faults hit some writes and spared others.
  EXPECT_GT(failed_in_all, 0);
  EXPECT_GT(succeeded_in_all, 0);
}

}  // namespace
}  // namespace registry::testing
