// Escaping for JSON, Prometheus labels and quoted text: hostile input
// stays one value of its format.
#include "core/text_escape.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace registry {
namespace {

TEST(JsonQuoteTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("line\nnext\r\tend"), "\"line\\nnext\\r\\tend\"");
  EXPECT_EQ(JsonQuote(std::string("nul\0x\x01\x1f\x7f", 8)),
            "\"nul\\u0000x\\u0001\\u001f\\u007f\"");
}

TEST(JsonQuoteTest, AForgedLogLineStaysInsideOneString) {
  const std::string method =
      "/x\",\"principal\":\"tok_admin\",\"code\":\"OK\"}\n{\"time\":\"";
  const std::string quoted = JsonQuote(method);
  EXPECT_EQ(quoted.find('\n'), std::string::npos);
  // Every quote inside is escaped: the literal ends only at the last byte.
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '"') {
      EXPECT_EQ(quoted[i - 1], '\\') << quoted;
    }
  }
}

TEST(JsonQuoteTest, ReplacesBytesThatAreNotUtf8AndKeepsThoseThatAre) {
  EXPECT_EQ(JsonQuote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(JsonQuote("caf\xE9!"), "\"caf\xEF\xBF\xBD!\"");
  EXPECT_EQ(JsonQuote("\xFF\xFE"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_FALSE(FindInvalidUtf8(JsonQuote("\xC0\xAF\xED\xA0\x80\xF4\x90")));
}

TEST(PrometheusLabelValueTest, EscapesWhatTheTextFormatDefines) {
  EXPECT_EQ(PrometheusLabelValue("/registry.v1.AdminService/GetMetrics"),
            "/registry.v1.AdminService/GetMetrics");
  EXPECT_EQ(PrometheusLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(PrometheusLabelValue("x\ty\xE9"), "x\xEF\xBF\xBDy\xEF\xBF\xBD");
}

TEST(QuoteTextTest, QuotesAndEscapesSoAValueCannotLookLikeFields) {
  EXPECT_EQ(QuoteText("C01 data manager"), "\"C01 data manager\"");
  EXPECT_EQ(QuoteText("x expires=2099"), "\"x expires=2099\"");
  EXPECT_EQ(QuoteText("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteText("a\nrole=admin"), "\"a\\x0arole=admin\"");
}

TEST(Utf8Test, FindsTheFirstByteThatIsNotWellFormed) {
  EXPECT_EQ(FindInvalidUtf8("abc"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC and \xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("Cladribin\xE9"), 9u);       // Latin-1 'é'
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);            // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("a\xED\xA0\x80"), 1u);       // a surrogate
  EXPECT_EQ(FindInvalidUtf8("ab\xF4\x90\x80\x80"), 2u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82"), 0u);            // cut short
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);                // a lone continuation
}

TEST(Utf8Test, DescribesTheByteOneBased) {
  EXPECT_NE(DescribeInvalidUtf8("Cladribin\xE9", 9).find("byte 10 (0xE9)"),
            std::string::npos);
}

}  // namespace
}  // namespace registry
