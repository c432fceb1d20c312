// What a parsed regctl command line hands to its command: the operands
// after the command's words and the values of the flags it was given.
// Parsing (cli.cc) has already refused every flag the command does not
// take, so a command reads only its own.
#ifndef REGISTRY_CLIENTS_REGCTL_ARGS_H_
#define REGISTRY_CLIENTS_REGCTL_ARGS_H_

#include <map>
#include <string>
#include <vector>

namespace registry {

// Thrown by a command for a usage error: regctl prints "regctl: MESSAGE"
// and exits 2.
struct UsageError {
  std::string message;
};

struct Args {
  std::vector<std::string> operands;  // e.g. KIND and FILE of submit import
  std::map<std::string, std::string> flags;  // name without dashes -> value
  bool deidentify = false;

  // The flag's value; `fallback` when it was not given.
  std::string Flag(const std::string& name,
                   const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_ARGS_H_
