// cohortgen: writes a deterministic synthetic cohort as regctl import files,
// one directory per center and one file per record kind, each with the
// header `regctl submit import` expects: OUT/C01/patients.csv,
// transplants.csv, visits.csv, relapses.csv, mri.csv, treatments.csv,
// deaths.csv, adverse_events.csv, engraftment.csv, disease_status.csv,
// ssc_assessments.csv, organ_failures.csv, sle_assessments.csv,
// lab_results.csv.
// Import them in that order (patients first, then transplants, which
// engraftment and GvHD refer to); a kind without records gets a header.
//
//   cohortgen --out DIR [--patients N] [--centers N] [--seed N]
//             [--last-date YYYY-MM-DD]
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/time/clock.h"
#include "core/command_line.h"
#include "core/csv.h"
#include "core/synthetic_cohort.h"
#include "core/version.h"

ABSL_FLAG(std::string, out, "", "output directory (created)");
ABSL_FLAG(int, patients, 100, "number of patients (1 to 1000000)");
ABSL_FLAG(int, centers, 3, "number of centers (1 to 99)");
ABSL_FLAG(uint64_t, seed, 1,
          "random seed: the same seed gives the same cohort");
ABSL_FLAG(std::string, last_date, "",
          "no record after this date (default: today, UTC)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "writes a synthetic cohort as CSV import files\n\n"
      "  cohortgen --out DIR [--patients N] [--centers N] [--seed N]\n"
      "            [--last-date YYYY-MM-DD]");
  absl::FlagsUsageConfig usage;
  usage.version_string = [] { return registry::VersionLine("cohortgen"); };
  absl::SetFlagsUsageConfig(usage);
  // Flags are documented with dashes (--last-date); Abseil names them with
  // underscores.
  std::vector<std::string> storage = registry::FlagNamesWithUnderscores(
      std::vector<std::string>(argv, argv + argc));
  std::vector<char*> args;
  for (std::string& arg : storage) args.push_back(arg.data());
  if (absl::ParseCommandLine(static_cast<int>(args.size()), args.data())
          .size() > 1) {
    std::cerr << "cohortgen: takes no positional arguments (see --help)\n";
    return 2;
  }
  registry::CohortOptions options;
  options.patients = absl::GetFlag(FLAGS_patients);
  options.centers = absl::GetFlag(FLAGS_centers);
  options.seed = absl::GetFlag(FLAGS_seed);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty() || options.patients < 1 || options.patients > 1000000 ||
      options.centers < 1 || options.centers > 99) {
    std::cerr << "cohortgen: --out DIR is required; --patients 1..1000000, "
                 "--centers 1..99\n";
    return 2;
  }
  const std::string last = absl::GetFlag(FLAGS_last_date);
  if (!last.empty()) {
    std::optional<registry::Date> date = registry::ParseIsoDate(last);
    if (!date) {
      std::cerr << "cohortgen: --last-date must be YYYY-MM-DD\n";
      return 2;
    }
    options.last_date = *date;
  } else {
    options.last_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  }
  for (const registry::CenterCohort& center :
       registry::GenerateCohort(options)) {
    const std::filesystem::path dir =
        std::filesystem::path(out) / center.center_code;
    std::filesystem::create_directories(dir);
    // Every kind, in import order (kAllKinds), even without records.
    std::map<registry::Kind, std::ofstream> files;
    for (registry::Kind kind : registry::kAllKinds) {
      std::ofstream& file = files[kind];
      file.open(dir / (std::string(registry::KindName(kind)) + ".csv"));
      std::vector<std::string> header;
      for (const registry::Column& c : registry::ColumnsOf(kind)) {
        header.emplace_back(c.name);
      }
      file << registry::FormatCsvRow(header) << "\n";
    }
    for (const registry::Record& record : center.records) {
      files[registry::KindOf(record)]
          << registry::FormatCsvRow(registry::ToRow(record)) << "\n";
    }
    for (auto& [kind, file] : files) {
      file.close();
      if (!file) {
        std::cerr << "cohortgen: cannot write " << dir << "\n";
        return 1;
      }
    }
  }
  std::cout << "wrote " << options.patients << " patients in "
            << options.centers << " centers to " << out << "\nimport order:";
  for (registry::Kind kind : registry::kAllKinds) {
    std::cout << " " << registry::KindName(kind);
  }
  std::cout << "\n";
  return 0;
}
