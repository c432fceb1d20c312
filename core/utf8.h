// UTF-8 validity, for text that crosses the edge: protobuf strings must be
// UTF-8, and a spreadsheet saved in another encoding (Windows-1252 'é' is
// the single byte 0xE9) is the commonest way to break that.
#ifndef REGISTRY_CORE_UTF8_H_
#define REGISTRY_CORE_UTF8_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace registry {

// The offset of the first byte of `text` that does not start or continue a
// well-formed UTF-8 sequence (overlong forms, surrogates and code points
// above U+10FFFF are not well-formed); nullopt when all of `text` is UTF-8.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// "byte 10 (0xE9) is not UTF-8" for the byte at `offset` of `text`
// (1-based in the message), with a hint at the likely cause.
std::string DescribeInvalidUtf8(std::string_view text, size_t offset);

// `text` read as Windows-1252 (which Excel saves "CSV" in on Western
// European Windows; a superset of Latin-1's printable characters), in
// UTF-8. nullopt when it holds one of the five bytes Windows-1252 leaves
// undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
std::optional<std::string> Windows1252ToUtf8(std::string_view text);

}  // namespace registry

#endif  // REGISTRY_CORE_UTF8_H_
