#include "tests/test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "clients/regctl/regctl.h"

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
    options.free_failed_auth = free_failed_auth;
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
  options.free_failed_auth = 100000;
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

}  // namespace registry::testing
