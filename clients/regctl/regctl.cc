#include "clients/regctl/regctl.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "api/convert.h"
#include "clients/report_render/render.h"
#include "core/checkpoint.h"
#include "core/csv.h"
#include "core/endpoints.h"
#include "core/merkle.h"
#include "core/outcome_definition.h"
#include "core/records.h"
#include "core/sha256.h"
#include "core/survival.h"
#include "core/text_escape.h"
#include "core/utf8.h"
#include "google/protobuf/util/json_util.h"
#include "registry/v1/admin.grpc.pb.h"
#include "registry/v1/outcomes.grpc.pb.h"
#include "registry/v1/reports.grpc.pb.h"
#include "registry/v1/submission.grpc.pb.h"

namespace registry {
namespace {

constexpr char kUsage[] =
    R"(regctl: command-line client of the HSCT follow-up registry

Usage: regctl [global flags] COMMAND ...

Commands:
  admin center add CODE --name NAME     add a transplant center
  admin center list                     list centers
  admin token issue --role submitter|analyst|admin [--center CODE] [--label TEXT]
                    [--expires-in D]    D: e.g. 90d, 12h, 30m, 3600s
                                        issue a token (printed alone on stdout)
  admin token list                      list tokens (never their secrets)
  admin token revoke TOKEN_ID           revoke a token
  admin token rotate [--expires-in D]   replace the calling admin's own token
                                        (new token alone on stdout)
  admin audit verify [--checkpoint FILE]
                                        verify the audit trail (exit 1 if broken);
                                        with a saved checkpoint, also prove the
                                        log still extends it
  admin audit checkpoint                print the current signed checkpoint
  admin backup --out FILE               consistent copy of the database while
                                        the server keeps serving
  admin metrics                         request counts and latency histograms
  admin audit proof SEQ                 print an inclusion proof of entry SEQ
  admin audit check-proof FILE          check such a proof offline
  submit import KIND FILE               import a CSV file of new records
  submit amend KIND FILE --reason TEXT  correct records named by their key
  submit retract KIND FILE --reason TEXT
                                        retract records named by their key
  submit export KIND [--as-of-recorded TIME]
                                        print current records in import format
  patient history PATIENT_ID | --registry-id ID [--as-of-recorded TIME]
                                        one patient's records and their history
  patient status PATIENT_ID | --registry-id ID [definition flags] [--as-of DATE]
                                        one patient's timeline and NEDA status
  report outcomes [definition flags] [--as-of DATE] [--format csv]
                                        one outcome row per patient
  report disability-events [definition flags] [--as-of DATE] [--format csv]
                                        one row per CDW/CDI event

  report km --endpoint E [--by G] [--conf-type log|log-log|plain] [--times D,...]
            [definition flags] [--as-of DATE] [--format csv|json|table|svg]
                                        Kaplan-Meier curves (as R's survfit)
  report cif --endpoint E [--by G] [--format csv|json]
                                        cumulative incidence, death competing
  report cohort [--by G] [--min-cell-size N] [--format table|json|html]
                                        the cohort summary (Table 1, outcomes)
  report export KIND [--deidentify] [--format csv|ndjson]
                                        pseudonymised records of all centers

E: neda3, neda4, relapse, cdw, pfs, mri, os.  G: disease, center, regimen, era.
D: days since transplant.

Definition flags (each defaults to the registry's reference definition):
  --event first-cdw|first-cdi|first|multiple|first-pira|first-raw
  --baseline fixed|roving           --confirmation-days N[,N...]   (84)
  --confirmation-tolerance-days BEFORE,AFTER                       (7,730.5)
  --relapse-to-baseline-days N (30) --relapse-to-event-days N      (0)
  --relapse-to-confirmation-days N (30)  --relapse-assoc-days N    (90)
  --edss-plus1-max X (5.0)          --mri-rebaseline-days N        (180)

KIND: patients, transplants, visits, relapses, mri, treatments, deaths.
TIME: RFC 3339, e.g. 2026-01-31T12:00:00Z (the server's recorded time).

Global flags:
  --server HOST:PORT   registry address (env REGISTRY_SERVER; default 127.0.0.1:50051)
  --token-file FILE    file holding the bearer token (env REGISTRY_TOKEN_FILE)
  --format table|csv|json
                       output format of tabular results
  --timeout SECONDS    deadline of each call (default 300)
  --ca-cert FILE       connect with TLS, trusting this CA (PEM)
  --cert FILE --key FILE
                       client certificate and key for mutual TLS (PEM)

Exit status: 0 success, 1 rejected by the server or invalid input, 2 usage error.
)";

constexpr size_t kRecordsPerMessage = 1000;

const std::set<std::string>& ValueFlags() {
  static const auto* flags = new std::set<std::string>{
      "server", "token-file", "format", "name", "role", "center", "label",
      "reason", "registry-id", "timeout", "as-of-recorded",
      // Outcome definition and status date.
      "as-of", "event", "baseline", "confirmation-days",
      "confirmation-tolerance-days", "relapse-to-baseline-days",
      "relapse-to-event-days", "relapse-to-confirmation-days",
      "relapse-assoc-days", "edss-plus1-max", "mri-rebaseline-days",
      // Cohort reports.
      "endpoint", "by", "conf-type", "times", "min-cell-size",
      // Tokens and TLS.
      "expires-in", "ca-cert", "cert", "key", "checkpoint", "out"};
  return *flags;
}

struct UsageError {
  std::string message;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool help = false;
  bool deidentify = false;

  std::string Flag(const std::string& name,
                   const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

Args ParseArgs(const std::vector<std::string>& raw) {
  Args args;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& arg = raw[i];
    // Every text sent is a protobuf string, which must be UTF-8.
    if (std::optional<size_t> bad = FindInvalidUtf8(arg)) {
      throw UsageError{absl::StrCat("argument ", i + 1, " '",
                                    absl::CHexEscape(arg),
                                    "': ", DescribeInvalidUtf8(arg, *bad))};
    }
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      continue;
    }
    if (arg == "--deidentify") {
      args.deidentify = true;
      continue;
    }
    if (arg.size() < 2 || arg.substr(0, 2) != "--") {
      args.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    const size_t equals = name.find('=');
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    } else {
      if (ValueFlags().count(name) && i + 1 < raw.size())
        value = raw[++i];
      else if (ValueFlags().count(name)) {
        throw UsageError{"--" + name + " needs a value"};
      }
    }
    if (!ValueFlags().count(name)) throw UsageError{"unknown flag --" + name};
    args.flags[name] = value;
  }
  return args;
}

// A result table, printed as an aligned table, CSV or JSON.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

void PrintTable(const Table& table, const std::string& format,
                std::ostream& out) {
  if (format == "csv") {
    out << FormatCsvRow(table.columns) << "\n";
    for (const auto& row : table.rows) out << FormatCsvRow(row) << "\n";
  } else if (format == "json") {
    out << "[";
    for (size_t r = 0; r < table.rows.size(); ++r) {
      out << (r ? ",\n " : "") << "{";
      for (size_t c = 0; c < table.columns.size(); ++c) {
        out << (c ? ", " : "") << JsonQuote(table.columns[c]) << ": "
            << JsonQuote(table.rows[r][c]);
      }
      out << "}";
    }
    out << "]\n";
  } else {
    std::vector<size_t> widths;
    for (const auto& c : table.columns) widths.push_back(c.size());
    for (const auto& row : table.rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        widths[c] = std::max(widths[c], row[c].size());
      }
    }
    auto print_row = [&](const std::vector<std::string>& row) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        line += row[c];
        if (c + 1 < row.size())
          line += std::string(widths[c] - row[c].size() + 2, ' ');
      }
      out << line << "\n";
    };
    print_row(table.columns);
    for (const auto& row : table.rows) print_row(row);
  }
}

// Rows of a streamed result: CSV goes out row by row (flat memory);
// tables and JSON need every row for their layout, so they are kept.
class RowOutput {
 public:
  RowOutput(std::vector<std::string> columns, std::string format,
            std::ostream& out)
      : table_{std::move(columns), {}}, format_(std::move(format)), out_(out) {
    if (format_ == "csv") out_ << FormatCsvRow(table_.columns) << "\n";
  }
  void Add(std::vector<std::string> row) {
    if (format_ == "csv") {
      out_ << FormatCsvRow(row) << "\n";
    } else {
      table_.rows.push_back(std::move(row));
    }
  }
  // Prints the kept rows (nothing more for CSV).
  void Finish() {
    if (format_ != "csv") PrintTable(table_, format_, out_);
  }

 private:
  Table table_;
  const std::string format_;
  std::ostream& out_;
};

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProto(t),
                          absl::UTCTimeZone());
}

std::string RoleText(v1::Role role) {
  switch (role) {
    case v1::ROLE_SUBMITTER:
      return "submitter";
    case v1::ROLE_ANALYST:
      return "analyst";
    case v1::ROLE_ADMIN:
      return "admin";
    default:
      return "?";
  }
}

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

class Client {
 public:
  Client(const Args& args, RegctlIo& io) : args_(args), io_(io) {
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
    if (!absl::SimpleAtoi(timeout, &timeout_seconds_) ||
        timeout_seconds_ <= 0) {
      throw UsageError{"--timeout must be a positive number of seconds"};
    }
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    channel_ = grpc::CreateCustomChannel(server, ChannelCredentials(args),
                                         channel_args);
    submission_ = v1::SubmissionService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    outcomes_ = v1::OutcomeService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);
  }

  void Prepare(grpc::ClientContext& context) const {
    if (!token_.empty()) {
      context.AddMetadata("authorization", "Bearer " + token_);
    }
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(timeout_seconds_));
  }

  // Prints a failed status with its field violations; returns 1.
  int Fail(const grpc::Status& status) const {
    io_.err << "regctl: " << CodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
    for (const FieldViolation& v : ViolationsOf(status)) {
      io_.err << "  " << v.field << ": " << v.description << "\n";
    }
    return 1;
  }

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

void ExpectPositional(const Args& args, size_t count, const char* usage) {
  if (args.positional.size() != count) throw UsageError{usage};
}

// --- admin ------------------------------------------------------------------

int CenterAdd(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 4, "usage: regctl admin center add CODE --name NAME");
  if (args.Flag("name").empty()) throw UsageError{"--name NAME is required"};
  v1::AddCenterRequest request;
  request.set_code(args.positional[3]);
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
  ExpectPositional(client.args(), 3, "usage: regctl admin center list");
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

// "90d", "12h", "30m", "45s" or plain seconds; 0 when the flag is absent.
int64_t ExpiresInFlag(const Args& args) {
  const std::string text = args.Flag("expires-in");
  if (text.empty()) return 0;
  int64_t unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    case 's':
      break;
    default:
      number += "s";
  }
  number.pop_back();
  int64_t value;
  if (!absl::SimpleAtoi(number, &value) || value <= 0) {
    throw UsageError{
        "--expires-in must be a positive duration such as 90d, "
        "12h, 30m or 3600s"};
  }
  return value * unit;
}

int TokenRotate(Client& client) {
  ExpectPositional(client.args(), 3,
                   "usage: regctl admin token rotate [--expires-in D]");
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
  ExpectPositional(args, 3,
                   "usage: regctl admin token issue --role "
                   "submitter|analyst|admin [--center CODE] [--label TEXT]");
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
  ExpectPositional(client.args(), 3, "usage: regctl admin token list");
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
  ExpectPositional(client.args(), 4,
                   "usage: regctl admin token revoke TOKEN_ID");
  v1::RevokeTokenRequest request;
  request.set_token_id(client.args().positional[3]);
  v1::RevokeTokenResponse response;
  grpc::Status status =
      client.Call(&v1::AdminService::Stub::RevokeToken, request, &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << "revoked token " << response.info().token_id() << "\n";
  return 0;
}

std::string ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) throw UsageError{"cannot read " + what + " " + path};
  return buffer.str();
}

// Proves that the current log extends the saved checkpoint; returns a
// description of the first problem, or "" when it does.
std::string CheckAgainstCheckpoint(Client& client, const std::string& path) {
  absl::StatusOr<Checkpoint> saved =
      ParseCheckpoint(ReadTextFile(path, "checkpoint"));
  if (!saved.ok()) return std::string(saved.status().message());
  if (!VerifyCheckpointSignature(*saved)) {
    return "the saved checkpoint's signature is not valid";
  }
  v1::ProveConsistencyRequest request;
  request.set_old_size(static_cast<int64_t>(saved->tree_size));
  v1::ProveConsistencyResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::ProveConsistency,
                                    request, &response);
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    return status.error_message();
  }
  if (!status.ok()) {
    client.Fail(status);
    return "cannot get a consistency proof";
  }
  absl::StatusOr<Checkpoint> current = ParseCheckpoint(response.checkpoint());
  if (!current.ok() || !VerifyCheckpointSignature(*current)) {
    return "the server's checkpoint is not validly signed";
  }
  if (current->public_key != saved->public_key) {
    return "the current tree is signed with another key than the saved "
           "checkpoint (key " +
           ToHex(current->public_key) + ", expected " +
           ToHex(saved->public_key) + ")";
  }
  const std::vector<std::string> proof(response.proof().begin(),
                                       response.proof().end());
  if (!VerifyConsistency(saved->tree_size, current->tree_size, saved->root_hash,
                         current->root_hash, proof)) {
    return absl::StrCat("the log of ", current->tree_size,
                        " entries does not extend the checkpoint of ",
                        saved->tree_size,
                        " entries: entries up to it were rewritten or "
                        "deleted");
  }
  client.io().out << "checkpoint OK: the log of " << current->tree_size
                  << " entries extends the checkpoint of " << saved->tree_size
                  << " entries (" << saved->time << ")\n";
  return "";
}

int AuditVerify(Client& client) {
  ExpectPositional(client.args(), 3,
                   "usage: regctl admin audit verify [--checkpoint FILE]");
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
    return 1;
  }
  client.io().out << "audit trail OK: " << response.entries_checked()
                  << " entries, hash chain intact; "
                  << response.events_checked()
                  << " clinical events, each covered by its entry\n";
  if (!client.args().Flag("checkpoint").empty()) {
    const std::string problem =
        CheckAgainstCheckpoint(client, client.args().Flag("checkpoint"));
    if (!problem.empty()) {
      client.io().err << "regctl: checkpoint check FAILED: " << problem << "\n";
      return 1;
    }
  }
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

// The end of a streamed answer: its status, then the number of items the
// registry says it sent against the number that arrived, so that an
// answer cut short never passes for a complete one.
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

int Backup(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 2, "usage: regctl admin backup --out FILE");
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

int Metrics(Client& client) {
  ExpectPositional(client.args(), 2, "usage: regctl admin metrics");
  v1::GetMetricsResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::GetMetrics,
                                    v1::GetMetricsRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << response.text();
  return 0;
}

int AuditCheckpoint(Client& client) {
  ExpectPositional(client.args(), 3, "usage: regctl admin audit checkpoint");
  v1::GetCheckpointResponse response;
  grpc::Status status = client.Call(&v1::AdminService::Stub::GetCheckpoint,
                                    v1::GetCheckpointRequest(), &response);
  if (!status.ok()) return client.Fail(status);
  client.io().out << response.checkpoint();
  return 0;
}

constexpr char kProofHeader[] = "hsct-registry inclusion proof v1";

int AuditProof(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 4, "usage: regctl admin audit proof SEQ");
  v1::ProveInclusionRequest request;
  int64_t seq;
  if (!absl::SimpleAtoi(args.positional[3], &seq) || seq <= 0) {
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
  ExpectPositional(args, 4, "usage: regctl admin audit check-proof FILE");
  const std::string text = ReadTextFile(args.positional[3], "proof");
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

// --- submit -----------------------------------------------------------------

Kind KindArg(const std::string& text) {
  std::optional<Kind> kind = ParseKind(text);
  if (!kind) {
    throw UsageError{"unknown KIND '" + text +
                     "' (patients, transplants, visits, relapses, mri, "
                     "treatments, deaths)"};
  }
  return *kind;
}

struct LoadedFile {
  std::vector<v1::Record> records;
  std::vector<int> lines;  // CSV line of each record
  std::vector<std::string> errors;
};

// "line 7: unterminated quoted field" -> "FILE:7: unterminated ...".
std::string SyntaxError(const std::string& path, const absl::Status& status) {
  std::string message(status.message());
  if (absl::StartsWith(message, "line ")) return path + ":" + message.substr(5);
  return path + ": " + message;
}

// Reads a CSV file of `kind`, checking its header and every row the way the
// server will; with `key_only`, rows need only their key columns.
LoadedFile LoadCsv(const std::string& path, Kind kind, bool key_only) {
  LoadedFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    file.errors.push_back(path + ": cannot open the file");
    return file;
  }
  CsvReader reader(in);
  CsvRow header;
  if (!reader.Next(&header)) {
    file.errors.push_back(
        reader.status().ok()
            ? path + ":1: the file is empty (a header row is required)"
            : SyntaxError(path, reader.status()));
    return file;
  }
  absl::Span<const Column> columns = ColumnsOf(kind);
  std::vector<std::string> names;
  for (const Column& c : columns) names.push_back(std::string(c.name));
  const std::string expected = absl::StrJoin(names, ",");
  std::vector<int> position(columns.size(), -1);  // column -> file index
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i];
    auto it = std::find(names.begin(), names.end(), name);
    if (std::optional<size_t> bad = FindInvalidUtf8(name)) {
      file.errors.push_back(absl::StrCat(path, ":", header.line, ": header: ",
                                         DescribeInvalidUtf8(name, *bad)));
    } else if (it == names.end()) {
      file.errors.push_back(absl::StrCat(
          path, ":", header.line, ": ", name, ": unknown column for ",
          std::string(KindName(kind)), " (columns: ", expected, ")"));
    } else if (position[it - names.begin()] >= 0) {
      file.errors.push_back(absl::StrCat(path, ":", header.line, ": ", name,
                                         ": repeated column"));
    } else {
      position[it - names.begin()] = static_cast<int>(i);
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    const bool needed = key_only ? columns[c].key : columns[c].required;
    if (position[c] < 0 && needed) {
      file.errors.push_back(absl::StrCat(path, ":", header.line, ": ", names[c],
                                         ": required column is missing"));
    }
  }
  if (!file.errors.empty()) return file;

  const Date latest = LatestValidDate(absl::Now());
  CsvRow csv;
  while (reader.Next(&csv)) {
    // Protobuf strings must be UTF-8: a cell in another encoding would
    // make the server refuse the whole request without saying where.
    bool text_ok = true;
    for (size_t i = 0; i < csv.fields.size(); ++i) {
      if (std::optional<size_t> bad = FindInvalidUtf8(csv.fields[i])) {
        file.errors.push_back(
            absl::StrCat(path, ":", csv.line, ": ",
                         i < header.fields.size() ? header.fields[i] : "row",
                         ": ", DescribeInvalidUtf8(csv.fields[i], *bad)));
        text_ok = false;
      }
    }
    if (!text_ok) continue;
    if (csv.fields.size() != header.fields.size()) {
      file.errors.push_back(absl::StrCat(
          path, ":", csv.line, ": row: expected ", header.fields.size(),
          " values as in the header, found ", csv.fields.size()));
      continue;
    }
    Row row(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      if (position[c] >= 0) row[c] = csv.fields[position[c]];
    }
    std::vector<FieldViolation> violations;
    if (key_only) {
      Parsed<RecordKey> key = ParseRecordKey(kind, row);
      violations = std::move(key.violations);
      if (key.value) file.records.push_back(KeyOnlyProto(*key.value));
    } else {
      Parsed<Record> record = ParseRecord(kind, row, latest);
      violations = std::move(record.violations);
      if (record.value) file.records.push_back(ToProto(*record.value));
    }
    for (const FieldViolation& v : violations) {
      file.errors.push_back(absl::StrCat(path, ":", csv.line, ": ", v.field,
                                         ": ", v.description));
    }
    file.lines.push_back(csv.line);
  }
  if (!reader.status().ok()) {
    file.errors.push_back(SyntaxError(path, reader.status()));
  }
  return file;
}

// "records[12].edss" -> (12, "edss").
bool SplitRecordField(const std::string& field, size_t* index,
                      std::string* column) {
  if (!absl::StartsWith(field, "records[")) return false;
  const size_t close = field.find(']');
  if (close == std::string::npos ||
      !absl::SimpleAtoi(field.substr(8, close - 8), index)) {
    return false;
  }
  *column = close + 2 <= field.size() ? field.substr(close + 2) : "row";
  return true;
}

int Submit(Client& client, v1::Operation operation) {
  const Args& args = client.args();
  const char* verb = operation == v1::OPERATION_IMPORT  ? "import"
                     : operation == v1::OPERATION_AMEND ? "amend"
                                                        : "retract";
  ExpectPositional(args, 4,
                   operation == v1::OPERATION_IMPORT
                       ? "usage: regctl submit import KIND FILE"
                       : "usage: regctl submit amend|retract KIND FILE "
                         "--reason TEXT");
  const Kind kind = KindArg(args.positional[2]);
  const std::string path = args.positional[3];
  if (operation != v1::OPERATION_IMPORT && args.Flag("reason").empty()) {
    throw UsageError{absl::StrCat("submit ", verb,
                                  " needs --reason TEXT (kept in the audit "
                                  "trail)")};
  }
  LoadedFile file = LoadCsv(path, kind, operation == v1::OPERATION_RETRACT);
  if (!file.errors.empty()) {
    for (const std::string& e : file.errors) client.io().err << e << "\n";
    client.io().err << "regctl: " << file.errors.size() << " error(s) in "
                    << path << "; nothing was sent\n";
    return 1;
  }

  grpc::ClientContext context;
  client.Prepare(context);
  v1::SubmitResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::SubmitRequest>> writer =
      client.submission().Submit(&context, &response);
  const size_t total = file.records.size();
  size_t sent = 0;
  bool first = true;
  while (first || sent < total) {
    v1::SubmitRequest message;
    if (first) {
      message.set_operation(operation);
      message.set_reason(args.Flag("reason"));
      // The server applies nothing unless exactly this many arrive.
      message.set_record_count(static_cast<int64_t>(total));
      first = false;
    }
    for (size_t n = 0; n < kRecordsPerMessage && sent < total; ++n, ++sent) {
      *message.add_records() = std::move(file.records[sent]);
    }
    if (!writer->Write(message)) break;
    if (client.io().err_is_terminal && total > 0) {
      const int filled = static_cast<int>(30 * sent / total);
      client.io().err << "\r" << verb << " [" << std::string(filled, '#')
                      << std::string(30 - filled, ' ') << "] " << sent << "/"
                      << total << std::flush;
    }
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (client.io().err_is_terminal && total > 0) client.io().err << "\n";
  if (!status.ok()) {
    client.io().err << "regctl: " << Client::CodeName(status.error_code())
                    << ": " << status.error_message() << "\n";
    // In file order, however the server grouped them.
    std::vector<std::pair<int, std::string>> messages;
    for (const FieldViolation& v : ViolationsOf(status)) {
      size_t index;
      std::string column;
      if (SplitRecordField(v.field, &index, &column) &&
          index < file.lines.size()) {
        messages.push_back(
            {file.lines[index], absl::StrCat(path, ":", file.lines[index], ": ",
                                             column, ": ", v.description)});
      } else {
        messages.push_back(
            {0, absl::StrCat(path, ": ", v.field, ": ", v.description)});
      }
    }
    std::stable_sort(
        messages.begin(), messages.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [line, message] : messages)
      client.io().err << message << "\n";
    return 1;
  }
  if (response.received() != static_cast<int64_t>(total)) {
    client.io().err << "regctl: the registry reports " << response.received()
                    << " records received of the " << total << " sent (request "
                    << response.request_id()
                    << "); check with `regctl submit export " << KindName(kind)
                    << "`\n";
    return 1;
  }
  client.io().out << verb << " " << KindName(kind) << " from " << path << ": "
                  << response.received() << " records, " << response.accepted()
                  << " accepted, " << response.unchanged()
                  << " unchanged (request " << response.request_id() << ")\n";
  return 0;
}

std::optional<google::protobuf::Timestamp> AsOfFlag(const Args& args) {
  const std::string text = args.Flag("as-of-recorded");
  if (text.empty()) return std::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    throw UsageError{
        "--as-of-recorded must be RFC 3339, e.g. "
        "2026-01-31T12:00:00Z: " +
        error};
  }
  return ToProto(time);
}

int Export(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 3, "usage: regctl submit export KIND [--format csv]");
  const Kind kind = KindArg(args.positional[2]);
  v1::ExportRequest request;
  request.set_kind(ToProto(kind));
  if (auto as_of = AsOfFlag(args)) *request.mutable_as_of_recorded() = *as_of;
  grpc::ClientContext context;
  client.Prepare(context);
  std::unique_ptr<grpc::ClientReader<v1::ExportResponse>> reader =
      client.submission().Export(&context, request);
  const std::string format = client.format("csv");
  std::vector<std::string> columns;
  for (const Column& c : ColumnsOf(kind)) columns.emplace_back(c.name);
  RowOutput rows(std::move(columns), format, client.io().out);
  v1::ExportResponse batch;
  int64_t received = 0;
  while (reader->Read(&batch)) {
    received += batch.records_size();
    for (const v1::Record& record : batch.records()) {
      std::optional<Record> parsed = ToCore(record);
      if (!parsed) {
        client.io().err << "regctl: skipped an unreadable record\n";
        continue;
      }
      rows.Add(registry::ToRow(*parsed));
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

// --- patient ----------------------------------------------------------------

// Names the patient of `request` from `regctl patient COMMAND PATIENT_ID`
// or `--registry-id ID`.
template <typename Request>
void SetPatient(const Args& args, const std::string& command,
                const std::string& extra_usage, Request& request) {
  if (!args.Flag("registry-id").empty()) {
    ExpectPositional(
        args, 2,
        ("usage: regctl patient " + command + " --registry-id ID").c_str());
    request.set_registry_id(args.Flag("registry-id"));
  } else {
    ExpectPositional(args, 3,
                     ("usage: regctl patient " + command +
                      " PATIENT_ID | --registry-id ID " + extra_usage)
                         .c_str());
    request.set_patient_id(args.positional[2]);
  }
}

int PatientHistoryCommand(Client& client) {
  const Args& args = client.args();
  v1::GetPatientHistoryRequest request;
  SetPatient(args, "history", "[--as-of-recorded TIME]", request);
  if (auto as_of = AsOfFlag(args)) *request.mutable_as_of_recorded() = *as_of;
  v1::GetPatientHistoryResponse response;
  grpc::Status status = client.Call(
      &v1::SubmissionService::Stub::GetPatientHistory, request, &response);
  if (!status.ok()) return client.Fail(status);

  const std::string format = client.format();
  Table table{{"section", "event_seq", "recorded_at", "operation", "kind",
               "values", "reason"},
              {}};
  auto values =
      [](const v1::Record& record) -> std::pair<std::string, std::string> {
    std::optional<Record> parsed = ToCore(record);
    if (!parsed) return {"?", ""};
    return {std::string(KindName(KindOf(*parsed))),
            FormatCsvRow(registry::ToRow(*parsed))};
  };
  for (const v1::Record& record : response.current_records()) {
    auto [kind, text] = values(record);
    table.rows.push_back({"current", "", "", "", kind, text, ""});
  }
  for (const v1::RecordEvent& event : response.events()) {
    auto [kind, text] = values(event.record());
    const char* op = event.operation() == v1::OPERATION_IMPORT  ? "create"
                     : event.operation() == v1::OPERATION_AMEND ? "amend"
                                                                : "retract";
    table.rows.push_back({"event", absl::StrCat(event.event_seq()),
                          TimeText(event.recorded_at()), op, kind, text,
                          event.reason()});
  }
  if (format == "table") {
    client.io().out << "registry_id: " << response.registry_id() << "\n"
                    << "patient_id:  " << response.patient_id() << "\n"
                    << "center:      " << response.center() << "\n\n";
  }
  PrintTable(table, format, client.io().out);
  return 0;
}

// --- outcomes ---------------------------------------------------------------

int IntFlag(const Args& args, const std::string& name) {
  int value;
  if (!absl::SimpleAtoi(args.Flag(name), &value)) {
    throw UsageError{"--" + name + " must be a whole number of days"};
  }
  return value;
}

double NumberFlag(const std::string& name, const std::string& text) {
  double value;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    throw UsageError{"--" + name + " must be a (finite) number"};
  }
  return value;
}

v1::OutcomeDefinition DefinitionFlags(const Args& args) {
  v1::OutcomeDefinition d;
  if (!args.Flag("event").empty()) {
    std::optional<EventSelection> event =
        ParseEventSelection(args.Flag("event"));
    if (!event) {
      throw UsageError{
          "--event must be first-cdw, first-cdi, first, multiple, first-pira "
          "or first-raw"};
    }
    d.set_event(ToProto(*event));
  }
  if (!args.Flag("baseline").empty()) {
    std::optional<BaselineScheme> scheme =
        ParseBaselineScheme(args.Flag("baseline"));
    if (!scheme) throw UsageError{"--baseline must be fixed or roving"};
    d.set_baseline(ToProto(*scheme));
  }
  if (!args.Flag("confirmation-days").empty()) {
    for (absl::string_view part :
         absl::StrSplit(args.Flag("confirmation-days"), ',')) {
      int days;
      if (!absl::SimpleAtoi(part, &days)) {
        throw UsageError{"--confirmation-days must be N[,N...] (days)"};
      }
      d.add_confirmation_days(days);
    }
  }
  if (!args.Flag("confirmation-tolerance-days").empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(args.Flag("confirmation-tolerance-days"), ',');
    if (parts.size() != 2) {
      throw UsageError{"--confirmation-tolerance-days must be BEFORE,AFTER"};
    }
    d.set_confirmation_tolerance_before_days(
        NumberFlag("confirmation-tolerance-days", parts[0]));
    d.set_confirmation_tolerance_after_days(
        NumberFlag("confirmation-tolerance-days", parts[1]));
  }
  if (!args.Flag("relapse-to-baseline-days").empty()) {
    d.set_relapse_to_baseline_days(IntFlag(args, "relapse-to-baseline-days"));
  }
  if (!args.Flag("relapse-to-event-days").empty()) {
    d.set_relapse_to_event_days(IntFlag(args, "relapse-to-event-days"));
  }
  if (!args.Flag("relapse-to-confirmation-days").empty()) {
    d.set_relapse_to_confirmation_days(
        IntFlag(args, "relapse-to-confirmation-days"));
  }
  if (!args.Flag("relapse-assoc-days").empty()) {
    d.set_relapse_assoc_days(IntFlag(args, "relapse-assoc-days"));
  }
  if (!args.Flag("edss-plus1-max").empty()) {
    d.set_edss_plus1_max(
        NumberFlag("edss-plus1-max", args.Flag("edss-plus1-max")));
  }
  if (!args.Flag("mri-rebaseline-days").empty()) {
    d.set_mri_rebaseline_days(IntFlag(args, "mri-rebaseline-days"));
  }
  return d;
}

std::optional<v1::Date> AsOfDateFlag(const Args& args) {
  if (args.Flag("as-of").empty()) return std::nullopt;
  std::optional<Date> date = ParseIsoDate(args.Flag("as-of"));
  if (!date) throw UsageError{"--as-of must be a date, YYYY-MM-DD"};
  return ToProtoDate(*date);
}

std::string DateText(const v1::Date& date) {
  std::optional<Date> parsed = FromProto(date);
  return parsed ? FormatIsoDate(*parsed) : "";
}

std::string EdssText(double edss) { return absl::StrFormat("%.1f", edss); }

std::string DiseaseText(v1::Disease disease) {
  const std::optional<Disease> core = FromProto(disease);
  return core ? std::string(DiseaseCode(*core)) : "";
}

void PrintDefinition(const v1::AppliedDefinition& applied, RegctlIo& io) {
  io.err << "# definition " << applied.rules_version() << ": " << applied.text()
         << "\n";
}

int ReportOutcomes(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 2,
                   "usage: regctl report outcomes [definition flags] "
                   "[--as-of DATE] [--format csv]");
  v1::StreamCohortOutcomesRequest request;
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.outcomes().StreamCohortOutcomes(&context, request);
  RowOutput rows(
      std::vector<std::string>{
          "registry_id", "patient_id", "center", "disease", "transplant_date",
          "neda3_evaluable", "eda_date", "eda_kind", "remission_days",
          "censored", "last_edss_date", "last_mri_date", "relapses_post",
          "arr_pre", "arr_post", "cdw_count", "neda4"},
      client.format("csv"), client.io().out);
  v1::StreamCohortOutcomesResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    if (message.has_definition())
      PrintDefinition(message.definition(), client.io());
    received += message.outcomes_size();
    for (const v1::PatientOutcome& o : message.outcomes()) {
      const bool evaluable = o.neda3_evaluable();
      std::vector<std::string> kinds;
      for (int kind : o.eda_kinds()) {
        kinds.push_back(kind == v1::EDA_KIND_RELAPSE ? "relapse"
                        : kind == v1::EDA_KIND_MRI   ? "mri"
                                                     : "cdw");
      }
      auto number = [](bool has, double value) {
        return has ? absl::StrFormat("%.4f", value) : std::string();
      };
      std::vector<std::string> row = {
          o.patient().registry_id(),
          o.patient().patient_id(),
          o.patient().center(),
          DiseaseText(o.patient().disease()),
          DateText(o.patient().transplant_date()),
          evaluable ? "1" : "0",
          DateText(o.eda_date()),
          absl::StrJoin(kinds, "+"),
          o.has_remission_days() ? absl::StrCat(o.remission_days()) : "",
          o.has_censored() ? (o.censored() ? "1" : "0") : "",
          DateText(o.last_edss_date()),
          DateText(o.last_mri_date()),
          absl::StrCat(o.relapses_post()),
          number(o.has_arr_pre(), o.arr_pre()),
          number(o.has_arr_post(), o.arr_post()),
          absl::StrCat(o.cdw_count()),
          o.has_neda4() ? (o.neda4() ? "1" : "0") : ""};
      rows.Add(std::move(row));
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

int ReportDisabilityEvents(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 2,
                   "usage: regctl report disability-events [definition flags] "
                   "[--as-of DATE] [--format csv]");
  v1::ListDisabilityEventsRequest request;
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.outcomes().ListDisabilityEvents(&context, request);
  RowOutput rows(
      {"registry_id", "patient_id", "event_seq", "event_type", "cdw_type",
       "onset_date", "onset_edss", "baseline_date", "baseline_edss",
       "confirmation_date", "confirmation_edss", "days_from_day0"},
      client.format("csv"), client.io().out);
  v1::ListDisabilityEventsResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    if (message.has_definition())
      PrintDefinition(message.definition(), client.io());
    received += message.patients_size();
    for (const v1::PatientDisabilityEvents& patient : message.patients()) {
      int seq = 0;
      for (const v1::DisabilityEvent& e : patient.events()) {
        const bool cdw = e.type() == v1::DISABILITY_EVENT_TYPE_CDW;
        std::vector<std::string> row = {
            patient.patient().registry_id(),
            patient.patient().patient_id(),
            absl::StrCat(++seq),
            cdw ? "CDW" : "CDI",
            !cdw                                ? ""
            : e.cdw_type() == v1::CDW_TYPE_PIRA ? "PIRA"
            : e.cdw_type() == v1::CDW_TYPE_RAW  ? "RAW"
                                                : "undefined",
            DateText(e.onset_date()),
            EdssText(e.onset_edss()),
            DateText(e.baseline_date()),
            EdssText(e.baseline_edss()),
            DateText(e.confirmation_date()),
            EdssText(e.confirmation_edss()),
            absl::StrCat(e.days_from_day0())};
        rows.Add(std::move(row));
      }
    }
  }
  if (int code = FinishStream(client, context, reader->Finish(), received)) {
    return code;
  }
  rows.Finish();
  return 0;
}

int PatientStatus(Client& client) {
  const Args& args = client.args();
  v1::GetPatientStatusRequest request;
  SetPatient(args, "status", "[definition flags] [--as-of DATE]", request);
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  v1::GetPatientStatusResponse response;
  grpc::Status status = client.Call(&v1::OutcomeService::Stub::GetPatientStatus,
                                    request, &response);
  if (!status.ok()) return client.Fail(status);
  const v1::PatientOutcome& o = response.outcome();
  std::ostream& out = client.io().out;
  out << "Patient "
      << (o.patient().patient_id().empty()
              ? o.patient().registry_id()
              : o.patient().patient_id() + " (" + o.patient().registry_id() +
                    ")")
      << (o.patient().center().empty() ? ""
                                       : ", center " + o.patient().center())
      << ", " << DiseaseText(o.patient().disease());
  if (o.patient().has_transplant_date()) {
    out << ", transplant on " << DateText(o.patient().transplant_date());
  }
  out << "\n" << response.neda_status() << "\n";
  out << "Relapses after transplant: " << o.relapses_post();
  if (o.has_arr_pre() || o.has_arr_post()) {
    out << absl::StrFormat(
        " (ARR %s before, %s after)",
        o.has_arr_pre() ? absl::StrFormat("%.2f", o.arr_pre()) : "-",
        o.has_arr_post() ? absl::StrFormat("%.2f", o.arr_post()) : "-");
  }
  out << "; confirmed disability worsening: " << o.cdw_count() << "\n";
  for (const std::string& warning : o.warnings()) {
    out << "Note: " << warning << "\n";
  }
  out << "\nTimeline\n";
  for (const v1::TimelineEntry& entry : response.timeline()) {
    out << "  " << DateText(entry.date()) << "  "
        << (entry.has_day() ? absl::StrFormat("day %6d", entry.day())
                            : std::string(10, ' '))
        << "  " << entry.what() << "\n";
  }
  out << "\nDefinition " << response.definition().rules_version() << ": "
      << response.definition().text() << "\n";
  return 0;
}

// --- cohort reports
// -----------------------------------------------------------

std::string Num(double value) { return FormatNumber(value); }
std::string OptNum(bool has, double value) { return has ? Num(value) : "NA"; }

v1::Stratification ByFlag(const Args& args) {
  const std::string by = args.Flag("by");
  if (by.empty()) return v1::STRATIFICATION_UNSPECIFIED;
  std::optional<Stratification> parsed = ParseStratification(by);
  if (!parsed || *parsed == Stratification::kNone) {
    throw UsageError{"--by must be disease, center, regimen or era"};
  }
  return ToProto(*parsed);
}

v1::Endpoint EndpointFlag(const Args& args) {
  std::optional<Endpoint> endpoint = ParseEndpoint(args.Flag("endpoint"));
  if (!endpoint) {
    throw UsageError{
        "--endpoint must be neda3, neda4, relapse, cdw, pfs, mri or os"};
  }
  return ToProto(*endpoint);
}

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

int ReportKaplanMeier(Client& client) {
  const Args& args = client.args();
  ExpectPositional(
      args, 2,
      "usage: regctl report km --endpoint E [--by G] "
      "[--conf-type T] [--times D,...] [--format csv|json|table|svg]");
  v1::KaplanMeierRequest request;
  request.set_endpoint(EndpointFlag(args));
  request.set_by(ByFlag(args));
  if (!args.Flag("conf-type").empty()) {
    std::optional<ConfidenceType> type =
        ParseConfidenceType(args.Flag("conf-type"));
    if (!type) throw UsageError{"--conf-type must be log, log-log or plain"};
    request.set_conf_type(ToProto(*type));
  }
  const bool at_times = !args.Flag("times").empty();
  if (at_times) {
    for (absl::string_view part : absl::StrSplit(args.Flag("times"), ',')) {
      request.add_times_days(NumberFlag("times", std::string(part)));
    }
  }
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  const std::string format = client.format("csv");
  v1::KaplanMeierResponse response;
  grpc::Status status =
      client.Call(&v1::ReportService::Stub::KaplanMeier, request, &response);
  if (!status.ok()) return client.Fail(status);
  PrintDefinition(response.definition(), client.io());
  std::ostream& out = client.io().out;
  if (format == "json") {
    out << Json(response);
    return 0;
  }
  const std::optional<Endpoint> answered = FromProto(response.endpoint());
  const std::string endpoint(answered ? EndpointName(*answered) : "?");
  if (format == "svg") {
    PlotOptions options;
    static const std::map<std::string, std::string> kTitles = {
        {"neda3", "NEDA-3 (no evidence of disease activity)"},
        {"neda4", "NEDA-4"},
        {"relapse", "Relapse-free survival"},
        {"cdw", "Freedom from confirmed disability worsening"},
        {"pfs", "Progression-free survival (CDW or death)"},
        {"mri", "Freedom from MRI activity"},
        {"os", "Overall survival"}};
    const auto title = kTitles.find(endpoint);
    options.title = title == kTitles.end() ? endpoint : title->second;
    options.subtitle = absl::StrCat(
        "95% CI (",
        std::string(ConfidenceTypeName(
            FromProto(response.conf_type()).value_or(ConfidenceType::kLog))),
        "); ticks: censored; ", response.definition().rules_version());
    if (response.has_log_rank()) {
      absl::StrAppend(&options.subtitle,
                      absl::StrFormat("; log-rank p = %.3g",
                                      response.log_rank().p_value()));
    }
    out << KaplanMeierSvg({response.curves().begin(), response.curves().end()},
                          options);
    return 0;
  }
  if (format == "csv") {
    out << "stratum,time_days,n_risk,n_event,n_censor,surv,std_err,lower,"
           "upper\n";
    for (const v1::KaplanMeierCurve& curve : response.curves()) {
      for (const v1::KaplanMeierRow& row :
           at_times ? curve.at_times() : curve.rows()) {
        out << FormatCsvRow({curve.stratum(), Num(row.time_days()),
                             absl::StrCat(row.n_risk()),
                             absl::StrCat(row.n_event()),
                             absl::StrCat(row.n_censor()), Num(row.surv()),
                             OptNum(row.has_std_err(), row.std_err()),
                             OptNum(row.has_lower(), row.lower()),
                             OptNum(row.has_upper(), row.upper())})
            << "\n";
      }
    }
    return 0;
  }
  out << "Kaplan-Meier, endpoint " << endpoint << " (" << response.excluded()
      << " patients do not count for it)\n";
  Table table{
      {"stratum", "n", "events", "median_days", "median_lower", "median_upper"},
      {}};
  for (const v1::KaplanMeierCurve& curve : response.curves()) {
    table.rows.push_back(
        {curve.stratum().empty() ? "all" : curve.stratum(),
         absl::StrCat(curve.n()), absl::StrCat(curve.events()),
         OptNum(curve.has_median_days(), curve.median_days()),
         OptNum(curve.has_median_lower_days(), curve.median_lower_days()),
         OptNum(curve.has_median_upper_days(), curve.median_upper_days())});
  }
  PrintTable(table, "table", out);
  if (response.has_log_rank()) {
    out << absl::StrFormat("Log-rank: chisq = %.4f on %d df, p = %.4g\n",
                           response.log_rank().chisq(),
                           response.log_rank().df(),
                           response.log_rank().p_value());
  }
  if (at_times) {
    Table rows{{"stratum", "time_days", "n_risk", "surv", "lower", "upper"},
               {}};
    for (const v1::KaplanMeierCurve& curve : response.curves()) {
      for (const v1::KaplanMeierRow& row : curve.at_times()) {
        rows.rows.push_back(
            {curve.stratum(), Num(row.time_days()), absl::StrCat(row.n_risk()),
             absl::StrFormat("%.4f", row.surv()),
             row.has_lower() ? absl::StrFormat("%.4f", row.lower()) : "NA",
             row.has_upper() ? absl::StrFormat("%.4f", row.upper()) : "NA"});
      }
    }
    out << "\n";
    PrintTable(rows, "table", out);
  }
  return 0;
}

int ReportCumulativeIncidence(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 2,
                   "usage: regctl report cif --endpoint E [--by G] "
                   "[--format csv|json]");
  v1::CumulativeIncidenceRequest request;
  request.set_endpoint(EndpointFlag(args));
  request.set_by(ByFlag(args));
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  v1::CumulativeIncidenceResponse response;
  grpc::Status status = client.Call(
      &v1::ReportService::Stub::CumulativeIncidence, request, &response);
  if (!status.ok()) return client.Fail(status);
  PrintDefinition(response.definition(), client.io());
  if (client.format("csv") == "json") {
    client.io().out << Json(response);
    return 0;
  }
  Table table{{"stratum", "time_days", "n_risk", "n_event", "n_competing",
               "n_censor", "incidence", "competing_incidence"},
              {}};
  for (const v1::CumulativeIncidenceCurve& curve : response.curves()) {
    for (const v1::CumulativeIncidenceRow& row : curve.rows()) {
      table.rows.push_back(
          {curve.stratum(), Num(row.time_days()), absl::StrCat(row.n_risk()),
           absl::StrCat(row.n_event()), absl::StrCat(row.n_competing()),
           absl::StrCat(row.n_censor()), Num(row.incidence()),
           Num(row.competing_incidence())});
    }
  }
  PrintTable(table, client.format("csv"), client.io().out);
  return 0;
}

int ReportCohort(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 2,
                   "usage: regctl report cohort [--by G] [--min-cell-size N] "
                   "[--format table|json|html]");
  v1::CohortSummaryRequest request;
  request.set_by(ByFlag(args));
  if (!args.Flag("min-cell-size").empty()) {
    request.set_min_cell_size(IntFlag(args, "min-cell-size"));
  }
  *request.mutable_definition() = DefinitionFlags(args);
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  v1::CohortSummaryResponse response;
  grpc::Status status =
      client.Call(&v1::ReportService::Stub::CohortSummary, request, &response);
  if (!status.ok()) return client.Fail(status);
  const std::string format = client.format("table");
  if (format == "html") {
    client.io().out << CohortReportHtml(response);
  } else if (format == "json") {
    client.io().out << Json(response);
  } else if (format == "table") {
    client.io().out << CohortReportText(response);
  } else {
    throw UsageError{"report cohort prints table, json or html"};
  }
  return 0;
}

int ReportExport(Client& client) {
  const Args& args = client.args();
  ExpectPositional(args, 3,
                   "usage: regctl report export KIND [--deidentify] "
                   "[--format csv|ndjson]");
  v1::ExportRecordsRequest request;
  request.set_kind(ToProto(KindArg(args.positional[2])));
  request.set_deidentify(args.deidentify);
  const std::string format = client.format("csv");
  if (format != "csv" && format != "ndjson") {
    throw UsageError{"report export prints csv or ndjson"};
  }
  grpc::ClientContext context;
  client.Prepare(context);
  auto reader = client.reports().ExportRecords(&context, request);
  std::vector<std::string> columns;
  v1::ExportRecordsResponse message;
  std::ostream& out = client.io().out;
  int64_t received = 0;
  while (reader->Read(&message)) {
    received += message.rows_size();
    if (message.columns_size() > 0) {
      columns.assign(message.columns().begin(), message.columns().end());
      if (format == "csv") out << FormatCsvRow(columns) << "\n";
    }
    for (const v1::ExportRow& row : message.rows()) {
      if (format == "csv") {
        out << FormatCsvRow({row.values().begin(), row.values().end()}) << "\n";
        continue;
      }
      out << "{";
      for (int i = 0;
           i < row.values_size() && i < static_cast<int>(columns.size()); ++i) {
        out << (i ? ", " : "") << JsonQuote(columns[i]) << ": "
            << JsonQuote(row.values(i));
      }
      out << "}\n";
    }
  }
  return FinishStream(client, context, reader->Finish(), received);
}

int Dispatch(Client& client) {
  const std::vector<std::string>& p = client.args().positional;
  auto is = [&](std::initializer_list<const char*> words) {
    size_t i = 0;
    for (const char* word : words) {
      if (i >= p.size() || p[i] != word) return false;
      ++i;
    }
    return true;
  };
  if (is({"admin", "center", "add"})) return CenterAdd(client);
  if (is({"admin", "center", "list"})) return CenterList(client);
  if (is({"admin", "token", "issue"})) return TokenIssue(client);
  if (is({"admin", "token", "list"})) return TokenList(client);
  if (is({"admin", "token", "revoke"})) return TokenRevoke(client);
  if (is({"admin", "token", "rotate"})) return TokenRotate(client);
  if (is({"admin", "audit", "verify"})) return AuditVerify(client);
  if (is({"admin", "audit", "checkpoint"})) return AuditCheckpoint(client);
  if (is({"admin", "backup"})) return Backup(client);
  if (is({"admin", "metrics"})) return Metrics(client);
  if (is({"admin", "audit", "proof"})) return AuditProof(client);
  if (is({"submit", "import"})) return Submit(client, v1::OPERATION_IMPORT);
  if (is({"submit", "amend"})) return Submit(client, v1::OPERATION_AMEND);
  if (is({"submit", "retract"})) return Submit(client, v1::OPERATION_RETRACT);
  if (is({"submit", "export"})) return Export(client);
  if (is({"patient", "history"})) return PatientHistoryCommand(client);
  if (is({"patient", "status"})) return PatientStatus(client);
  if (is({"report", "outcomes"})) return ReportOutcomes(client);
  if (is({"report", "km"})) return ReportKaplanMeier(client);
  if (is({"report", "cif"})) return ReportCumulativeIncidence(client);
  if (is({"report", "cohort"})) return ReportCohort(client);
  if (is({"report", "export"})) return ReportExport(client);
  if (is({"report", "disability-events"}))
    return ReportDisabilityEvents(client);
  throw UsageError{"unknown command '" + absl::StrJoin(p, " ") +
                   "' (see regctl --help)"};
}

}  // namespace

int RunRegctl(const std::vector<std::string>& raw_args, RegctlIo& io) {
  try {
    Args args = ParseArgs(raw_args);
    if (args.help || args.positional.empty()) {
      (args.help ? io.out : io.err) << kUsage;
      return args.help ? 0 : 2;
    }
    const std::string format = args.Flag("format", "table");
    const bool report = args.positional[0] == "report";
    if (format != "table" && format != "csv" && format != "json" &&
        !(report &&
          (format == "svg" || format == "html" || format == "ndjson"))) {
      throw UsageError{
          "--format must be table, csv or json (reports: also svg, html, "
          "ndjson where they say so)"};
    }
    if (args.positional.size() >= 3 && args.positional[0] == "admin" &&
        args.positional[1] == "audit" && args.positional[2] == "check-proof") {
      return AuditCheckProof(args, io);
    }
    Client client(args, io);
    return Dispatch(client);
  } catch (const UsageError& e) {
    io.err << "regctl: " << e.message << "\n";
    return 2;
  }
}

}  // namespace registry
