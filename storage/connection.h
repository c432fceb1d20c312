// One SQLite connection configured the way the registry needs it, with a
// cache of prepared statements. Not thread-safe: each thread of work uses
// its own Connection (the store hands them out).
#ifndef REGISTRY_STORAGE_CONNECTION_H_
#define REGISTRY_STORAGE_CONNECTION_H_

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry {

class Connection {
 public:
  // Opens `path` (creating it when `create` is true) with WAL,
  // synchronous=FULL, foreign keys on and a busy timeout in milliseconds.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, bool create, int busy_timeout_ms);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  SQLite::Database& db() { return db_; }

  // The statement for `sql`, prepared on first use and reset (bindings
  // cleared) on every later one. `sql` must be a string literal or outlive
  // the connection: it is the cache key.
  SQLite::Statement& Prepare(const char* sql);

  // Runs the cached statement for `sql`, which takes no parameters and
  // returns no rows (transaction control, for instance).
  void Run(const char* sql);

  // Resets every cached statement. A statement left mid-result keeps a read
  // snapshot open, so later reads would see stale data and a later write
  // transaction would fail to upgrade it: call this when a unit of work ends.
  // Never throws (a failed statement's error was reported where it ran).
  void ResetStatements() noexcept;

 private:
  explicit Connection(SQLite::Database db) : db_(std::move(db)) {}

  SQLite::Database db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>>
      statements_;
};

// The status for a SQLite (extended) result code, by what it means to a
// caller: ABORTED (busy, retry), RESOURCE_EXHAUSTED (a full disk, out of
// memory), FAILED_PRECONDITION (read-only), UNAVAILABLE (I/O errors, a
// file that cannot be opened), DATA_LOSS (a damaged file), else INTERNAL.
absl::Status SqliteErrorStatus(int code, const std::string& what);

// True for a status SqliteErrorStatus made from SQLITE_FULL (a full disk).
bool IsDiskFull(const absl::Status& status);

// Runs `body` and converts SQLiteCpp's exceptions (the library reports
// errors by throwing) into a status with SqliteErrorStatus; any other
// exception becomes INTERNAL. Nothing escapes.
absl::Status CatchSqlite(const std::function<absl::Status()>& body);

// The newest schema version this build knows.
int LatestSchemaVersion();

// Brings the schema to LatestSchemaVersion(), one migration per
// transaction. FAILED_PRECONDITION when the file belongs to another
// application or has a newer schema than this build.
// `target_version` stops earlier, to test a migration on an older schema.
absl::Status MigrateSchema(Connection& connection,
                           int target_version = LatestSchemaVersion());

}  // namespace registry

#endif  // REGISTRY_STORAGE_CONNECTION_H_
