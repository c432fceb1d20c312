#include "services/admin_service.h"

#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/convert.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/violations.h"
#include "services/auth.h"

namespace registry {
namespace {

void ToProto(const CenterInfo& info, v1::Center* out) {
  out->set_code(info.code);
  out->set_name(info.name);
  *out->mutable_created_at() = registry::ToProto(info.created_at);
}

void ToProto(const TokenInfo& info, v1::TokenInfo* out) {
  out->set_token_id(info.token_id);
  out->set_issued_by(info.issued_by);
  out->set_role(registry::ToProto(info.role));
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
                     std::string_view method, Body body) {
  absl::StatusOr<RequestContext> call = AuthorizeCall(context, auth, method);
  if (!call.ok()) return ToGrpcStatus(call.status());
  return ToGrpcStatus(body(*call));
}

// The tree of the current log and its signed checkpoint; the audit entry
// for the request is written after, so it is not part of this tree.
struct SignedTree {
  std::vector<std::string> leaves;
  Checkpoint checkpoint;
};

absl::StatusOr<SignedTree> SignCurrentTree(RegistryStore& store,
                                           const CheckpointSigner& signer) {
  SignedTree tree;
  ASSIGN_OR_RETURN(tree.leaves, store.AuditLeafHashes());
  tree.checkpoint.tree_size = tree.leaves.size();
  tree.checkpoint.root_hash = MerkleRoot(tree.leaves);
  tree.checkpoint.time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  RETURN_IF_ERROR(signer.Sign(tree.checkpoint));
  return tree;
}

}  // namespace

grpc::Status AdminServiceImpl::AddCenter(grpc::ServerContext* context,
                                         const v1::AddCenterRequest* request,
                                         v1::AddCenterResponse* response) {
  return AsAdmin(context, *auth_, "AdminService/AddCenter",
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<CenterInfo> center = store_->AddCenter(
                       call, request->code(), request->name());
                   if (!center.ok()) return center.status();
                   ToProto(*center, response->mutable_center());
                   return absl::OkStatus();
                 });
}

grpc::Status AdminServiceImpl::ListCenters(
    grpc::ServerContext* context, const v1::ListCentersRequest* request,
    v1::ListCentersResponse* response) {
  return AsAdmin(context, *auth_, "AdminService/ListCenters",
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
      context, *auth_, "AdminService/IssueToken",
      [&](const RequestContext& call) -> absl::Status {
        const std::optional<Role> role = FromProto(request->role());
        if (!role) {
          return StatusWithViolations(
              absl::StatusCode::kInvalidArgument, "invalid token request",
              {{"role", "must be submitter, analyst or admin"}});
        }
        if (request->expires_in_seconds() < 0) {
          return StatusWithViolations(
              absl::StatusCode::kInvalidArgument, "invalid token request",
              {{"expires_in_seconds", "must not be negative"}});
        }
        absl::StatusOr<IssuedToken> issued =
            store_->IssueToken(call, *role, request->center(), request->label(),
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
  return AsAdmin(context, *auth_, "AdminService/ListTokens",
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
  return AsAdmin(context, *auth_, "AdminService/RevokeToken",
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
  return AsAdmin(context, *auth_, "AdminService/RotateToken",
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<IssuedToken> issued = store_->RotateToken(
                       call, ExpiresIn(request->expires_in_seconds()));
                   if (!issued.ok()) return issued.status();
                   response->set_token(issued->secret);
                   ToProto(issued->info, response->mutable_info());
                   return absl::OkStatus();
                 });
}

grpc::Status AdminServiceImpl::GetCheckpoint(
    grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
    v1::GetCheckpointResponse* response) {
  return AsAdmin(
      context, *auth_, "AdminService/GetCheckpoint",
      [&](const RequestContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(SignedTree tree, SignCurrentTree(*store_, *signer_));
        response->set_checkpoint(FormatCheckpoint(tree.checkpoint));
        return store_->RecordAction(call, "audit.checkpoint", "audit_log",
                                    absl::StrCat("size=", tree.leaves.size()));
      });
}

grpc::Status AdminServiceImpl::ProveConsistency(
    grpc::ServerContext* context, const v1::ProveConsistencyRequest* request,
    v1::ProveConsistencyResponse* response) {
  return AsAdmin(
      context, *auth_, "AdminService/ProveConsistency",
      [&](const RequestContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(SignedTree tree, SignCurrentTree(*store_, *signer_));
        const int64_t old_size = request->old_size();
        if (old_size <= 0) {
          return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                      "invalid request",
                                      {{"old_size", "must be positive"}});
        }
        response->set_checkpoint(FormatCheckpoint(tree.checkpoint));
        if (static_cast<uint64_t>(old_size) > tree.leaves.size()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the audit log has ", tree.leaves.size(),
              " entries, fewer than the checkpoint's ", old_size,
              ": it was truncated or the database was rolled back"));
        }
        for (const std::string& hash :
             ConsistencyProof(tree.leaves, old_size, tree.leaves.size())) {
          response->add_proof(hash);
        }
        return store_->RecordAction(
            call, "audit.prove_consistency", "audit_log",
            absl::StrCat("from=", old_size, " to=", tree.leaves.size()));
      });
}

grpc::Status AdminServiceImpl::ProveInclusion(
    grpc::ServerContext* context, const v1::ProveInclusionRequest* request,
    v1::ProveInclusionResponse* response) {
  return AsAdmin(
      context, *auth_, "AdminService/ProveInclusion",
      [&](const RequestContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(SignedTree tree, SignCurrentTree(*store_, *signer_));
        const int64_t seq = request->entry_seq();
        if (seq <= 0 || static_cast<uint64_t>(seq) > tree.leaves.size()) {
          return absl::NotFoundError(absl::StrCat("no audit entry ", seq));
        }
        response->set_checkpoint(FormatCheckpoint(tree.checkpoint));
        response->set_leaf_index(seq - 1);
        response->set_leaf_hash(tree.leaves[seq - 1]);
        for (const std::string& hash :
             InclusionProof(tree.leaves, seq - 1, tree.leaves.size())) {
          response->add_proof(hash);
        }
        return store_->RecordAction(call, "audit.prove_inclusion",
                                    absl::StrCat("audit_log/", seq), "");
      });
}

grpc::Status AdminServiceImpl::Backup(
    grpc::ServerContext* context, const v1::BackupRequest* request,
    grpc::ServerWriter<v1::BackupChunk>* writer) {
  absl::StatusOr<AuthorizedStream> stream =
      AuthorizeStream(context, *auth_, "AdminService/Backup");
  if (!stream.ok()) return ToGrpcStatus(stream.status());
  absl::StatusOr<RegistryStore::BackupCopy> copy =
      store_->Backup(stream->context);
  if (!copy.ok()) return ToGrpcStatus(copy.status());
  absl::Cleanup close = [fd = copy->fd] { ::close(fd); };
  // The client checks what it received against these trailers: a copy cut
  // short is never taken for a backup.
  Sha256Stream digest;
  std::string buffer(1 << 20, '\0');
  int64_t sent = 0;
  for (;;) {
    const ssize_t n = ::read(copy->fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "cannot read the backup copy");
    if (n == 0) break;
    v1::BackupChunk chunk;
    chunk.set_data(buffer.data(), n);
    digest.Update(chunk.data());
    if (!writer->Write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
    sent += n;
  }
  if (sent != copy->bytes) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "the backup copy changed while it was sent");
  }
  context->AddTrailingMetadata("x-backup-bytes", absl::StrCat(sent));
  context->AddTrailingMetadata("x-backup-sha256", digest.HexDigest());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetMetrics(grpc::ServerContext* context,
                                          const v1::GetMetricsRequest* request,
                                          v1::GetMetricsResponse* response) {
  return AsAdmin(
      context, *auth_, "AdminService/GetMetrics",
      [&](const RequestContext&) -> absl::Status {
        // The request figures are worth having when the store's cannot
        // be read (a busy or broken disk).
        absl::StatusOr<StoreFigures> figures = store_->Figures();
        response->set_text(absl::StrCat(
            metrics_->PrometheusText(),
            figures.ok() ? ServerFiguresText(*figures, started_)
                         : std::string(),
            "# HELP registry_store_figures_ok 1 when the store's figures "
            "could be read.\n# TYPE registry_store_figures_ok gauge\n"
            "registry_store_figures_ok ",
            figures.ok() ? 1 : 0, "\n"));
        return absl::OkStatus();
      });
}

grpc::Status AdminServiceImpl::VerifyAudit(
    grpc::ServerContext* context, const v1::VerifyAuditRequest* request,
    v1::VerifyAuditResponse* response) {
  return AsAdmin(context, *auth_, "AdminService/VerifyAudit",
                 [&](const RequestContext& call) -> absl::Status {
                   absl::StatusOr<AuditReport> report =
                       store_->VerifyAudit(call);
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
