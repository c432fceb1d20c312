// Identities: centres, tokens and their authentication, and audited
// actions that change no record.
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
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {

absl::StatusOr<bool> RegistryStore::NeedsBootstrap() {
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  bool empty = false;
  RETURN_IF_ERROR(CatchSqlite([&] {
    empty =
        (**lease).db().execAndGet("SELECT count(*) FROM tokens").getInt() == 0;
    return absl::OkStatus();
  }));
  return empty;
}

absl::StatusOr<std::optional<Principal>> RegistryStore::Authenticate(
    std::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  // Compared as times, not as text: a year past 9999 has five digits.
  const absl::Time now = options_.clock();
  uint64_t generation;
  {
    MutexLock lock(&principals_mutex_);
    if (auto it = principals_.find(hash); it != principals_.end()) {
      const PrincipalEntry& cached = it->second;
      if (!cached.expires_at || *cached.expires_at > now) {
        return cached.principal;
      }
      principals_.erase(it);
      return std::nullopt;
    }
    generation = token_generation_;
  }
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  std::optional<PrincipalEntry> found;
  RETURN_IF_ERROR(CatchSqlite([&] {
    SQLite::Statement& query = (**lease).Prepare(
        "SELECT t.token_id, t.role, t.center_id, c.code, t.expires_at, "
        "t.issued_by FROM tokens t LEFT JOIN centers c ON c.center_id = "
        "t.center_id WHERE t.secret_hash = ? AND t.revoked_at IS NULL");
    query.bind(1, hash);
    if (query.executeStep()) {
      std::optional<Role> role = ParseRole(query.getColumn(1).getString());
      std::optional<absl::Time> expires_at;
      if (!query.getColumn(4).isNull()) {
        // An expiry that does not read back ends the token.
        expires_at = ParseRecordedTime(query.getColumn(4).getString());
      }
      if (role && (!expires_at || *expires_at > now)) {
        found = PrincipalEntry{Principal{query.getColumn(0).getString(), *role,
                                         query.getColumn(2).getInt64(),
                                         query.getColumn(3).getString(),
                                         query.getColumn(5).getString()},
                               expires_at};
      }
    }
    query.reset();
    return absl::OkStatus();
  }));
  if (!found) return std::nullopt;
  MutexLock lock(&principals_mutex_);
  // A token change since the lookup began may have made `found` stale.
  if (generation == token_generation_ && principals_.size() < 100000) {
    principals_.emplace(hash, *found);
  }
  return found->principal;
}

std::optional<Principal> RegistryStore::CachedPrincipal(
    std::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  const absl::Time now = options_.clock();
  MutexLock lock(&principals_mutex_);
  auto it = principals_.find(hash);
  if (it == principals_.end() ||
      (it->second.expires_at && *it->second.expires_at <= now)) {
    return std::nullopt;
  }
  return it->second.principal;
}

void RegistryStore::ForgetPrincipals() {
  MutexLock lock(&principals_mutex_);
  ++token_generation_;
  principals_.clear();
}

absl::StatusOr<CenterInfo> RegistryStore::AddCenter(
    const RequestContext& context, std::string_view code,
    std::string_view name) {
  std::vector<FieldViolation> violations;
  if (!IsCode(code, 32)) {
    violations.push_back(
        {"code", "must be 1 to 32 letters, digits, '_' or '-'"});
  }
  if (name.empty() || !IsPlainText(name, 200)) {
    violations.push_back(
        {"name", "must be 1 to 200 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid center", violations);
  }
  CenterInfo info{S(code), S(name), absl::InfinitePast()};
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& exists =
        t.connection().Prepare("SELECT 1 FROM centers WHERE code = ?");
    exists.bind(1, info.code);
    if (exists.executeStep()) {
      return absl::AlreadyExistsError(
          absl::StrCat("center ", info.code, " already exists"));
    }
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO centers (code, name, created_at) VALUES (?, ?, ?)");
    insert.bind(1, info.code);
    insert.bind(2, info.name);
    insert.bind(3, t.now_text());
    insert.exec();
    info.created_at = t.now();
    t.Audit({.center = info.code,
             .action = "center.add",
             .entity = "center/" + info.code,
             .new_value = info.name});
    return absl::OkStatus();
  }));
  return info;
}

absl::StatusOr<std::vector<CenterInfo>> RegistryStore::ListCenters(
    const RequestContext& context) {
  std::vector<CenterInfo> centers;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(
        "SELECT code, name, created_at FROM centers ORDER BY code");
    while (query.executeStep()) {
      centers.push_back({query.getColumn(0).getString(),
                         query.getColumn(1).getString(),
                         ParseRecordedTime(query.getColumn(2).getString())});
    }
    t.Audit({.action = "centers.list",
             .entity = "centers",
             .new_value = absl::StrCat("count=", centers.size())});
    return absl::OkStatus();
  }));
  return centers;
}

namespace {

// Tokens live at most this long (an expiry past year 9999 would not even
// be written as a time).
constexpr absl::Duration kMaxTokenLifetime = absl::Hours(24 * 3653);

std::optional<FieldViolation> CheckExpiresIn(
    std::optional<absl::Duration> expires_in) {
  if (!expires_in) return std::nullopt;
  if (*expires_in <= absl::ZeroDuration()) {
    return FieldViolation{"expires_in", "must be positive"};
  }
  if (*expires_in > kMaxTokenLifetime) {
    return FieldViolation{"expires_in", "must be at most 10 years"};
  }
  return std::nullopt;
}

}  // namespace

std::string RegistryStore::NewTokenSecret() {
  return "rgt_" + absl::BytesToHexString(RandomBytes(32));
}

absl::StatusOr<IssuedToken> RegistryStore::IssueToken(
    const RequestContext& context, Role role, std::string_view center_code,
    std::string_view label, std::optional<absl::Duration> expires_in,
    std::optional<std::string> secret) {
  std::vector<FieldViolation> violations;
  if (std::optional<FieldViolation> bad = CheckExpiresIn(expires_in)) {
    violations.push_back(*bad);
  }
  if (role == Role::kSystem || role == Role::kAnonymous) {
    violations.push_back({"role", "must be submitter, analyst or admin"});
  } else if (role == Role::kSubmitter && center_code.empty()) {
    violations.push_back({"center", "a submitter token needs a center"});
  } else if (role != Role::kSubmitter && !center_code.empty()) {
    violations.push_back(
        {"center", "only submitter tokens are bound to a center"});
  }
  if (!IsPlainText(label, 200)) {
    violations.push_back(
        {"label", "must be at most 200 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid token request", violations);
  }
  IssuedToken issued;
  issued.secret = secret ? *std::move(secret) : NewTokenSecret();
  issued.info = {"tok_" + absl::BytesToHexString(RandomBytes(8)),
                 context.principal.token_id,
                 role,
                 S(center_code),
                 S(label),
                 absl::InfinitePast(),
                 std::nullopt};
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    std::optional<int64_t> center_id;
    if (!center_code.empty()) {
      SQLite::Statement& center = t.connection().Prepare(
          "SELECT center_id FROM centers WHERE code = ?");
      center.bind(1, issued.info.center_code);
      if (!center.executeStep()) {
        return StatusWithViolations(
            absl::StatusCode::kNotFound,
            absl::StrCat("no center with code ", issued.info.center_code),
            {{"center", "unknown center"}});
      }
      center_id = center.getColumn(0).getInt64();
    }
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO tokens (token_id, secret_hash, role, center_id, label, "
        "created_at, expires_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, issued.info.token_id);
    insert.bind(2, Sha256Hex(issued.secret));
    insert.bind(3, S(RoleName(role)));
    if (center_id) {
      insert.bind(4, static_cast<int64_t>(*center_id));
    } else {
      insert.bind(4);
    }
    insert.bind(5, issued.info.label);
    insert.bind(6, t.now_text());
    if (expires_in) {
      issued.info.expires_at = t.now() + *expires_in;
      insert.bind(7, FormatRecordedTime(*issued.info.expires_at));
    } else {
      insert.bind(7);
    }
    insert.bind(8, issued.info.issued_by);
    insert.exec();
    issued.info.created_at = t.now();
    // The label is free text: quoted, it cannot pass for further fields.
    t.Audit({.center = issued.info.center_code,
             .action = "token.issue",
             .entity = "token/" + issued.info.token_id,
             .new_value = absl::StrCat(
                 "role=", S(RoleName(role)),
                 " label=", QuoteText(issued.info.label),
                 issued.info.expires_at
                     ? " expires=" + FormatRecordedTime(*issued.info.expires_at)
                     : std::string())});
    return absl::OkStatus();
  }));
  return issued;
}

namespace {

constexpr const char* kTokenColumns =
    "SELECT t.token_id, t.role, coalesce(c.code, ''), t.label, t.created_at, "
    "t.revoked_at, t.expires_at, t.issued_by FROM tokens t LEFT JOIN centers "
    "c ON c.center_id = t.center_id ";

TokenInfo ReadTokenInfo(SQLite::Statement& query) {
  TokenInfo info;
  info.token_id = query.getColumn(0).getString();
  info.role = ParseRole(query.getColumn(1).getString()).value_or(Role::kSystem);
  info.center_code = query.getColumn(2).getString();
  info.label = query.getColumn(3).getString();
  info.created_at = ParseRecordedTime(query.getColumn(4).getString());
  if (!query.getColumn(5).isNull()) {
    info.revoked_at = ParseRecordedTime(query.getColumn(5).getString());
  }
  if (!query.getColumn(6).isNull()) {
    info.expires_at = ParseRecordedTime(query.getColumn(6).getString());
  }
  info.issued_by = query.getColumn(7).getString();
  return info;
}

}  // namespace

absl::StatusOr<std::vector<TokenInfo>> RegistryStore::ListTokens(
    const RequestContext& context) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "ORDER BY t.created_at, t.token_id");
  std::vector<TokenInfo> tokens;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    while (query.executeStep()) tokens.push_back(ReadTokenInfo(query));
    t.Audit({.action = "tokens.list",
             .entity = "tokens",
             .new_value = absl::StrCat("count=", tokens.size())});
    return absl::OkStatus();
  }));
  return tokens;
}

absl::StatusOr<TokenInfo> RegistryStore::RevokeToken(
    const RequestContext& context, std::string_view token_id) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "WHERE t.token_id = ?");
  TokenInfo info;
  // Whatever the outcome, no cached principal may outlive this change.
  absl::Cleanup forget = [this] { ForgetPrincipals(); };
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    query.bind(1, S(token_id));
    if (!query.executeStep()) {
      return absl::NotFoundError(
          absl::StrCat("no token with id ", S(token_id)));
    }
    info = ReadTokenInfo(query);
    if (info.revoked_at) {
      return absl::FailedPreconditionError(
          absl::StrCat("token ", S(token_id), " is already revoked"));
    }
    SQLite::Statement& revoke = t.connection().Prepare(
        "UPDATE tokens SET revoked_at = ? WHERE token_id = ?");
    revoke.bind(1, t.now_text());
    revoke.bind(2, info.token_id);
    revoke.exec();
    info.revoked_at = t.now();
    t.Audit({.center = info.center_code,
             .action = "token.revoke",
             .entity = "token/" + info.token_id,
             .old_value = "active",
             .new_value = "revoked"});
    return absl::OkStatus();
  }));
  return info;
}

absl::StatusOr<IssuedToken> RegistryStore::RotateToken(
    const RequestContext& context, std::optional<absl::Duration> expires_in) {
  static const std::string sql =
      absl::StrCat(kTokenColumns, "WHERE t.token_id = ?");
  if (std::optional<FieldViolation> bad = CheckExpiresIn(expires_in)) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid token request", {*bad});
  }
  IssuedToken issued;
  // Whatever the outcome, no cached principal may outlive this change.
  absl::Cleanup forget = [this] { ForgetPrincipals(); };
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    SQLite::Statement& query = t.connection().Prepare(sql.c_str());
    query.bind(1, context.principal.token_id);
    if (!query.executeStep()) {
      return absl::NotFoundError("the calling token is not in the registry");
    }
    const TokenInfo old = ReadTokenInfo(query);
    query.reset();
    issued.secret = NewTokenSecret();
    issued.info = {"tok_" + absl::BytesToHexString(RandomBytes(8)),
                   old.token_id, old.role, old.center_code, old.label, t.now(),
                   std::nullopt,
                   // Never outliving the old token unless asked to.
                   expires_in ? std::optional<absl::Time>(t.now() + *expires_in)
                              : old.expires_at};
    SQLite::Statement& insert = t.connection().Prepare(
        "INSERT INTO tokens (token_id, secret_hash, role, center_id, label, "
        "created_at, expires_at, issued_by) SELECT ?, ?, role, center_id, "
        "label, ?, ?, token_id FROM tokens WHERE token_id = ?");
    insert.bind(1, issued.info.token_id);
    insert.bind(2, Sha256Hex(issued.secret));
    insert.bind(3, t.now_text());
    if (issued.info.expires_at) {
      insert.bind(4, FormatRecordedTime(*issued.info.expires_at));
    } else {
      insert.bind(4);
    }
    insert.bind(5, old.token_id);
    insert.exec();
    SQLite::Statement& revoke = t.connection().Prepare(
        "UPDATE tokens SET revoked_at = ? WHERE token_id = ?");
    revoke.bind(1, t.now_text());
    revoke.bind(2, old.token_id);
    revoke.exec();
    t.Audit({.center = old.center_code,
             .action = "token.rotate",
             .entity = "token/" + old.token_id,
             .old_value = "active",
             .new_value = "replaced by " + issued.info.token_id});
    return absl::OkStatus();
  }));
  return issued;
}

absl::Status RegistryStore::RecordActions(const RequestContext& context,
                                          const std::vector<Action>& actions) {
  return WriteTransaction(context, [&](Transaction& t) {
    for (const Action& a : actions) {
      t.Audit({.center = context.principal.center_code,
               .action = a.action,
               .entity = a.entity,
               .new_value = a.new_value});
    }
    return absl::OkStatus();
  });
}

absl::Status RegistryStore::RecordAction(const RequestContext& context,
                                         std::string_view action,
                                         std::string_view entity,
                                         std::string_view new_value) {
  return WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.center = context.principal.center_code,
             .action = S(action),
             .entity = S(entity),
             .new_value = S(new_value)});
    return absl::OkStatus();
  });
}

}  // namespace registry
