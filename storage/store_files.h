// The files a store keeps on disk beside its database, and what can be
// wrong with them: checks before opening that name the file at fault, the
// lock that keeps a second process away, the reserve that lets reads go on
// when the disk fills, and files the server creates, always mode 0600.
//
// Beside DB: DB-wal and DB-shm (SQLite's), DB.lock (the lock; never
// removed), DB.reserve (the disk reserve) and, while a backup runs, one
// DB.backup-*.tmp (removed at every start).
#ifndef REGISTRY_STORAGE_STORE_FILES_H_
#define REGISTRY_STORAGE_STORE_FILES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/sync.h"

namespace registry {

// FAILED_PRECONDITION unless the database at `path` can be opened for
// writing: its directory exists and is writable, and each of the database,
// DB-wal and DB-shm that exists is a writable regular file. The message
// names the file and the cause (a read-only file system, a file owned by
// another user, ...).
absl::Status CheckStoreFiles(const std::string& path);

// Bytes available to this process on the file system holding `path`;
// nullopt when that cannot be told.
std::optional<uint64_t> FreeBytes(const std::string& path);

// `status` (an error opening the store at `path`) with its cause on disk
// spelled out: RESOURCE_EXHAUSTED naming the directory when its file system
// is (nearly) full; otherwise `status` unchanged.
absl::Status ExplainStoreError(const std::string& path, absl::Status status);

// Creates `path` for writing, mode 0600 whatever the umask, failing when it
// exists. Returns the open descriptor (O_CLOEXEC).
absl::StatusOr<int> CreatePrivateFile(const std::string& path);

// Writes all of `data` to `fd` and fsyncs it and the directory holding
// `path` (the file's name), so that the file survives a crash.
absl::Status WriteAndSync(int fd, const std::string& data,
                          const std::string& path);

// Gives `path` mode 0600 when it exists with any group or other bits.
// True when it changed the mode.
bool TightenMode(const std::string& path);

// Removes files DB.backup-*.tmp that an interrupted backup left; returns
// how many.
int RemoveBackupLeftovers(const std::string& db_path);

// The path for a new temporary backup copy of `db_path`.
std::string BackupTempPath(const std::string& db_path,
                           const std::string& unique);

// An exclusive lock on a database for the life of this object (flock on
// DB.lock), so that one process at a time serves it. The lock file holds
// the pid of the holder.
class StoreLock {
 public:
  // FAILED_PRECONDITION naming the holder's pid when another process (or
  // another StoreLock in this one) holds it.
  static absl::StatusOr<std::unique_ptr<StoreLock>> Acquire(
      const std::string& db_path);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_;
};

// Space kept in reserve beside the database (DB.reserve) for a full disk:
// released when a write finds the disk full, so that reads and their audit
// entries go on; taken again once the disk has room for it twice over.
// Thread-safe.
class DiskReserve {
 public:
  // `bytes` 0: no reserve, and the disk never counts as full (every write
  // is tried and fails by itself).
  DiskReserve(std::string db_path, int64_t bytes);
  DiskReserve(const DiskReserve&) = delete;
  DiskReserve& operator=(const DiskReserve&) = delete;

  // Creates the reserve file when missing; false when the disk has no
  // room for it (the disk counts as full then).
  bool Take();
  // Removes the reserve file, freeing its space.
  void Release();
  // True while the disk counts as full: from a Release (or a failed Take)
  // until Take succeeds again. Take is tried again at most once a second,
  // and only when the disk has twice the reserve free.
  bool Full();
  int64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  bool TakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::string path_;
  const int64_t bytes_;
  std::atomic<bool> full_{false};  // read without the mutex; set under it
  Mutex mutex_;
  absl::Time next_try_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

}  // namespace registry

#endif  // REGISTRY_STORAGE_STORE_FILES_H_
