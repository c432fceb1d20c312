// The audit log: its leaves for the Merkle tree, and its verification
// against the events it names.
#include <fcntl.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/audit_chain.h"
#include "core/csv.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/text_escape.h"
#include "core/violations.h"
#include "storage/audit_rows.h"
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {

// --- Audit -------------------------------------------------------------------

std::string_view ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          sqlite3_column_bytes(statement, column));
}

AuditEntryView ViewAuditEntry(sqlite3_stmt* row) {
  AuditEntryView e;
  e.seq = sqlite3_column_int64(row, 0);
  e.at = ColumnText(row, 1);
  e.principal = ColumnText(row, 2);
  e.role = ColumnText(row, 3);
  e.center = ColumnText(row, 4);
  e.action = ColumnText(row, 5);
  e.entity = ColumnText(row, 6);
  e.old_value = ColumnText(row, 7);
  e.new_value = ColumnText(row, 8);
  e.reason = ColumnText(row, 9);
  e.request_id = ColumnText(row, 10);
  if (sqlite3_column_type(row, 11) != SQLITE_NULL) {
    e.event_seq = sqlite3_column_int64(row, 11);
  }
  e.prev_hash = ColumnText(row, 12);
  e.hash = ColumnText(row, 13);
  e.issued_by = ColumnText(row, 14);
  return e;
}

namespace {

// A statement used through SQLite's own API, where SQLiteCpp's per-column
// objects would cost more than the work (reading every audit entry).
using RawStatement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

RawStatement PrepareRaw(Connection& c, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(c.db().getHandle(), sql, -1, &statement, nullptr);
  if (rc != SQLITE_OK) throw SQLite::Exception(c.db().getHandle(), rc);
  return RawStatement(statement, sqlite3_finalize);
}

AuditEntry ReadAuditEntry(SQLite::Statement& entries) {
  AuditEntry e;
  e.seq = entries.getColumn(0).getInt64();
  e.at = entries.getColumn(1).getString();
  e.principal = entries.getColumn(2).getString();
  e.role = entries.getColumn(3).getString();
  e.center = entries.getColumn(4).getString();
  e.action = entries.getColumn(5).getString();
  e.entity = entries.getColumn(6).getString();
  e.old_value = entries.getColumn(7).getString();
  e.new_value = entries.getColumn(8).getString();
  e.reason = entries.getColumn(9).getString();
  e.request_id = entries.getColumn(10).getString();
  if (!entries.getColumn(11).isNull()) {
    e.event_seq = entries.getColumn(11).getInt64();
  }
  e.prev_hash = entries.getColumn(12).getString();
  e.hash = entries.getColumn(13).getString();
  e.issued_by = entries.getColumn(14).getString();
  return e;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> RegistryStore::AuditLeafHashes() {
  std::vector<std::string> leaves;
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  Connection& c = **lease;
  RETURN_IF_ERROR(CatchSqlite([&]() -> absl::Status {
    SQLite::Transaction snapshot(c.db(), SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement& entries = c.Prepare(kAuditEntriesSql);
    while (entries.executeStep()) {
      leaves.push_back(
          MerkleLeafHash(CanonicalAuditBytes(ReadAuditEntry(entries))));
    }
    return absl::OkStatus();
  }));
  return leaves;
}

absl::StatusOr<AuditReport> RegistryStore::VerifyAudit(
    const RequestContext& context) {
  AuditReport report;
  // The reader is given back before the audit entry waits for its commit.
  RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
    auto fail = [&](int64_t entry, std::string problem) {
      report.ok = false;
      report.first_bad_entry = entry;
      report.problem = std::move(problem);
    };
    // One pass over both tables in key order, a merge join: audit entries
    // are appended in the transaction of their event, so the events they
    // name come in increasing event_seq. Columns are read in place.
    RawStatement entries_statement = PrepareRaw(c, kAuditEntriesSql);
    RawStatement events_statement = PrepareRaw(
        c,
        "SELECT event_seq, registry_id, kind, record_key, op, payload, reason "
        "FROM events ORDER BY event_seq");
    sqlite3_stmt* entries = entries_statement.get();
    sqlite3_stmt* events = events_statement.get();
    auto step = [&](sqlite3_stmt* statement) {
      const int rc = sqlite3_step(statement);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        throw SQLite::Exception(c.db().getHandle(), rc);
      }
      return rc == SQLITE_ROW;
    };
    std::string prev_hash = S(kGenesisHash);
    std::string scratch;
    std::string expected;
    bool has_event = step(events);
    while (step(entries)) {
      const AuditEntryView e = ViewAuditEntry(entries);
      if (std::optional<std::string> problem = CheckAuditLink(
              e, report.entries_checked + 1, prev_hash, scratch)) {
        fail(e.seq, *problem);
        break;
      }
      prev_hash.assign(e.hash);
      ++report.entries_checked;
      if (!e.event_seq) continue;
      if (has_event && sqlite3_column_int64(events, 0) < *e.event_seq) {
        break;  // reported below: that event has no entry
      }
      if (!has_event || sqlite3_column_int64(events, 0) > *e.event_seq) {
        fail(e.seq, absl::StrCat("entry names event ", *e.event_seq,
                                 ", which is missing"));
        break;
      }
      ++report.events_checked;
      const std::string_view op = ColumnText(events, 4);
      const std::string digest = ValueDigest(ColumnText(events, 5));
      expected.assign(ColumnText(events, 2))
          .append("/")
          .append(ColumnText(events, 1))
          .append("/")
          .append(ColumnText(events, 3));
      const bool values_match =
          op == "retract" ? e.old_value == digest : e.new_value == digest;
      if (!e.action.starts_with("record.") || e.action.substr(7) != op ||
          e.entity != expected || e.reason != ColumnText(events, 6) ||
          !values_match) {
        fail(e.seq, absl::StrCat("entry does not match event ", *e.event_seq,
                                 " (the event or its entry was altered)"));
        break;
      }
      has_event = step(events);
    }
    if (report.ok && has_event) {
      fail(0, absl::StrCat("event ", sqlite3_column_int64(events, 0),
                           " has no audit entry"));
    }
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.action = "audit.verify",
             .entity = "audit_log",
             .new_value =
                 report.ok
                     ? absl::StrCat("ok entries=", report.entries_checked)
                     : absl::StrCat("failed entry=", report.first_bad_entry,
                                    " ", report.problem)});
    return absl::OkStatus();
  }));
  return report;
}

}  // namespace registry
