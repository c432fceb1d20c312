// RFC 4180 CSV: parsing (whole text or incrementally from a stream) and
// formatting of single records.
//
// Grammar accepted by ParseCsv and CsvReader:
//   - Comma separator. A field is either unquoted (any characters except
//     comma, double quote and line end; kept verbatim, spaces included) or
//     enclosed in double quotes, where `""` stands for one literal quote and
//     commas, CR and LF are ordinary characters. A quoted field may therefore
//     span several physical lines.
//   - Records end at LF or CRLF (CRLF inside a quoted field is kept as is; a
//     CR not followed by LF is an ordinary character). The final line ending
//     is optional.
//   - A UTF-8 byte order mark at the very start of the input is stripped.
//   - Blank lines (nothing at all between two line endings) are skipped and
//     produce no record. A line holding only spaces, or only `""`, is a record
//     with one field.
//   - `a,,b` has an empty middle field and `a,` an empty last field.
// Syntax errors are absl::InvalidArgumentError with a message that starts with
// "line N: ", N being the 1-based physical line of the problem:
//   - an unterminated quoted field (N is the line where its opening quote is),
//   - a double quote inside an unquoted field,
//   - anything but a comma or line end right after a closing quote.
#ifndef REGISTRY_CORE_CSV_H_
#define REGISTRY_CORE_CSV_H_

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry {

// One parsed CSV record.
struct CsvRow {
  int line = 0;  // 1-based physical line number where the record starts
  std::vector<std::string> fields;  // unquoted values
};

// Parses all of `text` (see the grammar above). Returns the records in order,
// or the first syntax error; no partial result is returned on error.
absl::StatusOr<std::vector<CsvRow>> ParseCsv(std::string_view text);

// Incremental reader over an std::istream, for inputs too large to hold in
// memory; same grammar and errors as ParseCsv. Reads `in`'s stream buffer
// directly, one record per Next() call, and never reads past the end of the
// current record except to look one character ahead.
//
// Not thread-safe: a CsvReader (and its stream) must be used from one thread
// at a time.
//
// Example:
//   std::ifstream file(path, std::ios::binary);
//   CsvReader reader(file);
//   CsvRow row;
//   while (reader.Next(&row)) Use(row);
//   if (!reader.status().ok()) return reader.status();
class CsvReader {
 public:
  // Does not take ownership; `in` must outlive the reader. `delimiter`
  // separates fields (';' for a European spreadsheet's CSV); it must not
  // be '"', CR or LF.
  explicit CsvReader(std::istream& in, char delimiter = ',');

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into *row (overwriting it). Returns true if a
  // record was read, false at end of input or on a syntax error; status()
  // tells the two apart. After false, *row is unspecified and every further
  // call returns false.
  bool Next(CsvRow* row);

  // OK unless Next() hit a syntax error, which is then returned here.
  const absl::Status& status() const { return status_; }

 private:
  int Get();
  int Peek();
  bool Fail(int line, const char* what);

  std::istream& in_;
  const char delimiter_;
  std::string pending_;  // bytes read while probing for a BOM, not yet used
  size_t pending_pos_ = 0;
  bool started_ = false;
  bool done_ = false;
  int line_ = 1;  // physical line of the next unread character
  absl::Status status_;
};

// Formats one record as a CSV line WITHOUT a trailing newline. A field is
// quoted when it contains a comma, a double quote, CR or LF, or starts or
// ends with a space; quotes inside are doubled. A record consisting of one
// empty field is written as `""`, since an empty line would read back as a
// blank line (i.e. no record); an empty `fields` gives an empty string.
// ParseCsv(FormatCsvRow(f)) yields `f` for any non-empty `f`.
std::string FormatCsvRow(const std::vector<std::string>& fields);

}  // namespace registry

#endif  // REGISTRY_CORE_CSV_H_
