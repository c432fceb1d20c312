// regctl submit: CSV files checked as the registry will check them, sent
// as one stream with their record count; exports.
#include <algorithm>
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
#include "absl/time/clock.h"
#include "api/convert.h"
#include "clients/regctl/commands.h"
#include "clients/regctl/flags.h"
#include "clients/regctl/output.h"
#include "core/csv.h"
#include "core/utf8.h"

namespace registry {
namespace {

constexpr size_t kRecordsPerMessage = 1000;
constexpr size_t kErrorsShown = 50;  // of the file's own errors

struct LoadedFile {
  std::vector<v1::Record> records;
  std::vector<int> lines;  // CSV line of each record
  std::vector<std::string> errors;
  std::vector<std::string> notes;  // printed, but nothing is wrong
  // For --errors-out: the header and each record's cells, in file order.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
};

// How the file is written: --delimiter, --decimal-comma, --encoding.
struct CsvOptions {
  char delimiter = ',';
  bool decimal_comma = false;
  bool windows1252 = false;
  bool keep_cells = false;  // for --errors-out
};

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

// Reads a CSV file of `kind`, checking its header and every row the way the
// server will; with `key_only`, rows need only their key columns.
LoadedFile LoadCsv(const std::string& path, Kind kind, bool key_only,
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

// "records[12].edss" -> (12, "edss").
bool SplitRecordField(const std::string& field, size_t* index,
                      std::string* column) {
  if (!absl::StartsWith(field, "records[")) return false;
  const size_t close = field.find(']');
  if (close == std::string::npos ||
      !absl::SimpleAtoi(field.substr(8, close - 8), index)) {
    return false;
  }
  *column = close + 2 <= field.size() ? field.substr(close + 2) : "row";
  return true;
}

// A description's "records[N]" (a duplicate key's other rows) as "line L"
// of the file.
std::string RecordsAsLines(const std::string& description,
                           const std::vector<int>& lines) {
  std::string out;
  size_t at = 0;
  for (size_t found;
       (found = description.find("records[", at)) != std::string::npos;) {
    const size_t close = description.find(']', found);
    size_t index;
    if (close == std::string::npos ||
        !absl::SimpleAtoi(description.substr(found + 8, close - found - 8),
                          &index) ||
        index >= lines.size()) {
      break;
    }
    absl::StrAppend(&out, description.substr(at, found - at), "line ",
                    lines[index]);
    at = close + 1;
  }
  return out + description.substr(at);
}

// One problem of a file, for the terminal and for --errors-out.
struct Problem {
  int line = 0;  // 0: of the whole request
  std::string column, value, message;
};

// "FILE:LINE: column: message", as LoadCsv words its errors.
Problem ParseLocalError(const std::string& path, const std::string& text) {
  Problem p;
  std::string rest = text.substr(std::min(text.size(), path.size() + 1));
  const size_t colon = rest.find(": ");
  const size_t line_end = rest.find(':');
  if (line_end != std::string::npos &&
      absl::SimpleAtoi(rest.substr(0, line_end), &p.line)) {
    rest = rest.substr(line_end + 1);
    if (absl::StartsWith(rest, " ")) rest = rest.substr(1);
    const size_t sep = rest.find(": ");
    if (sep != std::string::npos) {
      p.column = rest.substr(0, sep);
      rest = rest.substr(sep + 2);
    }
  } else if (colon != std::string::npos) {
    rest = rest.substr(colon + 2);
  }
  p.message = rest;
  return p;
}

// The server's violations by file line, in file order.
std::vector<Problem> ServerProblems(
    const std::vector<FieldViolation>& violations, const LoadedFile& file) {
  std::vector<Problem> problems;
  for (const FieldViolation& v : violations) {
    size_t index;
    Problem p;
    if (SplitRecordField(v.field, &index, &p.column) &&
        index < file.lines.size()) {
      p.line = file.lines[index];
      p.message = RecordsAsLines(v.description, file.lines);
      if (index < file.cells.size()) {
        for (size_t c = 0; c < file.header.size(); ++c) {
          const std::string name =
              absl::AsciiStrToLower(absl::StripAsciiWhitespace(file.header[c]));
          if (name == p.column && c < file.cells[index].size()) {
            p.value = file.cells[index][c];
          }
        }
      }
    } else {
      p.column = v.field;
      p.message = v.description;
    }
    problems.push_back(std::move(p));
  }
  std::stable_sort(
      problems.begin(), problems.end(),
      [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return problems;
}

// Prints the first problems; writes them all to --errors-out when given.
// `total` counts those the server did not list too. False if the file
// cannot be written.
bool ReportProblems(Client& client, const std::string& path,
                    const std::vector<Problem>& problems, int64_t total) {
  for (size_t i = 0; i < problems.size() && i < kErrorsShown; ++i) {
    const Problem& p = problems[i];
    client.io().err << path << (p.line > 0 ? absl::StrCat(":", p.line) : "")
                    << ": " << (p.column.empty() ? "" : p.column + ": ")
                    << p.message << "\n";
  }
  const int64_t shown =
      static_cast<int64_t>(std::min(problems.size(), kErrorsShown));
  if (total > shown) {
    client.io().err << "... and " << total - shown << " more"
                    << (static_cast<int64_t>(problems.size()) < total
                            ? " (the registry listed " +
                                  std::to_string(problems.size()) +
                                  "; --dry-run lists all)"
                            : "")
                    << "\n";
  }
  const std::string out = client.args().Flag("errors-out");
  if (out.empty()) return true;
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << FormatCsvRow({"file_line", "column", "value", "message"}) << "\n";
  for (const Problem& p : problems) {
    file << FormatCsvRow({p.line > 0 ? std::to_string(p.line) : "", p.column,
                          p.value, p.message})
         << "\n";
  }
  file.close();
  if (!file) {
    client.io().err << "regctl: cannot write --errors-out " << out << "\n";
    return false;
  }
  client.io().err << "regctl: " << problems.size() << " problem(s) written to "
                  << out << "\n";
  return true;
}

int Submit(Client& client, v1::Operation operation) {
  const Args& args = client.args();
  const char* verb = operation == v1::OPERATION_IMPORT  ? "import"
                     : operation == v1::OPERATION_AMEND ? "amend"
                                                        : "retract";
  const Kind kind = KindArg(args.operands[0]);
  const std::string path = args.operands[1];
  if (operation != v1::OPERATION_IMPORT && args.Flag("reason").empty()) {
    throw UsageError{absl::StrCat("submit ", verb,
                                  " needs --reason TEXT (kept in the audit "
                                  "trail)")};
  }
  const bool dry_run = args.Flag("dry-run") == "yes";
  CsvOptions options = CsvOptionsOf(args);
  options.keep_cells = !args.Flag("errors-out").empty();
  LoadedFile file =
      LoadCsv(path, kind, operation == v1::OPERATION_RETRACT, options);
  for (const std::string& note : file.notes) client.io().err << note << "\n";
  if (!file.errors.empty()) {
    // The first of them: a wrong file can hold a problem on every line.
    std::vector<Problem> problems;
    for (const std::string& e : file.errors) {
      problems.push_back(ParseLocalError(path, e));
    }
    ReportProblems(client, path, problems,
                   static_cast<int64_t>(problems.size()));
    client.io().err << "regctl: " << file.errors.size() << " error(s) in "
                    << path << "; nothing was sent\n";
    return 1;
  }

  grpc::ClientContext context;
  client.Prepare(context);
  v1::SubmitResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::SubmitRequest>> writer =
      client.submission().Submit(&context, &response);
  const size_t total = file.records.size();
  size_t sent = 0;
  bool first = true;
  while (first || sent < total) {
    v1::SubmitRequest message;
    if (first) {
      message.set_operation(operation);
      message.set_reason(args.Flag("reason"));
      // The server applies nothing unless exactly this many arrive.
      message.set_record_count(static_cast<int64_t>(total));
      message.set_dry_run(dry_run);
      first = false;
    }
    for (size_t n = 0; n < kRecordsPerMessage && sent < total; ++n, ++sent) {
      *message.add_records() = std::move(file.records[sent]);
    }
    if (!writer->Write(message)) break;
    if (client.io().err_is_terminal && total > 0) {
      const int filled = static_cast<int>(30 * sent / total);
      client.io().err << "\r" << verb << " [" << std::string(filled, '#')
                      << std::string(30 - filled, ' ') << "] " << sent << "/"
                      << total << std::flush;
    }
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (client.io().err_is_terminal && total > 0) client.io().err << "\n";
  if (!status.ok()) {
    client.io().err << "regctl: " << Client::CodeName(status.error_code())
                    << ": " << status.error_message() << "\n";
    // In file order, however the server grouped them.
    ReportProblems(client, path, ServerProblems(ViolationsOf(status), file),
                   ProblemCountOf(status));
    return 1;
  }
  if (response.received() != static_cast<int64_t>(total)) {
    client.io().err << "regctl: the registry reports " << response.received()
                    << " records received of the " << total << " sent (request "
                    << response.request_id()
                    << "); check with `regctl submit export " << KindName(kind)
                    << "`\n";
    return 1;
  }
  if (dry_run) {
    std::vector<FieldViolation> found;
    for (const auto& v : response.problems().field_violations()) {
      found.push_back({v.field(), v.description()});
    }
    if (!ReportProblems(client, path, ServerProblems(found, file),
                        response.problem_count())) {
      return 1;
    }
    client.io().out << "dry run of " << verb << " " << KindName(kind)
                    << " from " << path << ": " << response.received()
                    << " records, " << response.problem_count()
                    << " problem(s); " << response.accepted()
                    << " would be accepted, " << response.unchanged()
                    << " unchanged; nothing was written\n";
    return response.problem_count() > 0 ? 1 : 0;
  }
  client.io().out << verb << " " << KindName(kind) << " from " << path << ": "
                  << response.received() << " records, " << response.accepted()
                  << " accepted, " << response.unchanged()
                  << " unchanged (request " << response.request_id() << ")\n";
  return 0;
}

}  // namespace

int SubmitImport(Client& client) {
  return Submit(client, v1::OPERATION_IMPORT);
}

int SubmitAmend(Client& client) { return Submit(client, v1::OPERATION_AMEND); }

int SubmitRetract(Client& client) {
  return Submit(client, v1::OPERATION_RETRACT);
}

int Export(Client& client) {
  const Args& args = client.args();
  const Kind kind = KindArg(args.operands[0]);
  v1::ExportRequest request;
  request.set_kind(ToProto(kind));
  if (auto as_of = AsOfFlag(args)) *request.mutable_as_of_recorded() = *as_of;
  grpc::ClientContext context;
  client.Prepare(context);
  std::unique_ptr<grpc::ClientReader<v1::ExportResponse>> reader =
      client.submission().Export(&context, request);
  const std::string format = client.format("csv");
  std::vector<std::string> columns;
  for (const Column& c : ColumnsOf(kind)) columns.emplace_back(c.name);
  RowOutput rows(std::move(columns), format, client.io().out);
  v1::ExportResponse batch;
  int64_t received = 0;
  while (reader->Read(&batch)) {
    received += batch.records_size();
    for (const v1::Record& record : batch.records()) {
      std::optional<Record> parsed = ToCore(record);
      if (!parsed) {
        client.io().err << "regctl: skipped an unreadable record\n";
        continue;
      }
      rows.Add(registry::ToRow(*parsed));
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

}  // namespace registry
