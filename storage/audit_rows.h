// Audit log rows read in place through SQLite's own API: shared by the
// store's verification and the benchmark's ceiling of it, so that both
// read exactly the same columns.
#ifndef REGISTRY_STORAGE_AUDIT_ROWS_H_
#define REGISTRY_STORAGE_AUDIT_ROWS_H_

#include <sqlite3.h>

#include <string_view>

#include "core/audit_chain.h"

namespace registry {

// Every column of every entry, in sequence order, as ViewAuditEntry reads
// them.
inline constexpr const char* kAuditEntriesSql =
    "SELECT seq, at, principal, role, center, action, entity, old_value, "
    "new_value, reason, request_id, event_seq, prev_hash, hash, issued_by "
    "FROM audit_log ORDER BY seq";

// Column `column` of the current row as text ("" for NULL); valid until the
// statement moves on.
std::string_view ColumnText(sqlite3_stmt* statement, int column);

// The current row of kAuditEntriesSql, its texts in place: valid until the
// statement moves on.
AuditEntryView ViewAuditEntry(sqlite3_stmt* row);

}  // namespace registry

#endif  // REGISTRY_STORAGE_AUDIT_ROWS_H_
