// registryd: the registry server.
//
//   registryd --db FILE [--listen HOST:PORT] [--admin-token-file FILE]
//   registryd --db FILE --issue-admin-token FILE    (recovery, then exits)
//
// SIGTERM or SIGINT reports NOT_SERVING on the health service (for
// --drain-notice-seconds, still serving calls, so that load balancers move
// away), then stops accepting calls, lets in-flight calls finish (up to
// --drain-seconds) and exits 0. Under systemd (Type=notify) it reports
// READY=1 once it listens and STOPPING=1 when the drain begins. Exit 1 when it
// cannot start (the reason on stderr), 2 for a usage error.
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/synchronization/mutex.h"
#include "core/command_line.h"
#include "core/version.h"
#include "services/server.h"

ABSL_FLAG(std::string, db, "", "SQLite database file (created if missing)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "address to listen on, HOST:PORT (port 0 picks a free port)");
ABSL_FLAG(std::string, admin_token_file, "",
          "where a new database's admin token is written (default: "
          "DB.admin-token)");
ABSL_FLAG(std::string, tls_cert, "",
          "server certificate chain (PEM); enables TLS");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA certificate (PEM) that client certificates must chain to; "
          "enables mutual TLS");
ABSL_FLAG(std::string, checkpoint_key, "",
          "Ed25519 key (PEM) that signs audit checkpoints, kept outside the "
          "database; created when missing (default: DB.checkpoint-key)");
ABSL_FLAG(bool, log_requests, true,
          "write one JSON line per request to stderr");
ABSL_FLAG(int, drain_seconds, 10,
          "on SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(int, drain_notice_seconds, 0,
          "on SIGTERM, how long to go on serving while the health service "
          "reports NOT_SERVING, before the drain");
ABSL_FLAG(std::string, follow_up_schedule, "",
          "CSV of follow-up schedules per indication (disease,point,day,"
          "window_before,window_after,past_due_after; docs/follow-up.md); "
          "default: day 100, month 6, year 1, then yearly, for every "
          "disease");
ABSL_FLAG(std::string, issue_admin_token, "",
          "recovery: write a new admin token to this file (mode 0600; it "
          "must not exist) and exit; refused while another process serves "
          "the database");
ABSL_FLAG(int, wal_checkpoint_seconds, 30,
          "copy the WAL into the database file at least this often when "
          "there were writes");
ABSL_FLAG(int64_t, max_request_records, 1000000,
          "records one submission may hold");
ABSL_FLAG(int64_t, max_request_mib, 256,
          "MiB of messages one submission may hold");
ABSL_FLAG(int, disk_reserve_mib, 8,
          "space kept in reserve beside the database (DB.reserve) so that "
          "reads go on when the disk fills; 0 for none");

int main(int argc, char** argv) {
  // Abseil's mutex deadlock detection (on in this build of Abseil) records
  // a lock graph on every lock, gRPC's included: 2-3 % of the server's CPU
  // in the unary benchmark. Lock order is covered by the tests instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "the HSCT follow-up registry server\n\n"
      "  registryd --db FILE [--listen HOST:PORT] [--admin-token-file FILE]\n"
      "            [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]");
  absl::FlagsUsageConfig usage;
  usage.version_string = [] { return registry::VersionLine("registryd"); };
  absl::SetFlagsUsageConfig(usage);
  // Flags are documented with dashes (--tls-cert); Abseil names them with
  // underscores. Accept both.
  std::vector<std::string> storage = registry::FlagNamesWithUnderscores(
      std::vector<std::string>(argv, argv + argc));
  std::vector<char*> args;
  for (std::string& arg : storage) args.push_back(arg.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (positional.size() > 1 || absl::GetFlag(FLAGS_db).empty()) {
    std::cerr << "registryd: --db FILE is required (see --help)\n";
    return 2;
  }

  // Every file registryd creates (database, WAL, keys, tokens, backups)
  // holds patient data or secrets: owner only, whatever the caller's umask.
  umask(077);

  // Signals are taken by a dedicated thread; block them everywhere else
  // before gRPC starts its threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  registry::ServerOptions options;
  options.db_path = absl::GetFlag(FLAGS_db);
  options.store.checkpoint_interval =
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_wal_checkpoint_seconds)));
  options.store.disk_reserve_bytes =
      static_cast<int64_t>(std::max(0, absl::GetFlag(FLAGS_disk_reserve_mib)))
      << 20;
  options.submission_limits.max_request_records =
      std::max<int64_t>(1, absl::GetFlag(FLAGS_max_request_records));
  options.submission_limits.max_request_bytes =
      std::max<int64_t>(1, absl::GetFlag(FLAGS_max_request_mib)) << 20;
  options.submission_limits.max_in_flight_records =
      std::max(options.submission_limits.max_in_flight_records,
               2 * options.submission_limits.max_request_records);
  options.submission_limits.max_in_flight_bytes =
      std::max(options.submission_limits.max_in_flight_bytes,
               2 * options.submission_limits.max_request_bytes);

  if (const std::string path = absl::GetFlag(FLAGS_issue_admin_token);
      !path.empty()) {
    // Only for a registry that exists and has tokens: on a database that
    // lost its data (a removed -wal) or a mistyped path it would start an
    // empty registry.
    if (!std::filesystem::exists(options.db_path)) {
      std::cerr << "registryd: there is no database " << options.db_path
                << "\n";
      return 1;
    }
    absl::StatusOr<std::unique_ptr<registry::RegistryStore>> store =
        registry::RegistryStore::Open(options.db_path, options.store);
    if (!store.ok()) {
      std::cerr << "registryd: " << store.status().message() << "\n";
      return 1;
    }
    absl::StatusOr<bool> empty = (*store)->NeedsBootstrap();
    if (!empty.ok() || *empty) {
      std::cerr << "registryd: " << options.db_path
                << " holds no token at all: it is a new registry (start "
                   "registryd normally) or one that lost its data "
                   "(docs/operations.md, After a crash); no token was "
                   "issued\n";
      return 1;
    }
    absl::StatusOr<std::string> token = registry::IssueAdminTokenToFile(
        **store, path, "recovery admin token (registryd --issue-admin-token)");
    if (!token.ok()) {
      std::cerr << "registryd: " << token.status().message() << "\n";
      return 1;
    }
    std::cerr << "registryd: a new admin token " << *token << " is in " << path
              << " (mode 0600); rotate it and revoke tokens that were lost\n";
    return 0;
  }
  if (const std::string path = absl::GetFlag(FLAGS_follow_up_schedule);
      !path.empty()) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<registry::FollowUpSchedules> schedules =
        in ? registry::ParseFollowUpSchedules(text.str())
           : absl::NotFoundError("cannot read " + path);
    if (!schedules.ok()) {
      std::cerr << "registryd: --follow-up-schedule: "
                << schedules.status().message() << "\n";
      return 1;
    }
    options.follow_up = *std::move(schedules);
    std::cerr << "registryd: follow-up schedules from " << path << " ("
              << options.follow_up.by_disease.size()
              << " indication(s) of their own)\n";
  }
  options.listen = absl::GetFlag(FLAGS_listen);
  options.admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  options.checkpoint_key_file = absl::GetFlag(FLAGS_checkpoint_key);
  options.request_log =
      absl::GetFlag(FLAGS_log_requests) ? &std::cerr : nullptr;
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  absl::StatusOr<std::unique_ptr<registry::RegistryServer>> server =
      registry::RegistryServer::Start(options);
  if (!server.ok()) {
    std::cerr << "registryd: " << server.status().message() << "\n";
    return 1;
  }
  if ((*server)->bootstrapped()) {
    std::cerr << "registryd: new database " << options.db_path
              << "; the admin token is in " << (*server)->admin_token_file()
              << " (mode 0600)\n";
  }
  for (const std::string& warning : (*server)->warnings()) {
    std::cerr << "registryd: warning: " << warning << "\n";
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::cerr << "registryd: listening on " << host << ":" << (*server)->port()
            << " (" << (*server)->transport() << ")" << std::endl;

  sd_notifyf(0, "READY=1\nSTATUS=listening on %s:%d (%s)", host.c_str(),
             (*server)->port(), (*server)->transport().c_str());

  std::thread waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    sd_notify(0, "STOPPING=1\nSTATUS=draining");
    (*server)->BeginDrain();
    if (const int notice = absl::GetFlag(FLAGS_drain_notice_seconds);
        notice > 0) {
      std::cerr << "registryd: signal " << signal_number
                << ", reporting NOT_SERVING for " << notice << " s"
                << std::endl;
      // A second signal cuts the notice short.
      timespec timeout{notice, 0};
      sigtimedwait(&signals, nullptr, &timeout);
    }
    std::cerr << "registryd: signal " << signal_number
              << ", draining in-flight calls" << std::endl;
    (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_drain_seconds)));
  });
  (*server)->Wait();
  waiter.join();
  std::cerr << "registryd: stopped" << std::endl;
  return 0;
}
