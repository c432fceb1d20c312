// Text that goes into other formats, escaped by one tested function per
// format: log lines and results as JSON, metric labels, and free text
// quoted inside an audit entry. Whatever the input bytes (an attacker's
// method path, a token label), the output stays one well-formed token of
// its format: it cannot end a JSON line early or forge a field.
#ifndef REGISTRY_CORE_TEXT_ESCAPE_H_
#define REGISTRY_CORE_TEXT_ESCAPE_H_

#include <string>
#include <string_view>

namespace registry {

// A JSON string literal (with its quotes) for `text`: '"', '\\' and
// control characters escaped (\n, \t, \u00XX), and each byte that is not
// part of well-formed UTF-8 replaced by U+FFFD.
std::string JsonQuote(std::string_view text);

// A Prometheus label value (without its quotes) for `text`: '\\', '"' and
// newlines escaped as the text exposition format defines, other control
// characters and bytes that are not UTF-8 replaced by U+FFFD.
std::string PrometheusLabelValue(std::string_view text);

// `text` in double quotes for a line of text, with '"' and '\\' escaped
// and control characters as \xHH, so that a value such as a token label
// reads as one value ("C01 \"data\" manager"), never as further fields.
std::string QuoteText(std::string_view text);

}  // namespace registry

#endif  // REGISTRY_CORE_TEXT_ESCAPE_H_
