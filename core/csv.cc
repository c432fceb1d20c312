#include "core/csv.h"

#include <istream>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace registry {
namespace {

constexpr int kEof = std::char_traits<char>::eof();
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Lets ParseCsv run CsvReader over the caller's text without copying it.
class StringViewBuf : public std::streambuf {
 public:
  explicit StringViewBuf(std::string_view text) {
    // The get area is only ever read, so dropping const is safe.
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

bool NeedsQuotes(std::string_view field) {
  return field.find_first_of(",\"\r\n") != std::string_view::npos ||
         (!field.empty() && (field.front() == ' ' || field.back() == ' ')) ||
         // Unquoted at the start of the input it would read as a byte order
         // mark and be stripped.
         field.starts_with("\xEF\xBB\xBF");
}

}  // namespace

CsvReader::CsvReader(std::istream& in, char delimiter)
    : in_(in), delimiter_(delimiter) {}

// The stream buffer is used directly: istream::get() builds a sentry per
// character, which dominates the cost on large files.
int CsvReader::Get() {
  if (pending_pos_ < pending_.size()) {
    return std::char_traits<char>::to_int_type(pending_[pending_pos_++]);
  }
  std::streambuf* buf = in_.rdbuf();
  const int c = buf == nullptr ? kEof : buf->sbumpc();
  if (c == kEof) in_.setstate(std::ios_base::eofbit);
  return c;
}

int CsvReader::Peek() {
  if (pending_pos_ < pending_.size()) {
    return std::char_traits<char>::to_int_type(pending_[pending_pos_]);
  }
  std::streambuf* buf = in_.rdbuf();
  return buf == nullptr ? kEof : buf->sgetc();
}

bool CsvReader::Fail(int line, const char* what) {
  status_ = absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
  return false;
}

bool CsvReader::Next(CsvRow* row) {
  if (done_ || !status_.ok()) return false;
  if (!started_) {
    // Probed lazily rather than in the constructor so that constructing a
    // reader never blocks on an interactive stream. Only bytes matching the
    // BOM prefix are consumed; a partial match is replayed via pending_.
    started_ = true;
    std::streambuf* buf = in_.rdbuf();
    while (buf != nullptr && pending_.size() < kUtf8Bom.size() &&
           buf->sgetc() ==
               std::char_traits<char>::to_int_type(kUtf8Bom[pending_.size()])) {
      pending_.push_back(static_cast<char>(buf->sbumpc()));
    }
    if (pending_ == kUtf8Bom) pending_.clear();
  }

  int c = Get();
  while (c == '\n' || (c == '\r' && Peek() == '\n')) {
    if (c == '\r') Get();
    ++line_;
    c = Get();
  }
  if (c == kEof) {
    done_ = true;
    return false;
  }

  row->line = line_;
  row->fields.clear();
  // Each iteration reads one field whose first character is already in `c`,
  // and leaves in `c` the character that ended it: the delimiter, '\n' or EOF
  // (a CRLF is folded into '\n').
  for (;;) {
    std::string field;
    if (c == '"') {
      const int open_line = line_;
      for (;;) {
        c = Get();
        if (c == kEof) return Fail(open_line, "unterminated quoted field");
        if (c == '"') {
          c = Get();
          if (c != '"') break;  // Closing quote; `c` is what follows it.
        }
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      if (c == '\r' && Peek() == '\n') c = Get();
      if (c != delimiter_ && c != '\n' && c != kEof) {
        return Fail(line_, "unexpected character after closing quote");
      }
    } else {
      for (; c != delimiter_ && c != '\n' && c != kEof; c = Get()) {
        if (c == '"') return Fail(line_, "quote in unquoted field");
        if (c == '\r' && Peek() == '\n') {
          c = Get();
          break;
        }
        field.push_back(static_cast<char>(c));
      }
    }
    row->fields.push_back(std::move(field));
    if (c != delimiter_) break;
    c = Get();
  }
  if (c == '\n') ++line_;
  return true;
}

absl::StatusOr<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  StringViewBuf buf(text);
  std::istream in(&buf);
  CsvReader reader(in);
  std::vector<CsvRow> rows;
  CsvRow row;
  while (reader.Next(&row)) rows.push_back(std::move(row));
  if (!reader.status().ok()) return reader.status();
  return rows;
}

std::string FormatCsvRow(const std::vector<std::string>& fields) {
  if (fields.size() == 1 && fields[0].empty()) return "\"\"";
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    const std::string& field = fields[i];
    if (!NeedsQuotes(field)) {
      line += field;
      continue;
    }
    line.push_back('"');
    for (char ch : field) {
      if (ch == '"') line.push_back('"');
      line.push_back(ch);
    }
    line.push_back('"');
  }
  return line;
}

}  // namespace registry
