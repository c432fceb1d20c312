// The registry's storage layer: an event-sourced SQLite store of clinical
// records, the identities of centers, patients and tokens, and the
// hash-chained audit trail, all behind absl::Status.
//
// Every method that changes data, and every read of patient-level data,
// runs atomically together with its audit entries: either both land or
// neither does. Concurrent requests share one commit (group commit), each
// in its own savepoint. The actor is always the authenticated
// principal the caller passes in, never a field of a request.
//
// Thread-safety: all methods may be called concurrently. Writes are
// serialised on one connection; reads use a pool of connections and run
// in parallel with writes (WAL).
#ifndef REGISTRY_STORAGE_REGISTRY_STORE_H_
#define REGISTRY_STORAGE_REGISTRY_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/access.h"
#include "core/records.h"
#include "core/sync.h"

namespace registry {

class Connection;
class DiskReserve;
class StoreLock;
struct AuditHead;

struct CenterInfo {
  std::string code;
  std::string name;
  absl::Time created_at;
};

struct TokenInfo {
  std::string token_id;
  std::string issued_by;  // the issuing token's id, or "registryd"
  Role role = Role::kSubmitter;
  std::string center_code;  // submitters only
  std::string label;
  absl::Time created_at;
  std::optional<absl::Time> revoked_at;
  std::optional<absl::Time> expires_at;  // unset: never expires
};

struct IssuedToken {
  std::string secret;  // shown once; only its hash is stored
  TokenInfo info;
};

struct SubmitCounts {
  int64_t received = 0;
  int64_t accepted = 0;  // in a dry run: would be
  int64_t unchanged = 0;
  int64_t amended = 0;  // of `accepted`, an upsert's amendments
  // A dry run's findings: every problem, in request order, and their count.
  std::vector<FieldViolation> problems;
  int64_t problem_count = 0;
};

// How many problems of one submission its answer lists (all are counted).
inline constexpr size_t kMaxListedViolations = 50;

// A record as the store returns it.
struct StoredRecord {
  std::string registry_id;
  std::string center_code;
  Record record;  // patient_id blanked for analysts
};

struct StoredEvent {
  int64_t event_seq = 0;
  absl::Time recorded_at;
  Operation operation = Operation::kImport;
  Record record;
  std::string reason;
  std::string request_id;
  // Who made the change: the token's id, label and role ("system" for the
  // server itself). Labels name people or centres: analysts get none.
  std::string token_id;
  std::string token_label;
  std::string token_role;
};

struct PatientHistory {
  std::string registry_id;
  std::string patient_id;  // empty for analysts
  std::string center_code;
  std::vector<Record> current;
  std::vector<StoredEvent> events;
};

// Names a patient: by the center's code (submitters) or the registry id.
struct PatientRef {
  std::string patient_id;
  std::string registry_id;
};

// One patient's current records, for outcome computations.
struct PatientRecords {
  std::string registry_id;
  std::string patient_id;  // empty for analysts
  std::string center_code;
  std::vector<Record> records;  // patient_id fields blanked for analysts
};

struct AuditReport {
  bool ok = true;
  int64_t entries_checked = 0;
  int64_t events_checked = 0;
  int64_t first_bad_entry = 0;  // 0 when ok or when no entry is to blame
  std::string problem;
};

// What operators watch of a store (`regctl admin metrics`).
struct StoreFigures {
  int64_t database_bytes = 0;
  int64_t wal_bytes = 0;  // the -wal file; 0 when there is none
  int64_t audit_entries = 0;
  int64_t events = 0;
  int64_t patients = 0;
  int64_t centers = 0;
  int64_t active_tokens = 0;  // neither revoked nor expired
  // When a WAL checkpoint last copied the whole WAL into the database file
  // (since this process opened the store); nullopt before the first.
  std::optional<absl::Time> last_full_checkpoint;
  bool disk_full = false;
};

struct StoreOptions {
  int busy_timeout_ms = 5000;
  // Space kept in reserve beside the database for a full disk (DB.reserve,
  // see DiskReserve); 0 for none.
  int64_t disk_reserve_bytes = 8 << 20;
  // The WAL is copied into the database file at least this often when
  // there were commits (and whenever it reaches 10,000 pages).
  absl::Duration checkpoint_interval = absl::Seconds(30);
  // Source of "now" for recorded times and the no-future-dates rule.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// On a full disk every write fails with RESOURCE_EXHAUSTED and writes
// nothing; the store then releases its disk reserve and refuses clinical
// submissions at once, while reads, administration and their audit
// entries go on in the space released. Submissions resume by themselves
// once the disk has room for the reserve again. No SQLite error ends a
// thread or the process.
class RegistryStore {
 public:
  // Opens or creates the database at `path`, migrates its schema and locks
  // it for this process. FAILED_PRECONDITION naming the file when the
  // database, its directory or its -wal/-shm files cannot be written, or
  // when another process holds the database; RESOURCE_EXHAUSTED when the
  // disk is full. A new database file is created with mode 0600 (SQLite
  // gives its -wal and -shm the same), and leftovers of interrupted
  // backups are removed.
  static absl::StatusOr<std::unique_ptr<RegistryStore>> Open(
      const std::string& path, StoreOptions options = {});

  ~RegistryStore();
  RegistryStore(const RegistryStore&) = delete;
  RegistryStore& operator=(const RegistryStore&) = delete;

  // True when the store holds no token yet (a new database).
  absl::StatusOr<bool> NeedsBootstrap();

  // True while the disk counts as full (submissions are refused).
  bool DiskFull();

  // File sizes and row counts, read from a snapshot. Not audited: it
  // holds no patient data, and a scrape every minute would flood the trail.
  absl::StatusOr<StoreFigures> Figures();

  // --- Identity and access ------------------------------------------------

  // The principal a bearer secret belongs to; nullopt for unknown, revoked
  // or expired secrets. Valid principals are cached in memory until their
  // expiry or any revocation or rotation (this process is the only writer
  // of the tokens).
  absl::StatusOr<std::optional<Principal>> Authenticate(
      std::string_view secret);
  // The principal of `secret` when its check is cached and still valid;
  // nullopt otherwise. Never reads the database.
  std::optional<Principal> CachedPrincipal(std::string_view secret);

  // ALREADY_EXISTS for a taken code, INVALID_ARGUMENT for a bad code/name.
  absl::StatusOr<CenterInfo> AddCenter(const RequestContext& context,
                                       std::string_view code,
                                       std::string_view name);
  absl::StatusOr<std::vector<CenterInfo>> ListCenters(
      const RequestContext& context);

  // A new bearer secret ("rgt_" and 64 hex digits).
  static std::string NewTokenSecret();

  // `center_code` is required for submitters and must be empty otherwise.
  // With `expires_in` (positive, at most 10 years), the token stops working
  // that long after issue. `secret`, when given, is the token's secret
  // (from NewTokenSecret, already kept somewhere safe); otherwise a new one.
  absl::StatusOr<IssuedToken> IssueToken(
      const RequestContext& context, Role role, std::string_view center_code,
      std::string_view label,
      std::optional<absl::Duration> expires_in = std::nullopt,
      std::optional<std::string> secret = std::nullopt);
  // Issues a new token with the caller's role, center and label and revokes
  // the caller's token, in one transaction. Without `expires_in` the new
  // token expires when the old one would have (never, if it had no
  // expiry); with it (positive, at most 10 years), that long after now.
  absl::StatusOr<IssuedToken> RotateToken(
      const RequestContext& context,
      std::optional<absl::Duration> expires_in = std::nullopt);
  absl::StatusOr<std::vector<TokenInfo>> ListTokens(
      const RequestContext& context);
  // NOT_FOUND for an unknown id, FAILED_PRECONDITION when already revoked.
  absl::StatusOr<TokenInfo> RevokeToken(const RequestContext& context,
                                        std::string_view token_id);

  // --- Clinical records (submitters) -------------------------------------

  // Applies all `rows` (typed values as received: see RecordValues; for a
  // retraction only the key values matter) in order as one transaction,
  // for the principal's center. On any bad row nothing is written and the
  // status carries every violation (fields "records[i].<column>", and
  // "reason"): INVALID_ARGUMENT, or ALREADY_EXISTS when the only problems are
  // imports of known keys with other values.
  absl::StatusOr<SubmitCounts> Submit(const RequestContext& context,
                                      Operation operation,
                                      std::string_view reason,
                                      const std::vector<RecordValues>& rows);

  // Submit without waiting: `done` receives what Submit would return, on
  // the store's answer thread, once the rows are durably committed or
  // rolled back (at once, on the calling thread, for a bad principal or
  // reason). `done` must be quick and must not wait for a store write:
  // the answers of later writes wait for it.
  //
  // With `dry_run`, every check runs as for the submission, nothing is
  // written (the transaction is rolled back), and the problems, all of
  // them, come back in SubmitCounts with an OK status.
  void SubmitAsync(RequestContext context, Operation operation,
                   std::string reason, std::vector<RecordValues> rows,
                   std::function<void(absl::StatusOr<SubmitCounts>)> done,
                   bool dry_run = false);

  // Calls `sink` with each current record of `kind` of the principal's
  // center, ordered by patient_id then key; as they stood at
  // `as_of_recorded` when given. A false return from `sink` stops early.
  absl::Status ExportRecords(
      const RequestContext& context, Kind kind,
      std::optional<absl::Time> as_of_recorded,
      const std::function<bool(const StoredRecord&)>& sink);

  // One patient's records and events. Submitters see their own center's
  // patients; analysts all, by registry id, with patient codes blanked.
  // NOT_FOUND otherwise (whether or not the patient exists elsewhere).
  absl::StatusOr<PatientHistory> GetPatientHistory(
      const RequestContext& context, const PatientRef& patient,
      std::optional<absl::Time> as_of_recorded);

  // Calls `sink` with the current records of each patient in the
  // principal's scope (submitters: their center, by patient code;
  // analysts: all centers, by registry id), or only of `patient` when
  // given (NOT_FOUND as for GetPatientHistory); the records as they stood
  // at `as_of_recorded` when given (a data freeze: later imports, amends
  // and retractions are not seen). One audit entry with `action` is
  // committed before any record is handed out. A false return from `sink`
  // stops early.
  absl::Status ReadPatients(const RequestContext& context,
                            std::optional<PatientRef> patient,
                            std::string_view action,
                            std::optional<absl::Time> as_of_recorded,
                            const std::function<bool(PatientRecords&&)>& sink);

  // Analysts: calls `sink` with every current record of `kind` of all
  // centers, by registry id, patient codes blanked, without holding the
  // cohort in memory; the records as they stood at `as_of_recorded` when
  // given. `day0` receives, first, each patient's first transplant date
  // (as of the same time). Audited as one `records.export` entry.
  absl::Status ExportAllCenters(
      const RequestContext& context, Kind kind,
      std::optional<absl::Time> as_of_recorded,
      const std::function<void(const std::string& registry_id, Date day0)>&
          day0,
      const std::function<bool(const StoredRecord&)>& sink);

  // --- Audit ---------------------------------------------------------------

  // Recomputes the hash chain from the first entry and checks that every
  // event is covered by exactly the audit entry that names it.
  absl::StatusOr<AuditReport> VerifyAudit(const RequestContext& context);

  // A consistent copy of the whole database, made with SQLite's online
  // backup while writers go on, in a temporary file beside the database
  // (mode 0600, DB.backup-*.tmp) that is unlinked once written: `fd` reads
  // it from its start, and the caller closes it. A crash while copying
  // leaves the file; Open removes it. The copy includes the audit entry
  // recording the backup.
  struct BackupCopy {
    int fd = -1;
    int64_t bytes = 0;
  };
  absl::StatusOr<BackupCopy> Backup(const RequestContext& context);

  // RFC 6962 leaf hashes of every audit entry (leaf data: the entry's
  // canonical bytes), in sequence order, from one consistent snapshot.
  absl::StatusOr<std::vector<std::string>> AuditLeafHashes();

  // Appends an audit entry for an action outside the store (the server's
  // own start-up, say) in its own transaction.
  absl::Status RecordAction(const RequestContext& context,
                            std::string_view action, std::string_view entity,
                            std::string_view new_value);
  // Several such entries, in one transaction.
  struct Action {
    std::string action;
    std::string entity;
    std::string new_value;
  };
  absl::Status RecordActions(const RequestContext& context,
                             const std::vector<Action>& actions);

 private:
  class Pool;
  class Transaction;

  RegistryStore(std::string path, StoreOptions options);

  // A unit of work for the writer thread; `done` gets its outcome on the
  // answer thread.
  struct PendingWrite {
    const RequestContext* context;
    std::function<absl::Status(Transaction&)> body;
    std::function<void(absl::Status)> done;
    absl::Status result;
    int64_t records = 0;  // rows it carries (memory to give back after)
  };

  // Writes handed from one thread to the next, taken all at once.
  // Thread-safe.
  class WriteQueue {
   public:
    void Push(std::unique_ptr<PendingWrite> write);
    void PushAll(std::vector<std::unique_ptr<PendingWrite>> writes);
    // Blocks until there are writes or the queue is closed: empty only once
    // it is closed and drained.
    std::vector<std::unique_ptr<PendingWrite>> TakeAll();
    void Close();

   private:
    Mutex mutex_;
    std::vector<std::unique_ptr<PendingWrite>> writes_ ABSL_GUARDED_BY(mutex_);
    bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  };

  // Runs `body` atomically on the writer connection and returns once it is
  // durably committed (or rolled back when `body` fails).
  absl::Status WriteTransaction(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body);
  // The writer thread: takes every queued write as one group and runs it in
  // one IMMEDIATE transaction, each write inside its own savepoint (a
  // failing write rolls back alone); one commit, so one fsync, makes the
  // whole group durable. Returns when stopping and the queue is empty.
  void WriterLoop();
  // Hands finished writes their outcome, off the writer thread.
  void AnswerLoop();
  // Runs WAL checkpoints on `connection` when the writer asks for them.
  void RequestCheckpoint();
  void CheckpointLoop(Connection& connection);
  void RunGroup(const std::vector<std::unique_ptr<PendingWrite>>& group);
  // One write of a group on `c`, in its own savepoint unless `alone`;
  // moves `head` past its audit entries when it succeeds. Sets `broken`
  // when the group's transaction can no longer be committed.
  absl::Status RunWrite(Connection& c, PendingWrite& write, bool alone,
                        AuditHead& head, bool& broken);

  // Runs `read` in one read transaction on a leased reader connection,
  // which is given back before this returns.
  absl::Status ReadSnapshot(
      const std::function<absl::Status(Connection&)>& read);

  // Drops every cached principal; called after each change to the tokens.
  void ForgetPrincipals();

  // Checks done before a submission reaches the writer.
  static absl::Status CheckSubmit(const RequestContext& context,
                                  Operation operation, std::string_view reason);
  // The body of a submission: validates and applies `rows` in `t`.
  static absl::Status ApplyRows(Transaction& t, Operation operation,
                                std::string_view reason,
                                const std::vector<RecordValues>& rows,
                                Date latest_valid, SubmitCounts& counts,
                                size_t max_listed);

  // RESOURCE_EXHAUSTED while the disk counts as full.
  absl::Status CheckDiskForSubmission();

  const std::string path_;
  const StoreOptions options_;
  std::unique_ptr<StoreLock> lock_;  // released last
  std::unique_ptr<DiskReserve> reserve_;
  WriteQueue queue_;     // to the writer thread
  WriteQueue finished_;  // from the writer to the answer thread
  Mutex writer_mutex_;
  std::unique_ptr<Connection> writer_ ABSL_GUARDED_BY(writer_mutex_);
  std::unique_ptr<Pool> readers_;
  struct PrincipalEntry {
    Principal principal;
    std::optional<absl::Time> expires_at;
  };
  Mutex principals_mutex_;
  // By SHA-256 of the secret.
  std::unordered_map<std::string, PrincipalEntry> principals_
      ABSL_GUARDED_BY(principals_mutex_);
  uint64_t token_generation_ ABSL_GUARDED_BY(principals_mutex_) = 0;
  Mutex checkpoint_mutex_;
  bool checkpoint_wanted_ ABSL_GUARDED_BY(checkpoint_mutex_) = false;
  std::atomic<bool> wal_dirty_{false};  // commits since the last checkpoint
  std::atomic<int64_t> last_full_checkpoint_unix_{0};  // 0: none yet
  bool checkpoint_stopping_ ABSL_GUARDED_BY(checkpoint_mutex_) = false;
  std::thread writer_thread_;
  std::thread answer_thread_;
  std::thread checkpoint_thread_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGE_REGISTRY_STORE_H_
