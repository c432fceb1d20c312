#include "core/audit_chain.h"

#include <charconv>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/sha256.h"

namespace registry {
namespace {

void AppendField(std::string& out, std::string_view field) {
  const uint32_t size = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out.append(field);
}

}  // namespace

AuditEntryView ViewOf(const AuditEntry& e) {
  return {e.seq,        e.at,        e.principal, e.role,      e.center,
          e.action,     e.entity,    e.old_value, e.new_value, e.reason,
          e.request_id, e.event_seq, e.prev_hash, e.hash,      e.issued_by};
}

void AppendCanonicalAuditBytes(const AuditEntryView& e, std::string& out) {
  char number[24];
  auto append_number = [&](int64_t n) {
    const auto end = std::to_chars(number, number + sizeof number, n).ptr;
    AppendField(out, std::string_view(number, end - number));
  };
  append_number(e.seq);
  for (std::string_view field :
       {e.at, e.principal, e.role, e.center, e.action, e.entity, e.old_value,
        e.new_value, e.reason, e.request_id}) {
    AppendField(out, field);
  }
  if (e.event_seq) {
    append_number(*e.event_seq);
  } else {
    AppendField(out, "");
  }
  AppendField(out, e.prev_hash);
  if (!e.issued_by.empty()) AppendField(out, e.issued_by);
}

std::string CanonicalAuditBytes(const AuditEntry& e) {
  std::string out;
  AppendCanonicalAuditBytes(ViewOf(e), out);
  return out;
}

std::string ComputeAuditHash(const AuditEntry& entry) {
  return Sha256Hex(CanonicalAuditBytes(entry));
}

std::string ValueDigest(std::string_view value) {
  return "sha256:" + Sha256Hex(value);
}

std::optional<std::string> CheckAuditLink(const AuditEntry& entry,
                                          int64_t expected_seq,
                                          std::string_view expected_prev_hash) {
  std::string scratch;
  return CheckAuditLink(ViewOf(entry), expected_seq, expected_prev_hash,
                        scratch);
}

std::optional<std::string> CheckAuditLink(const AuditEntryView& entry,
                                          int64_t expected_seq,
                                          std::string_view expected_prev_hash,
                                          std::string& scratch) {
  if (entry.seq != expected_seq) {
    return absl::StrCat("sequence gap: expected entry ", expected_seq,
                        ", found ", entry.seq);
  }
  if (entry.prev_hash != expected_prev_hash) {
    return "prev_hash does not match the hash of the entry before it";
  }
  scratch.clear();
  AppendCanonicalAuditBytes(entry, scratch);
  if (entry.hash != Sha256Hex(scratch)) {
    return "hash does not match the entry's contents";
  }
  return std::nullopt;
}

}  // namespace registry
