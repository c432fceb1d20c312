// What the files implementing RegistryStore share; not part of the
// storage API (registry_store.h is).
#ifndef REGISTRY_STORAGE_STORE_INTERNAL_H_
#define REGISTRY_STORAGE_STORE_INTERNAL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/audit_chain.h"
#include "core/records.h"
#include "core/sync.h"
#include "storage/connection.h"
#include "storage/registry_store.h"

namespace registry {

inline std::string S(std::string_view text) { return std::string(text); }

// Recorded (server) times as stored: RFC 3339 UTC with microseconds.
std::string FormatRecordedTime(absl::Time time);
absl::Time ParseRecordedTime(const std::string& text);  // InfinitePast: bad

// A stored record from its canonical CSV payload, FormatCsvRow(ToRow(r))
// (DATA_LOSS when it does not read back).
absl::StatusOr<Record> DecodePayload(Kind kind, const std::string& payload);

// `size` random bytes from OpenSSL; aborts without randomness (no secret
// or pseudonym can be issued safely then).
std::string RandomBytes(size_t size);
// "R" and 12 Crockford base32 characters (60 random bits): pseudonymous,
// never derived from the center's code.
std::string NewRegistryId();
// Letters, digits, '_' and '-', 1 to `max_size` bytes (centre codes).
bool IsCode(std::string_view text, size_t max_size);
// At most `max_size` bytes and no control character (names, labels,
// reasons).
bool IsPlainText(std::string_view text, size_t max_size);
// "kind/registry_id/key": what an audit entry of a record names.
std::string EntityOf(std::string_view kind, std::string_view registry_id,
                     std::string_view key);
// "create", "amend", "retract": the operation in events and audit actions.
std::string_view OperationName(Operation operation);

// Reader connections, created on demand and reused. At most
// kMaxReaders exist, each with a page cache of kReaderCacheKiB, so that
// their memory is bounded whatever the number of concurrent calls (the
// cache of each connection fills with the pages it reads, and SQLite's
// default of 2 MB each made the server grow with concurrency). A caller
// finding every reader busy waits for one.
class RegistryStore::Pool {
 public:
  static constexpr int kMaxReaders = 16;
  static constexpr int kReaderCacheKiB = 1024;

  Pool(std::string path, int busy_timeout_ms)
      : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() {
      connection_->ResetStatements();
      pool_->Release(std::move(connection_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *connection_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  absl::StatusOr<std::unique_ptr<Lease>> Acquire() {
    {
      MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](Pool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mutex_) {
            return !p->idle_.empty() || p->open_ < kMaxReaders;
          },
          this));
      if (!idle_.empty()) {
        auto lease = std::make_unique<Lease>(this, std::move(idle_.back()));
        idle_.pop_back();
        return lease;
      }
      ++open_;  // reserved; opened below, outside the lock
    }
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(path_, false, busy_timeout_ms_);
    if (connection.ok()) {
      absl::Status sized = CatchSqlite([&] {
        (*connection)
            ->db()
            .exec(absl::StrCat("PRAGMA cache_size = -", kReaderCacheKiB));
        return absl::OkStatus();
      });
      if (!sized.ok()) connection = sized;
    }
    if (!connection.ok()) {
      MutexLock lock(&mutex_);
      --open_;
      return connection.status();
    }
    return std::make_unique<Lease>(this, *std::move(connection));
  }

 private:
  void Release(std::unique_ptr<Connection> connection) {
    MutexLock lock(&mutex_);
    idle_.push_back(std::move(connection));
  }

  const std::string path_;
  const int busy_timeout_ms_;
  Mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mutex_);
  int open_ ABSL_GUARDED_BY(mutex_) = 0;  // idle or leased
};

// The newest audit entry: what the next one links to.
struct AuditHead {
  int64_t seq = 0;
  std::string hash;
};
AuditHead ReadAuditHead(Connection& c);

// The state of one request's writes: its connection, actor, time, and the
// head of the audit chain, which this request extends.
class RegistryStore::Transaction {
 public:
  // `head` is the group's audit head; it must outlive the transaction.
  Transaction(Connection& connection, const RequestContext& context,
              absl::Time now, AuditHead& head)
      : connection_(connection),
        context_(context),
        now_(now),
        now_text_(FormatRecordedTime(now)),
        head_(head) {}

  Connection& connection() { return connection_; }
  const RequestContext& context() const { return context_; }
  const Principal& principal() const { return context_.principal; }
  absl::Time now() const { return now_; }
  const std::string& now_text() const { return now_text_; }

  // Appends one audit entry; `entry` supplies center, action, entity,
  // values, reason and event_seq, the rest comes from the transaction.
  void Audit(AuditEntry entry) {
    entry.seq = head_.seq + 1;
    entry.at = now_text_;
    entry.principal = context_.principal.token_id;
    entry.role = S(RoleName(context_.principal.role));
    entry.request_id = context_.request_id;
    entry.prev_hash = head_.hash;
    entry.issued_by = context_.principal.issued_by;
    entry.hash = ComputeAuditHash(entry);
    SQLite::Statement& insert = connection_.Prepare(
        "INSERT INTO audit_log (seq, at, principal, role, center, action, "
        "entity, old_value, new_value, reason, request_id, event_seq, "
        "prev_hash, hash, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?)");
    insert.bind(1, static_cast<int64_t>(entry.seq));
    insert.bind(2, entry.at);
    insert.bind(3, entry.principal);
    insert.bind(4, entry.role);
    insert.bind(5, entry.center);
    insert.bind(6, entry.action);
    insert.bind(7, entry.entity);
    insert.bind(8, entry.old_value);
    insert.bind(9, entry.new_value);
    insert.bind(10, entry.reason);
    insert.bind(11, entry.request_id);
    if (entry.event_seq) {
      insert.bind(12, static_cast<int64_t>(*entry.event_seq));
    } else {
      insert.bind(12);
    }
    insert.bind(13, entry.prev_hash);
    insert.bind(14, entry.hash);
    insert.bind(15, entry.issued_by);
    insert.exec();
    head_.seq = entry.seq;
    head_.hash = std::move(entry.hash);
  }

 private:
  Connection& connection_;
  const RequestContext& context_;
  const absl::Time now_;
  const std::string now_text_;
  AuditHead& head_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGE_STORE_INTERNAL_H_
