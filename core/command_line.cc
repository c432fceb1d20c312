#include "core/command_line.h"

#include <algorithm>

namespace registry {

std::vector<std::string> FlagNamesWithUnderscores(
    std::vector<std::string> args) {
  for (std::string& arg : args) {
    if (arg == "--") break;
    if (arg.size() <= 2 || arg.rfind("--", 0) != 0) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    std::replace(arg.begin() + 2, arg.begin() + end, '-', '_');
  }
  return args;
}

}  // namespace registry
