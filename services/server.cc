#include "services/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "services/admin_service.h"
#include "services/auth.h"
#include "services/outcome_service.h"
#include "services/report_service.h"
#include "services/submission_service.h"
#include "storage/connection.h"
#include "storage/store_files.h"

namespace registry {
namespace {

// Why `listen` (host:port) cannot be bound, as best this process can tell:
// gRPC only reports that it failed.
std::string WhyCannotListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return "it is not HOST:PORT";
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                    listen.substr(colon + 1).c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return "its host cannot be resolved";
  }
  std::string why = "the address cannot be bound";
  const int fd =
      ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
      why = errno == EADDRINUSE
                ? absl::StrCat(listen,
                               " is in use by another process (another "
                               "registryd?)")
                : std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return why;
}

// The secret in the admin token file of a first start that stopped before
// its token was committed: the file's only line, "rgt_" and 64 hex digits.
std::optional<std::string> PendingAdminSecret(const std::string& token_file) {
  std::ifstream in(token_file);
  std::string line, rest;
  if (!std::getline(in, line) || std::getline(in, rest)) return std::nullopt;
  if (line.size() != 68 || !line.starts_with("rgt_") ||
      !std::all_of(line.begin() + 4, line.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return std::nullopt;
  }
  return line;
}

// Files a registry leaves beside (or for) its database that a new one
// would not have: with them, a database without tokens is not new but
// lost its data (a -wal file removed after a crash, say).
std::vector<std::string> SignsOfAPreviousLife(const std::string& key_file,
                                              const std::string& token_file) {
  std::vector<std::string> signs;
  std::error_code error;
  if (std::filesystem::exists(key_file, error)) {
    signs.push_back("the checkpoint key " + key_file);
  }
  if (std::filesystem::file_size(token_file, error) > 0 && !error) {
    signs.push_back("the admin token file " + token_file);
  }
  return signs;
}

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    const std::string& what) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in || buffer.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " (PEM) from ", path));
  }
  return buffer.str();
}

// Server credentials: TLS (or mutual TLS) when a certificate is given,
// otherwise local connections only.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerOptions& options, std::string* transport) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  if (options.tls_cert_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca needs --tls-cert and --tls-key");
    }
    *transport = "local connections only: no TLS configured";
    return grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain,
                   ReadPem(options.tls_cert_file, "the TLS certificate"));
  ASSIGN_OR_RETURN(pair.private_key,
                   ReadPem(options.tls_key_file, "the TLS key"));
  ssl.pem_key_cert_pairs.push_back(pair);
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPem(options.tls_client_ca_file, "the client CA"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    *transport = "mutual TLS";
  } else {
    ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    *transport = "TLS";
  }
  return grpc::SslServerCredentials(ssl);
}

// "/package.Service/Method" of every method this server has.
std::set<std::string> KnownMethods() {
  std::set<std::string> methods;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : RegistryServer::ServiceNames()) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(name);
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      methods.insert(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
  for (const char* method :
       {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}) {
    methods.insert(method);
  }
  return methods;
}

}  // namespace

const std::vector<std::string>& RegistryServer::ServiceNames() {
  static const auto* names = new std::vector<std::string>{
      "registry.v1.SubmissionService", "registry.v1.AdminService",
      "registry.v1.OutcomeService", "registry.v1.ReportService"};
  return *names;
}

absl::StatusOr<std::unique_ptr<RegistryServer>> RegistryServer::Start(
    ServerOptions options) {
  std::unique_ptr<RegistryServer> server(new RegistryServer());
  server->token_file_ = options.admin_token_file.empty()
                            ? options.db_path + ".admin-token"
                            : options.admin_token_file;
  ASSIGN_OR_RETURN(server->store_,
                   RegistryStore::Open(options.db_path, options.store));
  RegistryStore& store = *server->store_;
  const RequestContext system{{"registryd", Role::kSystem, 0, ""},
                              NewRequestId()};

  const std::string key_file = options.checkpoint_key_file.empty()
                                   ? options.db_path + ".checkpoint-key"
                                   : options.checkpoint_key_file;
  ASSIGN_OR_RETURN(const bool needs_bootstrap, store.NeedsBootstrap());
  if (needs_bootstrap) {
    std::error_code error;
    if (std::optional<std::string> secret =
            PendingAdminSecret(server->token_file_);
        secret && !std::filesystem::exists(key_file, error)) {
      // A first start wrote the token file and stopped before the token
      // was committed (the key comes after): finish it with that secret.
      const RequestContext system{{"registryd", Role::kSystem, 0, ""},
                                  NewRequestId()};
      RETURN_IF_ERROR(store
                          .IssueToken(system, Role::kAdmin, "",
                                      "initial admin token", std::nullopt,
                                      *secret)
                          .status());
      server->bootstrapped_ = true;
    } else if (std::vector<std::string> signs =
                   SignsOfAPreviousLife(key_file, server->token_file_);
               !signs.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.db_path, " holds no token, but it is not a new registry: ",
          absl::StrJoin(signs, " and "),
          " exist. After a crash its -wal file holds committed data (on a "
          "young registry, all of it): if ",
          options.db_path,
          "-wal was moved or removed, put it back beside the database and "
          "start again. To start a new registry anyway, move those files "
          "away first (docs/operations.md, After a crash)"));
    } else {
      RETURN_IF_ERROR(IssueAdminTokenToFile(store, server->token_file_,
                                            "initial admin token")
                          .status());
      server->bootstrapped_ = true;
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   Credentials(options, &server->transport_));
  credentials->SetAuthMetadataProcessor(std::make_shared<TokenAuthProcessor>());

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  // gRPC sets SO_REUSEPORT by default: a second registryd would bind the
  // same port and take half the calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Keepalive: ping idle clients every minute, drop them after 20 s without
  // an answer; accept client pings at most every 30 s.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30 * 1000);
  server->auth_ = std::make_unique<Authenticator>(&store, options.auth);
  grpc::ResourceQuota quota("registryd");
  quota.SetMaxThreads(options.max_handler_threads);
  builder.SetResourceQuota(quota);
  ASSIGN_OR_RETURN(server->signer_, CheckpointSigner::LoadOrCreate(key_file));
  Authenticator* auth = server->auth_.get();
  server->budget_ =
      std::make_unique<SubmissionBudget>(options.submission_limits);
  server->services_.push_back(
      std::make_unique<SubmissionServiceImpl>(SubmitDeps{
          &store, auth, server->budget_.get(), options.submit_idle_timeout}));
  server->services_.push_back(std::make_unique<AdminServiceImpl>(
      &store, auth, server->signer_.get(), &server->metrics_));
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      observers;
  observers.push_back(MakeRequestObserver(&server->metrics_,
                                          options.request_log, KnownMethods()));
  observers.push_back(server->auth_->MakeGate());
  server->request_log_ = options.request_log;
  RouteProtobufLogs(options.request_log);
  builder.experimental().SetInterceptorCreators(std::move(observers));
  server->services_.push_back(
      std::make_unique<OutcomeServiceImpl>(&store, auth));
  server->services_.push_back(
      std::make_unique<ReportServiceImpl>(&store, auth, options.follow_up));
  for (auto& service : server->services_)
    builder.RegisterService(service.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen, ": ",
                     WhyCannotListen(options.listen)));
  }
  // gRPC's health service knows only "" until told: probes of a service
  // by name would get NOT_FOUND.
  for (const std::string& name : ServiceNames()) {
    server->server_->GetHealthCheckService()->SetServingStatus(name, true);
  }
  absl::Status started = store.RecordAction(system, "server.start", "registryd",
                                            "listen=" + options.listen);
  if (IsDiskFull(started) || (started.ok() && store.DiskFull())) {
    // Reads and administration work in the reserve's space; refusing to
    // start would take them away too.
    server->warnings_.push_back(absl::StrCat(
        "the disk holding ", options.db_path,
        " is full: submissions fail with RESOURCE_EXHAUSTED until space is "
        "freed",
        started.ok() ? "" : absl::StrCat(" (", started.message(), ")")));
  } else if (!started.ok()) {
    return started;
  }
  return server;
}

absl::StatusOr<std::string> IssueAdminTokenToFile(RegistryStore& store,
                                                  const std::string& path,
                                                  std::string_view label) {
  // The file is written and synced before the token exists: a token no
  // file holds would lock everyone out.
  const std::string secret = RegistryStore::NewTokenSecret();
  ASSIGN_OR_RETURN(const int fd, CreatePrivateFile(path));
  absl::Status written = WriteAndSync(fd, secret + "\n", path);
  ::close(fd);
  if (!written.ok()) {
    ::unlink(path.c_str());
    return absl::Status(written.code(),
                        absl::StrCat("cannot write the admin token to ", path,
                                     ": ", written.message()));
  }
  const RequestContext system{{"registryd", Role::kSystem, 0, ""},
                              NewRequestId()};
  absl::StatusOr<IssuedToken> issued =
      store.IssueToken(system, Role::kAdmin, "", label, std::nullopt, secret);
  if (!issued.ok()) {
    ::unlink(path.c_str());
    return issued.status();
  }
  return issued->info.token_id;
}

RegistryServer::~RegistryServer() {
  if (server_ != nullptr) {
    auth_->Drain();
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  StopRoutingProtobufLogs(request_log_);
}

void RegistryServer::BeginDrain() {
  server_->GetHealthCheckService()->SetServingStatus(false);
}

void RegistryServer::Shutdown(absl::Duration grace) {
  BeginDrain();
  // Held calls end only when released: a shutdown waits for them.
  auth_->Drain();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

void RegistryServer::Wait() { server_->Wait(); }

}  // namespace registry
