#include "storage/registry_store.h"

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
#include "absl/synchronization/notification.h"
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

constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%E6SZ";
constexpr std::array<std::string_view, 5> kRoleNames = {
    "submitter", "analyst", "admin", "system", "anonymous"};
constexpr std::array<std::string_view, 3> kOperationNames = {"create", "amend",
                                                             "retract"};

std::string RandomBytes(size_t size) {
  std::string bytes(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(size)) != 1) {
    // Without randomness no secret or pseudonym can be issued safely.
    std::abort();
  }
  return bytes;
}

// "R" and 12 Crockford base32 characters (60 random bits): pseudonymous,
// never derived from the center's code.
std::string NewRegistryId() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const std::string bytes = RandomBytes(12);
  std::string id = "R";
  for (char byte : bytes) id.push_back(kAlphabet[byte & 0x1f]);
  return id;
}

bool IsCode(std::string_view text, size_t max_size) {
  if (text.empty() || text.size() > max_size) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool IsPlainText(std::string_view text, size_t max_size) {
  if (text.size() > max_size) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::string EntityOf(std::string_view kind, std::string_view registry_id,
                     std::string_view key) {
  return absl::StrCat(S(kind), "/", S(registry_id), "/", S(key));
}

}  // namespace

std::string FormatRecordedTime(absl::Time time) {
  return absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone());
}

absl::Time ParseRecordedTime(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(kTimeFormat, text, absl::UTCTimeZone(), &time, &error)) {
    return absl::InfinitePast();
  }
  return time;
}

absl::StatusOr<Record> DecodePayload(Kind kind, const std::string& payload) {
  absl::StatusOr<std::vector<CsvRow>> rows = ParseCsv(payload);
  if (!rows.ok() || rows->size() != 1) {
    return absl::DataLossError("stored record cannot be read: " + payload);
  }
  Parsed<Record> parsed =
      ParseRecord(kind, (*rows)[0].fields, Date(9999, 12, 31));
  if (!parsed.value) {
    return absl::DataLossError("stored record is invalid: " + payload);
  }
  return *std::move(parsed.value);
}

std::string EncodePayload(const Record& record) {
  return FormatCsvRow(ToRow(record));
}

std::string_view RoleName(Role role) {
  return kRoleNames[static_cast<size_t>(role)];
}

std::optional<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

// Rows of the writes answered together from which the answer thread hands
// freed memory back to the system.
constexpr int64_t kTrimAfterRecords = 50000;

// How many problems of one submission its answer lists (all are counted).
constexpr size_t kMaxListedViolations = 50;

// WAL size (pages) from which the writer asks for a checkpoint; SQLite's
// own automatic checkpoint uses the same.
constexpr int kCheckpointPages = 10000;

AuditHead ReadAuditHead(Connection& c) {
  SQLite::Statement& head =
      c.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!head.executeStep()) return {0, S(kGenesisHash)};
  return {head.getColumn(0).getInt64(), head.getColumn(1).getString()};
}

RegistryStore::RegistryStore(std::string path, StoreOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      readers_(std::make_unique<Pool>(path_, options_.busy_timeout_ms)) {}

RegistryStore::~RegistryStore() {
  queue_.Close();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (answer_thread_.joinable()) answer_thread_.join();
  {
    absl::MutexLock lock(&checkpoint_mutex_);
    checkpoint_stopping_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

void RegistryStore::WriteQueue::Push(std::unique_ptr<PendingWrite> write) {
  absl::MutexLock lock(&mutex_);
  writes_.push_back(std::move(write));
}

void RegistryStore::WriteQueue::PushAll(
    std::vector<std::unique_ptr<PendingWrite>> writes) {
  absl::MutexLock lock(&mutex_);
  for (auto& write : writes) writes_.push_back(std::move(write));
}

std::vector<std::unique_ptr<RegistryStore::PendingWrite>>
RegistryStore::WriteQueue::TakeAll() {
  absl::MutexLock lock(&mutex_);
  mutex_.Await(absl::Condition(
      +[](WriteQueue* q) { return q->closed_ || !q->writes_.empty(); }, this));
  return std::exchange(writes_, {});
}

void RegistryStore::WriteQueue::Close() {
  absl::MutexLock lock(&mutex_);
  closed_ = true;
}

absl::StatusOr<std::unique_ptr<RegistryStore>> RegistryStore::Open(
    const std::string& path, StoreOptions options) {
  RETURN_IF_ERROR(CheckStoreFiles(path));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreLock> lock, StoreLock::Acquire(path));
  RemoveBackupLeftovers(path);
  if (!std::filesystem::exists(path)) {
    // SQLite gives the -wal and -shm files the database file's mode.
    absl::StatusOr<int> fd = CreatePrivateFile(path);
    if (!fd.ok()) return ExplainStoreError(path, fd.status());
    ::close(*fd);
  }
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    TightenMode(file);
  }
  auto reserve =
      std::make_unique<DiskReserve>(path, options.disk_reserve_bytes);
  std::unique_ptr<Connection> writer, checkpointer;
  auto open = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(writer,
                     Connection::Open(path, true, options.busy_timeout_ms));
    RETURN_IF_ERROR(MigrateSchema(*writer));
    ASSIGN_OR_RETURN(checkpointer,
                     Connection::Open(path, false, options.busy_timeout_ms));
    return absl::OkStatus();
  };
  absl::Status opened = ExplainStoreError(path, open());
  if (opened.code() == absl::StatusCode::kResourceExhausted &&
      std::filesystem::exists(reserve->path())) {
    // Too full even to open (SQLite needs room for its -shm index): the
    // reserve is there for this.
    reserve->Release();
    opened = ExplainStoreError(path, open());
  }
  RETURN_IF_ERROR(opened);
  std::unique_ptr<RegistryStore> store(
      new RegistryStore(path, std::move(options)));
  store->lock_ = std::move(lock);
  store->reserve_ = std::move(reserve);
  store->reserve_->Take();  // on a full disk, the store starts as full
  // Checkpoints copy the WAL into the database file and fsync it: in a
  // large database they touch pages all over the file (disabling them took
  // unary submissions at 100,000 patients from 4.6k to 6.7k calls/s). The
  // writer only asks for one (the hook replaces SQLite's automatic
  // checkpoint); another thread does it.
  sqlite3_wal_hook(
      writer->db().getHandle(),
      +[](void* self, sqlite3*, const char*, int wal_pages) {
        auto* s = static_cast<RegistryStore*>(self);
        s->wal_dirty_.store(true, std::memory_order_relaxed);
        if (wal_pages >= kCheckpointPages) s->RequestCheckpoint();
        return SQLITE_OK;
      },
      store.get());
  {
    absl::MutexLock lock(&store->writer_mutex_);
    store->writer_ = std::move(writer);
  }
  store->checkpoint_thread_ =
      std::thread([s = store.get(), c = std::move(checkpointer)] {
        s->CheckpointLoop(*c);
      });
  store->writer_thread_ = std::thread([s = store.get()] { s->WriterLoop(); });
  store->answer_thread_ = std::thread([s = store.get()] { s->AnswerLoop(); });
  return store;
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
  absl::MutexLock lock(&checkpoint_mutex_);
  checkpoint_wanted_ = true;
}

void RegistryStore::CheckpointLoop(Connection& connection) {
  for (;;) {
    {
      absl::MutexLock lock(&checkpoint_mutex_);
      // Also on a time bound: after a crash the WAL holds every commit
      // since the last checkpoint, and a WAL lost then loses them (on a
      // young registry, all of it).
      checkpoint_mutex_.AwaitWithTimeout(absl::Condition(
                                             +[](RegistryStore* s) {
                                               return s->checkpoint_wanted_ ||
                                                      s->checkpoint_stopping_;
                                             },
                                             this),
                                         options_.checkpoint_interval);
      if (checkpoint_stopping_) return;
      const bool due = checkpoint_wanted_ || wal_dirty_.exchange(false);
      checkpoint_wanted_ = false;
      if (!due) continue;
    }
    // PASSIVE: copies what no reader still needs, never blocks the writer.
    // What it could not copy (a reader on an older snapshot, busy) is
    // tried again at the next interval or request.
    int wal_frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(connection.db().getHandle(),
                                             nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_frames, &copied);
    if (rc != SQLITE_OK || copied < wal_frames) wal_dirty_.store(true);
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
  absl::Notification finished;
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
  absl::MutexLock lock(&writer_mutex_);
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

absl::StatusOr<bool> RegistryStore::NeedsBootstrap() {
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  bool empty = false;
  RETURN_IF_ERROR(CatchSqlite([&] {
    empty =
        (**lease).db().execAndGet("SELECT count(*) FROM tokens").getInt() == 0;
    return absl::OkStatus();
  }));
  return empty;
}

absl::StatusOr<std::optional<Principal>> RegistryStore::Authenticate(
    std::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  // Compared as times, not as text: a year past 9999 has five digits.
  const absl::Time now = options_.clock();
  uint64_t generation;
  {
    absl::MutexLock lock(&principals_mutex_);
    if (auto it = principals_.find(hash); it != principals_.end()) {
      const PrincipalEntry& cached = it->second;
      if (!cached.expires_at || *cached.expires_at > now) {
        return cached.principal;
      }
      principals_.erase(it);
      return std::nullopt;
    }
    generation = token_generation_;
  }
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  std::optional<PrincipalEntry> found;
  RETURN_IF_ERROR(CatchSqlite([&] {
    SQLite::Statement& query = (**lease).Prepare(
        "SELECT t.token_id, t.role, t.center_id, c.code, t.expires_at, "
        "t.issued_by FROM tokens t LEFT JOIN centers c ON c.center_id = "
        "t.center_id WHERE t.secret_hash = ? AND t.revoked_at IS NULL");
    query.bind(1, hash);
    if (query.executeStep()) {
      std::optional<Role> role = ParseRole(query.getColumn(1).getString());
      std::optional<absl::Time> expires_at;
      if (!query.getColumn(4).isNull()) {
        // An expiry that does not read back ends the token.
        expires_at = ParseRecordedTime(query.getColumn(4).getString());
      }
      if (role && (!expires_at || *expires_at > now)) {
        found = PrincipalEntry{Principal{query.getColumn(0).getString(), *role,
                                         query.getColumn(2).getInt64(),
                                         query.getColumn(3).getString(),
                                         query.getColumn(5).getString()},
                               expires_at};
      }
    }
    query.reset();
    return absl::OkStatus();
  }));
  if (!found) return std::nullopt;
  absl::MutexLock lock(&principals_mutex_);
  // A token change since the lookup began may have made `found` stale.
  if (generation == token_generation_ && principals_.size() < 100000) {
    principals_.emplace(hash, *found);
  }
  return found->principal;
}

std::optional<Principal> RegistryStore::CachedPrincipal(
    std::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  const absl::Time now = options_.clock();
  absl::MutexLock lock(&principals_mutex_);
  auto it = principals_.find(hash);
  if (it == principals_.end() ||
      (it->second.expires_at && *it->second.expires_at <= now)) {
    return std::nullopt;
  }
  return it->second.principal;
}

void RegistryStore::ForgetPrincipals() {
  absl::MutexLock lock(&principals_mutex_);
  ++token_generation_;
  principals_.clear();
}

absl::StatusOr<CenterInfo> RegistryStore::AddCenter(
    const RequestContext& context, std::string_view code,
    std::string_view name) {
  std::vector<FieldViolation> violations;
  if (!IsCode(code, 32)) {
    violations.push_back(
        {"code", "must be 1 to 32 letters, digits, '_' or '-'"});
  }
  if (name.empty() || !IsPlainText(name, 200)) {
    violations.push_back(
        {"name", "must be 1 to 200 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid center", violations);
  }
  CenterInfo info{S(code), S(name), absl::InfinitePast()};
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& exists =
        t.connection().Prepare("SELECT 1 FROM centers WHERE code = ?");
    exists.bind(1, info.code);
    if (exists.executeStep()) {
      return absl::AlreadyExistsError(
          absl::StrCat("center ", info.code, " already exists"));
    }
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO centers (code, name, created_at) VALUES (?, ?, ?)");
    insert.bind(1, info.code);
    insert.bind(2, info.name);
    insert.bind(3, t.now_text());
    insert.exec();
    info.created_at = t.now();
    t.Audit({.center = info.code,
             .action = "center.add",
             .entity = "center/" + info.code,
             .new_value = info.name});
    return absl::OkStatus();
  }));
  return info;
}

absl::StatusOr<std::vector<CenterInfo>> RegistryStore::ListCenters(
    const RequestContext& context) {
  std::vector<CenterInfo> centers;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(
        "SELECT code, name, created_at FROM centers ORDER BY code");
    while (query.executeStep()) {
      centers.push_back({query.getColumn(0).getString(),
                         query.getColumn(1).getString(),
                         ParseRecordedTime(query.getColumn(2).getString())});
    }
    t.Audit({.action = "centers.list",
             .entity = "centers",
             .new_value = absl::StrCat("count=", centers.size())});
    return absl::OkStatus();
  }));
  return centers;
}

namespace {

// Tokens live at most this long (an expiry past year 9999 would not even
// be written as a time).
constexpr absl::Duration kMaxTokenLifetime = absl::Hours(24 * 3653);

std::optional<FieldViolation> CheckExpiresIn(
    std::optional<absl::Duration> expires_in) {
  if (!expires_in) return std::nullopt;
  if (*expires_in <= absl::ZeroDuration()) {
    return FieldViolation{"expires_in", "must be positive"};
  }
  if (*expires_in > kMaxTokenLifetime) {
    return FieldViolation{"expires_in", "must be at most 10 years"};
  }
  return std::nullopt;
}

}  // namespace

std::string RegistryStore::NewTokenSecret() {
  return "rgt_" + absl::BytesToHexString(RandomBytes(32));
}

absl::StatusOr<IssuedToken> RegistryStore::IssueToken(
    const RequestContext& context, Role role, std::string_view center_code,
    std::string_view label, std::optional<absl::Duration> expires_in,
    std::optional<std::string> secret) {
  std::vector<FieldViolation> violations;
  if (std::optional<FieldViolation> bad = CheckExpiresIn(expires_in)) {
    violations.push_back(*bad);
  }
  if (role == Role::kSystem || role == Role::kAnonymous) {
    violations.push_back({"role", "must be submitter, analyst or admin"});
  } else if (role == Role::kSubmitter && center_code.empty()) {
    violations.push_back({"center", "a submitter token needs a center"});
  } else if (role != Role::kSubmitter && !center_code.empty()) {
    violations.push_back(
        {"center", "only submitter tokens are bound to a center"});
  }
  if (!IsPlainText(label, 200)) {
    violations.push_back(
        {"label", "must be at most 200 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid token request", violations);
  }
  IssuedToken issued;
  issued.secret = secret ? *std::move(secret) : NewTokenSecret();
  issued.info = {"tok_" + absl::BytesToHexString(RandomBytes(8)),
                 context.principal.token_id,
                 role,
                 S(center_code),
                 S(label),
                 absl::InfinitePast(),
                 std::nullopt};
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    std::optional<int64_t> center_id;
    if (!center_code.empty()) {
      SQLite::Statement& center = t.connection().Prepare(
          "SELECT center_id FROM centers WHERE code = ?");
      center.bind(1, issued.info.center_code);
      if (!center.executeStep()) {
        return StatusWithViolations(
            absl::StatusCode::kNotFound,
            absl::StrCat("no center with code ", issued.info.center_code),
            {{"center", "unknown center"}});
      }
      center_id = center.getColumn(0).getInt64();
    }
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO tokens (token_id, secret_hash, role, center_id, label, "
        "created_at, expires_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, issued.info.token_id);
    insert.bind(2, Sha256Hex(issued.secret));
    insert.bind(3, S(RoleName(role)));
    if (center_id) {
      insert.bind(4, static_cast<int64_t>(*center_id));
    } else {
      insert.bind(4);
    }
    insert.bind(5, issued.info.label);
    insert.bind(6, t.now_text());
    if (expires_in) {
      issued.info.expires_at = t.now() + *expires_in;
      insert.bind(7, FormatRecordedTime(*issued.info.expires_at));
    } else {
      insert.bind(7);
    }
    insert.bind(8, issued.info.issued_by);
    insert.exec();
    issued.info.created_at = t.now();
    // The label is free text: quoted, it cannot pass for further fields.
    t.Audit({.center = issued.info.center_code,
             .action = "token.issue",
             .entity = "token/" + issued.info.token_id,
             .new_value = absl::StrCat(
                 "role=", S(RoleName(role)),
                 " label=", QuoteText(issued.info.label),
                 issued.info.expires_at
                     ? " expires=" + FormatRecordedTime(*issued.info.expires_at)
                     : std::string())});
    return absl::OkStatus();
  }));
  return issued;
}

namespace {

constexpr const char* kTokenColumns =
    "SELECT t.token_id, t.role, coalesce(c.code, ''), t.label, t.created_at, "
    "t.revoked_at, t.expires_at, t.issued_by FROM tokens t LEFT JOIN centers "
    "c ON c.center_id = t.center_id ";

TokenInfo ReadTokenInfo(SQLite::Statement& query) {
  TokenInfo info;
  info.token_id = query.getColumn(0).getString();
  info.role = ParseRole(query.getColumn(1).getString()).value_or(Role::kSystem);
  info.center_code = query.getColumn(2).getString();
  info.label = query.getColumn(3).getString();
  info.created_at = ParseRecordedTime(query.getColumn(4).getString());
  if (!query.getColumn(5).isNull()) {
    info.revoked_at = ParseRecordedTime(query.getColumn(5).getString());
  }
  if (!query.getColumn(6).isNull()) {
    info.expires_at = ParseRecordedTime(query.getColumn(6).getString());
  }
  info.issued_by = query.getColumn(7).getString();
  return info;
}

}  // namespace

absl::StatusOr<std::vector<TokenInfo>> RegistryStore::ListTokens(
    const RequestContext& context) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "ORDER BY t.created_at, t.token_id");
  std::vector<TokenInfo> tokens;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    while (query.executeStep()) tokens.push_back(ReadTokenInfo(query));
    t.Audit({.action = "tokens.list",
             .entity = "tokens",
             .new_value = absl::StrCat("count=", tokens.size())});
    return absl::OkStatus();
  }));
  return tokens;
}

absl::StatusOr<TokenInfo> RegistryStore::RevokeToken(
    const RequestContext& context, std::string_view token_id) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "WHERE t.token_id = ?");
  TokenInfo info;
  // Whatever the outcome, no cached principal may outlive this change.
  absl::Cleanup forget = [this] { ForgetPrincipals(); };
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    query.bind(1, S(token_id));
    if (!query.executeStep()) {
      return absl::NotFoundError(
          absl::StrCat("no token with id ", S(token_id)));
    }
    info = ReadTokenInfo(query);
    if (info.revoked_at) {
      return absl::FailedPreconditionError(
          absl::StrCat("token ", S(token_id), " is already revoked"));
    }
    SQLite::Statement& revoke = t.connection().Prepare(
        "UPDATE tokens SET revoked_at = ? WHERE token_id = ?");
    revoke.bind(1, t.now_text());
    revoke.bind(2, info.token_id);
    revoke.exec();
    info.revoked_at = t.now();
    t.Audit({.center = info.center_code,
             .action = "token.revoke",
             .entity = "token/" + info.token_id,
             .old_value = "active",
             .new_value = "revoked"});
    return absl::OkStatus();
  }));
  return info;
}

absl::StatusOr<IssuedToken> RegistryStore::RotateToken(
    const RequestContext& context, std::optional<absl::Duration> expires_in) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "WHERE t.token_id = ?");
  if (std::optional<FieldViolation> bad = CheckExpiresIn(expires_in)) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid token request", {*bad});
  }
  IssuedToken issued;
  // Whatever the outcome, no cached principal may outlive this change.
  absl::Cleanup forget = [this] { ForgetPrincipals(); };
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    query.bind(1, context.principal.token_id);
    if (!query.executeStep()) {
      return absl::NotFoundError("the calling token is not in the registry");
    }
    const TokenInfo old = ReadTokenInfo(query);
    query.reset();
    issued.secret = NewTokenSecret();
    issued.info = {"tok_" + absl::BytesToHexString(RandomBytes(8)),
                   old.token_id, old.role, old.center_code, old.label, t.now(),
                   std::nullopt,
                   // Never outliving the old token unless asked to.
                   expires_in ? std::optional<absl::Time>(t.now() + *expires_in)
                              : old.expires_at};
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO tokens (token_id, secret_hash, role, center_id, label, "
        "created_at, expires_at, issued_by) SELECT ?, ?, role, center_id, "
        "label, ?, ?, token_id FROM tokens WHERE token_id = ?");
    insert.bind(1, issued.info.token_id);
    insert.bind(2, Sha256Hex(issued.secret));
    insert.bind(3, t.now_text());
    if (issued.info.expires_at) {
      insert.bind(4, FormatRecordedTime(*issued.info.expires_at));
    } else {
      insert.bind(4);
    }
    insert.bind(5, old.token_id);
    insert.exec();
    SQLite::Statement& revoke = t.connection().Prepare(
        "UPDATE tokens SET revoked_at = ? WHERE token_id = ?");
    revoke.bind(1, t.now_text());
    revoke.bind(2, old.token_id);
    revoke.exec();
    t.Audit({.center = old.center_code,
             .action = "token.rotate",
             .entity = "token/" + old.token_id,
             .old_value = "active",
             .new_value = "replaced by " + issued.info.token_id});
    return absl::OkStatus();
  }));
  return issued;
}

absl::Status RegistryStore::RecordActions(const RequestContext& context,
                                          const std::vector<Action>& actions) {
  return WriteTransaction(context, [&](Transaction& t) {
    for (const Action& a : actions) {
      t.Audit({.center = context.principal.center_code,
               .action = a.action,
               .entity = a.entity,
               .new_value = a.new_value});
    }
    return absl::OkStatus();
  });
}

absl::Status RegistryStore::RecordAction(const RequestContext& context,
                                         std::string_view action,
                                         std::string_view entity,
                                         std::string_view new_value) {
  return WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.center = context.principal.center_code,
             .action = S(action),
             .entity = S(entity),
             .new_value = S(new_value)});
    return absl::OkStatus();
  });
}

// --- Clinical records ------------------------------------------------------

namespace {

struct CurrentRecord {
  int64_t event_seq;
  std::string payload;
};

std::optional<CurrentRecord> LoadCurrent(Connection& c,
                                         const std::string& registry_id,
                                         Kind kind, const std::string& key) {
  SQLite::Statement& query = c.Prepare(
      "SELECT event_seq, payload FROM current_records WHERE registry_id = ? "
      "AND kind = ? AND record_key = ?");
  query.bind(1, registry_id);
  query.bind(2, S(KindName(kind)));
  query.bind(3, key);
  if (!query.executeStep()) return std::nullopt;
  return CurrentRecord{query.getColumn(0).getInt64(),
                       query.getColumn(1).getString()};
}

// The latest record date among transplants, visits, relapses, MRI and
// treatments, and among transplants alone. One pass over the patient's
// current records; `kind <> ...` rather than `kind IN (...)`, for which
// SQLite would build a temporary index on every call.
void LoadLatestDates(Connection& c, const std::string& registry_id,
                     PatientFacts& facts) {
  SQLite::Statement& query = c.Prepare(
      "SELECT max(record_date), max(CASE kind WHEN 'transplants' THEN "
      "record_date END), min(record_date) FROM current_records WHERE "
      "registry_id = ? AND kind <> 'patients' AND kind <> 'deaths'");
  query.bind(1, registry_id);
  if (!query.executeStep()) return;
  if (!query.getColumn(0).isNull()) {
    facts.latest_record_date = ParseIsoDate(query.getColumn(0).getString());
  }
  if (!query.getColumn(1).isNull()) {
    facts.latest_transplant_date = ParseIsoDate(query.getColumn(1).getString());
  }
  if (!query.getColumn(2).isNull()) {
    facts.earliest_record_date = ParseIsoDate(query.getColumn(2).getString());
  }
}

absl::StatusOr<PatientFacts> LoadFacts(Connection& c,
                                       const std::string& registry_id) {
  PatientFacts facts;
  if (auto patient = LoadCurrent(c, registry_id, Kind::kPatients, "")) {
    ASSIGN_OR_RETURN(Record record,
                     DecodePayload(Kind::kPatients, patient->payload));
    facts.birth_year = std::get<PatientRecord>(record).birth_year;
  }
  if (auto death = LoadCurrent(c, registry_id, Kind::kDeaths, "")) {
    ASSIGN_OR_RETURN(Record record,
                     DecodePayload(Kind::kDeaths, death->payload));
    facts.death_date = std::get<DeathRecord>(record).death_date;
  }
  LoadLatestDates(c, registry_id, facts);
  return facts;
}

// Folds a newly imported record into the facts of its patient.
void UpdateFacts(const Record& record, PatientFacts& facts) {
  auto later = [](std::optional<Date>& slot, Date date) {
    if (!slot || date > *slot) slot = date;
  };
  if (auto* p = std::get_if<PatientRecord>(&record)) {
    facts.birth_year = p->birth_year;
  } else if (auto* d = std::get_if<DeathRecord>(&record)) {
    facts.death_date = d->death_date;
  } else if (std::optional<Date> date = LatestDateOf(record)) {
    later(facts.latest_record_date, *date);
    if (!facts.earliest_record_date || *date < *facts.earliest_record_date) {
      facts.earliest_record_date = *date;
    }
    if (std::holds_alternative<TransplantRecord>(record)) {
      later(facts.latest_transplant_date, *date);
    }
  }
}

std::optional<std::string> LookupRegistryId(Connection& c, int64_t center_id,
                                            const std::string& patient_id) {
  SQLite::Statement& query = c.Prepare(
      "SELECT registry_id FROM patients WHERE center_id = ? AND patient_id = "
      "?");
  query.bind(1, static_cast<int64_t>(center_id));
  query.bind(2, patient_id);
  if (!query.executeStep()) return std::nullopt;
  return query.getColumn(0).getString();
}

std::string CreatePatientIdentity(Connection& c, int64_t center_id,
                                  const std::string& patient_id,
                                  const std::string& now) {
  SQLite::Statement& taken =
      c.Prepare("SELECT 1 FROM patients WHERE registry_id = ?");
  std::string registry_id;
  do {
    registry_id = NewRegistryId();
    taken.reset();
    taken.bind(1, registry_id);
  } while (taken.executeStep());
  SQLite::Statement& insert = c.Prepare(
      "INSERT INTO patients (registry_id, center_id, patient_id, created_at) "
      "VALUES (?, ?, ?, ?)");
  insert.bind(1, registry_id);
  insert.bind(2, static_cast<int64_t>(center_id));
  insert.bind(3, patient_id);
  insert.bind(4, now);
  insert.exec();
  return registry_id;
}

// The first column whose text differs, for pointing at a conflict.
FieldViolation DescribeConflict(Kind kind, const std::string& stored_payload,
                                const Record& sent) {
  absl::StatusOr<std::vector<CsvRow>> stored = ParseCsv(stored_payload);
  const Row sent_row = ToRow(sent);
  absl::Span<const Column> columns = ColumnsOf(kind);
  for (size_t i = 0; stored.ok() && i < columns.size(); ++i) {
    const std::string& old_text = (*stored)[0].fields[i];
    if (old_text != sent_row[i]) {
      return {S(columns[i].name),
              absl::StrCat("a ", S(KindName(kind)),
                           " record with this key already exists with ",
                           S(columns[i].name), " '", old_text, "' (sent '",
                           sent_row[i],
                           "'); use `regctl submit amend` to change it")};
    }
  }
  return {"", "conflicts with the stored record"};
}

}  // namespace

absl::Status RegistryStore::CheckSubmit(const RequestContext& context,
                                        Operation operation,
                                        std::string_view reason) {
  if (context.principal.role != Role::kSubmitter) {
    return absl::PermissionDeniedError("only submitters write records");
  }
  std::vector<FieldViolation> violations;
  if (operation != Operation::kImport && reason.empty()) {
    violations.push_back(
        {"reason", "a reason is required for amendments and retractions"});
  } else if (!IsPlainText(reason, 500)) {
    violations.push_back(
        {"reason",
         "must be at most 500 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid request", violations);
  }
  return absl::OkStatus();
}

bool RegistryStore::DiskFull() { return reserve_->Full(); }

absl::Status RegistryStore::CheckDiskForSubmission() {
  if (!reserve_->Full()) return absl::OkStatus();
  const uint64_t needed = 2 * std::max<int64_t>(reserve_->bytes(), 1 << 20);
  std::optional<uint64_t> free = FreeBytes(path_);
  if (free && *free >= needed) {
    return absl::ResourceExhaustedError(
        "the disk was full a moment ago: nothing was written; retry in a "
        "second");
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "the disk is full",
      free ? absl::StrCat(" (", *free / 1024, " KiB free)") : std::string(),
      ": nothing was written; submissions resume by themselves once ",
      needed >> 20, " MiB are free; reads go on"));
}

absl::StatusOr<SubmitCounts> RegistryStore::Submit(
    const RequestContext& context, Operation operation, std::string_view reason,
    const std::vector<SubmittedRow>& rows) {
  RETURN_IF_ERROR(CheckSubmit(context, operation, reason));
  RETURN_IF_ERROR(CheckDiskForSubmission());
  const Date latest_valid = LatestValidDate(options_.clock());
  SubmitCounts counts;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    return ApplyRows(t, operation, reason, rows, latest_valid, counts);
  }));
  return counts;
}

void RegistryStore::SubmitAsync(
    RequestContext context, Operation operation, std::string reason,
    std::vector<SubmittedRow> rows,
    std::function<void(absl::StatusOr<SubmitCounts>)> done) {
  if (absl::Status checked = CheckSubmit(context, operation, reason);
      !checked.ok()) {
    done(checked);
    return;
  }
  if (absl::Status disk = CheckDiskForSubmission(); !disk.ok()) {
    done(disk);
    return;
  }
  // Owned here: the caller does not wait.
  struct Job {
    RequestContext context;
    Operation operation;
    std::string reason;
    std::vector<SubmittedRow> rows;
    Date latest_valid;
    SubmitCounts counts;
  };
  auto job = std::make_shared<Job>(Job{std::move(context),
                                       operation,
                                       std::move(reason),
                                       std::move(rows),
                                       LatestValidDate(options_.clock()),
                                       {}});
  auto write = std::make_unique<PendingWrite>();
  write->context = &job->context;
  write->records = static_cast<int64_t>(job->rows.size());
  write->body = [job](Transaction& t) {
    return ApplyRows(t, job->operation, job->reason, job->rows,
                     job->latest_valid, job->counts);
  };
  write->done = [job, done = std::move(done)](absl::Status status) {
    if (status.ok()) {
      done(job->counts);
    } else {
      done(std::move(status));
    }
  };
  queue_.Push(std::move(write));
}

absl::Status RegistryStore::ApplyRows(Transaction& t, Operation operation,
                                      std::string_view reason,
                                      const std::vector<SubmittedRow>& rows,
                                      Date latest_valid, SubmitCounts& counts) {
  const RequestContext& context = t.context();
  const Principal& actor = context.principal;
  counts = SubmitCounts{};
  counts.received = static_cast<int64_t>(rows.size());
  // Every problem is counted, the first kMaxListedViolations are listed:
  // a file of bad rows must not take the server's memory, nor overflow
  // the status it is answered with.
  std::vector<FieldViolation> violations;
  std::vector<FieldViolation> conflicts;
  int64_t invalid = 0, conflicting = 0;
  auto list = [&](std::vector<FieldViolation>& to, FieldViolation v) {
    if (violations.size() + conflicts.size() < kMaxListedViolations) {
      to.push_back(std::move(v));
    }
  };
  std::unordered_map<std::string, std::string> registry_ids;  // by patient_id
  Connection& c = t.connection();
  std::unordered_map<std::string, PatientFacts> facts_cache;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string prefix = absl::StrCat("records[", i, "].");
    auto fail = [&](std::vector<FieldViolation> found) {
      PrefixFields(prefix, found);
      invalid += static_cast<int64_t>(found.size());
      for (FieldViolation& v : found) list(violations, std::move(v));
    };
    if (!rows[i].kind) {
      ++invalid;
      list(violations,
           {absl::StrCat("records[", i, "]"), "no record kind is set"});
      continue;
    }
    const Kind kind = *rows[i].kind;
    std::optional<Record> record;
    RecordKey key;
    if (operation == Operation::kRetract) {
      Parsed<RecordKey> parsed = ParseRecordKey(kind, rows[i].row);
      if (!parsed.value) {
        fail(std::move(parsed.violations));
        continue;
      }
      key = *std::move(parsed.value);
    } else {
      Parsed<Record> parsed = ParseRecord(kind, rows[i].row, latest_valid);
      if (!parsed.value) {
        fail(std::move(parsed.violations));
        continue;
      }
      record = std::move(parsed.value);
      key = KeyOf(*record);
    }

    // Imports list each patient's records together: look each up once.
    std::optional<std::string> registry_id;
    if (auto known = registry_ids.find(key.patient_id);
        known != registry_ids.end()) {
      registry_id = known->second;
    } else {
      registry_id = LookupRegistryId(c, actor.center_id, key.patient_id);
      // An identity whose patient record was retracted is unknown to every
      // write but the import that registers the patient again.
      if (registry_id && kind != Kind::kPatients &&
          !LoadCurrent(c, *registry_id, Kind::kPatients, "")) {
        registry_id.reset();
      }
      if (registry_id) registry_ids.emplace(key.patient_id, *registry_id);
    }
    if (!registry_id) {
      if (kind == Kind::kPatients && operation == Operation::kImport) {
        registry_id = CreatePatientIdentity(c, actor.center_id, key.patient_id,
                                            t.now_text());
        registry_ids.emplace(key.patient_id, *registry_id);
      } else {
        fail({{"patient_id", absl::StrCat("unknown patient '", key.patient_id,
                                          "' in center ", actor.center_code,
                                          "; import it in patients first")}});
        continue;
      }
    }
    const std::optional<CurrentRecord> current =
        LoadCurrent(c, *registry_id, kind, key.key);
    const std::string payload = record ? EncodePayload(*record) : "";

    switch (operation) {
      case Operation::kImport:
        if (current && current->payload == payload) {
          ++counts.unchanged;
          continue;
        }
        if (current) {
          std::vector<FieldViolation> conflict = {
              DescribeConflict(kind, current->payload, *record)};
          PrefixFields(prefix, conflict);
          ++conflicting;
          list(conflicts, conflict[0]);
          continue;
        }
        break;
      case Operation::kAmend:
        if (!current) {
          fail({{S(ColumnsOf(kind)[1].name),
                 "no current record with this key to amend; import it"}});
          continue;
        }
        if (current->payload == payload) {
          ++counts.unchanged;
          continue;
        }
        break;
      case Operation::kRetract:
        if (!current) {
          fail({{S(ColumnsOf(kind)[1].name),
                 "no current record with this key to retract"}});
          continue;
        }
        if (kind == Kind::kPatients) {
          SQLite::Statement& dependants = c.Prepare(
              "SELECT count(*) FROM current_records WHERE registry_id = ? "
              "AND kind <> 'patients'");
          dependants.bind(1, *registry_id);
          dependants.executeStep();
          if (const int n = dependants.getColumn(0).getInt(); n > 0) {
            fail({{"patient_id",
                   absl::StrCat("the patient still has ", n,
                                " current records; retract them first")}});
            continue;
          }
        }
        break;
    }
    if (record) {
      // Facts are loaded once per patient and request, then kept up to
      // date by the imports below (amendments and retractions reload).
      auto cached = facts_cache.find(*registry_id);
      if (cached == facts_cache.end()) {
        ASSIGN_OR_RETURN(PatientFacts loaded, LoadFacts(c, *registry_id));
        cached = facts_cache.emplace(*registry_id, loaded).first;
      }
      const PatientFacts& facts = cached->second;
      std::vector<FieldViolation> found =
          CheckAgainstPatient(*record, facts, operation == Operation::kImport);
      if (!found.empty()) {
        fail(std::move(found));
        continue;
      }
    }

    const std::string& event_payload =
        operation == Operation::kRetract ? current->payload : payload;
    SQLite::Statement& insert = c.Prepare(
        "INSERT INTO events (recorded_at, request_id, principal, "
        "registry_id, kind, record_key, op, payload, reason) VALUES (?, ?, "
        "?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, t.now_text());
    insert.bind(2, context.request_id);
    insert.bind(3, actor.token_id);
    insert.bind(4, *registry_id);
    insert.bind(5, S(KindName(kind)));
    insert.bind(6, key.key);
    insert.bind(7, S(kOperationNames[static_cast<size_t>(operation)]));
    insert.bind(8, event_payload);
    insert.bind(9, S(reason));
    insert.exec();
    const int64_t event_seq = c.db().getLastInsertRowid();

    if (operation == Operation::kRetract) {
      SQLite::Statement& remove = c.Prepare(
          "DELETE FROM current_records WHERE registry_id = ? AND kind = ? "
          "AND record_key = ?");
      remove.bind(1, *registry_id);
      remove.bind(2, S(KindName(kind)));
      remove.bind(3, key.key);
      remove.exec();
    } else {
      SQLite::Statement& upsert = c.Prepare(
          "INSERT OR REPLACE INTO current_records (registry_id, kind, "
          "record_key, record_date, event_seq, payload) VALUES (?, ?, ?, ?, "
          "?, ?)");
      upsert.bind(1, *registry_id);
      upsert.bind(2, S(KindName(kind)));
      upsert.bind(3, key.key);
      if (std::optional<Date> date = LatestDateOf(*record)) {
        upsert.bind(4, FormatIsoDate(*date));
      } else {
        upsert.bind(4);
      }
      upsert.bind(5, static_cast<int64_t>(event_seq));
      upsert.bind(6, payload);
      upsert.exec();
    }
    if (operation != Operation::kImport) {
      facts_cache.erase(*registry_id);
    } else if (auto it = facts_cache.find(*registry_id);
               it != facts_cache.end()) {
      UpdateFacts(*record, it->second);
    }
    t.Audit({.center = actor.center_code,
             .action = absl::StrCat(
                 "record.", S(kOperationNames[static_cast<size_t>(operation)])),
             .entity = EntityOf(KindName(kind), *registry_id, key.key),
             .old_value = current ? ValueDigest(current->payload) : "",
             .new_value =
                 operation == Operation::kRetract ? "" : ValueDigest(payload),
             .reason = S(reason),
             .event_seq = event_seq});
    ++counts.accepted;
  }
  const int64_t listed =
      static_cast<int64_t>(violations.size() + conflicts.size());
  const std::string more =
      invalid + conflicting > listed
          ? absl::StrCat(" (the first ", listed, " of ", invalid + conflicting,
                         " problems are listed)")
          : std::string();
  if (invalid > 0) {
    violations.insert(violations.end(), conflicts.begin(), conflicts.end());
    return StatusWithViolations(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(invalid, " invalid field(s)",
                     conflicting > 0
                         ? absl::StrCat(" and ", conflicting, " conflict(s)")
                         : std::string(),
                     "; nothing was written", more),
        violations);
  }
  if (conflicting > 0) {
    return StatusWithViolations(
        absl::StatusCode::kAlreadyExists,
        absl::StrCat(conflicting,
                     " record(s) already exist with other values; nothing "
                     "was written",
                     more),
        conflicts);
  }
  return absl::OkStatus();
}

// --- Audit -------------------------------------------------------------------

namespace {

constexpr const char* kAuditEntriesSql =
    "SELECT seq, at, principal, role, center, action, entity, old_value, "
    "new_value, reason, request_id, event_seq, prev_hash, hash, issued_by "
    "FROM audit_log ORDER BY seq";

// A statement used through SQLite's own API, where SQLiteCpp's per-column
// objects would cost more than the work (reading every audit entry).
using RawStatement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

RawStatement PrepareRaw(Connection& c, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(c.db().getHandle(), sql, -1, &statement, nullptr);
  if (rc != SQLITE_OK) throw SQLite::Exception(c.db().getHandle(), rc);
  return RawStatement(statement, sqlite3_finalize);
}

std::string_view ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          sqlite3_column_bytes(statement, column));
}

// A row of kAuditEntriesSql in place: valid until the statement moves on.
AuditEntryView ViewAuditEntry(sqlite3_stmt* row) {
  AuditEntryView e;
  e.seq = sqlite3_column_int64(row, 0);
  e.at = ColumnText(row, 1);
  e.principal = ColumnText(row, 2);
  e.role = ColumnText(row, 3);
  e.center = ColumnText(row, 4);
  e.action = ColumnText(row, 5);
  e.entity = ColumnText(row, 6);
  e.old_value = ColumnText(row, 7);
  e.new_value = ColumnText(row, 8);
  e.reason = ColumnText(row, 9);
  e.request_id = ColumnText(row, 10);
  if (sqlite3_column_type(row, 11) != SQLITE_NULL) {
    e.event_seq = sqlite3_column_int64(row, 11);
  }
  e.prev_hash = ColumnText(row, 12);
  e.hash = ColumnText(row, 13);
  e.issued_by = ColumnText(row, 14);
  return e;
}

AuditEntry ReadAuditEntry(SQLite::Statement& entries) {
  AuditEntry e;
  e.seq = entries.getColumn(0).getInt64();
  e.at = entries.getColumn(1).getString();
  e.principal = entries.getColumn(2).getString();
  e.role = entries.getColumn(3).getString();
  e.center = entries.getColumn(4).getString();
  e.action = entries.getColumn(5).getString();
  e.entity = entries.getColumn(6).getString();
  e.old_value = entries.getColumn(7).getString();
  e.new_value = entries.getColumn(8).getString();
  e.reason = entries.getColumn(9).getString();
  e.request_id = entries.getColumn(10).getString();
  if (!entries.getColumn(11).isNull()) {
    e.event_seq = entries.getColumn(11).getInt64();
  }
  e.prev_hash = entries.getColumn(12).getString();
  e.hash = entries.getColumn(13).getString();
  e.issued_by = entries.getColumn(14).getString();
  return e;
}

}  // namespace

absl::StatusOr<RegistryStore::BackupCopy> RegistryStore::Backup(
    const RequestContext& context) {
  // The copy is as large as the database and stays on its disk until the
  // client has it: it must not take the writers' space.
  std::error_code error;
  uint64_t needed = std::filesystem::file_size(path_, error);
  needed += std::filesystem::file_size(path_ + "-wal", error);
  const uint64_t margin =
      2 * static_cast<uint64_t>(std::max<int64_t>(reserve_->bytes(), 1 << 20));
  if (std::optional<uint64_t> free = FreeBytes(path_);
      free && *free < needed + margin) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "not enough disk space beside the database for the backup's "
        "temporary copy: ",
        (needed + margin) >> 20, " MiB needed, ", *free >> 20, " MiB free"));
  }
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.action = "admin.backup", .entity = "database"});
    return absl::OkStatus();
  }));
  const std::string path = BackupTempPath(path_, context.request_id);
  // Created here, so that it is 0600 whatever the umask: it holds every
  // patient code.
  ASSIGN_OR_RETURN(const int created, CreatePrivateFile(path));
  ::close(created);
  absl::Cleanup remove = [&] { ::unlink(path.c_str()); };
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  Connection& source = **lease;
  RETURN_IF_ERROR(ExplainStoreError(
      path, CatchSqlite([&]() -> absl::Status {
        SQLite::Database copy(path, SQLite::OPEN_READWRITE);
        // A temporary copy: no journal beside it, no syncs.
        copy.exec("PRAGMA journal_mode = OFF");
        copy.exec("PRAGMA synchronous = OFF");
        SQLite::Backup backup(copy, source.db());
        // One step copies every page under one read snapshot: consistent, and
        // in WAL mode writers are not blocked meanwhile.
        if (backup.executeStep(-1) != SQLITE_DONE) {
          return absl::InternalError("the backup did not complete");
        }
        return absl::OkStatus();
      })));
  BackupCopy result;
  result.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info;
  if (result.fd < 0 || ::fstat(result.fd, &info) != 0) {
    if (result.fd >= 0) ::close(result.fd);
    return absl::InternalError("cannot read back the backup copy");
  }
  result.bytes = info.st_size;
  return result;  // `remove` unlinks the name; the open file stays
}

absl::StatusOr<std::vector<std::string>> RegistryStore::AuditLeafHashes() {
  std::vector<std::string> leaves;
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  Connection& c = **lease;
  RETURN_IF_ERROR(CatchSqlite([&]() -> absl::Status {
    SQLite::Transaction snapshot(c.db(), SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement& entries = c.Prepare(kAuditEntriesSql);
    while (entries.executeStep()) {
      leaves.push_back(
          MerkleLeafHash(CanonicalAuditBytes(ReadAuditEntry(entries))));
    }
    return absl::OkStatus();
  }));
  return leaves;
}

absl::StatusOr<AuditReport> RegistryStore::VerifyAudit(
    const RequestContext& context) {
  AuditReport report;
  // The reader is given back before the audit entry waits for its commit.
  RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
    auto fail = [&](int64_t entry, std::string problem) {
      report.ok = false;
      report.first_bad_entry = entry;
      report.problem = std::move(problem);
    };
    // One pass over both tables in key order, a merge join: audit entries
    // are appended in the transaction of their event, so the events they
    // name come in increasing event_seq. Columns are read in place.
    RawStatement entries_statement = PrepareRaw(c, kAuditEntriesSql);
    RawStatement events_statement = PrepareRaw(
        c,
        "SELECT event_seq, registry_id, kind, record_key, op, payload, reason "
        "FROM events ORDER BY event_seq");
    sqlite3_stmt* entries = entries_statement.get();
    sqlite3_stmt* events = events_statement.get();
    auto step = [&](sqlite3_stmt* statement) {
      const int rc = sqlite3_step(statement);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        throw SQLite::Exception(c.db().getHandle(), rc);
      }
      return rc == SQLITE_ROW;
    };
    std::string prev_hash = S(kGenesisHash);
    std::string scratch;
    std::string expected;
    bool has_event = step(events);
    while (step(entries)) {
      const AuditEntryView e = ViewAuditEntry(entries);
      if (std::optional<std::string> problem = CheckAuditLink(
              e, report.entries_checked + 1, prev_hash, scratch)) {
        fail(e.seq, *problem);
        break;
      }
      prev_hash.assign(e.hash);
      ++report.entries_checked;
      if (!e.event_seq) continue;
      if (has_event && sqlite3_column_int64(events, 0) < *e.event_seq) {
        break;  // reported below: that event has no entry
      }
      if (!has_event || sqlite3_column_int64(events, 0) > *e.event_seq) {
        fail(e.seq, absl::StrCat("entry names event ", *e.event_seq,
                                 ", which is missing"));
        break;
      }
      ++report.events_checked;
      const std::string_view op = ColumnText(events, 4);
      const std::string digest = ValueDigest(ColumnText(events, 5));
      expected.assign(ColumnText(events, 2))
          .append("/")
          .append(ColumnText(events, 1))
          .append("/")
          .append(ColumnText(events, 3));
      const bool values_match =
          op == "retract" ? e.old_value == digest : e.new_value == digest;
      if (!e.action.starts_with("record.") || e.action.substr(7) != op ||
          e.entity != expected || e.reason != ColumnText(events, 6) ||
          !values_match) {
        fail(e.seq, absl::StrCat("entry does not match event ", *e.event_seq,
                                 " (the event or its entry was altered)"));
        break;
      }
      has_event = step(events);
    }
    if (report.ok && has_event) {
      fail(0, absl::StrCat("event ", sqlite3_column_int64(events, 0),
                           " has no audit entry"));
    }
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.action = "audit.verify",
             .entity = "audit_log",
             .new_value =
                 report.ok
                     ? absl::StrCat("ok entries=", report.entries_checked)
                     : absl::StrCat("failed entry=", report.first_bad_entry,
                                    " ", report.problem)});
    return absl::OkStatus();
  }));
  return report;
}

}  // namespace registry
