// The registry server: the store, the gRPC services, authentication in the
// server credentials, health checking and reflection, bound to one address.
#ifndef REGISTRY_SERVICES_SERVER_H_
#define REGISTRY_SERVICES_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/checkpoint.h"
#include "core/follow_up.h"
#include "services/auth.h"
#include "services/observability.h"
#include "services/submit_handlers.h"
#include "storage/registry_store.h"

namespace registry {

struct ServerOptions {
  std::string db_path;
  // host:port; port 0 picks a free one (see RegistryServer::port()).
  std::string listen = "127.0.0.1:50051";
  // TLS: PEM files of the server certificate (chain) and key. Without them
  // the server takes local (loopback) connections only. With a client CA
  // file, clients must present a certificate it signed (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Ed25519 key that signs audit checkpoints, kept outside the database;
  // created when missing. Empty means db_path + ".checkpoint-key".
  std::string checkpoint_key_file;
  // Where a new database's first admin token is written (mode 0600).
  // Empty means db_path + ".admin-token".
  std::string admin_token_file;
  // How failed authentications are slowed down and audited.
  AuthOptions auth;
  // Handlers running at once on the synchronous API's threads; calls
  // beyond them get RESOURCE_EXHAUSTED (a bound on the server's threads,
  // under a task limit such as systemd's TasksMax).
  int max_handler_threads = 200;
  // Where the one-line-per-request log goes; null for none.
  std::ostream* request_log = nullptr;
  // Largest request or response message, in bytes.
  int max_message_bytes = 16 * 1024 * 1024;
  // Records and bytes per submission, and of all submissions in flight.
  SubmissionLimits submission_limits;
  // A streamed submission whose client sends nothing this long is ended.
  absl::Duration submit_idle_timeout = absl::Seconds(60);
  StoreOptions store;
  // Follow-up schedules per indication (registryd --follow-up-schedule).
  FollowUpSchedules follow_up;
};

// Issues a new admin token whose secret is first written, with mode 0600
// and synced, to `path` (which must not exist: it is never overwritten);
// the token's id. When the token cannot be committed the file is removed.
// For a new database and for `registryd --issue-admin-token`.
absl::StatusOr<std::string> IssueAdminTokenToFile(RegistryStore& store,
                                                  const std::string& path,
                                                  std::string_view label);

class RegistryServer {
 public:
  // Opens (or creates) the database, bootstraps a new one with an admin
  // token written to the token file, and starts serving.
  static absl::StatusOr<std::unique_ptr<RegistryServer>> Start(
      ServerOptions options);

  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  int port() const { return port_; }
  // True when Start() created the admin token (a new database).
  bool bootstrapped() const { return bootstrapped_; }
  // "mutual TLS", "TLS" or "local connections only".
  const std::string& transport() const { return transport_; }
  const std::string& admin_token_file() const { return token_file_; }
  // What an operator should know from the start (a full disk, say).
  const std::vector<std::string>& warnings() const { return warnings_; }
  RegistryStore& store() { return *store_; }

  // The services whose health is reported (grpc.health.v1), besides the
  // server as a whole ("").
  static const std::vector<std::string>& ServiceNames();

  // Reports NOT_SERVING for the server and every service, so that load
  // balancers and probes stop sending new calls while calls are still
  // served; for the notice period before Shutdown. Thread-safe.
  void BeginDrain();
  // Stops accepting calls (reporting NOT_SERVING first), answers the calls held
  // back for failed authentication at once, and lets in-flight calls finish
  // within `grace`, then cancels the rest. Thread-safe; later calls do nothing.
  void Shutdown(absl::Duration grace);
  // Blocks until the server has shut down.
  void Wait();

 private:
  RegistryServer() = default;

  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<SubmissionBudget> budget_;
  std::unique_ptr<CheckpointSigner> signer_;
  RequestMetrics metrics_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool bootstrapped_ = false;
  std::string transport_;
  std::string token_file_;
  std::vector<std::string> warnings_;
  std::ostream* request_log_ = nullptr;
};

}  // namespace registry

#endif  // REGISTRY_SERVICES_SERVER_H_
