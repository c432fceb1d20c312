#include "core/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Lines and fields of every parsed record, for compact expectations.
std::vector<int> Lines(const std::vector<CsvRow>& rows) {
  std::vector<int> lines;
  for (const CsvRow& row : rows) lines.push_back(row.line);
  return lines;
}

std::vector<std::vector<std::string>> Fields(const std::vector<CsvRow>& rows) {
  std::vector<std::vector<std::string>> fields;
  for (const CsvRow& row : rows) fields.push_back(row.fields);
  return fields;
}

using Record = std::vector<std::string>;

TEST(ParseCsvTest, SimpleRows) {
  auto rows = ParseCsv("id,name\n1,alice\n2,bob\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows),
              ElementsAre(Record{"id", "name"}, Record{"1", "alice"},
                          Record{"2", "bob"}));
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 2, 3));
}

TEST(ParseCsvTest, EmptyInputHasNoRows) {
  auto rows = ParseCsv("");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, IsEmpty());
}

TEST(ParseCsvTest, UnquotedSpacesAreKept) {
  auto rows = ParseCsv(" a , b\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{" a ", " b"}));
}

TEST(ParseCsvTest, QuotedFieldMayContainCommas) {
  auto rows = ParseCsv("\"Smith, John\",42\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"Smith, John", "42"}));
}

TEST(ParseCsvTest, DoubledQuoteIsLiteralQuote) {
  auto rows = ParseCsv("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"say \"hi\"", "\"", ""}));
}

TEST(ParseCsvTest, EmbeddedNewlineSpansLinesAndKeepsLineNumbers) {
  auto rows = ParseCsv("a,\"two\nlines\"\nb,\"three\n\nlines\"\nc,x\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows),
              ElementsAre(Record{"a", "two\nlines"},
                          Record{"b", "three\n\nlines"}, Record{"c", "x"}));
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 3, 6));
}

TEST(ParseCsvTest, CrlfLineEndings) {
  auto rows = ParseCsv("a,b\r\n\"q\",\r\n\"x\r\ny\",z\r\nlast,1\r\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  // CRLF inside a quoted field is data; everywhere else it ends the record.
  EXPECT_THAT(Fields(*rows),
              ElementsAre(Record{"a", "b"}, Record{"q", ""},
                          Record{"x\r\ny", "z"}, Record{"last", "1"}));
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 2, 3, 5));
}

TEST(ParseCsvTest, LoneCrIsOrdinaryCharacter) {
  auto rows = ParseCsv("a\rb,c\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a\rb", "c"}));
}

TEST(ParseCsvTest, Utf8BomIsStripped) {
  auto rows = ParseCsv("\xEF\xBB\xBFid,name\n1,x\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows),
              ElementsAre(Record{"id", "name"}, Record{"1", "x"}));
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 2));
}

TEST(ParseCsvTest, BomBeforeQuotedField) {
  auto rows = ParseCsv("\xEF\xBB\xBF\"a,b\"\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a,b"}));
}

TEST(ParseCsvTest, PartialBomPrefixIsData) {
  // Starts like a BOM but is not one; no byte may be lost.
  auto rows = ParseCsv("\xEF\xBBx,y\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"\xEF\xBBx", "y"}));
}

TEST(ParseCsvTest, BomOnlyInTheMiddleIsData) {
  auto rows = ParseCsv(
      "a\n\xEF\xBB\xBF"
      "b\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a"}, Record{"\xEF\xBB\xBF"
                                                             "b"}));
}

TEST(ParseCsvTest, MissingTrailingNewline) {
  auto rows = ParseCsv("a,b\nc,d");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a", "b"}, Record{"c", "d"}));

  auto quoted = ParseCsv("a,\"b\"");
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  EXPECT_THAT(Fields(*quoted), ElementsAre(Record{"a", "b"}));
}

TEST(ParseCsvTest, BlankLinesAreSkippedAndCounted) {
  auto rows = ParseCsv("\n\na\n\n\r\nb\n\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a"}, Record{"b"}));
  EXPECT_THAT(Lines(*rows), ElementsAre(3, 6));
}

TEST(ParseCsvTest, LinesWithContentAreNotBlank) {
  auto rows = ParseCsv(" \n\"\"\n,\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows),
              ElementsAre(Record{" "}, Record{""}, Record{"", ""}));
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 2, 3));
}

TEST(ParseCsvTest, EmptyFields) {
  auto rows = ParseCsv("a,,b\na,\n,a\n\"\",\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a", "", "b"}, Record{"a", ""},
                                         Record{"", "a"}, Record{"", ""}));
}

TEST(ParseCsvTest, TrailingCommaAtEndOfInputGivesEmptyLastField) {
  auto rows = ParseCsv("a,");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(Fields(*rows), ElementsAre(Record{"a", ""}));
}

void ExpectSyntaxError(std::string_view text, int line,
                       std::string_view detail) {
  auto rows = ParseCsv(text);
  ASSERT_FALSE(rows.ok()) << "parsed: "
                          << testing::PrintToString(Fields(*rows));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rows.status().message()),
              StartsWith(absl::StrCat("line ", line, ": ")));
  EXPECT_THAT(std::string(rows.status().message()),
              testing::HasSubstr(std::string(detail)));
}

TEST(ParseCsvErrorTest, UnterminatedQuotedField) {
  ExpectSyntaxError("a,b\nc,\"open", 2, "unterminated");
  // Reported at the line where the quote opens, not where input ran out.
  ExpectSyntaxError("a\nb,\"open\nmore\nstill more\n", 2, "unterminated");
}

TEST(ParseCsvErrorTest, QuoteInUnquotedField) {
  ExpectSyntaxError("a,b\nc,d\"e\n", 2, "quote in unquoted");
  ExpectSyntaxError("a\n\n x\"\n", 3, "quote in unquoted");
  // The line counts the newlines inside an earlier quoted field.
  ExpectSyntaxError("\"x\ny\"\nab\"\n", 3, "quote in unquoted");
}

TEST(ParseCsvErrorTest, CharactersAfterClosingQuote) {
  ExpectSyntaxError("a\n\"b\"c,d\n", 2, "after closing quote");
  ExpectSyntaxError("\"b\" ,d\n", 1, "after closing quote");
  ExpectSyntaxError("\"b\"\rx\n", 1, "after closing quote");
  // Reported where the closing quote is, after the field's own newlines.
  ExpectSyntaxError("\"multi\nline\"x\n", 2, "after closing quote");
}

TEST(FormatCsvRowTest, PlainFieldsAreNotQuoted) {
  EXPECT_EQ(FormatCsvRow({"a", "b c", "1.5"}), "a,b c,1.5");
  EXPECT_EQ(FormatCsvRow({"a", "", "b", ""}), "a,,b,");
  EXPECT_EQ(FormatCsvRow({}), "");
}

TEST(FormatCsvRowTest, QuotesWhenNeeded) {
  EXPECT_EQ(FormatCsvRow({"a,b"}), "\"a,b\"");
  EXPECT_EQ(FormatCsvRow({"say \"hi\""}), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(FormatCsvRow({"x\ny"}), "\"x\ny\"");
  EXPECT_EQ(FormatCsvRow({"x\ry"}), "\"x\ry\"");
  EXPECT_EQ(FormatCsvRow({" lead"}), "\" lead\"");
  EXPECT_EQ(FormatCsvRow({"trail "}), "\"trail \"");
  EXPECT_EQ(FormatCsvRow({"in side", "\""}), "in side,\"\"\"\"");
}

TEST(FormatCsvRowTest, SoleEmptyFieldIsQuotedSoItIsNotABlankLine) {
  EXPECT_EQ(FormatCsvRow({""}), "\"\"");
}

TEST(FormatCsvRowTest, RoundTripsThroughParseCsv) {
  const std::vector<Record> records = {
      {"plain", "", "with,comma", "\"", "\"\"", "a\"b"},
      {"line\nbreak", "crlf\r\nbreak", "lone\rcr", " both ", "\n"},
      {""},
      {"", ""},
      {","},
      {"\xEF\xBB\xBF"
       "bom-like",
       "unicode \xC3\xA9"},
  };
  std::string text;
  for (const Record& record : records) {
    absl::StrAppend(&text, FormatCsvRow(record), "\r\n");
  }
  auto rows = ParseCsv(text);
  ASSERT_TRUE(rows.ok()) << rows.status() << "\n" << text;
  EXPECT_EQ(Fields(*rows), records);
  // Each record is one line, except the second, which holds three LFs.
  EXPECT_THAT(Lines(*rows), ElementsAre(1, 2, 6, 7, 8, 9));
}

TEST(CsvReaderTest, ReadsManyRowsFromStream) {
  constexpr int kRows = 10000;
  std::stringstream stream;
  stream << "\xEF\xBB\xBFid,value,note\n";
  for (int i = 0; i < kRows; ++i) {
    stream << i << ",\"v" << i << "\"\"\",";
    // Every 100th note spans two lines; every 7th row is followed by a
    // blank line. Both shift the line numbers of later rows.
    if (i % 100 == 0) stream << "\"two\nlines\"";
    stream << "\n";
    if (i % 7 == 0) stream << "\n";
  }

  CsvReader reader(stream);
  CsvRow row;
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_EQ(row.line, 1);
  EXPECT_THAT(row.fields, ElementsAre("id", "value", "note"));

  int expected_line = 2;
  int count = 0;
  while (reader.Next(&row)) {
    const int i = count++;
    ASSERT_EQ(row.line, expected_line) << "row " << i;
    ASSERT_THAT(row.fields,
                ElementsAre(std::to_string(i), absl::StrCat("v", i, "\""),
                            i % 100 == 0 ? "two\nlines" : ""));
    expected_line += (i % 100 == 0 ? 2 : 1) + (i % 7 == 0 ? 1 : 0);
  }
  EXPECT_TRUE(reader.status().ok()) << reader.status();
  EXPECT_EQ(count, kRows);
  // End of input is sticky.
  EXPECT_FALSE(reader.Next(&row));
  EXPECT_TRUE(reader.status().ok());
}

TEST(CsvReaderTest, StopsAtErrorAfterGoodRows) {
  std::istringstream stream("a,b\nc,d\ne,f\"g\nh,i\n");
  CsvReader reader(stream);
  CsvRow row;
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_THAT(row.fields, ElementsAre("a", "b"));
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_THAT(row.fields, ElementsAre("c", "d"));
  EXPECT_FALSE(reader.Next(&row));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reader.status().message()), StartsWith("line 3: "));
  // The error is sticky: the following valid line is not returned.
  EXPECT_FALSE(reader.Next(&row));
  EXPECT_FALSE(reader.status().ok());
}

TEST(CsvReaderTest, DoesNotConsumeBeyondCurrentRecord) {
  std::istringstream stream("a,b\nrest of stream");
  CsvReader reader(stream);
  CsvRow row;
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_THAT(row.fields, ElementsAre("a", "b"));
  std::string rest;
  std::getline(stream, rest);
  EXPECT_EQ(rest, "rest of stream");
}

TEST(CsvReaderTest, ADelimiterOtherThanCommaSeparatesFields) {
  std::istringstream in("a;b,c;\"d;e\"\r\n1;2,5;x\n");
  CsvReader reader(in, ';');
  CsvRow row;
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_THAT(row.fields, ElementsAre("a", "b,c", "d;e"));
  ASSERT_TRUE(reader.Next(&row));
  EXPECT_THAT(row.fields, ElementsAre("1", "2,5", "x"));
  EXPECT_EQ(row.line, 2);
  EXPECT_FALSE(reader.Next(&row));
  EXPECT_TRUE(reader.status().ok());
}

TEST(Windows1252Test, EachByteBecomesItsCharacterInUtf8) {
  // e-acute (Latin-1 range), the euro sign and a right quote (0x80-0x9F).
  EXPECT_EQ(Windows1252ToUtf8("caf\xe9 \x80 \x92"),
            "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x99");
  EXPECT_EQ(Windows1252ToUtf8("plain ASCII"), "plain ASCII");
  EXPECT_EQ(Windows1252ToUtf8("\xff"), "\xc3\xbf");
  for (const char* undefined : {"\x81", "\x8d", "\x8f", "\x90", "\x9d"}) {
    EXPECT_FALSE(Windows1252ToUtf8(undefined).has_value()) << undefined;
  }
}

}  // namespace
}  // namespace registry
