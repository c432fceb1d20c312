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
      "spreadsheet's \"CSV UTF-8\"), or give the encoding it was saved in "
      "(--encoding windows-1252 for Excel's \"CSV\" on Western Windows)",
      offset + 1, byte);
}

std::optional<std::string> Windows1252ToUtf8(std::string_view text) {
  // 0x80-0x9F; 0 marks the undefined bytes.
  static constexpr char16_t kHigh[32] = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const unsigned char byte = static_cast<unsigned char>(ch);
    if (byte < 0x80) {
      out.push_back(ch);
      continue;
    }
    const char32_t code = byte < 0xA0 ? kHigh[byte - 0x80] : byte;
    if (code == 0) return std::nullopt;
    if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    }
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
  return out;
}

}  // namespace registry
