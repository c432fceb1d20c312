#include "storage/store_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace registry {
namespace {

// Below this many free bytes a file system counts as full: SQLite needs a
// few pages free for any write.
constexpr uint64_t kNearlyFull = 1 << 20;

std::string DirectoryOf(const std::string& path) {
  std::filesystem::path parent =
      std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  return parent.empty() ? "/" : parent.string();
}

std::string Why(int error) {
  switch (error) {
    case EROFS:
      return "it is on a read-only file system";
    case EACCES:
    case EPERM:
      return absl::StrCat("this process (uid ", getuid(), ") may not write it");
    default:
      return std::strerror(error);
  }
}

// Owner and mode of an existing file, for a message.
std::string Describe(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return "";
  return absl::StrFormat(" (owner uid %d, mode %04o)", info.st_uid,
                         info.st_mode & 07777);
}

}  // namespace

absl::Status CheckStoreFiles(const std::string& path) {
  const std::string dir = DirectoryOf(path);
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the directory ", dir, " of the database does not exist"));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    const int error = errno;
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot write in the directory ", dir, Describe(dir), ": ", Why(error),
        "; registryd keeps its -wal, -shm and lock files beside the "
        "database"));
  }
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    if (::stat(file.c_str(), &info) != 0) continue;  // created on open
    if (!S_ISREG(info.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(file, " is not a regular file"));
    }
    if (::access(file.c_str(), R_OK | W_OK) != 0) {
      const int error = errno;
      const bool shm = file.ends_with("-shm");
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot write ", file, Describe(file), ": ", Why(error),
          shm ? "; it is only an index SQLite rebuilds: remove it, or give "
                "it to the user registryd runs as"
              : "; give it to the user registryd runs as"));
    }
  }
  return absl::OkStatus();
}

std::optional<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs info;
  if (::statvfs(DirectoryOf(path).c_str(), &info) != 0) return std::nullopt;
  return static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
}

absl::Status ExplainStoreError(const std::string& path, absl::Status status) {
  if (status.ok()) return status;
  std::optional<uint64_t> free = FreeBytes(path);
  if (free && *free < kNearlyFull) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the disk holding ", DirectoryOf(path), " is full (", *free / 1024,
        " KiB free): free space and try again (", status.message(), ")"));
  }
  return status;
}

absl::StatusOr<int> CreatePrivateFile(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " already exists; it is never overwritten"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", Why(error)));
  }
  // O_CREAT's mode is masked by the umask; 0600 may only get narrower.
  (void)::fchmod(fd, 0600);
  return fd;
}

absl::Status WriteAndSync(int fd, const std::string& data,
                          const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::DataLossError(
          absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return absl::DataLossError(
        absl::StrCat("cannot sync ", path, ": ", std::strerror(errno)));
  }
  const int dir = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return absl::OkStatus();
}

bool TightenMode(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & 077) == 0) {
    return false;
  }
  return ::chmod(path.c_str(), 0600) == 0;
}

std::string BackupTempPath(const std::string& db_path,
                           const std::string& unique) {
  return absl::StrCat(db_path, ".backup-", unique, ".tmp");
}

int RemoveBackupLeftovers(const std::string& db_path) {
  const std::filesystem::path db(db_path);
  const std::string prefix = db.filename().string() + ".backup-";
  std::error_code error;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::absolute(db).parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".tmp") &&
        std::filesystem::remove(entry.path(), error)) {
      ++removed;
    }
  }
  return removed;
}

absl::StatusOr<std::unique_ptr<StoreLock>> StoreLock::Acquire(
    const std::string& db_path) {
  const std::string path = db_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open the lock file ", path, ": ", Why(error)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, n) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
      holder.pop_back();
    }
    int64_t holder_pid = 0;
    return absl::FailedPreconditionError(
        absl::StrCat("another process",
                     absl::SimpleAtoi(holder, &holder_pid)
                         ? absl::StrCat(" (pid ", holder_pid, ")")
                         : std::string(),
                     " holds the database ", db_path,
                     ": is another registryd serving it? Stop it first"));
  }
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) !=
                                     static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; only the message would lack it.
  }
  return std::unique_ptr<StoreLock>(new StoreLock(fd));
}

StoreLock::~StoreLock() { ::close(fd_); }

DiskReserve::DiskReserve(std::string db_path, int64_t bytes)
    : path_(std::move(db_path) + ".reserve"), bytes_(bytes) {}

bool DiskReserve::TakeLocked() {
  if (bytes_ <= 0) return true;
  struct stat info;
  if (::stat(path_.c_str(), &info) == 0 && info.st_size >= bytes_) {
    return true;
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  (void)::fchmod(fd, 0600);
  // posix_fallocate allocates the blocks for real (a sparse file would
  // free nothing when removed).
  const bool ok = ::posix_fallocate(fd, 0, bytes_) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) ::unlink(path_.c_str());
  return ok;
}

bool DiskReserve::Take() {
  MutexLock lock(&mutex_);
  full_ = !TakeLocked();
  next_try_ = absl::Now() + absl::Seconds(1);
  return !full_;
}

void DiskReserve::Release() {
  if (bytes_ <= 0) return;  // no reserve: nothing to track
  MutexLock lock(&mutex_);
  full_ = true;
  ::unlink(path_.c_str());
  next_try_ = absl::Now() + absl::Seconds(1);
}

bool DiskReserve::Full() {
  if (!full_.load(std::memory_order_acquire)) return false;  // the usual case
  MutexLock lock(&mutex_);
  if (!full_ || absl::Now() < next_try_) return full_;
  next_try_ = absl::Now() + absl::Seconds(1);
  std::optional<uint64_t> free = FreeBytes(path_);
  if (free &&
      *free >=
          2 * static_cast<uint64_t>(std::max<int64_t>(bytes_, kNearlyFull)) &&
      TakeLocked()) {
    full_ = false;
  }
  return full_;
}

}  // namespace registry
