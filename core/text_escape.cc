#include "core/text_escape.h"

#include "absl/strings/str_format.h"
#include "core/utf8.h"

namespace registry {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Calls `byte` for each byte of well-formed UTF-8 in `text` and `invalid`
// for each byte that is not.
template <typename Byte, typename Invalid>
void ForEachByte(std::string_view text, Byte byte, Invalid invalid) {
  while (!text.empty()) {
    const std::optional<size_t> bad = FindInvalidUtf8(text);
    const size_t good = bad.value_or(text.size());
    for (size_t i = 0; i < good; ++i) byte(static_cast<unsigned char>(text[i]));
    if (!bad) return;
    invalid();
    text.remove_prefix(good + 1);
  }
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  ForEachByte(
      text,
      [&](unsigned char c) {
        switch (c) {
          case '"':
            out += "\\\"";
            break;
          case '\\':
            out += "\\\\";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            if (c < 0x20 || c == 0x7f) {
              out += absl::StrFormat("\\u%04x", c);
            } else {
              out.push_back(static_cast<char>(c));
            }
        }
      },
      [&] { out += kReplacement; });
  out += "\"";
  return out;
}

std::string PrometheusLabelValue(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  ForEachByte(
      text,
      [&](unsigned char c) {
        if (c == '\\') {
          out += "\\\\";
        } else if (c == '"') {
          out += "\\\"";
        } else if (c == '\n') {
          out += "\\n";
        } else if (c < 0x20 || c == 0x7f) {
          out += kReplacement;
        } else {
          out.push_back(static_cast<char>(c));
        }
      },
      [&] { out += kReplacement; });
  return out;
}

std::string QuoteText(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\x%02x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out += "\"";
  return out;
}

}  // namespace registry
