// The record keys of one request, so that a key given twice (in one import
// file, say) is reported at each of its rows rather than read as a
// conflict with itself.
#ifndef REGISTRY_CORE_REQUEST_KEYS_H_
#define REGISTRY_CORE_REQUEST_KEYS_H_

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/records.h"

namespace registry {

class RequestKeys {
 public:
  // Notes that records[`row`] has `key`. Empty the first time a key is
  // given; after that, a violation for this row and, the second time, one
  // for the first row too, each at the key's first column after patient_id
  // ("records[7].visit_date") and naming the other rows
  // ("... also given at records[2]").
  std::vector<FieldViolation> Add(size_t row, const RecordKey& key);

 private:
  std::unordered_map<std::string, std::vector<size_t>> rows_;
};

}  // namespace registry

#endif  // REGISTRY_CORE_REQUEST_KEYS_H_
