#include "storage/connection.h"

#include <algorithm>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace registry {
namespace {

// "HSCT" in ASCII: marks the file as a registry database.
constexpr int kApplicationId = 0x48534354;

// Migration 3: the CHECK on events.op written without IN (...). For an IN
// list in a CHECK constraint SQLite builds a temporary index on every
// INSERT (a quarter of the instructions of an import). The new constraint
// accepts exactly the same values, so the rows are untouched and only the
// stored schema text changes, by the procedure SQLite documents for
// constraint changes that leave the file format alone (writable_schema,
// then a new schema_version).
void RewriteEventsOpCheck(SQLite::Database& db) {
  static constexpr char kOld[] = "CHECK (op IN ('create', 'amend', 'retract'))";
  static constexpr char kNew[] =
      "CHECK (op = 'create' OR op = 'amend' OR op = 'retract')";
  const int schema_version = db.execAndGet("PRAGMA schema_version").getInt();
  db.exec("PRAGMA writable_schema = ON");
  SQLite::Statement rewrite(db,
                            "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) "
                            "WHERE type = 'table' AND name = 'events' AND "
                            "instr(sql, ?) > 0");
  rewrite.bind(1, kOld);
  rewrite.bind(2, kNew);
  rewrite.bind(3, kOld);
  const int changed = rewrite.exec();
  db.exec(absl::StrCat("PRAGMA schema_version = ", schema_version + 1));
  db.exec("PRAGMA writable_schema = OFF");
  if (changed != 1) {
    throw SQLite::Exception(
        "migration 3: the events table does not have the expected CHECK "
        "constraint on op");
  }
}

// One schema migration: SQL, then code for what SQL alone cannot do.
struct Migration {
  const char* sql;
  void (*code)(SQLite::Database&) = nullptr;
};

// Migration N (1-based) brings the schema from version N-1 to N. Never edit
// a released migration: add a new one.
const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {R"sql(
CREATE TABLE centers (
  center_id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('submitter', 'analyst', 'admin')),
  center_id INTEGER REFERENCES centers (center_id),
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  CHECK ((role = 'submitter') = (center_id IS NOT NULL))
) STRICT;

-- Pseudonymous identity of each patient; the registry id is random.
CREATE TABLE patients (
  registry_id TEXT PRIMARY KEY,
  center_id INTEGER NOT NULL REFERENCES centers (center_id),
  patient_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (center_id, patient_id)
) STRICT;

-- Every accepted change, never updated or deleted.
CREATE TABLE events (
  event_seq INTEGER PRIMARY KEY,
  recorded_at TEXT NOT NULL,
  request_id TEXT NOT NULL,
  principal TEXT NOT NULL,
  registry_id TEXT NOT NULL REFERENCES patients (registry_id),
  kind TEXT NOT NULL,
  record_key TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('create', 'amend', 'retract')),
  payload TEXT NOT NULL,
  reason TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_record ON events (registry_id, kind, record_key,
                                         event_seq);
CREATE INDEX events_by_time ON events (recorded_at);

-- Current records, derived from `events` in the same transaction.
CREATE TABLE current_records (
  registry_id TEXT NOT NULL REFERENCES patients (registry_id),
  kind TEXT NOT NULL,
  record_key TEXT NOT NULL,
  record_date TEXT,
  event_seq INTEGER NOT NULL REFERENCES events (event_seq),
  payload TEXT NOT NULL,
  PRIMARY KEY (registry_id, kind, record_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  principal TEXT NOT NULL,
  role TEXT NOT NULL,
  center TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  reason TEXT NOT NULL,
  request_id TEXT NOT NULL,
  event_seq INTEGER REFERENCES events (event_seq),
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX audit_by_event ON audit_log (event_seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER patients_no_update BEFORE UPDATE ON patients
BEGIN SELECT RAISE(ABORT, 'patient identities are append-only'); END;
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
BEGIN SELECT RAISE(ABORT, 'patient identities are append-only'); END;
)sql"},
      // 2: tokens may expire.
      {R"sql(
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
)sql"},
      // 3: see RewriteEventsOpCheck.
      {"", RewriteEventsOpCheck},
      // 4: who issued each token, and with each audit entry who issued the
      // token that acted (entries before have none: their canonical bytes,
      // and so their hashes, are unchanged). Existing tokens learn their
      // issuer from the audit trail: the principal of their token.issue
      // entry, or the token whose rotation replaced it.
      // Two passes over the audit trail into an indexed table: a lookup
      // per token would scan all of it once per token.
      {R"sql(
ALTER TABLE tokens ADD COLUMN issued_by TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN issued_by TEXT NOT NULL DEFAULT '';
CREATE TEMP TABLE token_issuers (token_id TEXT PRIMARY KEY, issuer TEXT);
INSERT OR IGNORE INTO token_issuers
  SELECT substr(entity, 7), principal FROM audit_log
  WHERE action = 'token.issue' AND substr(entity, 1, 6) = 'token/';
INSERT OR IGNORE INTO token_issuers
  SELECT substr(new_value, 13), principal FROM audit_log
  WHERE action = 'token.rotate' AND substr(new_value, 1, 12) = 'replaced by ';
UPDATE tokens SET issued_by = coalesce(
  (SELECT issuer FROM token_issuers WHERE token_issuers.token_id =
     tokens.token_id), '');
DROP TABLE token_issuers;
)sql"},
      // 5: deaths gain a coded cause (existing ones: unknown, their text
      // kept), treatments a class (existing ones: other, for review), a
      // dose, its unit and whether the protocol planned them (existing: no).
      // Current records take the new canonical form; events keep the
      // bytes they were recorded with, which the audit trail hashes.
      {R"sql(
UPDATE current_records SET payload = payload || ',unknown'
  WHERE kind = 'deaths';
UPDATE current_records SET payload = payload || ',other,,,no'
  WHERE kind = 'treatments';
)sql"},
      // 6: relapses gain an optional phenotype (existing ones: none).
      // The kinds added with it (ssc_assessments, organ_failures,
      // sle_assessments, lab_results) need no table of their own.
      {R"sql(
UPDATE current_records SET payload = payload || ','
  WHERE kind = 'relapses';
)sql"},
  };
  return *migrations;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path, bool create, int busy_timeout_ms) {
  // SQLite's memory statistics take a global mutex on every allocation
  // (8 % of an import's time in pthread_mutex_*); nothing here reads them.
  // Effective only before SQLite initialises, hence once, first.
  static const int unused = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)unused;
  std::unique_ptr<Connection> connection;
  absl::Status status = CatchSqlite([&] {
    // Multi-thread mode: a connection is only ever used by one thread at a
    // time (the writer under its mutex, readers leased from the pool), so
    // SQLite's per-call connection mutex is pure cost (17% of audit verify).
    const int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX |
                      (create ? SQLite::OPEN_CREATE : 0);
    SQLite::Database db(path, flags, busy_timeout_ms);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    connection.reset(new Connection(std::move(db)));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return absl::Status(
        status.code(),
        absl::StrCat("cannot open database ", path, ": ", status.message()));
  }
  return connection;
}

SQLite::Statement& Connection::Prepare(const char* sql) {
  std::unique_ptr<SQLite::Statement>& slot = statements_[sql];
  if (slot == nullptr) {
    slot = std::make_unique<SQLite::Statement>(db_, sql);
  } else {
    // A statement whose last step failed reports that error again from
    // reset(); it is not this use's error.
    (void)slot->tryReset();
    slot->clearBindings();
  }
  return *slot;
}

void Connection::Run(const char* sql) {
  SQLite::Statement& statement = Prepare(sql);
  statement.exec();
  statement.reset();
}

void Connection::ResetStatements() noexcept {
  for (auto& [sql, statement] : statements_) (void)statement->tryReset();
}

namespace {
constexpr char kDiskFullPayload[] = "type.registry/registry.DiskFull";
}  // namespace

bool IsDiskFull(const absl::Status& status) {
  return status.GetPayload(kDiskFullPayload).has_value();
}

absl::Status SqliteErrorStatus(int code, const std::string& what) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError(
          absl::StrCat("database is busy, retry: ", what));
    case SQLITE_FULL: {
      absl::Status full = absl::ResourceExhaustedError(absl::StrCat(
          "the disk is full: nothing was written; free space and retry "
          "(SQLite: ",
          what, ")"));
      full.SetPayload(kDiskFullPayload, absl::Cord("1"));
      return full;
    }
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(
          absl::StrCat("the server is out of memory: ", what));
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(absl::StrCat(
          "the database cannot be written (a read-only file, directory or "
          "file system): ",
          what));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return absl::UnavailableError(absl::StrCat("the storage failed: ", what));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(
          absl::StrCat("the database file is damaged: ", what));
    default:
      return absl::InternalError(absl::StrCat("database error: ", what));
  }
}

absl::Status CatchSqlite(const std::function<absl::Status()>& body) {
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    return SqliteErrorStatus(e.getErrorCode(), e.what());
  } catch (const std::exception& e) {
    // Nothing the database layer throws may end a thread.
    return absl::InternalError(absl::StrCat("unexpected error: ", e.what()));
  }
}

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status MigrateSchema(Connection& connection, int target_version) {
  return CatchSqlite([&]() -> absl::Status {
    SQLite::Database& db = connection.db();
    const int application_id = db.execAndGet("PRAGMA application_id").getInt();
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (application_id != kApplicationId &&
        !(application_id == 0 && version == 0 &&
          db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt() == 0)) {
      return absl::FailedPreconditionError(
          "the database file is not a registry database");
    }
    if (version > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database has schema version ", version,
                       ", newer than this build supports (",
                       LatestSchemaVersion(), "); use a newer registryd"));
    }
    for (; version < std::min(target_version, LatestSchemaVersion());
         ++version) {
      SQLite::Transaction transaction(db,
                                      SQLite::TransactionBehavior::IMMEDIATE);
      const Migration& migration = Migrations()[version];
      db.exec(migration.sql);
      if (migration.code != nullptr) migration.code(db);
      db.exec(absl::StrCat("PRAGMA application_id = ", kApplicationId));
      db.exec(absl::StrCat("PRAGMA user_version = ", version + 1));
      transaction.commit();
    }
    return absl::OkStatus();
  });
}

}  // namespace registry
