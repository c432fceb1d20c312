// The write pipeline: the queue, the writer thread and its group commit,
// the answer thread, and the checkpoint thread.
#include <fcntl.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/audit_chain.h"
#include "core/csv.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/text_escape.h"
#include "core/violations.h"
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {

namespace {

// Rows of the writes answered together from which the answer thread hands
// freed memory back to the system.
constexpr int64_t kTrimAfterRecords = 50000;

}  // namespace

void RegistryStore::WriteQueue::Push(std::unique_ptr<PendingWrite> write) {
  MutexLock lock(&mutex_);
  writes_.push_back(std::move(write));
}

void RegistryStore::WriteQueue::PushAll(
    std::vector<std::unique_ptr<PendingWrite>> writes) {
  MutexLock lock(&mutex_);
  for (auto& write : writes) writes_.push_back(std::move(write));
}

std::vector<std::unique_ptr<RegistryStore::PendingWrite>>
RegistryStore::WriteQueue::TakeAll() {
  MutexLock lock(&mutex_);
  mutex_.Await(absl::Condition(
      +[](WriteQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mutex_) {
        return q->closed_ || !q->writes_.empty();
      },
      this));
  return std::exchange(writes_, {});
}

void RegistryStore::WriteQueue::Close() {
  MutexLock lock(&mutex_);
  closed_ = true;
}

void RegistryStore::WriterLoop() {
  for (auto group = queue_.TakeAll(); !group.empty();
       group = queue_.TakeAll()) {
    RunGroup(group);
    if (std::any_of(group.begin(), group.end(), [](const auto& write) {
          return IsDiskFull(write->result);
        })) {
      // The space of the reserve is what lets reads and their audit
      // entries go on.
      reserve_->Release();
    }
    // Answering (a gRPC send for asynchronous callers) happens on another
    // thread, so that the writer can start the next group at once.
    finished_.PushAll(std::move(group));
  }
  finished_.Close();  // closed and drained: every write is done
}

void RegistryStore::RequestCheckpoint() {
  MutexLock lock(&checkpoint_mutex_);
  checkpoint_wanted_ = true;
}

void RegistryStore::CheckpointLoop(Connection& connection) {
  for (;;) {
    {
      MutexLock lock(&checkpoint_mutex_);
      // Also on a time bound: after a crash the WAL holds every commit
      // since the last checkpoint, and a WAL lost then loses them (on a
      // young registry, all of it).
      checkpoint_mutex_.AwaitWithTimeout(
          absl::Condition(
              +[](RegistryStore* s)
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->checkpoint_mutex_) {
                     return s->checkpoint_wanted_ || s->checkpoint_stopping_;
                   },
              this),
          options_.checkpoint_interval);
      if (checkpoint_stopping_) return;
      const bool due = checkpoint_wanted_ || wal_dirty_.exchange(false);
      checkpoint_wanted_ = false;
      if (!due) {
        // Nothing committed since the last full copy: the database file
        // holds everything.
        if (last_full_checkpoint_unix_.load() > 0) {
          last_full_checkpoint_unix_.store(absl::ToUnixSeconds(absl::Now()));
        }
        continue;
      }
    }
    // PASSIVE: copies what no reader still needs, never blocks the writer.
    // What it could not copy (a reader on an older snapshot, busy) is
    // tried again at the next interval or request.
    int wal_frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(connection.db().getHandle(),
                                             nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_frames, &copied);
    if (rc != SQLITE_OK || copied < wal_frames) {
      wal_dirty_.store(true);
    } else {
      last_full_checkpoint_unix_.store(absl::ToUnixSeconds(absl::Now()));
    }
  }
}

void RegistryStore::AnswerLoop() {
  for (auto answered = finished_.TakeAll(); !answered.empty();
       answered = finished_.TakeAll()) {
    int64_t records = 0;
    for (std::unique_ptr<PendingWrite>& write : answered) {
      write->done(std::move(write->result));
      records += write->records;
    }
    answered.clear();  // frees the rows
    // glibc keeps freed memory for reuse; after a large submission that
    // is hundreds of MB held for nothing (0.99 GB stayed after four
    // 400,000-row imports). Give it back.
    if (records >= kTrimAfterRecords) malloc_trim(0);
  }
}

absl::Status RegistryStore::WriteTransaction(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body) {
  Notification finished;
  absl::Status result;
  auto write = std::make_unique<PendingWrite>();
  write->context = &context;
  write->body = [&body](Transaction& t) { return body(t); };
  write->done = [&](absl::Status status) {
    result = std::move(status);
    finished.Notify();
  };
  queue_.Push(std::move(write));
  finished.WaitForNotification();
  return result;
}

namespace {

// Rolls back whatever transaction is open on `c`; never throws.
void RollbackAll(Connection& c) {
  (void)CatchSqlite([&] {
    if (!sqlite3_get_autocommit(c.db().getHandle())) c.Run("ROLLBACK");
    return absl::OkStatus();
  });
  c.ResetStatements();
}

}  // namespace

absl::Status RegistryStore::RunWrite(Connection& c, PendingWrite& write,
                                     bool alone, AuditHead& head,
                                     bool& broken) {
  const AuditHead before = head;
  if (!alone) {
    absl::Status opened = CatchSqlite([&] {
      c.Run("SAVEPOINT request");
      return absl::OkStatus();
    });
    if (!opened.ok()) {
      broken = true;
      return opened;
    }
  }
  absl::Status status = CatchSqlite([&] {
    Transaction transaction(c, *write.context, options_.clock(), head);
    return write.body(transaction);
  });
  c.ResetStatements();
  if (!status.ok()) head = before;
  // After some errors (a full disk, an I/O error) SQLite rolls back the
  // whole transaction, not just the failed statement: the group's earlier
  // writes are gone too, and a savepoint opened now would run outside any
  // transaction.
  if (sqlite3_get_autocommit(c.db().getHandle())) {
    broken = true;
    return status.ok() ? absl::InternalError(
                             "the database ended the transaction unexpectedly")
                       : status;
  }
  if (alone) return status;
  absl::Status closed = CatchSqlite([&] {
    if (!status.ok()) c.Run("ROLLBACK TO request");
    c.Run("RELEASE request");
    return absl::OkStatus();
  });
  if (!closed.ok()) {
    broken = true;
    return status.ok() ? closed : status;
  }
  return status;
}

void RegistryStore::RunGroup(
    const std::vector<std::unique_ptr<PendingWrite>>& group) {
  MutexLock lock(&writer_mutex_);
  Connection& c = *writer_;
  // Transaction control goes through cached statements: sqlite3_exec would
  // parse each of them again for every request.
  AuditHead head;
  absl::Status begin = CatchSqlite([&] {
    c.Run("BEGIN IMMEDIATE");
    head = ReadAuditHead(c);
    return absl::OkStatus();
  });
  if (!begin.ok()) {
    RollbackAll(c);
    for (auto& write : group) write->result = begin;
    return;
  }
  // Savepoints let one failing write roll back alone. A write alone in its
  // group (a large import, typically) does without: SQLite copies every
  // page a savepoint changes to a sub-journal, most of such a write.
  const bool alone = group.size() == 1;
  bool any_ok = false;
  for (size_t i = 0; i < group.size(); ++i) {
    bool broken = false;
    group[i]->result = RunWrite(c, *group[i], alone, head, broken);
    if (broken) {
      // Nothing of the group can be trusted to commit: fail all of it, the
      // writes not yet run included, with the cause.
      RollbackAll(c);
      const absl::Status cause = group[i]->result;
      for (auto& write : group) {
        if (write->result.ok()) write->result = cause;
      }
      return;
    }
    any_ok = any_ok || group[i]->result.ok();
  }
  if (!any_ok) {  // nothing to keep
    RollbackAll(c);
    return;
  }
  const absl::Status commit = CatchSqlite([&] {
    c.Run("COMMIT");
    return absl::OkStatus();
  });
  if (!commit.ok()) {
    RollbackAll(c);
    for (auto& write : group) {
      if (write->result.ok()) write->result = commit;
    }
  }
  c.ResetStatements();
}

}  // namespace registry
