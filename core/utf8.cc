#include "core/utf8.h"

#include "absl/strings/str_format.h"

namespace registry {

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned char min = 0x80, max = 0xbf;  // bounds of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) min = 0xa0;  // no overlong forms
      if (lead == 0xed) max = 0x9f;  // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) min = 0x90;  // no overlong forms
      if (lead == 0xf4) max = 0x8f;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) return i;
    if (bytes[i + 1] < min || bytes[i + 1] > max) return i;
    for (size_t k = 2; k < length; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    }
    i += length;
  }
  return std::nullopt;
}

std::string DescribeInvalidUtf8(std::string_view text, size_t offset) {
  const unsigned char byte = static_cast<unsigned char>(text[offset]);
  return absl::StrFormat(
      "byte %d (0x%02X) is not UTF-8 text; save the file as UTF-8 (a "
      "spreadsheet's \"CSV UTF-8\"), not in a Windows or Latin-1 encoding",
      offset + 1, byte);
}

}  // namespace registry
