#include "core/audit_chain.h"

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

std::string CanonicalAuditBytes(const AuditEntry& e) {
  std::string out;
  AppendField(out, absl::StrCat(e.seq));
  for (std::string_view field :
       {std::string_view(e.at), std::string_view(e.principal),
        std::string_view(e.role), std::string_view(e.center),
        std::string_view(e.action), std::string_view(e.entity),
        std::string_view(e.old_value), std::string_view(e.new_value),
        std::string_view(e.reason), std::string_view(e.request_id)}) {
    AppendField(out, field);
  }
  AppendField(out, e.event_seq ? absl::StrCat(*e.event_seq) : "");
  AppendField(out, e.prev_hash);
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
  if (entry.seq != expected_seq) {
    return absl::StrCat("sequence gap: expected entry ", expected_seq,
                        ", found ", entry.seq);
  }
  if (entry.prev_hash != expected_prev_hash) {
    return "prev_hash does not match the hash of the entry before it";
  }
  if (entry.hash != ComputeAuditHash(entry)) {
    return "hash does not match the entry's contents";
  }
  return std::nullopt;
}

}  // namespace registry
