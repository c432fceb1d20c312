// Who may call what: the roles, the authenticated principal, and the one
// access-policy table (role x method x own or other centre) that every
// service consults and the end-to-end access test iterates.
//
// A method's entry says, for each role that can hold a token, how far it
// reaches:
//   kNone        refused (PERMISSION_DENIED) before the handler does anything;
//   kOwnCenter   a submitter's own centre only: another centre's patients
//                are simply unknown to it (NOT_FOUND, or an unknown patient
//                in a submission), so nothing about them leaks;
//   kPseudonymised  every centre, identified by registry id only: no
//                centre's patient code and no centre code in any answer;
//   kRegistry    the registry itself (centres, tokens, audit): no clinical
//                data.
// kSystem (the server itself) and kAnonymous (a failed authentication, in
// the audit trail) never call methods.
//
// Public methods (health, reflection) are not in the table: they take no
// token.
#ifndef REGISTRY_CORE_ACCESS_H_
#define REGISTRY_CORE_ACCESS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace registry {

enum class Role { kSubmitter, kAnalyst, kAdmin, kSystem, kAnonymous };
std::string_view RoleName(Role role);  // "submitter", ..., "anonymous"
std::optional<Role> ParseRole(std::string_view name);

// Who is acting, as established by authentication.
struct Principal {
  std::string token_id;  // "registryd" for the server itself
  Role role = Role::kSystem;
  int64_t center_id = 0;  // submitters only
  std::string center_code;
  // Who issued the token: another token's id, or "registryd"; named in
  // every audit entry of this principal.
  std::string issued_by;
};

// Identifies one call for the audit trail.
struct RequestContext {
  Principal principal;
  std::string request_id;
};

enum class Reach { kNone, kOwnCenter, kPseudonymised, kRegistry };
std::string_view ReachName(Reach reach);  // "none", "own center", ...

struct MethodPolicy {
  // "Service/Method" as in the proto, e.g. "SubmissionService/Submit".
  std::string_view method;
  Reach submitter = Reach::kNone;
  Reach analyst = Reach::kNone;
  Reach admin = Reach::kNone;
};

// Every method of the registry's four services, once.
std::span<const MethodPolicy> AccessPolicy();

// The entry of `method` ("Service/Method"); nullptr when the table has none
// (a method added to a proto without a policy is refused to everyone).
const MethodPolicy* PolicyOf(std::string_view method);

// How far `role` reaches in `method`: kNone for an unknown method and for
// kSystem and kAnonymous.
Reach ReachOf(std::string_view method, Role role);

}  // namespace registry

#endif  // REGISTRY_CORE_ACCESS_H_
