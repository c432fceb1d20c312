// regctl submit: CSV files checked as the registry will check them, sent
// as one stream with their record count; exports.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>

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
#include "clients/regctl/csv_files.h"
#include "clients/regctl/flags.h"
#include "clients/regctl/output.h"
#include "core/csv.h"
#include "core/utf8.h"

namespace registry {
namespace {

constexpr size_t kRecordsPerMessage = 1000;
constexpr size_t kErrorsShown = 50;  // of the file's own errors

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

// The records of one submission and where each came from: one file, or a
// centre's directory of files (import-dir), sent as one request.
struct Upload {
  std::vector<std::string> paths;
  std::vector<LoadedFile> files;
  std::vector<size_t> first;  // the request index of each file's first record
  size_t total = 0;
  std::string whole;  // names problems of the whole request: file or DIR

  void Add(std::string path, LoadedFile file) {
    first.push_back(total);
    total += file.records.size();
    paths.push_back(std::move(path));
    files.push_back(std::move(file));
  }
  // (file, index in that file) of the request's record `i` (< total).
  std::pair<size_t, size_t> Origin(size_t i) const {
    const size_t f =
        std::upper_bound(first.begin(), first.end(), i) - first.begin() - 1;
    return {f, i - first[f]};
  }
  // "line L" of file `own`, "FILE line L" of another.
  std::string Where(size_t i, size_t own) const {
    auto [f, j] = Origin(i);
    return absl::StrCat(f == own ? "" : paths[f] + " ", "line ",
                        files[f].lines[j]);
  }
};

// A description's "records[N]" (a duplicate key's other rows) as "line L"
// of the file.
std::string RecordsAsLines(const std::string& description, const Upload& upload,
                           size_t own) {
  std::string out;
  size_t at = 0;
  for (size_t found;
       (found = description.find("records[", at)) != std::string::npos;) {
    const size_t close = description.find(']', found);
    size_t index;
    if (close == std::string::npos ||
        !absl::SimpleAtoi(description.substr(found + 8, close - found - 8),
                          &index) ||
        index >= upload.total) {
      break;
    }
    absl::StrAppend(&out, description.substr(at, found - at),
                    upload.Where(index, own));
    at = close + 1;
  }
  return out + description.substr(at);
}

// One problem of a file, for the terminal and for --errors-out.
struct Problem {
  std::string file;
  int line = 0;  // 0: of the whole file or request
  std::string column, value, message;
};

// "FILE:LINE: column: message", as LoadCsv words its errors.
Problem ParseLocalError(const std::string& path, const std::string& text) {
  Problem p;
  p.file = path;
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
  p.message = std::string(absl::StripLeadingAsciiWhitespace(rest));
  return p;
}

// The server's violations by file and line, in file order.
std::vector<Problem> ServerProblems(
    const std::vector<FieldViolation>& violations, const Upload& upload) {
  std::vector<std::pair<size_t, Problem>> found;  // by file number
  for (const FieldViolation& v : violations) {
    size_t index;
    Problem p;
    size_t f = 0;
    if (SplitRecordField(v.field, &index, &p.column) && index < upload.total) {
      const auto [file_number, j] = upload.Origin(index);
      f = file_number;
      const LoadedFile& file = upload.files[f];
      p.line = file.lines[j];
      p.message = RecordsAsLines(v.description, upload, f);
      if (j < file.cells.size()) {
        for (size_t c = 0; c < file.header.size(); ++c) {
          const std::string name =
              absl::AsciiStrToLower(absl::StripAsciiWhitespace(file.header[c]));
          if (name == p.column && c < file.cells[j].size()) {
            p.value = file.cells[j][c];
          }
        }
      }
    } else {
      p.column = v.field;
      p.message = v.description;
    }
    p.file = p.line > 0 ? upload.paths[f] : upload.whole;
    found.emplace_back(f, std::move(p));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) {
                     return std::tie(a.first, a.second.line) <
                            std::tie(b.first, b.second.line);
                   });
  std::vector<Problem> problems;
  for (auto& [f, p] : found) problems.push_back(std::move(p));
  return problems;
}

// Prints the first problems; writes them all to --errors-out when given
// (with a file column when they come from several files). `total` counts
// those the server did not list too. False if the file cannot be written.
bool ReportProblems(Client& client, const std::vector<Problem>& problems,
                    int64_t total, bool several_files) {
  for (size_t i = 0; i < problems.size() && i < kErrorsShown; ++i) {
    const Problem& p = problems[i];
    client.io().err << p.file << (p.line > 0 ? absl::StrCat(":", p.line) : "")
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
  std::vector<std::string> header = {"file_line", "column", "value", "message"};
  if (several_files) header.insert(header.begin(), "file");
  file << FormatCsvRow(header) << "\n";
  for (const Problem& p : problems) {
    std::vector<std::string> row = {p.line > 0 ? std::to_string(p.line) : "",
                                    p.column, p.value, p.message};
    if (several_files) row.insert(row.begin(), p.file);
    file << FormatCsvRow(row) << "\n";
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

// The operation the flags ask for: --upsert turns an import into an
// upsert; amendments, retractions and upserts need --reason.
v1::Operation CheckOperation(const Args& args, v1::Operation operation,
                             const std::string& command) {
  if (operation == v1::OPERATION_IMPORT && args.Flag("upsert") == "yes") {
    operation = v1::OPERATION_UPSERT;
  }
  if (operation != v1::OPERATION_IMPORT && args.Flag("reason").empty()) {
    throw UsageError{absl::StrCat(
        "submit ", command,
        operation == v1::OPERATION_UPSERT ? " --upsert" : "",
        " needs --reason TEXT (kept in the audit trail",
        operation == v1::OPERATION_UPSERT ? " of each amended record" : "",
        ")")};
  }
  if (operation == v1::OPERATION_IMPORT && !args.Flag("reason").empty()) {
    throw UsageError{absl::StrCat("submit ", command,
                                  " takes --reason only with --upsert (new "
                                  "records need none)")};
  }
  return operation;
}

// Sends `upload` as one all-or-nothing request and reports the answer;
// `what` names it in messages ("visits from FILE", "DIR (3 files)").
int Send(Client& client, v1::Operation operation, Upload& upload,
         const std::string& what) {
  const Args& args = client.args();
  const char* verb = operation == v1::OPERATION_IMPORT   ? "import"
                     : operation == v1::OPERATION_AMEND  ? "amend"
                     : operation == v1::OPERATION_UPSERT ? "upsert"
                                                         : "retract";
  const bool dry_run = args.Flag("dry-run") == "yes";
  const bool several = upload.files.size() > 1;
  std::vector<Problem> local;
  size_t local_errors = 0;
  for (size_t f = 0; f < upload.files.size(); ++f) {
    for (const std::string& note : upload.files[f].notes) {
      client.io().err << note << "\n";
    }
    for (const std::string& e : upload.files[f].errors) {
      local.push_back(ParseLocalError(upload.paths[f], e));
    }
    local_errors += upload.files[f].errors.size();
  }
  if (!local.empty()) {
    // The first of them: a wrong file can hold a problem on every line.
    ReportProblems(client, local, static_cast<int64_t>(local.size()), several);
    client.io().err << "regctl: " << local_errors << " error(s) in " << what
                    << "; nothing was sent\n";
    return 1;
  }

  grpc::ClientContext context;
  client.Prepare(context);
  v1::SubmitResponse response;
  // A dry run's problems come back streamed (DryRun), all of them.
  std::unique_ptr<grpc::ClientWriter<v1::SubmitRequest>> writer;
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::SubmitRequest, v1::DryRunResponse>>
      dry;
  if (dry_run) {
    dry = client.submission().DryRun(&context);
  } else {
    writer = client.submission().Submit(&context, &response);
  }
  auto write = [&](const v1::SubmitRequest& message) {
    return dry ? dry->Write(message) : writer->Write(message);
  };
  const size_t total = upload.total;
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
      auto [f, j] = upload.Origin(sent);
      *message.add_records() = std::move(upload.files[f].records[j]);
    }
    if (!write(message)) break;
    if (client.io().err_is_terminal && total > 0) {
      const int filled = static_cast<int>(30 * sent / total);
      client.io().err << "\r" << verb << " [" << std::string(filled, '#')
                      << std::string(30 - filled, ' ') << "] " << sent << "/"
                      << total << std::flush;
    }
  }
  std::vector<FieldViolation> found;  // a dry run's problems
  grpc::Status status;
  if (dry) {
    dry->WritesDone();
    v1::DryRunResponse answer;
    while (dry->Read(&answer)) {
      if (answer.has_summary()) response = answer.summary();
      for (const auto& v : answer.problems()) {
        found.push_back({v.field(), v.description()});
      }
    }
    status = dry->Finish();
  } else {
    writer->WritesDone();
    status = writer->Finish();
  }
  if (client.io().err_is_terminal && total > 0) client.io().err << "\n";
  if (!status.ok()) {
    client.io().err << "regctl: " << Client::CodeName(status.error_code())
                    << ": " << status.error_message() << "\n";
    // In file order, however the server grouped them.
    ReportProblems(client, ServerProblems(ViolationsOf(status), upload),
                   ProblemCountOf(status), several);
    return 1;
  }
  if (response.received() != static_cast<int64_t>(total)) {
    client.io().err << "regctl: the registry reports " << response.received()
                    << " records received of the " << total << " sent (request "
                    << response.request_id()
                    << "); check with `regctl submit export KIND`\n";
    return 1;
  }
  const std::string amended =
      operation == v1::OPERATION_UPSERT
          ? absl::StrCat(" (", response.accepted() - response.amended(),
                         " new, ", response.amended(), " amended)")
          : std::string();
  if (dry_run) {
    if (static_cast<int64_t>(found.size()) != response.problem_count()) {
      client.io().err << "regctl: the registry announced "
                      << response.problem_count() << " problems and sent "
                      << found.size() << "\n";
      return 1;
    }
    if (!ReportProblems(client, ServerProblems(found, upload),
                        response.problem_count(), several)) {
      return 1;
    }
    client.io().out << "dry run of " << verb << " " << what << ": "
                    << response.received() << " records, "
                    << response.problem_count() << " problem(s); "
                    << response.accepted() << " would be accepted" << amended
                    << ", " << response.unchanged()
                    << " unchanged; nothing was written\n";
    return response.problem_count() > 0 ? 1 : 0;
  }
  client.io().out << verb << " " << what << ": " << response.received()
                  << " records, " << response.accepted() << " accepted"
                  << amended << ", " << response.unchanged()
                  << " unchanged (request " << response.request_id() << ")\n";
  return 0;
}

int Submit(Client& client, v1::Operation requested) {
  const Args& args = client.args();
  const v1::Operation operation =
      CheckOperation(args, requested,
                     requested == v1::OPERATION_IMPORT  ? "import"
                     : requested == v1::OPERATION_AMEND ? "amend"
                                                        : "retract");
  const Kind kind = KindArg(args.operands[0]);
  const std::string path = args.operands[1];
  CsvOptions options = CsvOptionsOf(args);
  options.keep_cells = !args.Flag("errors-out").empty();
  Upload upload;
  upload.whole = path;
  upload.Add(path,
             LoadCsv(path, kind, operation == v1::OPERATION_RETRACT, options));
  return Send(client, operation, upload,
              absl::StrCat(std::string(KindName(kind)), " from ", path));
}

}  // namespace

int SubmitImportDir(Client& client) {
  const Args& args = client.args();
  const v1::Operation operation =
      CheckOperation(args, v1::OPERATION_IMPORT, "import-dir");
  const std::string dir = args.operands[0];
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw UsageError{"import-dir: " + dir + " is not a directory"};
  }
  // KIND.csv files, in the order the registry needs them: patients, then
  // transplants, then the rest (kAllKinds' order).
  std::map<Kind, std::string> by_kind;
  std::vector<std::string> unknown;
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  if (error) {
    client.io().err << "regctl: cannot read " << dir << ": " << error.message()
                    << "; nothing was sent\n";
    return 1;
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> twice;
  for (const std::string& name : names) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    // Hidden files and the lock files of spreadsheets (~$visits.csv) and
    // of macOS (._visits.csv) are not the centre's data.
    const bool hidden =
        absl::StartsWith(name, ".") || absl::StartsWith(name, "~$");
    if (hidden || !absl::EndsWithIgnoreCase(name, ".csv") ||
        !std::filesystem::is_regular_file(path, error)) {
      client.io().err << "regctl: note: " << path << " skipped ("
                      << (hidden ? "a hidden or lock file"
                          : absl::EndsWithIgnoreCase(name, ".csv")
                              ? "not a regular file"
                              : "not .csv")
                      << ")\n";
      continue;
    }
    const std::string stem = name.substr(0, name.size() - 4);
    if (std::optional<Kind> kind = ParseKind(absl::AsciiStrToLower(stem))) {
      if (auto [at, added] = by_kind.emplace(*kind, path); !added) {
        twice.push_back(at->second + " and " + path);
      }
    } else {
      unknown.push_back(path);
    }
  }
  if (!twice.empty()) {
    for (const std::string& pair : twice) {
      client.io().err << "regctl: " << pair << " hold the same kind\n";
    }
    client.io().err << "regctl: import-dir takes one file per kind; nothing "
                       "was sent\n";
    return 1;
  }
  if (!unknown.empty() || by_kind.empty()) {
    std::vector<std::string> expected;
    for (Kind kind : kAllKinds) {
      expected.push_back(absl::StrCat(std::string(KindName(kind)), ".csv"));
    }
    for (const std::string& path : unknown) {
      client.io().err << path << ": not a record kind's file\n";
    }
    client.io().err << "regctl: import-dir reads files named KIND.csv ("
                    << absl::StrJoin(expected, ", ") << ")"
                    << (by_kind.empty() ? ", and " + dir + " holds none" : "")
                    << "; nothing was sent\n";
    return 1;
  }
  CsvOptions options = CsvOptionsOf(args);
  options.keep_cells = !args.Flag("errors-out").empty();
  Upload upload;
  upload.whole = dir;
  std::vector<std::string> order;
  for (Kind kind : kAllKinds) {
    auto it = by_kind.find(kind);
    if (it == by_kind.end()) continue;
    upload.Add(it->second, LoadCsv(it->second, kind, false, options));
    order.emplace_back(KindName(kind));
  }
  client.io().err << "regctl: " << dir << ": " << absl::StrJoin(order, ", ")
                  << ", as one request\n";
  return Send(client, operation, upload,
              absl::StrCat(dir, " (", upload.files.size(), " files)"));
}

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
