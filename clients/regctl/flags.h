// Flag and operand values as the API wants them. Each throws UsageError
// naming the flag and what it must be.
#ifndef REGISTRY_CLIENTS_REGCTL_FLAGS_H_
#define REGISTRY_CLIENTS_REGCTL_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "clients/regctl/args.h"
#include "core/records.h"
#include "google/protobuf/timestamp.pb.h"
#include "registry/v1/outcomes.pb.h"
#include "registry/v1/records.pb.h"
#include "registry/v1/reports.pb.h"

namespace registry {

// KIND operand: patients, transplants, visits, ...
Kind KindArg(const std::string& text);

// --expires-in: "90d", "12h", "30m", "45s" or plain seconds, in seconds;
// 0 when the flag is absent.
int64_t ExpiresInFlag(const Args& args);

// --as-of-recorded (RFC 3339), the server's recorded time.
std::optional<google::protobuf::Timestamp> AsOfFlag(const Args& args);

// --as-of (YYYY-MM-DD), the clinical date of an outcome.
std::optional<v1::Date> AsOfDateFlag(const Args& args);

// The definition flags (--event, --baseline, --confirmation-days, ...);
// unset fields take the registry's reference definition.
v1::OutcomeDefinition DefinitionFlags(const Args& args);

// A whole number (of `unit`, for the error) from flag `name`.
int IntFlag(const Args& args, const std::string& name,
            const std::string& unit = "days");
// A finite number; `name` is the flag it came from.
double NumberFlag(const std::string& name, const std::string& text);

v1::Stratification ByFlag(const Args& args);  // --by; unset: one curve
v1::Endpoint EndpointFlag(const Args& args);  // --endpoint, required

// The whole text file at `path`; `what` names it in the error.
std::string ReadTextFile(const std::string& path, const std::string& what);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_FLAGS_H_
