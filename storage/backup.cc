// Backups: a consistent copy of the database while the server serves.
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

}  // namespace registry
