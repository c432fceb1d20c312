#include "clients/regctl/output.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "api/convert.h"
#include "clients/report_render/render.h"
#include "core/csv.h"
#include "core/records.h"
#include "google/protobuf/util/json_util.h"

namespace registry {

namespace {

// One row as a JSON object keyed by the columns, in their order.
nlohmann::ordered_json RowObject(const std::vector<std::string>& columns,
                                 const std::vector<std::string>& values) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (size_t i = 0; i < columns.size() && i < values.size(); ++i) {
    object[columns[i]] = values[i];
  }
  return object;
}

}  // namespace

void PrintTable(const Table& table, const std::string& format,
                std::ostream& out) {
  if (format == "csv") {
    out << FormatCsvRow(table.columns) << "\n";
    for (const auto& row : table.rows) out << FormatCsvRow(row) << "\n";
  } else if (format == "json") {
    // Objects keep the columns' order.
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& row : table.rows) {
      rows.push_back(RowObject(table.columns, row));
    }
    out << rows.dump(1) << "\n";
  } else {
    std::vector<size_t> widths;
    for (const auto& c : table.columns) widths.push_back(c.size());
    for (const auto& row : table.rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        widths[c] = std::max(widths[c], row[c].size());
      }
    }
    auto print_row = [&](const std::vector<std::string>& row) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        line += row[c];
        if (c + 1 < row.size())
          line += std::string(widths[c] - row[c].size() + 2, ' ');
      }
      out << line << "\n";
    };
    print_row(table.columns);
    for (const auto& row : table.rows) print_row(row);
  }
}

RowOutput::RowOutput(std::vector<std::string> columns, std::string format,
                     std::ostream& out)
    : table_{std::move(columns), {}}, format_(std::move(format)), out_(out) {
  if (format_ == "csv") out_ << FormatCsvRow(table_.columns) << "\n";
}

void RowOutput::Add(std::vector<std::string> row) {
  if (format_ == "csv") {
    out_ << FormatCsvRow(row) << "\n";
  } else {
    table_.rows.push_back(std::move(row));
  }
}

void RowOutput::Finish() {
  if (format_ != "csv") PrintTable(table_, format_, out_);
}

std::string JsonObjectLine(const std::vector<std::string>& columns,
                           const std::vector<std::string>& values) {
  return RowObject(columns, values).dump() + "\n";
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProto(t),
                          absl::UTCTimeZone());
}

std::string RoleText(v1::Role role) {
  const std::optional<Role> core = FromProto(role);
  return core ? std::string(RoleName(*core)) : "?";
}

std::string DateText(const v1::Date& date) {
  std::optional<Date> parsed = FromProto(date);
  return parsed ? FormatIsoDate(*parsed) : "";
}

std::string EdssText(double edss) { return absl::StrFormat("%.1f", edss); }

std::string DiseaseText(v1::Disease disease) {
  const std::optional<Disease> core = FromProto(disease);
  return core ? std::string(DiseaseCode(*core)) : "";
}

void PrintDefinition(const v1::AppliedDefinition& applied, RegctlIo& io) {
  io.err << "# definition " << applied.rules_version() << ": " << applied.text()
         << "\n";
  if (applied.has_data_as_of_recorded()) {
    io.err << "# data as recorded at " << DataAsOfText(applied) << "\n";
  }
}

std::string Num(double value) { return FormatNumber(value); }

std::string OptNum(bool has, double value) { return has ? Num(value) : "NA"; }

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace registry
