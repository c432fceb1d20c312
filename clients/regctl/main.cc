#include <unistd.h>

#include <cstdlib>

#include "clients/regctl/regctl.h"

int main(int argc, char** argv) {
  registry::RegctlIo io{std::cout, std::cerr, {}, isatty(2) == 1};
  for (const char* name : {"REGISTRY_SERVER", "REGISTRY_TOKEN_FILE"}) {
    if (const char* value = std::getenv(name)) io.env[name] = value;
  }
  return registry::RunRegctl(std::vector<std::string>(argv + 1, argv + argc),
                             io);
}
