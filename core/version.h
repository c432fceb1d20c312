// The registry's one version number, set in the top-level CMakeLists.txt
// (project VERSION) and printed by every binary's --version.
#ifndef REGISTRY_CORE_VERSION_H_
#define REGISTRY_CORE_VERSION_H_

#include <string>
#include <string_view>

namespace registry {

std::string_view RegistryVersion();  // "0.1.0"

// "<program> <version>\n", as --version prints it.
std::string VersionLine(std::string_view program);

}  // namespace registry

#endif  // REGISTRY_CORE_VERSION_H_
