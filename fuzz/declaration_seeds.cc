// Writes seed inputs for record_fuzzer and request_fuzzer from the record
// declaration (core/records.h), so that every kind, a new one included, is
// in the fuzzers' corpus without a hand-made seed:
//
//   declaration_seeds OUT_DIR
//
// writes OUT_DIR/record_fuzzer/decl_<kind>[_no_<column>] (the kind's digit,
// then its example row's cells joined by TAB; once whole, once with each
// column emptied) and OUT_DIR/request_fuzzer/decl_<kind> (a serialized
// import SubmitRequest of the example record), plus decl_all_kinds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/convert.h"
#include "core/records.h"
#include "registry/v1/submission.pb.h"

namespace registry {
namespace {

bool Write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

std::string RecordInput(size_t kind_index, const Row& row) {
  std::string input(1, static_cast<char>('0' + kind_index));
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) input.push_back('\t');
    input += row[i];
  }
  return input;
}

int Run(const std::filesystem::path& out) {
  const std::filesystem::path records = out / "record_fuzzer";
  const std::filesystem::path requests = out / "request_fuzzer";
  std::filesystem::create_directories(records);
  std::filesystem::create_directories(requests);
  v1::SubmitRequest all;
  all.set_operation(v1::OPERATION_IMPORT);
  int written = 0;
  for (size_t k = 0; k < KindDeclarations().size(); ++k) {
    const KindDeclaration& d = KindDeclarations()[k];
    const std::string name(d.name);
    Row row;
    for (const Column& c : d.columns) row.emplace_back(c.example);
    bool ok = Write(records / ("decl_" + name), RecordInput(k, row));
    for (size_t i = 0; i < row.size(); ++i) {
      Row without = row;
      without[i].clear();
      ok = ok && Write(records / ("decl_" + name + "_no_" +
                                  std::string(d.columns[i].name)),
                       RecordInput(k, without));
    }
    const Parsed<Record> parsed = ParseRecord(d.kind, row, Date(9999, 12, 31));
    if (!parsed.value) {
      std::fprintf(stderr, "the example row of %s does not parse\n",
                   name.c_str());
      return 1;
    }
    v1::SubmitRequest request;
    request.set_operation(v1::OPERATION_IMPORT);
    request.set_record_count(1);
    *request.add_records() = ToProto(*parsed.value);
    *all.add_records() = ToProto(*parsed.value);
    ok = ok && Write(requests / ("decl_" + name), request.SerializeAsString());
    if (!ok) {
      std::fprintf(stderr, "cannot write seeds under %s\n", out.c_str());
      return 1;
    }
    written += static_cast<int>(row.size()) + 2;
  }
  all.set_record_count(all.records_size());
  if (!Write(requests / "decl_all_kinds", all.SerializeAsString())) return 1;
  std::printf("declaration seeds: %d files under %s\n", written + 1,
              out.c_str());
  return 0;
}

}  // namespace
}  // namespace registry

// Linked like the fuzzers, with libFuzzer's main, which calls
// LLVMFuzzerInitialize first: the seeds are written there and the program
// ends; it never fuzzes.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (*argc != 2) {
    std::fprintf(stderr, "usage: declaration_seeds OUT_DIR\n");
    std::exit(2);
  }
  std::exit(registry::Run((*argv)[1]));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
