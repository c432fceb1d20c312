// regctl's connection to the registry: channel, credentials, token and
// deadline, the stubs of the four services, and the checks every answer
// goes through.
#ifndef REGISTRY_CLIENTS_REGCTL_CLIENT_H_
#define REGISTRY_CLIENTS_REGCTL_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <type_traits>

#include "api/convert.h"
#include "clients/regctl/args.h"
#include "clients/regctl/regctl.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/outcomes.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"

namespace registry {

class Client {
 public:
  // Connects to --server (or REGISTRY_SERVER, or 127.0.0.1:50051) with
  // TLS when --ca-cert is given, and reads the token of --token-file (or
  // REGISTRY_TOKEN_FILE). UsageError for unreadable files or a bad
  // --timeout.
  Client(const Args& args, RegctlIo& io);

  // Sets the bearer token and the deadline (--timeout, default 300 s).
  void Prepare(grpc::ClientContext& context) const;

  // Prints a failed status with its field violations; returns 1.
  int Fail(const grpc::Status& status) const;

  static std::string CodeName(grpc::StatusCode code) {
    return StatusCodeName(static_cast<int>(code));
  }

  // One unary call with the token and deadline set.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    Prepare(context);
    if constexpr (std::is_same_v<Stub, v1::AdminService::Stub>) {
      return (admin_.get()->*method)(&context, request, response);
    } else if constexpr (std::is_same_v<Stub, v1::OutcomeService::Stub>) {
      return (outcomes_.get()->*method)(&context, request, response);
    } else if constexpr (std::is_same_v<Stub, v1::ReportService::Stub>) {
      return (reports_.get()->*method)(&context, request, response);
    } else {
      return (submission_.get()->*method)(&context, request, response);
    }
  }

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::SubmissionService::Stub& submission() { return *submission_; }
  v1::OutcomeService::Stub& outcomes() { return *outcomes_; }
  v1::ReportService::Stub& reports() { return *reports_; }
  v1::AdminService::Stub& admin() { return *admin_; }
  const Args& args() const { return args_; }
  RegctlIo& io() { return io_; }
  std::string format(const std::string& fallback = "table") const {
    return args_.Flag("format", fallback);
  }

 private:
  const Args& args_;
  RegctlIo& io_;
  std::string token_;
  int timeout_seconds_ = 300;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SubmissionService::Stub> submission_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::OutcomeService::Stub> outcomes_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

// "  ... and N more problem(s) not listed" when the status reports more
// problems than the `listed` printed.
void PrintUnlisted(const grpc::Status& status, size_t listed,
                   std::ostream& err);

// The end of a streamed answer: its status, then the number of items the
// registry says it sent (the x-items trailer) against `received`, so that
// an answer cut short never passes for a complete one. 0 when complete;
// otherwise prints why and returns 1.
int FinishStream(Client& client, const grpc::ClientContext& context,
                 const grpc::Status& status, int64_t received);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_CLIENT_H_
