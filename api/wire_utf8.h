// Finds the string field that keeps a serialized message from parsing:
// protobuf refuses a proto3 `string` that is not UTF-8, and says only
// that the whole message failed. Reading the wire format against the
// message's descriptor names the field, so the sender learns which value
// to fix.
#ifndef REGISTRY_API_WIRE_UTF8_H_
#define REGISTRY_API_WIRE_UTF8_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/records.h"
#include "google/protobuf/descriptor.h"

namespace registry {

// The first string field in `bytes` (a serialized `descriptor` message)
// whose value is not UTF-8, as a violation whose field is its path
// ("records[12].treatment.drug"; indexes of the outermost repeated field
// start at `first_index`) and whose description says which byte. nullopt
// when every string is UTF-8 (or the bytes are not a message at all).
std::optional<FieldViolation> FindNonUtf8Field(
    const google::protobuf::Descriptor& descriptor, std::string_view bytes,
    int64_t first_index = 0);

}  // namespace registry

#endif  // REGISTRY_API_WIRE_UTF8_H_
