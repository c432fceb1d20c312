// regctl's command line: one table of commands (words, operands, the flags
// each takes, the formats it prints, its handler), parsed with CLI11. A
// flag a command does not take is a usage error naming it; `--` ends the
// options; every command has its own --help.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/regctl/commands.h"
#include "clients/regctl/flag_table.h"
#include "core/records.h"
#include "core/utf8.h"
#include "core/version.h"

namespace registry {
namespace {

const std::vector<std::string> kGlobalFlags = {
    "server", "token-file", "timeout", "ca-cert", "cert", "key"};

// How a CSV file to submit is written.
const std::vector<std::string> kCsvFlags = {
    "delimiter", "decimal-comma", "encoding", "dry-run", "errors-out"};

const std::vector<std::string> kDefinitionFlags = {
    "event",
    "baseline",
    "confirmation-days",
    "confirmation-tolerance-days",
    "preset",
    "pira-reference",
    "pira-windows",
    "relapse-rebaseline",
    "require-sustained-days",
    "relapse-to-baseline-days",
    "relapse-to-event-days",
    "relapse-to-confirmation-days",
    "relapse-assoc-days",
    "edss-plus1-max",
    "mri-rebaseline-days",
    "tfr-ending-classes",
    "infection-min-grade",
    "agvhd-by-days",
    "graft-failure-day",
    "ssc-baseline-days",
    "fvc-change",
    "rcriss-percent",
    "doris-prednisolone",
    "sle-flare-points"};

std::vector<std::string> With(std::vector<std::string> flags,
                              const std::vector<std::string>& more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

struct Command {
  std::vector<std::string> words;     // {"admin", "center", "add"}
  std::vector<std::string> operands;  // "[X]": optional
  std::string summary;
  std::vector<std::string> flags;    // besides the global ones
  std::vector<std::string> formats;  // --format values, default first
  int (*run)(Client&) = nullptr;
  int (*offline)(const Args&, RegctlIo&) = nullptr;  // needs no server
  bool deidentify = false;                           // takes --deidentify
};

const std::vector<std::string> kTable = {"table", "csv", "json"};
const std::vector<std::string> kRows = {"csv", "table", "json"};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {{"admin", "center", "add"},
       {"CODE"},
       "add a transplant center",
       {"name"},
       {},
       CenterAdd},
      {{"admin", "center", "list"}, {}, "list centers", {}, kTable, CenterList},
      {{"admin", "token", "issue"},
       {},
       "issue a token (printed alone on stdout)",
       {"role", "center", "label", "expires-in"},
       {},
       TokenIssue},
      {{"admin", "token", "list"},
       {},
       "list tokens (never their secrets)",
       {},
       kTable,
       TokenList},
      {{"admin", "token", "revoke"},
       {"TOKEN_ID"},
       "revoke a token",
       {},
       {},
       TokenRevoke},
      {{"admin", "token", "rotate"},
       {},
       "replace the calling admin's own token (new token alone on stdout)",
       {"expires-in"},
       {},
       TokenRotate},
      {{"admin", "audit", "verify"},
       {},
       "verify the audit trail; with --checkpoint, also prove the log still "
       "extends a saved checkpoint. Exit 0 intact, 3 broken (the first bad "
       "entry named), 1 when it cannot be checked (server unreachable, a bad "
       "checkpoint file)",
       {"checkpoint"},
       {},
       AuditVerify},
      {{"admin", "audit", "checkpoint"},
       {},
       "print the current signed checkpoint",
       {},
       {},
       AuditCheckpoint},
      {{"admin", "audit", "proof"},
       {"SEQ"},
       "print an inclusion proof of audit entry SEQ",
       {},
       {},
       AuditProof},
      {{"admin", "audit", "check-proof"},
       {"FILE"},
       "check such a proof offline (no server, no token)",
       {},
       {},
       nullptr,
       AuditCheckProof},
      {{"admin", "backup"},
       {},
       "consistent copy of the database while the server keeps serving",
       {"out"},
       {},
       Backup},
      {{"health"},
       {},
       "whether the server and each service are SERVING (no token needed). "
       "Exit 0 all serving, 3 one is not (the server is draining, say), 1 "
       "unreachable",
       {"service"},
       kRows,
       Health},
      {{"admin", "metrics"},
       {},
       "request counts, latency histograms, build and store figures "
       "(Prometheus text); --textfile FILE replaces FILE atomically, with "
       "registry_up, for node-exporter's textfile collector",
       {"textfile"},
       {},
       Metrics},
      {{"submit", "import"},
       {"KIND", "FILE"},
       "import a CSV file of new records; with --upsert --reason TEXT, of "
       "new and changed ones (changed rows become amendments)",
       With({"upsert", "reason"}, kCsvFlags),
       {},
       SubmitImport},
      {{"submit", "import-dir"},
       {"DIR"},
       "import a centre's files (DIR/KIND.csv: patients.csv, visits.csv, "
       "...) as one all-or-nothing request, patients first, then "
       "transplants, then the rest; --upsert --reason TEXT as for import",
       With({"upsert", "reason"}, kCsvFlags),
       {},
       SubmitImportDir},
      {{"submit", "amend"},
       {"KIND", "FILE"},
       "correct records named by their key",
       With({"reason"}, kCsvFlags),
       {},
       SubmitAmend},
      {{"submit", "retract"},
       {"KIND", "FILE"},
       "retract records named by their key",
       With({"reason"}, kCsvFlags),
       {},
       SubmitRetract},
      {{"submit", "export"},
       {"KIND"},
       "print current records in import format",
       {"as-of-recorded"},
       kRows,
       Export},
      {{"patient", "history"},
       {"[PATIENT_ID]"},
       "one patient's records and their history (PATIENT_ID or "
       "--registry-id)",
       {"registry-id", "as-of-recorded"},
       kTable,
       PatientHistory},
      {{"patient", "status"},
       {"[PATIENT_ID]"},
       "one patient's timeline and NEDA status (PATIENT_ID or --registry-id)",
       With({"registry-id", "as-of", "as-of-recorded"}, kDefinitionFlags),
       {},
       PatientStatus},
      {{"report", "outcomes"},
       {},
       "one outcome row per patient",
       With({"as-of", "as-of-recorded"}, kDefinitionFlags),
       kRows,
       ReportOutcomes},
      {{"report", "states"},
       {},
       "one row per SLE assessment: SLEDAI-2K, DORIS, LLDAS, flare",
       With({"as-of", "as-of-recorded"}, kDefinitionFlags),
       kRows,
       ReportStates},
      {{"report", "disability-events"},
       {},
       "one row per CDW/CDI event",
       With({"as-of", "as-of-recorded"}, kDefinitionFlags),
       kRows,
       ReportDisabilityEvents},
      {{"report", "km"},
       {},
       "Kaplan-Meier curves (as R's survfit)",
       With({"endpoint", "by", "conf-type", "times", "as-of", "as-of-recorded"},
            kDefinitionFlags),
       {"csv", "json", "table", "svg"},
       ReportKaplanMeier},
      {{"report", "cif"},
       {},
       "cumulative incidence, death competing",
       With({"endpoint", "by", "as-of", "as-of-recorded"}, kDefinitionFlags),
       {"csv", "json", "table"},
       ReportCumulativeIncidence},
      {{"report", "cohort"},
       {},
       "the cohort summary (Table 1, outcomes)",
       With({"by", "min-cell-size", "as-of", "as-of-recorded"},
            kDefinitionFlags),
       {"table", "json", "html"},
       ReportCohort},
      {{"report", "due"},
       {},
       "each patient's due, overdue and next follow-up points (day 100, "
       "month 6, year 1, then yearly; past due 120 days after the due "
       "date); --all lists done ones too",
       {"center", "as-of", "all"},
       kRows,
       ReportDue},
      {{"report", "completeness"},
       {},
       "per center and follow-up point, the share of reports past due with "
       "data, of patients alive when they fell due; and the one-year figure",
       {"as-of"},
       kRows,
       ReportCompleteness},
      {{"report", "export"},
       {"KIND"},
       "pseudonymised records of all centers",
       {"as-of-recorded"},
       {"csv", "ndjson"},
       ReportExport,
       nullptr,
       true},
  };
  return *commands;
}

constexpr char kDescription[] =
    "regctl: command-line client of the HSCT follow-up registry";

// After the KIND line, which lists the core's kinds.
constexpr char kFooter[] =
    R"(Each command has its own --help (regctl submit import --help).
Exit status: 0 success, 1 rejected by the server or invalid input,
2 usage error.)";

// The words of the deepest command the parse reached ("submit export").
std::string SelectedPath(const CLI::App& app) {
  std::vector<std::string> words;
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    words.push_back(at->get_name());
  }
  return absl::StrJoin(words, " ");
}

const Command* CommandAt(const std::string& path) {
  for (const Command& command : Commands()) {
    if (absl::StrJoin(command.words, " ") == path) return &command;
  }
  return nullptr;
}

// What a usage error says, naming the flag or word at fault: CLI11's own
// messages list every extra argument, values included, in no useful order.
std::string UsageMessage(const std::vector<std::string>& raw_args,
                         const std::string& path, const CLI::ParseError& e) {
  const Command* command = CommandAt(path);
  if (command != nullptr) {
    std::vector<std::string> takes = kGlobalFlags;
    takes.insert(takes.end(), command->flags.begin(), command->flags.end());
    if (!command->formats.empty()) takes.push_back("format");
    if (command->deidentify) takes.push_back("deidentify");
    for (const std::string& arg : raw_args) {
      if (arg == "--") break;
      if (arg.size() <= 2 || arg.rfind("--", 0) != 0) continue;
      const std::string name = arg.substr(2, arg.find('=') - 2);
      if (name == "help" || name == "version") continue;
      if (std::find(takes.begin(), takes.end(), name) == takes.end()) {
        return absl::StrCat(path, " does not take --", name);
      }
    }
    return absl::StrCat(path, ": ", e.what());
  }
  // A group (or nothing) was reached: the next word is not a command.
  std::vector<std::string> words = absl::StrSplit(path, ' ', absl::SkipEmpty());
  std::vector<std::string> known;
  for (const Command& c : Commands()) {
    if (c.words.size() > words.size() &&
        std::equal(words.begin(), words.end(), c.words.begin()) &&
        std::find(known.begin(), known.end(), c.words[words.size()]) ==
            known.end()) {
      known.push_back(c.words[words.size()]);
    }
  }
  size_t matched = 0;
  for (size_t i = 0; i < raw_args.size(); ++i) {
    const std::string& arg = raw_args[i];
    if (arg.rfind("-", 0) == 0) {
      // A value flag's value is not a word.
      const std::string name = arg.substr(2);
      if (arg.find('=') == std::string::npos &&
          (KnownFlags().count(name) || name == "format")) {
        ++i;
      }
      continue;
    }
    if (matched < words.size() && arg == words[matched]) {
      ++matched;
      continue;
    }
    return absl::StrCat("unknown command '", path.empty() ? "" : path + " ",
                        arg, "' (", path.empty() ? "regctl" : path,
                        " commands: ", absl::StrJoin(known, ", "), ")");
  }
  return absl::StrCat(path.empty() ? "regctl" : path,
                      " needs a command: ", absl::StrJoin(known, ", "));
}

std::string GroupSummary(const std::string& word) {
  static const auto* kSummaries = new std::map<std::string, std::string>{
      {"admin", "centers, tokens, the audit trail, backups, metrics"},
      {"center", "transplant centers"},
      {"token", "bearer tokens"},
      {"audit", "the audit trail and its signed checkpoints"},
      {"submit", "a center's records: import, amend, retract, export"},
      {"patient", "one patient's records, history and status"},
      {"report", "outcomes and cohort reports"}};
  auto it = kSummaries->find(word);
  return it == kSummaries->end() ? "" : it->second;
}

std::string OperandHelp(const std::string& name) {
  static const auto* kHelp = new std::map<std::string, std::string>{
      {"KIND", "record kind (below)"},
      {"FILE", "the file to read"},
      {"DIR", "a directory of KIND.csv files"},
      {"CODE", "center code: 1-32 of A-Z a-z 0-9 _ -"},
      {"TOKEN_ID", "a token's id (admin token list)"},
      {"SEQ", "an audit entry's number (1, 2, ...)"},
      {"PATIENT_ID", "the center's own patient code"}};
  auto it = kHelp->find(name);
  return it == kHelp->end() ? "" : it->second;
}

// The kinds and their CSV columns, from the core's declaration: the help
// of the commands that take a KIND.
std::string KindsHelp() {
  std::string text =
      "KIND and its CSV columns (header row required, any order; * "
      "required, + key):\n";
  for (const KindDeclaration& d : KindDeclarations()) {
    std::vector<std::string> columns;
    for (const Column& c : d.columns) {
      columns.push_back(absl::StrCat(std::string(c.name), c.required ? "*" : "",
                                     c.key ? "+" : ""));
    }
    absl::StrAppend(&text, "  ", std::string(d.name), ": ",
                    absl::StrJoin(columns, ","), "\n      ",
                    std::string(d.meaning), "\n");
  }
  return text;
}

void AddFlag(CLI::App& command, Args& args, const std::string& name) {
  const FlagSpec& spec = KnownFlags().at(name);
  if (*spec.value == '\0') {  // a switch: present or not
    command.add_flag_function(
        "--" + name, [&args, name](int64_t) { args.flags[name] = "yes"; },
        spec.help);
    return;
  }
  command
      .add_option_function<std::string>(
          "--" + name,
          [&args, name](const std::string& value) { args.flags[name] = value; },
          spec.help)
      ->type_name(spec.value);
}

}  // namespace

int RunRegctl(const std::vector<std::string>& raw_args, RegctlIo& io) {
  // Every text sent is a protobuf string, which must be UTF-8.
  for (size_t i = 0; i < raw_args.size(); ++i) {
    if (std::optional<size_t> bad = FindInvalidUtf8(raw_args[i])) {
      io.err << "regctl: argument " << i + 1 << " '"
             << absl::CHexEscape(raw_args[i])
             << "': " << DescribeInvalidUtf8(raw_args[i], *bad) << "\n";
      return 2;
    }
  }
  Args args;
  CLI::App app(kDescription, "regctl");
  app.set_version_flag("--version", std::string(RegistryVersion()));
  std::vector<std::string> kinds;
  for (Kind kind : kAllKinds) kinds.emplace_back(KindName(kind));
  app.footer(
      absl::StrCat("KIND: ", absl::StrJoin(kinds, ", "), ".\n", kFooter));
  app.require_subcommand(1);
  // Global flags may follow the command: unknown flags of a command are
  // offered to its parents, and only the global ones are known there.
  app.fallthrough();
  for (const std::string& name : kGlobalFlags) AddFlag(app, args, name);

  const Command* selected = nullptr;
  std::vector<std::unique_ptr<std::string>> operand_values;
  std::vector<std::pair<const Command*, CLI::App*>> leaves;
  for (const Command& command : Commands()) {
    CLI::App* at = &app;
    for (size_t w = 0; w < command.words.size(); ++w) {
      CLI::App* next = nullptr;
      for (CLI::App* child : at->get_subcommands({})) {
        if (child->get_name() == command.words[w]) next = child;
      }
      if (next == nullptr) {
        next = at->add_subcommand(command.words[w],
                                  w + 1 == command.words.size()
                                      ? command.summary
                                      : GroupSummary(command.words[w]));
        next->fallthrough();
        if (w + 1 < command.words.size()) next->require_subcommand(1);
      }
      at = next;
    }
    CLI::App& leaf = *at;
    leaf.description(command.summary);
    for (const std::string& operand : command.operands) {
      const bool optional = operand.front() == '[';
      const std::string name =
          optional ? operand.substr(1, operand.size() - 2) : operand;
      operand_values.push_back(std::make_unique<std::string>());
      std::string* value = operand_values.back().get();
      CLI::Option* option =
          leaf.add_option_function<std::string>(
                  name, [value](const std::string& v) { *value = v; },
                  OperandHelp(name))
              ->type_name("");
      if (!optional) option->required();
    }
    for (const std::string& name : command.flags) AddFlag(leaf, args, name);
    if (!command.formats.empty()) {
      leaf.add_option_function<std::string>(
              "--format",
              [&args](const std::string& value) {
                args.flags["format"] = value;
              },
              "output: " + absl::StrJoin(command.formats, ", ") + " (default " +
                  command.formats.front() + ")")
          ->type_name("F")
          ->check(CLI::IsMember(command.formats));
    }
    if (command.deidentify) {
      leaf.add_flag("--deidentify", args.deidentify,
                    "dates as days since the first transplant");
    }
    const bool takes_kind =
        std::find(command.operands.begin(), command.operands.end(), "KIND") !=
        command.operands.end();
    leaf.footer(absl::StrCat(takes_kind ? KindsHelp() : "",
                             "Global flags: --server, --token-file, --timeout, "
                             "--ca-cert, --cert, --key (regctl --help)."));
    leaves.emplace_back(&command, &leaf);
  }

  if (raw_args.empty()) {
    io.err << app.help();
    return 2;
  }
  std::vector<std::string> reversed(raw_args.rbegin(), raw_args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::CallForVersion& e) {
    io.out << VersionLine("regctl");
    return 0;
  } catch (const CLI::ParseError& e) {
    const std::string path = SelectedPath(app);
    io.err << "regctl: " << UsageMessage(raw_args, path, e) << " (see regctl "
           << (path.empty() ? "" : path + " ") << "--help)\n";
    return 2;
  }

  size_t first_operand = 0;
  for (const auto& [command, leaf] : leaves) {
    if (leaf->parsed()) selected = command;
    if (selected != nullptr) break;
    first_operand += command->operands.size();
  }
  if (selected == nullptr) {
    io.err << "regctl: no command (see regctl --help)\n";
    return 2;
  }
  for (size_t i = 0; i < selected->operands.size(); ++i) {
    const std::string& value = *operand_values[first_operand + i];
    if (!value.empty()) args.operands.push_back(value);
  }
  try {
    if (selected->offline != nullptr) return selected->offline(args, io);
    Client client(args, io);
    return selected->run(client);
  } catch (const UsageError& e) {
    io.err << "regctl: " << e.message << "\n";
    return 2;
  }
}

}  // namespace registry
