// Values by their columns' types: reading, checking and formatting them
// as the declaration says, for every kind alike.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/records.h"
#include "core/records_internal.h"

namespace registry {
namespace {

using T = ColumnType;

// ------------------------------------------------ Values by column type

bool HasControlCharacters(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsCodeText(std::string_view text, std::string_view extra) {
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') ||
                    extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string CodeList(const Column& column) {
  std::string list;
  for (std::string_view code : column.codes) {
    list.append(list.empty() ? "" : ", ").append(code);
  }
  return list;
}

void Fail(std::vector<FieldViolation>& out, std::string_view column,
          std::string description) {
  out.push_back({std::string(column), std::move(description)});
}

// The syntax of one non-empty cell; Unreadable (reported) when wrong.
Value ReadCell(const Column& column, const std::string& text,
               std::vector<FieldViolation>& out) {
  switch (column.type) {
    case T::kText:
      return text;
    case T::kCode:
      for (size_t i = 0; i < column.codes.size(); ++i) {
        if (column.codes[i] == text) return CodeIndex{i};
      }
      out.push_back(NotACode(column, text));
      return Unreadable{};
    case T::kDate:
      if (std::optional<Date> date = ParseIsoDate(text)) return *date;
      out.push_back(NotADate(column.name, text));
      return Unreadable{};
    case T::kInt: {
      int value;
      if (IsCodeText(text, "-") && absl::SimpleAtoi(text, &value)) {
        return int64_t{value};
      }
      Fail(out, column.name, "'" + text + "' is not a whole number");
      return Unreadable{};
    }
    case T::kNumber: {
      double value;
      if (IsCodeText(text, "-+.") && absl::SimpleAtod(text, &value) &&
          std::isfinite(value)) {
        return value == 0 ? 0.0 : value;  // -0 is 0
      }
      Fail(out, column.name, "'" + text + "' is not a number");
      return Unreadable{};
    }
  }
  return Unreadable{};
}

bool HasColumnType(const Column& column, const Value& value) {
  switch (column.type) {
    case T::kText:
      return std::holds_alternative<std::string>(value);
    case T::kCode:
      return std::holds_alternative<CodeIndex>(value);
    case T::kDate:
      return std::holds_alternative<Date>(value);
    case T::kInt:
      return std::holds_alternative<int64_t>(value);
    case T::kNumber:
      return std::holds_alternative<double>(value);
  }
  return false;
}

// The rules of one value on its own: type, required, form, range, length,
// no date after `latest`.
void CheckValue(const Column& column, const Value& value, Date latest,
                std::vector<FieldViolation>& out) {
  if (std::holds_alternative<std::monostate>(value)) {
    if (column.required) Fail(out, column.name, "required value is missing");
    return;
  }
  if (std::holds_alternative<Unreadable>(value)) return;  // reported
  if (!HasColumnType(column, value)) {
    Fail(out, column.name,
         "must be a " + std::string(ColumnTypeName(column.type)));
    return;
  }
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (column.name == "patient_id") {
      if (text->size() > column.max_length || !IsCodeText(*text, "._-")) {
        Fail(out, column.name,
             "must be 1 to 64 letters, digits, '.', '_' or '-' (got '" + *text +
                 "')");
      }
      return;
    }
    if (text->size() > column.max_length || HasControlCharacters(*text)) {
      Fail(out, column.name,
           absl::StrCat("must be at most ", column.max_length,
                        " characters without control characters"));
    }
    if (column.key && text->find('|') != std::string::npos) {
      Fail(out, column.name, "must not contain '|'");
    }
  } else if (const auto* date = std::get_if<Date>(&value)) {
    if (*date > latest) {
      Fail(out, column.name,
           "date " + FormatIsoDate(*date) + " is in the future");
    }
  } else if (const auto* code = std::get_if<CodeIndex>(&value)) {
    if (code->index >= column.codes.size()) {
      out.push_back(NotACode(column, absl::StrCat(code->index)));
    }
  } else if (std::holds_alternative<int64_t>(value) ||
             std::holds_alternative<double>(value)) {
    const auto* whole = std::get_if<int64_t>(&value);
    const double number =
        whole ? static_cast<double>(*whole) : std::get<double>(value);
    if (!std::isfinite(number)) {
      Fail(out, column.name,
           "'" + FormatValue(column, value) + "' is not a number");
      return;
    }
    const double max = column.max_this_year ? latest.year() : column.max;
    if ((column.min < max) && (number < column.min || number > max)) {
      Fail(out, column.name,
           absl::StrCat("must be between ", FormatNumber(column.min), " and ",
                        FormatNumber(max), " (got ", FormatValue(column, value),
                        ")"));
    }
  }
}

// Checks values already read and builds the record.
Parsed<Record> Finish(Kind kind, Values values,
                      std::vector<FieldViolation> violations) {
  CheckKindRules(kind, values, violations);
  Parsed<Record> result;
  if (violations.empty()) result.value = RecordOf(kind, std::move(values));
  result.violations = std::move(violations);
  return result;
}

// The key of checked key values.
RecordKey KeyOfValues(Kind kind, const Values& values) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  RecordKey key{kind, FormatValue(columns[0], values[0]), ""};
  std::string_view separator = "";
  for (size_t i = 1; i < columns.size(); ++i) {
    if (!columns[i].key) continue;
    key.key.append(separator).append(FormatValue(columns[i], values[i]));
    separator = "|";
  }
  return key;
}

// A kind and one value per column: what every builder needs before it can
// look at a single value.
std::optional<FieldViolation> ShapeError(const RecordValues& in) {
  if (!in.kind) return FieldViolation{"", "no record kind is set"};
  if (in.values.size() != ColumnsOf(*in.kind).size()) {
    return FieldViolation{"", "wrong number of values"};
  }
  return std::nullopt;
}

}  // namespace

FieldViolation NotADate(std::string_view column, std::string_view text) {
  return {std::string(column),
          "'" + std::string(text) + "' is not a valid date (YYYY-MM-DD)"};
}

FieldViolation NotACode(const Column& column, std::string_view text) {
  return {std::string(column.name),
          "'" + std::string(text) + "' is not one of " + CodeList(column)};
}

std::string FormatValue(const Column& column, const Value& value) {
  struct Visitor {
    const Column& column;
    std::string operator()(std::monostate) { return ""; }
    std::string operator()(Unreadable) { return ""; }
    std::string operator()(const std::string& text) { return text; }
    std::string operator()(Date date) { return FormatIsoDate(date); }
    std::string operator()(int64_t number) { return absl::StrCat(number); }
    std::string operator()(double number) {
      if (column.decimals < 0) return FormatNumber(number);
      char buffer[400];
      std::snprintf(buffer, sizeof buffer, "%.*f", column.decimals, number);
      return buffer;
    }
    std::string operator()(CodeIndex code) {
      return code.index < column.codes.size()
                 ? std::string(column.codes[code.index])
                 : "?";
    }
  };
  return std::visit(Visitor{column}, value);
}

Row ToRow(const Record& record) {
  absl::Span<const Column> columns = ColumnsOf(KindOf(record));
  const Values values = ValuesOf(record);
  Row row;
  row.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    row.push_back(FormatValue(columns[i], values[i]));
  }
  return row;
}

RecordKey KeyOf(const Record& record) {
  return KeyOfValues(KindOf(record), ValuesOf(record));
}

RecordKey KeyOfRow(Kind kind, const Row& row) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  RecordKey key{kind, row[0], ""};
  std::string_view separator = "";
  for (size_t i = 1; i < columns.size(); ++i) {
    if (!columns[i].key) continue;
    key.key.append(separator).append(row[i]);
    separator = "|";
  }
  return key;
}

Parsed<Record> BuildRecord(const RecordValues& in, Date latest_valid_date) {
  if (std::optional<FieldViolation> bad = ShapeError(in)) {
    return {std::nullopt, {*bad}};
  }
  absl::Span<const Column> columns = ColumnsOf(*in.kind);
  std::vector<FieldViolation> violations = in.violations;
  for (size_t i = 0; i < columns.size(); ++i) {
    CheckValue(columns[i], in.values[i], latest_valid_date, violations);
  }
  return Finish(*in.kind, in.values, std::move(violations));
}

Parsed<RecordKey> BuildRecordKey(const RecordValues& in) {
  if (std::optional<FieldViolation> bad = ShapeError(in)) {
    return {std::nullopt, {*bad}};
  }
  absl::Span<const Column> columns = ColumnsOf(*in.kind);
  std::vector<FieldViolation> violations;
  for (const FieldViolation& v : in.violations) {
    for (const Column& c : columns) {
      if (c.key && c.name == v.field) violations.push_back(v);
    }
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].key) {
      CheckValue(columns[i], in.values[i], Date(9999, 12, 31), violations);
    }
  }
  if (!violations.empty()) return {std::nullopt, std::move(violations)};
  return {KeyOfValues(*in.kind, in.values), {}};
}

RecordValues ReadRow(Kind kind, const Row& row) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  RecordValues out{kind, Values(row.size()), {}};
  for (size_t i = 0; i < row.size() && i < columns.size(); ++i) {
    if (!row[i].empty()) {
      out.values[i] = ReadCell(columns[i], row[i], out.violations);
    }
  }
  return out;
}

Parsed<Record> ParseRecord(Kind kind, const Row& row, Date latest_valid_date) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  if (row.size() != columns.size()) {
    return {std::nullopt, {{"", "wrong number of values"}}};
  }
  // Cell by cell, so the violations come in column order.
  Values values(columns.size());
  std::vector<FieldViolation> violations;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!row[i].empty()) values[i] = ReadCell(columns[i], row[i], violations);
    CheckValue(columns[i], values[i], latest_valid_date, violations);
  }
  return Finish(kind, std::move(values), std::move(violations));
}

Parsed<RecordKey> ParseRecordKey(Kind kind, const Row& row) {
  absl::Span<const Column> columns = ColumnsOf(kind);
  if (row.size() != columns.size()) {
    return {std::nullopt, {{"", "wrong number of values"}}};
  }
  RecordValues in{kind, Values(columns.size()), {}};
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].key && !row[i].empty()) {
      in.values[i] = ReadCell(columns[i], row[i], in.violations);
    }
  }
  return BuildRecordKey(in);
}

std::string FormatNumber(double value) {
  if (value == 0) return "0";  // also for -0
  // The shortest fixed-notation text that reads back as exactly `value`
  // (no exponent: the record parser reads plain decimals only).
  char buffer[400];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

}  // namespace registry
