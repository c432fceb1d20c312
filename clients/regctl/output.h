// Everything regctl prints as a result: tables (aligned text, CSV, or
// JSON through protobuf's printer), streamed rows, and the texts of the
// API's values. Results go to stdout; messages to stderr.
#ifndef REGISTRY_CLIENTS_REGCTL_OUTPUT_H_
#define REGISTRY_CLIENTS_REGCTL_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "clients/regctl/regctl.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "registry/v1/admin.pb.h"
#include "registry/v1/outcomes.pb.h"
#include "registry/v1/records.pb.h"

namespace registry {

// A result table.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// `format` "csv" (header and rows), "json" (an array of objects, one per
// row, keyed by column) or anything else as an aligned text table.
void PrintTable(const Table& table, const std::string& format,
                std::ostream& out);

// Rows of a streamed result: CSV goes out row by row (flat memory);
// tables and JSON need every row for their layout, so they are kept.
class RowOutput {
 public:
  RowOutput(std::vector<std::string> columns, std::string format,
            std::ostream& out);
  void Add(std::vector<std::string> row);
  // Prints the kept rows (nothing more for CSV).
  void Finish();

 private:
  Table table_;
  const std::string format_;
  std::ostream& out_;
};

// One JSON object on one line (ndjson), `columns` as keys in their order;
// values beyond the columns are left out.
std::string JsonObjectLine(const std::vector<std::string>& columns,
                           const std::vector<std::string>& values);

// A message as indented JSON with the proto's field names.
std::string Json(const google::protobuf::Message& message);

std::string TimeText(const google::protobuf::Timestamp& t);  // "" if unset
std::string RoleText(v1::Role role);           // "submitter", ...; "?"
std::string DateText(const v1::Date& date);    // YYYY-MM-DD; "" if unset
std::string EdssText(double edss);             // one decimal
std::string DiseaseText(v1::Disease disease);  // "RRMS", ...; "" if unset
std::string Num(double value);                 // shortest exact text
std::string OptNum(bool has, double value);    // Num, or "NA"

// "# definition RULES: TEXT" on stderr, so stdout stays a clean table.
void PrintDefinition(const v1::AppliedDefinition& applied, RegctlIo& io);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_OUTPUT_H_
