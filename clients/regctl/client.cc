#include "clients/regctl/client.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "core/violations.h"

namespace registry {
namespace {

std::string ReadPemFlag(const Args& args, const std::string& flag) {
  const std::string path = args.Flag(flag);
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in || buffer.str().find("-----BEGIN") == std::string::npos) {
    throw UsageError{"--" + flag + ": cannot read a PEM file at " + path};
  }
  return buffer.str();
}

// TLS when --ca-cert is given (with a client certificate for mutual TLS),
// otherwise the local credentials a loopback registryd expects.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const Args& args) {
  if (args.Flag("cert").empty() != args.Flag("key").empty()) {
    throw UsageError{"--cert and --key go together"};
  }
  if (args.Flag("ca-cert").empty()) {
    if (!args.Flag("cert").empty()) {
      throw UsageError{"--cert and --key need --ca-cert"};
    }
    return grpc::experimental::LocalCredentials(LOCAL_TCP);
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadPemFlag(args, "ca-cert");
  if (!args.Flag("cert").empty()) {
    ssl.pem_cert_chain = ReadPemFlag(args, "cert");
    ssl.pem_private_key = ReadPemFlag(args, "key");
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

Client::Client(const Args& args, RegctlIo& io) : args_(args), io_(io) {
  std::string server = args.Flag("server");
  if (server.empty() && io.env.count("REGISTRY_SERVER")) {
    server = io.env.at("REGISTRY_SERVER");
  }
  if (server.empty()) server = "127.0.0.1:50051";
  std::string token_file = args.Flag("token-file");
  if (token_file.empty() && io.env.count("REGISTRY_TOKEN_FILE")) {
    token_file = io.env.at("REGISTRY_TOKEN_FILE");
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) throw UsageError{"cannot read token file " + token_file};
    std::stringstream buffer;
    buffer << in.rdbuf();
    token_ = std::string(absl::StripAsciiWhitespace(buffer.str()));
  }
  const std::string timeout = args.Flag("timeout", "300");
  if (!absl::SimpleAtoi(timeout, &timeout_seconds_) || timeout_seconds_ <= 0) {
    throw UsageError{"--timeout must be a positive number of seconds"};
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  channel_ =
      grpc::CreateCustomChannel(server, ChannelCredentials(args), channel_args);
  submission_ = v1::SubmissionService::NewStub(channel_);
  admin_ = v1::AdminService::NewStub(channel_);
  outcomes_ = v1::OutcomeService::NewStub(channel_);
  reports_ = v1::ReportService::NewStub(channel_);
}

void Client::Prepare(grpc::ClientContext& context) const {
  if (!token_.empty()) {
    context.AddMetadata("authorization", "Bearer " + token_);
  }
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(timeout_seconds_));
}

int Client::Fail(const grpc::Status& status) const {
  io_.err << "regctl: " << CodeName(status.error_code()) << ": "
          << status.error_message() << "\n";
  const std::vector<FieldViolation> violations = ViolationsOf(status);
  for (const FieldViolation& v : violations) {
    io_.err << "  " << v.field << ": " << v.description << "\n";
  }
  PrintUnlisted(status, violations.size(), io_.err);
  return 1;
}

void PrintUnlisted(const grpc::Status& status, size_t listed,
                   std::ostream& err) {
  const int64_t unlisted =
      ProblemCountOf(status) - static_cast<int64_t>(listed);
  if (unlisted > 0) {
    err << "  ... and " << unlisted << " more problem(s) not listed\n";
  }
}

int FinishStream(Client& client, const grpc::ClientContext& context,
                 const grpc::Status& status, int64_t received) {
  if (!status.ok()) return client.Fail(status);
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kItemsTrailer);
  int64_t stated = -1;
  if (it == trailers.end() ||
      !absl::SimpleAtoi(std::string(it->second.data(), it->second.size()),
                        &stated)) {
    client.io().err << "regctl: the registry did not say how many items it "
                       "sent; the answer may be incomplete\n";
    return 1;
  }
  if (stated != received) {
    client.io().err << "regctl: the registry sent " << stated << " items and "
                    << received << " arrived: the answer is incomplete\n";
    return 1;
  }
  return 0;
}

}  // namespace registry
