#include "clients/regctl/csv_files.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/convert.h"
#include "clients/regctl/regctl.h"
#include "core/csv.h"
#include "core/utf8.h"

namespace registry {
namespace {

// "line 7: unterminated quoted field" -> "FILE:7: unterminated ...".
std::string SyntaxError(const std::string& path, const absl::Status& status) {
  std::string message(status.message());
  if (absl::StartsWith(message, "line ")) return path + ":" + message.substr(5);
  return path + ": " + message;
}

// Edits (insertions, deletions, substitutions) from `a` to `b`.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The column name closest to `name`, if close enough to be a likely typo.
std::optional<std::string> Closest(const std::string& name,
                                   const std::vector<std::string>& names) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const std::string& candidate : names) {
    const size_t d = EditDistance(name, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

// "3,5" or "-0,25": a number with a decimal comma.
bool HasDecimalComma(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos || comma == 0 ||
      comma + 1 == text.size()) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (i != comma && !absl::ascii_isdigit(text[i])) return false;
  }
  return true;
}

// Converts or checks each field's text encoding; false (with an error
// naming the line, column and byte) when one cannot be read.
bool ReadText(const std::string& path, const CsvRow& row,
              const std::vector<std::string>& header, const CsvOptions& options,
              std::vector<std::string>& fields,
              std::vector<std::string>& errors) {
  bool ok = true;
  fields = row.fields;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string column = i < header.size() ? header[i] : "row";
    if (options.windows1252) {
      if (std::optional<std::string> text = Windows1252ToUtf8(fields[i])) {
        fields[i] = *std::move(text);
        continue;
      }
      errors.push_back(absl::StrCat(path, ":", row.line, ": ", column,
                                    ": a byte Windows-1252 does not define; "
                                    "is the file in another encoding?"));
      ok = false;
    } else if (std::optional<size_t> bad = FindInvalidUtf8(fields[i])) {
      errors.push_back(absl::StrCat(path, ":", row.line, ": ", column, ": ",
                                    DescribeInvalidUtf8(fields[i], *bad)));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

CsvOptions CsvOptionsOf(const Args& args) {
  CsvOptions options;
  const std::string delimiter = args.Flag("delimiter");
  if (delimiter == ";" || delimiter == "tab" || delimiter == "\t") {
    options.delimiter = delimiter == ";" ? ';' : '\t';
  } else if (!delimiter.empty() && delimiter != ",") {
    throw UsageError{"--delimiter must be ',', ';' or tab"};
  }
  options.decimal_comma = args.Flag("decimal-comma") == "yes";
  const std::string encoding = absl::AsciiStrToLower(args.Flag("encoding"));
  if (encoding == "windows-1252" || encoding == "cp1252") {
    options.windows1252 = true;
  } else if (!encoding.empty() && encoding != "utf-8" && encoding != "utf8") {
    throw UsageError{"--encoding must be utf-8 or windows-1252"};
  }
  return options;
}

namespace {
LoadedFile ReadCsvFile(const std::string& path, Kind kind, bool key_only,
                       const CsvOptions& options);
}  // namespace

LoadedFile LoadCsv(const std::string& path, Kind kind, bool key_only,
                   const CsvOptions& options) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    LoadedFile file;
    file.errors.push_back(path + ": is a directory, not a CSV file");
    return file;
  }
  // The stream's buffer reports a read error (EIO, a file that vanished)
  // by throwing.
  try {
    return ReadCsvFile(path, kind, key_only, options);
  } catch (const std::exception& e) {
    LoadedFile file;
    file.errors.push_back(path + ": cannot read the file (" + e.what() + ")");
    return file;
  }
}

namespace {

// LoadCsv's reading, which may throw on a read error.
LoadedFile ReadCsvFile(const std::string& path, Kind kind, bool key_only,
                       const CsvOptions& options) {
  LoadedFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    file.errors.push_back(path + ": cannot open the file");
    return file;
  }
  CsvReader reader(in, options.delimiter);
  CsvRow raw_header;
  if (!reader.Next(&raw_header)) {
    file.errors.push_back(
        reader.status().ok()
            ? path + ":1: the file is empty (a header row is required)"
            : SyntaxError(path, reader.status()));
    return file;
  }
  std::vector<std::string>& header = file.header;
  if (!ReadText(path, raw_header, {}, options, header, file.errors)) {
    return file;
  }
  // One header field holding ';' (or a tab) and no ',': the file is not
  // separated the way it is read.
  for (const char other : {';', '\t', ','}) {
    if (other == options.delimiter || header.size() != 1 ||
        header[0].find(other) == std::string::npos) {
      continue;
    }
    const std::string name = other == '\t' ? "tab" : std::string(1, other);
    file.errors.push_back(absl::StrCat(
        path, ":", raw_header.line, ": the header is separated by '", name,
        "', not '",
        options.delimiter == '\t' ? "tab" : std::string(1, options.delimiter),
        "'",
        other == ';' ? " (a spreadsheet's CSV saved in a European locale)" : "",
        ": give --delimiter '", name, "'",
        other == ';' ? " (and --decimal-comma if its numbers are written 3,5)"
                     : ""));
    return file;
  }
  absl::Span<const Column> columns = ColumnsOf(kind);
  std::vector<std::string> names;
  for (const Column& c : columns) names.push_back(std::string(c.name));
  const std::string expected = absl::StrJoin(names, ",");
  std::vector<int> position(columns.size(), -1);  // column -> file index
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      // Case and surrounding spaces are a spreadsheet's, not a mistake.
      const std::string folded =
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
      it = std::find(names.begin(), names.end(), folded);
      if (it != names.end()) {
        file.notes.push_back(absl::StrCat(path, ":", raw_header.line,
                                          ": note: column '", name,
                                          "' read as ", folded));
      }
    }
    if (it == names.end()) {
      std::optional<std::string> guess = Closest(
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(name)), names);
      file.errors.push_back(
          absl::StrCat(path, ":", raw_header.line, ": ", name,
                       ": unknown column for ", std::string(KindName(kind)),
                       guess ? absl::StrCat("; did you mean ", *guess, "?")
                             : absl::StrCat(" (columns: ", expected, ")")));
    } else if (position[it - names.begin()] >= 0) {
      file.errors.push_back(absl::StrCat(path, ":", raw_header.line, ": ", name,
                                         ": repeated column"));
    } else {
      position[it - names.begin()] = static_cast<int>(i);
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    const bool needed = key_only ? columns[c].key : columns[c].required;
    if (position[c] < 0 && needed) {
      file.errors.push_back(absl::StrCat(path, ":", raw_header.line, ": ",
                                         names[c],
                                         ": required column is missing"));
    }
  }
  if (!file.errors.empty()) return file;

  const Date latest = LatestValidDate(absl::Now());
  CsvRow csv;
  std::vector<std::string> fields;
  while (reader.Next(&csv)) {
    // Protobuf strings must be UTF-8: a cell in another encoding would
    // make the server refuse the whole request without saying where.
    if (!ReadText(path, csv, header, options, fields, file.errors)) continue;
    if (fields.size() != header.size()) {
      file.errors.push_back(
          absl::StrCat(path, ":", csv.line, ": row: expected ", header.size(),
                       " values as in the header, found ", fields.size()));
      continue;
    }
    Row row(columns.size());
    std::vector<std::string> comma_columns;  // "3,5" without --decimal-comma
    for (size_t c = 0; c < columns.size(); ++c) {
      if (position[c] < 0) continue;
      row[c] = fields[position[c]];
      if (columns[c].type == ColumnType::kNumber && HasDecimalComma(row[c])) {
        if (options.decimal_comma) {
          row[c][row[c].find(',')] = '.';
        } else {
          comma_columns.push_back(names[c]);
        }
      }
    }
    std::vector<FieldViolation> violations;
    if (key_only) {
      Parsed<RecordKey> key = ParseRecordKey(kind, row);
      violations = std::move(key.violations);
      if (key.value) file.records.push_back(KeyOnlyProto(*key.value));
    } else {
      Parsed<Record> record = ParseRecord(kind, row, latest);
      violations = std::move(record.violations);
      if (record.value) file.records.push_back(ToProto(*record.value));
    }
    for (const FieldViolation& v : violations) {
      const bool comma = std::find(comma_columns.begin(), comma_columns.end(),
                                   v.field) != comma_columns.end();
      file.errors.push_back(absl::StrCat(
          path, ":", csv.line, ": ", v.field, ": ", v.description,
          comma ? "; for numbers written with a decimal comma give "
                  "--decimal-comma"
                : ""));
    }
    file.lines.push_back(csv.line);
    if (options.keep_cells) file.cells.push_back(fields);
  }
  if (!reader.status().ok()) {
    file.errors.push_back(SyntaxError(path, reader.status()));
  }
  return file;
}

}  // namespace

}  // namespace registry
