#include "core/version.h"

#ifndef REGISTRY_VERSION
#error "REGISTRY_VERSION is set by CMake"
#endif

namespace registry {

std::string_view RegistryVersion() { return REGISTRY_VERSION; }

std::string VersionLine(std::string_view program) {
  std::string line(program);
  line.append(" ").append(RegistryVersion()).append("\n");
  return line;
}

}  // namespace registry
