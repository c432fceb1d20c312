// Helpers shared by the registry's tests: temporary directories, files, a
// real server on a loopback port, and regctl run in-process.
#ifndef REGISTRY_TESTS_TEST_UTIL_H_
#define REGISTRY_TESTS_TEST_UTIL_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "services/server.h"

namespace registry::testing {

// A fresh directory under $TMPDIR, removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

struct RegctlResult {
  int exit_code;
  std::string out;
  std::string err;
};

// A registry server on 127.0.0.1:0 over a database in its own directory,
// with helpers to run regctl against it.
class TestRegistry {
 public:
  // `free_failed_auth`: failed authentications per host before answers
  // are held back (high by default: tests send bad tokens on purpose).
  explicit TestRegistry(int free_failed_auth = 100000);
  // With options adjusted by `configure` (TLS files, say).
  explicit TestRegistry(const std::function<void(ServerOptions&)>& configure);
  ~TestRegistry();

  RegistryServer& server() { return *server_; }
  std::string address() const;
  const std::string& admin_token_file() const { return admin_token_file_; }
  std::string db_path() const { return dir_.File("registry.db"); }
  const TempDir& dir() const { return dir_; }

  // Runs regctl with --server set; `token_file` may be empty (no token).
  RegctlResult Regctl(const std::vector<std::string>& args,
                      const std::string& token_file);
  // Stops the server and closes the database (to work on the file).
  void Stop();
  // Starts a server again on the same database and files.
  void Restart(const std::function<void(ServerOptions&)>& configure =
                   [](ServerOptions&) {});

  // Global flags added to every Regctl call (e.g. --ca-cert FILE).
  void SetRegctlFlags(std::vector<std::string> flags) {
    regctl_flags_ = std::move(flags);
  }
  // Adds a center (idempotent within a test) and issues a token of `role`
  // bound to it for submitters; returns the token file path.
  std::string IssueToken(const std::string& role,
                         const std::string& center = "");
  void AddCenter(const std::string& code);
  // Writes `content` to a file in the test directory and returns its path.
  std::string WriteCsv(const std::string& name, const std::string& content);

 private:
  TempDir dir_;
  std::unique_ptr<RegistryServer> server_;
  std::string admin_token_file_;
  int token_count_ = 0;
  std::vector<std::string> regctl_flags_;

  void Start(const std::function<void(ServerOptions&)>& configure);
};

// What any gRPC client can send and regctl never would: raw message bytes
// through the generic stub. `authorization` is the header's whole value
// (none when empty); every call has a 20 s deadline.
//
// A client stream of `messages` to `method`; half-closed after the last,
// or cancelled instead when `cancel` (after 300 ms).
grpc::Status RawClientStream(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method,
                             const std::string& authorization,
                             const std::vector<std::string>& messages,
                             bool cancel = false);
// A unary call of `method` with `bytes`.
grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method,
                          const std::string& authorization,
                          const std::string& bytes);

// The registryd binary the tests run: $REGISTRY_TEST_REGISTRYD when set
// (to run the same tests against another build), else `built`.
std::string RegistrydUnderTest(const std::string& built);

// regctl run in-process against `address` with `token_file` (none when
// empty).
RegctlResult RegctlAt(const std::string& address, const std::string& token_file,
                      const std::vector<std::string>& args);

// registryd as a child process on 127.0.0.1:0, stderr captured in a file.
class RegistrydProcess {
 public:
  // `launcher`, when given, is the command registryd runs under (setpriv,
  // prlimit, ...), with its arguments.
  RegistrydProcess(const std::string& binary, const TempDir& dir,
                   const std::string& db,
                   std::vector<std::string> extra_args = {},
                   std::vector<std::string> launcher = {});
  ~RegistrydProcess();
  RegistrydProcess(const RegistrydProcess&) = delete;
  RegistrydProcess& operator=(const RegistrydProcess&) = delete;

  // The port from the "listening on" line, waiting up to 20 s.
  int WaitForPort();
  // Sends `signal` and returns the exit status, waiting up to 20 s.
  int StopWith(int signal);
  // The exit status once the process ends by itself, waiting up to
  // `seconds`; -1 when it is still running then.
  int WaitForExit(int seconds = 20);
  // True while the process runs.
  bool Alive();
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadFile(log_); }
  // Resident memory now, in MiB (-1 when unknown).
  double RssMiB() const;
  // Threads of the process now (-1 when unknown).
  int Threads() const;

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// A tmpfs of `mib` MiB mounted on the new directory `path` while the
// object lives. mounted() is false when this process may not mount one
// (it is not root, say): tests that need it skip.
class Tmpfs {
 public:
  Tmpfs(std::string path, int mib);
  ~Tmpfs();
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }
  // Remounts read-only or read-write; false when that failed (files open
  // for writing keep a tmpfs from going read-only).
  bool SetReadOnly(bool read_only);
  // Writes a file `name` until the file system is full.
  void Fill(const std::string& name);

 private:
  std::string path_;
  int mib_;
  bool mounted_ = false;
};

MATCHER(IsOk, "") {
  if (arg.ok()) return true;
  *result_listener << "status is " << arg;
  return false;
}

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TEST_UTIL_H_
