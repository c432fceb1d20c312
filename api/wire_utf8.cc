#include "api/wire_utf8.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "google/protobuf/io/coded_stream.h"

namespace registry {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;

// Messages nest at most this deep here; deeper input is not a message of
// ours and is left to the parser to refuse.
constexpr int kMaxDepth = 32;

std::optional<FieldViolation> Find(const Descriptor& descriptor,
                                   std::string_view bytes,
                                   const std::string& prefix,
                                   int64_t first_index, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  std::map<int, int64_t> seen;  // repeated field number -> next index
  while (uint32_t tag = in.ReadTag()) {
    const int number = static_cast<int>(tag >> 3);
    const int wire_type = static_cast<int>(tag & 7);
    switch (wire_type) {
      case 0: {
        uint64_t ignored;
        if (!in.ReadVarint64(&ignored)) return std::nullopt;
        continue;
      }
      case 1:
        if (!in.Skip(8)) return std::nullopt;
        continue;
      case 5:
        if (!in.Skip(4)) return std::nullopt;
        continue;
      case 2:
        break;
      default:  // groups: none in our messages
        return std::nullopt;
    }
    uint32_t length;
    std::string value;
    if (!in.ReadVarint32(&length) ||
        !in.ReadString(&value, static_cast<int>(length))) {
      return std::nullopt;
    }
    const FieldDescriptor* field = descriptor.FindFieldByNumber(number);
    if (field == nullptr) continue;  // unknown fields are skipped
    std::string path = prefix + field->name();
    if (field->is_repeated()) {
      int64_t& next =
          seen.try_emplace(number, depth == 0 ? first_index : 0).first->second;
      absl::StrAppend(&path, "[", next++, "]");
    }
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (std::optional<size_t> bad = FindInvalidUtf8(value)) {
        return FieldViolation{path, DescribeInvalidUtf8(value, *bad)};
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (auto found =
              Find(*field->message_type(), value, path + ".", 0, depth + 1)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<FieldViolation> FindNonUtf8Field(const Descriptor& descriptor,
                                               std::string_view bytes,
                                               int64_t first_index) {
  return Find(descriptor, bytes, "", first_index, 0);
}

}  // namespace registry
