// The part of each record kind that is code, not declaration: used by
// core/record_values.cc, defined with the kinds in core/records.cc.
#ifndef REGISTRY_CORE_RECORDS_INTERNAL_H_
#define REGISTRY_CORE_RECORDS_INTERNAL_H_

#include <vector>

#include "core/records.h"

namespace registry {

// Rules across the columns of one record, or particular to one column's
// meaning (EDSS steps, a diagnosis not before the birth year, ...); each
// runs only on the values that are present and readable.
void CheckKindRules(Kind kind, const Values& values,
                    std::vector<FieldViolation>& out);

// The record of `values` that passed every check (required values
// present, each of its column's type).
Record RecordOf(Kind kind, Values values);

}  // namespace registry

#endif  // REGISTRY_CORE_RECORDS_INTERNAL_H_
