// The audit trail's hash chain: canonical bytes of an entry and their
// SHA-256. Pure functions; the store feeds them rows.
#ifndef REGISTRY_CORE_AUDIT_CHAIN_H_
#define REGISTRY_CORE_AUDIT_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace registry {

// One row of `audit_log`. Text fields are stored as given.
struct AuditEntry {
  int64_t seq = 0;         // 1, 2, 3, ... without gaps
  std::string at;          // server UTC time, RFC 3339 with microseconds
  std::string principal;   // token id from authentication, or "registryd"
  std::string role;        // submitter, analyst, admin or system
  std::string center;      // center code the action concerns, or ""
  std::string action;      // e.g. "record.create", "token.issue"
  std::string entity;      // what was acted on, e.g. "visits/R.../2021-03-04"
  std::string old_value;   // previous value or "sha256:<hex>" of it
  std::string new_value;   // new value or "sha256:<hex>" of it
  std::string reason;      // required for amendments and retractions
  std::string request_id;  // one per RPC
  std::optional<int64_t> event_seq;  // the clinical event it covers
  std::string prev_hash;  // hex hash of entry seq-1 (kGenesisHash for 1)
  std::string hash;       // hex SHA-256 of CanonicalAuditBytes
  // Who issued the acting principal's token ("" for the server itself and
  // for entries written before issuers were recorded).
  std::string issued_by;
};

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The same fields without owning them: for checking millions of stored
// entries without copying each one. Valid while the viewed bytes are.
struct AuditEntryView {
  int64_t seq = 0;
  std::string_view at, principal, role, center, action, entity, old_value,
      new_value, reason, request_id;
  std::optional<int64_t> event_seq;
  std::string_view prev_hash, hash;
  std::string_view issued_by;
};
AuditEntryView ViewOf(const AuditEntry& entry);

// Every field but `hash`, each as a 4-byte big-endian length then its bytes,
// in declaration order; numbers in decimal, a missing event_seq as "". An
// empty `issued_by` adds nothing, so that entries from before it existed
// keep their bytes.
std::string CanonicalAuditBytes(const AuditEntry& entry);
// Appends CanonicalAuditBytes of `entry` to `out`.
void AppendCanonicalAuditBytes(const AuditEntryView& entry, std::string& out);

// Hex SHA-256 of CanonicalAuditBytes(entry).
std::string ComputeAuditHash(const AuditEntry& entry);

// "sha256:" + Sha256Hex(value): how clinical values appear in the audit log.
std::string ValueDigest(std::string_view value);

// Checks one entry against its predecessor's hash and expected sequence
// number; returns a description of the first problem, or nullopt.
std::optional<std::string> CheckAuditLink(const AuditEntry& entry,
                                          int64_t expected_seq,
                                          std::string_view expected_prev_hash);
// The same; `scratch` is reused between calls to save allocations.
std::optional<std::string> CheckAuditLink(const AuditEntryView& entry,
                                          int64_t expected_seq,
                                          std::string_view expected_prev_hash,
                                          std::string& scratch);

}  // namespace registry

#endif  // REGISTRY_CORE_AUDIT_CHAIN_H_
