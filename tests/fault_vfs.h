// A SQLite VFS for fault tests. It forwards everything to the VFS that was
// the default before it and, while a fault is set, makes writes fail the
// way a full disk or a failing device does. Installed as SQLite's default,
// so a store opened afterwards uses it without knowing.
#ifndef REGISTRY_TESTS_FAULT_VFS_H_
#define REGISTRY_TESTS_FAULT_VFS_H_

#include <cstdint>

namespace registry::testing {

enum class StorageFault {
  kNone,
  // A full disk: a write that would make a file longer fails with
  // SQLITE_FULL; writes inside a file's current size succeed.
  kDiskFull,
  // Every write and sync fails with SQLITE_IOERR.
  kIoError,
};

// Makes the fault VFS SQLite's default VFS, once per process; connections
// opened before keep theirs. Thread-safe.
void InstallFaultVfs();

// Sets the fault for every connection of the fault VFS, at once.
// `after_bytes`: the fault starts only once that many more bytes were
// written through the VFS (0: at once). `failures`: how many operations
// fail before the fault clears by itself (a transient fault); -1 for a
// fault that stays.
void SetStorageFault(StorageFault fault, int64_t after_bytes = 0,
                     int failures = -1);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_FAULT_VFS_H_
