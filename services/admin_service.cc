#include "services/admin_service.h"

#include "core/violations.h"
#include "services/auth.h"
#include "services/convert.h"

namespace registry {
namespace {

void ToProto(const CenterInfo& info, v1::Center* out) {
  out->set_code(info.code);
  out->set_name(info.name);
  *out->mutable_created_at() = registry::ToProto(info.created_at);
}

void ToProto(const TokenInfo& info, v1::TokenInfo* out) {
  out->set_token_id(info.token_id);
  out->set_role(static_cast<v1::Role>(static_cast<int>(info.role) + 1));
  out->set_center(info.center_code);
  out->set_label(info.label);
  *out->mutable_created_at() = registry::ToProto(info.created_at);
  if (info.revoked_at) {
    *out->mutable_revoked_at() = registry::ToProto(*info.revoked_at);
  }
  if (info.expires_at) {
    *out->mutable_expires_at() = registry::ToProto(*info.expires_at);
  }
}

std::optional<absl::Duration> ExpiresIn(int64_t seconds) {
  if (seconds == 0) return std::nullopt;
  return absl::Seconds(seconds);
}

// Runs `body` for an authorised admin call and converts its status.
template <typename Body>
grpc::Status AsAdmin(grpc::ServerContext* context, Authenticator& auth,
                     Body body) {
  absl::StatusOr<RequestContext> call =
      AuthorizeCall(context, auth, {Role::kAdmin});
  if (!call.ok()) return ToGrpcStatus(call.status());
  return ToGrpcStatus(body(*call));
}

}  // namespace

grpc::Status AdminServiceImpl::AddCenter(grpc::ServerContext* context,
                                         const v1::AddCenterRequest* request,
                                         v1::AddCenterResponse* response) {
  return AsAdmin(
      context, *auth_, [&](const RequestContext& call) -> absl::Status {
        absl::StatusOr<CenterInfo> center =
            store_->AddCenter(call, request->code(), request->name());
        if (!center.ok()) return center.status();
        ToProto(*center, response->mutable_center());
        return absl::OkStatus();
      });
}

grpc::Status AdminServiceImpl::ListCenters(
    grpc::ServerContext* context, const v1::ListCentersRequest* request,
    v1::ListCentersResponse* response) {
  return AsAdmin(context, *auth_,
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<std::vector<CenterInfo>> centers =
                       store_->ListCenters(call);
                   if (!centers.ok()) return centers.status();
                   for (const CenterInfo& c : *centers)
                     ToProto(c, response->add_centers());
                   return absl::OkStatus();
                 });
}

grpc::Status AdminServiceImpl::IssueToken(grpc::ServerContext* context,
                                          const v1::IssueTokenRequest* request,
                                          v1::IssueTokenResponse* response) {
  return AsAdmin(
      context, *auth_, [&](const RequestContext& call) -> absl::Status {
        const int role = static_cast<int>(request->role()) - 1;
        if (role < 0 || role > static_cast<int>(Role::kAdmin)) {
          return StatusWithViolations(
              absl::StatusCode::kInvalidArgument, "invalid token request",
              {{"role", "must be submitter, analyst or admin"}});
        }
        if (request->expires_in_seconds() < 0) {
          return StatusWithViolations(
              absl::StatusCode::kInvalidArgument, "invalid token request",
              {{"expires_in_seconds", "must not be negative"}});
        }
        absl::StatusOr<IssuedToken> issued = store_->IssueToken(
            call, static_cast<Role>(role), request->center(), request->label(),
            ExpiresIn(request->expires_in_seconds()));
        if (!issued.ok()) return issued.status();
        response->set_token(issued->secret);
        ToProto(issued->info, response->mutable_info());
        return absl::OkStatus();
      });
}

grpc::Status AdminServiceImpl::ListTokens(grpc::ServerContext* context,
                                          const v1::ListTokensRequest* request,
                                          v1::ListTokensResponse* response) {
  return AsAdmin(context, *auth_,
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<std::vector<TokenInfo>> tokens =
                       store_->ListTokens(call);
                   if (!tokens.ok()) return tokens.status();
                   for (const TokenInfo& t : *tokens)
                     ToProto(t, response->add_tokens());
                   return absl::OkStatus();
                 });
}

grpc::Status AdminServiceImpl::RevokeToken(
    grpc::ServerContext* context, const v1::RevokeTokenRequest* request,
    v1::RevokeTokenResponse* response) {
  return AsAdmin(context, *auth_,
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<TokenInfo> info =
                       store_->RevokeToken(call, request->token_id());
                   if (!info.ok()) return info.status();
                   ToProto(*info, response->mutable_info());
                   return absl::OkStatus();
                 });
}

grpc::Status AdminServiceImpl::RotateToken(
    grpc::ServerContext* context, const v1::RotateTokenRequest* request,
    v1::RotateTokenResponse* response) {
  return AsAdmin(
      context, *auth_, [&](const RequestContext& call) -> absl::Status {
        absl::StatusOr<IssuedToken> issued =
            store_->RotateToken(call, ExpiresIn(request->expires_in_seconds()));
        if (!issued.ok()) return issued.status();
        response->set_token(issued->secret);
        ToProto(issued->info, response->mutable_info());
        return absl::OkStatus();
      });
}

grpc::Status AdminServiceImpl::VerifyAudit(
    grpc::ServerContext* context, const v1::VerifyAuditRequest* request,
    v1::VerifyAuditResponse* response) {
  return AsAdmin(
      context, *auth_, [&](const RequestContext& call) -> absl::Status {
        absl::StatusOr<AuditReport> report = store_->VerifyAudit(call);
        if (!report.ok()) return report.status();
        response->set_ok(report->ok);
        response->set_entries_checked(report->entries_checked);
        response->set_events_checked(report->events_checked);
        response->set_first_bad_entry(report->first_bad_entry);
        response->set_problem(report->problem);
        return absl::OkStatus();
      });
}

}  // namespace registry
