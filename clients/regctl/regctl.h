// regctl, the registry's command-line client, as a function so tests can
// run it in-process with their own streams and environment.
//
// Exit codes: 0 success, 1 the server rejected the request or failed (or a
// file is invalid), 2 usage error. Errors go to `err`.
#ifndef REGISTRY_CLIENTS_REGCTL_REGCTL_H_
#define REGISTRY_CLIENTS_REGCTL_REGCTL_H_

#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace registry {

struct RegctlIo {
  std::ostream& out;
  std::ostream& err;
  // Environment variables regctl reads (REGISTRY_SERVER,
  // REGISTRY_TOKEN_FILE); unset ones are absent.
  std::map<std::string, std::string> env;
  // Whether `err` is a terminal (enables the progress bar).
  bool err_is_terminal = false;
};

// `args` excludes the program name.
int RunRegctl(const std::vector<std::string>& args, RegctlIo& io);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_REGCTL_H_
