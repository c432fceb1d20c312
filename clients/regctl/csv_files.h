// regctl's reading of CSV files to submit: header and rows checked the way
// the registry will check them, in the forms spreadsheets write (';'
// separators, decimal commas, Windows-1252, a BOM, CRLF).
#ifndef REGISTRY_CLIENTS_REGCTL_CSV_FILES_H_
#define REGISTRY_CLIENTS_REGCTL_CSV_FILES_H_

#include <string>
#include <vector>

#include "clients/regctl/args.h"
#include "core/records.h"
#include "registry/v1/records.pb.h"

namespace registry {

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

// The CSV flags: --delimiter, --decimal-comma, --encoding. UsageError for
// a value it does not know.
CsvOptions CsvOptionsOf(const Args& args);

// Reads a CSV file of `kind`, checking its header and every row the way the
// server will; with `key_only`, rows need only their key columns. Problems
// are in `errors` as "FILE:LINE: column: message".
LoadedFile LoadCsv(const std::string& path, Kind kind, bool key_only,
                   const CsvOptions& options);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_CSV_FILES_H_
