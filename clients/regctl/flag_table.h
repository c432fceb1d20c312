// The value flags regctl's commands take, with their help texts: one
// table, so that a flag means the same in every command.
#ifndef REGISTRY_CLIENTS_REGCTL_FLAG_TABLE_H_
#define REGISTRY_CLIENTS_REGCTL_FLAG_TABLE_H_

#include <map>
#include <string>

namespace registry {

struct FlagSpec {
  const char* name;   // without dashes
  const char* value;  // placeholder in the help; "" for a switch
  const char* help;
};

// Every value flag a command may take, by name.
const std::map<std::string, FlagSpec>& KnownFlags();

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_FLAG_TABLE_H_
