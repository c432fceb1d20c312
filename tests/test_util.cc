#include "tests/test_util.h"

#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "clients/regctl/regctl.h"

extern char** environ;

namespace registry::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr ? base : "/tmp", "/registry-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TestRegistry::TestRegistry(int free_failed_auth) {
  Start([&](ServerOptions& options) {
    options.auth.free_failures = free_failed_auth;
  });
}

TestRegistry::TestRegistry(
    const std::function<void(ServerOptions&)>& configure) {
  Start(configure);
}

void TestRegistry::Start(const std::function<void(ServerOptions&)>& configure) {
  ServerOptions options;
  options.db_path = db_path();
  options.listen = "127.0.0.1:0";
  options.auth.free_failures = 100000;
  configure(options);
  absl::StatusOr<std::unique_ptr<RegistryServer>> server =
      RegistryServer::Start(options);
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    std::abort();
  }
  server_ = std::move(*server);
  admin_token_file_ = server_->admin_token_file();
}

TestRegistry::~TestRegistry() { Stop(); }

void TestRegistry::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::Seconds(5));
  server_.reset();
}

void TestRegistry::Restart(
    const std::function<void(ServerOptions&)>& configure) {
  Stop();
  Start(configure);
}

std::string TestRegistry::address() const {
  // A stopped registry has no port; port 1 refuses connections.
  return absl::StrCat("127.0.0.1:", server_ ? server_->port() : 1);
}

RegctlResult TestRegistry::Regctl(const std::vector<std::string>& args,
                                  const std::string& token_file) {
  std::ostringstream out, err;
  RegctlIo io{out, err, {}, false};
  std::vector<std::string> full = {"--server", address(), "--timeout", "60"};
  full.insert(full.end(), regctl_flags_.begin(), regctl_flags_.end());
  if (!token_file.empty()) {
    full.push_back("--token-file");
    full.push_back(token_file);
  }
  full.insert(full.end(), args.begin(), args.end());
  const int code = RunRegctl(full, io);
  return {code, out.str(), err.str()};
}

void TestRegistry::AddCenter(const std::string& code) {
  RegctlResult result =
      Regctl({"admin", "center", "add", code, "--name", "Center " + code},
             admin_token_file_);
  if (result.exit_code != 0 &&
      result.err.find("ALREADY_EXISTS") == std::string::npos) {
    ADD_FAILURE() << result.err;
  }
}

std::string TestRegistry::IssueToken(const std::string& role,
                                     const std::string& center) {
  std::vector<std::string> args = {"admin", "token", "issue", "--role", role};
  if (!center.empty()) {
    AddCenter(center);
    args.push_back("--center");
    args.push_back(center);
  }
  RegctlResult result = Regctl(args, admin_token_file_);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const std::string path = dir_.File(absl::StrCat("token", ++token_count_));
  WriteFile(path, result.out);
  return path;
}

std::string TestRegistry::WriteCsv(const std::string& name,
                                   const std::string& content) {
  const std::string path = dir_.File(name);
  WriteFile(path, content);
  return path;
}

namespace {

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

void PrepareRaw(grpc::ClientContext& context,
                const std::string& authorization) {
  if (!authorization.empty()) {
    context.AddMetadata("authorization", authorization);
  }
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
}

}  // namespace

grpc::Status RawClientStream(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method,
                             const std::string& authorization,
                             const std::vector<std::string>& messages,
                             bool cancel) {
  grpc::GenericStub generic(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  PrepareRaw(context, authorization);
  auto call = generic.PrepareCall(&context, method, &queue);
  void* tag;
  bool ok = false;
  auto step = [&](intptr_t expected) {
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  intptr_t next_tag = 2;
  for (const std::string& message : messages) {
    call->Write(Buffer(message), reinterpret_cast<void*>(next_tag));
    if (!step(next_tag++)) break;
  }
  if (cancel) {
    // Time for the server to take the messages, then away without a
    // half-close.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    context.TryCancel();
  } else {
    call->WritesDone(reinterpret_cast<void*>(next_tag));
    step(next_tag++);
  }
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(next_tag));
  step(next_tag++);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(next_tag));
  step(next_tag++);
  return status;
}

grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method,
                          const std::string& authorization,
                          const std::string& bytes) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  PrepareRaw(context, authorization);
  grpc::ByteBuffer request = Buffer(bytes), response;
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mutex);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mutex);
  cv.wait(lock, [&] { return done; });
  return status;
}

std::string RegistrydUnderTest(const std::string& built) {
  const char* other = std::getenv("REGISTRY_TEST_REGISTRYD");
  return other != nullptr && *other != '\0' ? other : built;
}

RegctlResult RegctlAt(const std::string& address, const std::string& token_file,
                      const std::vector<std::string>& args) {
  std::ostringstream out, err;
  RegctlIo io{out, err, {}, false};
  std::vector<std::string> full = {"--server", address, "--timeout", "30"};
  if (!token_file.empty()) {
    full.push_back("--token-file");
    full.push_back(token_file);
  }
  full.insert(full.end(), args.begin(), args.end());
  const int code = RunRegctl(full, io);
  return {code, out.str(), err.str()};
}

RegistrydProcess::RegistrydProcess(const std::string& binary,
                                   const TempDir& dir, const std::string& db,
                                   std::vector<std::string> extra_args,
                                   std::vector<std::string> launcher)
    : log_(dir.File("registryd.log")) {
  std::vector<std::string> args = std::move(launcher);
  for (const std::string& arg :
       {RegistrydUnderTest(binary), std::string("--db"), db,
        std::string("--listen"), std::string("127.0.0.1:0")}) {
    args.push_back(arg);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_EQ(
      posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
}

RegistrydProcess::~RegistrydProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int RegistrydProcess::WaitForPort() {
  const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 200; ++i) {
    std::smatch match;
    const std::string text = ReadFile(log_);
    if (std::regex_search(text, match, listening)) return std::stoi(match[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "registryd did not start: " << ReadFile(log_);
  return 0;
}

int RegistrydProcess::WaitForExit(int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

bool RegistrydProcess::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int RegistrydProcess::StopWith(int signal) {
  kill(pid_, signal);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "registryd did not stop";
  return -1;
}

int RegistrydProcess::Threads() const {
  const std::string status = ReadFile(absl::StrCat("/proc/", pid_, "/status"));
  std::smatch match;
  static const std::regex threads("Threads:\\s+([0-9]+)");
  if (!std::regex_search(status, match, threads)) return -1;
  return std::stoi(match[1]);
}

Tmpfs::Tmpfs(std::string path, int mib) : path_(std::move(path)), mib_(mib) {
  std::filesystem::create_directories(path_);
  const std::string options = absl::StrCat("size=", mib, "m,mode=0755");
  mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

bool Tmpfs::SetReadOnly(bool read_only) {
  const std::string options = absl::StrCat("size=", mib_, "m,mode=0755");
  return ::mount("tmpfs", path_.c_str(), "tmpfs",
                 MS_REMOUNT | (read_only ? MS_RDONLY : 0),
                 options.c_str()) == 0;
}

void Tmpfs::Fill(const std::string& name) {
  const int fd =
      ::open((path_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  const std::string block(64 * 1024, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  // The last partial block.
  while (::write(fd, block.data(), 512) > 0) {
  }
  ::close(fd);
}

double RegistrydProcess::RssMiB() const {
  const std::string status = ReadFile(absl::StrCat("/proc/", pid_, "/status"));
  std::smatch match;
  static const std::regex rss("VmRSS:\\s+([0-9]+) kB");
  if (!std::regex_search(status, match, rss)) return -1;
  return std::stod(match[1]) / 1024;
}

}  // namespace registry::testing
