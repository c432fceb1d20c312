// regctl admin: centres, tokens, the audit trail, backups, metrics.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/convert.h"
#include "clients/regctl/commands.h"
#include "clients/regctl/flags.h"
#include "clients/regctl/output.h"
#include "core/checkpoint.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace registry {
namespace {

// `regctl admin audit verify` exits 3 when the trail is broken, apart from
// 1 for everything else (server unreachable, a bad checkpoint file): a
// cron job can page on 3 alone.
constexpr int kTrailBroken = 3;

// Proves that the current log extends the saved checkpoint: 0 when it
// does, kTrailBroken when it does not, 1 when that cannot be told.
int CheckAgainstCheckpoint(Client& client, const std::string& path) {
  auto failed = [&](int code, const std::string& problem) {
    client.io().err << "regctl: checkpoint check FAILED: " << problem << "\n";
    return code;
  };
  absl::StatusOr<Checkpoint> saved =
      ParseCheckpoint(ReadTextFile(path, "checkpoint"));
  if (!saved.ok()) return failed(1, std::string(saved.status().message()));
  if (!VerifyCheckpointSignature(*saved)) {
    return failed(1, "the saved checkpoint's signature is not valid");
  }
  v1::ProveConsistencyRequest request;
  request.set_old_size(static_cast<int64_t>(saved->tree_size));
  v1::ProveConsistencyResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::ProveConsistency,
                                    request, &response);
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    return failed(kTrailBroken, status.error_message());
  }
  if (!status.ok()) return client.Fail(status);
  absl::StatusOr<Checkpoint> current = ParseCheckpoint(response.checkpoint());
  if (!current.ok() || !VerifyCheckpointSignature(*current)) {
    return failed(kTrailBroken,
                  "the server's checkpoint is not validly signed");
  }
  if (current->public_key != saved->public_key) {
    return failed(kTrailBroken,
                  "the current tree is signed with another key than the "
                  "saved checkpoint (key " +
                      ToHex(current->public_key) + ", expected " +
                      ToHex(saved->public_key) + ")");
  }
  const std::vector<std::string> proof(response.proof().begin(),
                                       response.proof().end());
  if (!VerifyConsistency(saved->tree_size, current->tree_size, saved->root_hash,
                         current->root_hash, proof)) {
    return failed(kTrailBroken,
                  absl::StrCat("the log of ", current->tree_size,
                               " entries does not extend the checkpoint of ",
                               saved->tree_size,
                               " entries: entries up to it were rewritten or "
                               "deleted"));
  }
  client.io().out << "checkpoint OK: the log of " << current->tree_size
                  << " entries extends the checkpoint of " << saved->tree_size
                  << " entries (" << saved->time << ")\n";
  return 0;
}

// The SHA-256 of a file's contents, in hex ("" when it cannot be read).
std::string Sha256FileHex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  Sha256Stream digest;
  std::string buffer(1 << 20, '\0');
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    digest.Update(std::string_view(buffer.data(), in.gcount()));
  }
  return digest.HexDigest();
}

constexpr char kProofHeader[] = "hsct-registry inclusion proof v1";

}  // namespace

int CenterAdd(Client& client) {
  const Args& args = client.args();
  if (args.Flag("name").empty()) throw UsageError{"--name NAME is required"};
  v1::AddCenterRequest request;
  request.set_code(args.operands[0]);
  request.set_name(args.Flag("name"));
  v1::AddCenterResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::AddCenter, request, &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << "added center " << response.center().code() << " ("
                  << response.center().name() << ")\n";
  return 0;
}

int CenterList(Client& client) {
  v1::ListCentersResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::ListCenters,
                                    v1::ListCentersRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  Table table{{"code", "name", "created_at"}, {}};
  for (const v1::Center& c : response.centers()) {
    table.rows.push_back({c.code(), c.name(), TimeText(c.created_at())});
  }
  PrintTable(table, client.format(), client.io().out);
  return 0;
}

int TokenRotate(Client& client) {
  v1::RotateTokenRequest request;
  request.set_expires_in_seconds(ExpiresInFlag(client.args()));
  v1::RotateTokenResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::RotateToken, request, &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << response.token() << "\n";
  client.io().err << "new admin token " << response.info().token_id()
                  << "; the old one is revoked: store the new one now\n";
  return 0;
}

int TokenIssue(Client& client) {
  const Args& args = client.args();
  const std::string role = args.Flag("role");
  v1::IssueTokenRequest request;
  if (role == "submitter") {
    request.set_role(v1::ROLE_SUBMITTER);
    if (args.Flag("center").empty()) {
      throw UsageError{"a submitter token needs --center CODE"};
    }
  } else if (role == "analyst") {
    request.set_role(v1::ROLE_ANALYST);
  } else if (role == "admin") {
    request.set_role(v1::ROLE_ADMIN);
  } else {
    throw UsageError{"--role must be submitter, analyst or admin"};
  }
  request.set_center(args.Flag("center"));
  request.set_label(args.Flag("label"));
  request.set_expires_in_seconds(ExpiresInFlag(args));
  v1::IssueTokenResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::IssueToken, request, &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << response.token() << "\n";
  client.io().err << "issued " << role << " token "
                  << response.info().token_id() << "\n";
  return 0;
}

int TokenList(Client& client) {
  v1::ListTokensResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::ListTokens,
                                    v1::ListTokensRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  Table table{{"token_id", "role", "center", "label", "created_at",
               "revoked_at", "expires_at", "issued_by"},
              {}};
  for (const v1::TokenInfo& t : response.tokens()) {
    table.rows.push_back({t.token_id(), RoleText(t.role()), t.center(),
                          t.label(), TimeText(t.created_at()),
                          TimeText(t.revoked_at()), TimeText(t.expires_at()),
                          t.issued_by()});
  }
  PrintTable(table, client.format(), client.io().out);
  return 0;
}

int TokenRevoke(Client& client) {
  v1::RevokeTokenRequest request;
  request.set_token_id(client.args().operands[0]);
  v1::RevokeTokenResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::RevokeToken, request, &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << "revoked token " << response.info().token_id() << "\n";
  return 0;
}

int AuditVerify(Client& client) {
  v1::VerifyAuditResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::VerifyAudit,
                                    v1::VerifyAuditRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  if (!response.ok()) {
    client.io().err << "regctl: audit trail is BROKEN: "
                    << (response.first_bad_entry() > 0
                            ? absl::StrCat("entry ", response.first_bad_entry(),
                                           ": ")
                            : std::string())
                    << response.problem() << "\n";
    return kTrailBroken;
  }
  client.io().out << "audit trail OK: " << response.entries_checked()
                  << " entries, hash chain intact; "
                  << response.events_checked()
                  << " clinical events, each covered by its entry\n";
  if (client.args().Flag("checkpoint").empty()) return 0;
  return CheckAgainstCheckpoint(client, client.args().Flag("checkpoint"));
}

int Backup(Client& client) {
  const Args& args = client.args();
  const std::string out = args.Flag("out");
  if (out.empty()) throw UsageError{"--out FILE is required"};
  if (std::filesystem::exists(out)) {
    throw UsageError{"--out " + out + " exists; choose a new file"};
  }
  const std::string partial = out + ".partial";
  const int fd =
      ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw UsageError{"cannot write " + partial};
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.admin().Backup(&context, v1::BackupRequest());
  v1::BackupChunk chunk;
  int64_t bytes = 0;
  bool written = true;
  while (reader->Read(&chunk)) {
    written &= ::write(fd, chunk.data().data(), chunk.data().size()) ==
               static_cast<ssize_t>(chunk.data().size());
    bytes += chunk.data().size();
  }
  grpc::Status status = reader->Finish();
  written &= ::fsync(fd) == 0;
  ::close(fd);
  if (!status.ok() || !written || bytes == 0) {
    std::remove(partial.c_str());
    if (!status.ok()) return client.Fail(status);
    client.io().err << "regctl: could not write the backup to " << out << "\n";
    return 1;
  }
  // What the registry says it sent, against what arrived.
  const auto& trailers = context.GetServerTrailingMetadata();
  auto trailer = [&](const char* key) {
    auto it = trailers.find(key);
    return it == trailers.end()
               ? std::string()
               : std::string(it->second.data(), it->second.size());
  };
  const std::string digest = Sha256FileHex(partial);
  if (trailer("x-backup-bytes") != absl::StrCat(bytes) ||
      trailer("x-backup-sha256") != digest) {
    std::remove(partial.c_str());
    client.io().err << "regctl: the backup that arrived (" << bytes
                    << " bytes, sha256 " << digest
                    << ") is not the one the registry sent ("
                    << trailer("x-backup-bytes") << " bytes, sha256 "
                    << trailer("x-backup-sha256") << "); nothing was kept\n";
    return 1;
  }
  std::filesystem::rename(partial, out);
  client.io().out << "backup written to " << out << " (" << bytes
                  << " bytes); restore: start registryd --db on a copy of it, "
                     "then run regctl admin audit verify\n";
  return 0;
}

// Replaces `path` with `text` as node-exporter's textfile collector needs:
// written beside it and renamed over it, so a scrape never reads half a
// file. Mode 0644: the collector runs as another user, and the figures
// hold no patient data.
// The partial file is this process's own (two runs that overlap never
// write into each other's), and synced before the rename. False with
// errno set when it failed.
bool ReplaceTextFile(const std::string& path, const std::string& text) {
  const std::string partial = absl::StrCat(path, ".partial.", ::getpid());
  const int fd =
      ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::fchmod(fd, 0644);
  bool written = ::write(fd, text.data(), text.size()) ==
                 static_cast<ssize_t>(text.size());
  written = written && ::fsync(fd) == 0;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(partial.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(partial.c_str());
    errno = saved;
    return false;
  }
  return true;
}

int Metrics(Client& client) {
  v1::GetMetricsResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::GetMetrics,
                                    v1::GetMetricsRequest(), &response);
  const std::string textfile = client.args().Flag("textfile");
  if (textfile.empty()) {
    if (!status.ok()) return client.Fail(status);
    client.io().out << response.text();
    return 0;
  }
  // registry_up tells "the registry did not answer" apart from "the
  // timer stopped" (then node_textfile_mtime_seconds goes stale).
  const std::string text = absl::StrCat(
      "# HELP registry_up 1 when regctl could read the registry's metrics.\n"
      "# TYPE registry_up gauge\nregistry_up ",
      status.ok() ? "1" : "0", "\n", status.ok() ? response.text() : "");
  if (!ReplaceTextFile(textfile, text)) {
    client.io().err << "regctl: cannot write " << textfile << ": "
                    << std::strerror(errno) << "\n";
    return 1;
  }
  return status.ok() ? 0 : client.Fail(status);
}

int Health(Client& client) {
  std::vector<std::string> services{"",
                                    v1::SubmissionService::service_full_name(),
                                    v1::AdminService::service_full_name(),
                                    v1::OutcomeService::service_full_name(),
                                    v1::ReportService::service_full_name()};
  if (const std::string one = client.args().Flag("service"); !one.empty()) {
    services = {one == "server" ? "" : one};
  }
  auto health = grpc::health::v1::Health::NewStub(client.channel());
  Table table{{"service", "status"}, {}};
  bool all_serving = true;
  for (const std::string& service : services) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    client.Prepare(context);
    grpc::Status status = health->Check(&context, request, &response);
    std::string text;
    if (status.ok()) {
      text = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
          response.status());
    } else if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      text = "SERVICE_UNKNOWN";
    } else {
      return client.Fail(status);
    }
    all_serving =
        all_serving &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    table.rows.push_back({service.empty() ? "server" : service, text});
  }
  PrintTable(table, client.format(), client.io().out);
  // 3, as for a broken audit trail: the server answered "no". 1 stays for
  // an unreachable server.
  return all_serving ? 0 : 3;
}

int AuditCheckpoint(Client& client) {
  v1::GetCheckpointResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::GetCheckpoint,
                                    v1::GetCheckpointRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << response.checkpoint();
  return 0;
}

int AuditProof(Client& client) {
  const Args& args = client.args();
  v1::ProveInclusionRequest request;
  int64_t seq;
  if (!absl::SimpleAtoi(args.operands[0], &seq) || seq <= 0) {
    throw UsageError{"SEQ must be an audit entry number (1, 2, ...)"};
  }
  request.set_entry_seq(seq);
  v1::ProveInclusionResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::ProveInclusion, request, &response);
  if (!status.ok()) return client.Fail(status);
  std::vector<std::string> path;
  for (const std::string& hash : response.proof()) path.push_back(ToHex(hash));
  client.io().out << kProofHeader << "\nentry " << seq << "\nleaf "
                  << ToHex(response.leaf_hash()) << "\npath "
                  << absl::StrJoin(path, ",") << "\n"
                  << response.checkpoint();
  return 0;
}

// Offline: needs no server and no token.
int AuditCheckProof(const Args& args, RegctlIo& io) {
  const std::string text = ReadTextFile(args.operands[0], "proof");
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  auto fail = [&](const std::string& why) {
    io.err << "regctl: proof INVALID: " << why << "\n";
    return 1;
  };
  if (lines.size() < 10 || lines[0] != kProofHeader) {
    return fail("not a registry inclusion proof");
  }
  int64_t seq;
  std::string leaf;
  if (lines[1].rfind("entry ", 0) != 0 ||
      !absl::SimpleAtoi(lines[1].substr(6), &seq) || seq <= 0) {
    return fail("entry line");
  }
  if (lines[2].rfind("leaf ", 0) != 0 || !FromHex(lines[2].substr(5), &leaf)) {
    return fail("leaf line");
  }
  if (lines[3].rfind("path ", 0) != 0) return fail("path line");
  std::vector<std::string> proof;
  for (absl::string_view part :
       absl::StrSplit(lines[3].substr(5), ',', absl::SkipEmpty())) {
    std::string hash;
    if (!FromHex(std::string(part), &hash)) return fail("path hash");
    proof.push_back(hash);
  }
  std::string checkpoint_text;
  for (size_t i = 4; i < lines.size(); ++i) checkpoint_text += lines[i] + "\n";
  absl::StatusOr<Checkpoint> checkpoint = ParseCheckpoint(checkpoint_text);
  if (!checkpoint.ok()) return fail(std::string(checkpoint.status().message()));
  if (!VerifyCheckpointSignature(*checkpoint)) {
    return fail("the checkpoint's signature is not valid");
  }
  if (!VerifyInclusion(leaf, seq - 1, checkpoint->tree_size, proof,
                       checkpoint->root_hash)) {
    return fail("the path does not lead from the entry to the signed root");
  }
  io.out << "proof OK: entry " << seq << " is in the signed tree of "
         << checkpoint->tree_size << " entries (" << checkpoint->time
         << ", key " << ToHex(checkpoint->public_key) << ")\n";
  return 0;
}

}  // namespace registry
