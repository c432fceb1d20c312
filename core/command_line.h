// Command lines of the binaries that parse flags with Abseil (registryd,
// cohortgen): flags are documented with dashes (--tls-cert, --last-date),
// Abseil names them with underscores.
#ifndef REGISTRY_CORE_COMMAND_LINE_H_
#define REGISTRY_CORE_COMMAND_LINE_H_

#include <string>
#include <vector>

namespace registry {

// `args` with every flag name's dashes made underscores ("--tls-cert=x"
// -> "--tls_cert=x"; values are untouched, and nothing after a lone "--").
std::vector<std::string> FlagNamesWithUnderscores(
    std::vector<std::string> args);

}  // namespace registry

#endif  // REGISTRY_CORE_COMMAND_LINE_H_
