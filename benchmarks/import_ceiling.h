// The ceiling of the streamed import: the rows an import wrote, inserted
// again by raw SQLite into the same schema with the same durability, in
// one process, without gRPC: each row's event, current record and
// hash-chained audit entry, one transaction.
#ifndef REGISTRY_BENCHMARKS_IMPORT_CEILING_H_
#define REGISTRY_BENCHMARKS_IMPORT_CEILING_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace registry::bench {

struct ImportCeiling {
  double seconds;  // best of three
  size_t rows;
};

// Byte for byte the first `count` visit events of `source_db` (random
// registry ids, recorded times, request and token ids, payloads), into
// fresh databases at `scratch`0.db, 1.db and 2.db, removed afterwards.
ImportCeiling MeasureImportCeiling(const std::string& source_db, int64_t count,
                                   const std::string& scratch);

}  // namespace registry::bench

#endif  // REGISTRY_BENCHMARKS_IMPORT_CEILING_H_
