// The competing-risk endpoints' cumulative incidence tables against R's
// survival package (3.5). A synthetic cohort is generated in-process; each
// endpoint's per-patient time and status (and a small generated set with
// day-0 ends and heavy ties) go to a temporary directory,
// tests/data/r/competing_reference.R fits
// survfit(Surv(time, factor(status, 0:2)) ~ 1) (Aalen-Johansen) on them,
// and every row of AalenJohansen's table is compared to R's: times and
// counts exactly, incidences to 1e-9. Skipped, as the live test of
// survival_test.cc, where R with the survival package is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/endpoints.h"
#include "core/outcome_definition.h"
#include "core/outcomes.h"
#include "core/survival.h"
#include "core/synthetic_cohort.h"
#include "tests/test_util.h"

namespace registry {
namespace {

constexpr double kTolerance = 1e-9;  // absolute, on the incidences

constexpr const char* kEndpoints[] = {"ri",
                                      "nrm",
                                      "trm",
                                      "infection",
                                      "secondary-autoimmunity",
                                      "malignancy",
                                      "agvhd",
                                      "cgvhd",
                                      "neutrophil-engraftment",
                                      "platelet-engraftment"};

// 0 censored, 1 event, 2 competing: the status coding of the R script.
int StatusOf(CompetingOutcome outcome) {
  switch (outcome) {
    case CompetingOutcome::kCensored:
      return 0;
    case CompetingOutcome::kEvent:
      return 1;
    case CompetingOutcome::kCompeting:
      return 2;
  }
  return 0;
}

using Observations = std::map<std::string, std::vector<CompetingObservation>>;

// Every patient of a generated cohort through the outcome engine, as the
// report service does it: each endpoint's observations, by endpoint name.
Observations ObserveCohort() {
  CohortOptions options;
  options.patients = 3000;
  options.centers = 4;
  options.seed = 20260415;
  options.last_date = Date(2026, 1, 1);
  std::map<std::string, std::vector<Record>> patients;  // center, patient
  for (const CenterCohort& center : GenerateCohort(options)) {
    for (const Record& record : center.records) {
      patients[center.center_code + "/" + PatientIdOf(record)].push_back(
          record);
    }
  }
  EXPECT_EQ(patients.size(), 3000u);
  const OutcomeDefinition definition;
  Observations observations;
  for (const char* name : kEndpoints) observations[name];
  for (const auto& [id, records] : patients) {
    const PatientClinicalData data = ClinicalDataFromRecords(records);
    const PatientOutcome outcome = ComputeOutcome(data, definition);
    for (const char* name : kEndpoints) {
      const std::optional<Endpoint> endpoint = ParseEndpoint(name);
      EXPECT_TRUE(endpoint.has_value()) << name;
      if (!endpoint) continue;
      const std::optional<EndpointObservation> o =
          ObserveEndpoint(*endpoint, data, outcome, definition);
      if (!o) continue;
      EXPECT_FALSE(o->event && o->competing) << name << " " << id;
      observations[name].push_back(ToCompeting(*o));
    }
  }
  return observations;
}

const Observations& CohortObservations() {
  static const Observations* observations = new Observations(ObserveCohort());
  return *observations;
}

// Beside the cohort, whose endpoints never end on day 0: follow-up of a
// few whole days, so that most times are tied; day 0 has events,
// competing events and censorings; a censoring-only time comes late and
// the last subject has the event (the event-free share reaches 0).
std::vector<CompetingObservation> CornerObservations() {
  std::mt19937 random(20260415);  // its raw output is the same everywhere
  std::vector<CompetingObservation> out;
  for (int i = 0; i < 400; ++i) {
    const double time = random() % 25;
    const unsigned draw = random() % 10;  // 4 censored, 4 events, 2 competing
    out.push_back({time, draw < 4   ? CompetingOutcome::kCensored
                         : draw < 8 ? CompetingOutcome::kEvent
                                    : CompetingOutcome::kCompeting});
  }
  out.push_back({0, CompetingOutcome::kEvent});
  out.push_back({0, CompetingOutcome::kCompeting});
  out.push_back({0, CompetingOutcome::kCensored});
  out.push_back({35, CompetingOutcome::kCensored});
  out.push_back({40, CompetingOutcome::kEvent});
  return out;
}

struct Counts {
  int event = 0, competing = 0, censor = 0;
  int time0_events = 0;  // events or competing events on day 0
  int tied_times = 0;    // times with a censoring and an event of either kind
};

Counts CountsOf(const std::vector<CompetingObservation>& observations) {
  Counts c;
  std::map<double, std::pair<bool, bool>> at;  // time: (ended, censored)
  for (const CompetingObservation& o : observations) {
    const bool censored = o.outcome == CompetingOutcome::kCensored;
    c.event += o.outcome == CompetingOutcome::kEvent;
    c.competing += o.outcome == CompetingOutcome::kCompeting;
    c.censor += censored;
    c.time0_events += !censored && o.time == 0;
    (censored ? at[o.time].second : at[o.time].first) = true;
  }
  for (const auto& [time, kinds] : at) {
    c.tied_times += kinds.first && kinds.second;
  }
  return c;
}

// The generated cohort reaches what the comparison is meant to cover:
// every endpoint has patients and events, the competing-risk ones have
// competing events too, and there are ties of an event with a censoring.
TEST(CompetingRiskCohortTest, EveryEndpointHasEventsAndCompetingEvents) {
  int with_both = 0, tied = 0;
  for (const auto& [name, observations] : CohortObservations()) {
    const Counts c = CountsOf(observations);
    EXPECT_GT(observations.size(), 0u) << name;
    EXPECT_GT(c.event, 0) << name;
    with_both += c.event > 0 && c.competing > 0;
    tied += c.tied_times;
    for (const CompetingObservation& o : observations) {
      ASSERT_GE(o.time, 0) << name;
      ASSERT_EQ(o.time, std::floor(o.time)) << name << ": whole days";
    }
  }
  for (const char* name : {"ri", "nrm", "trm"}) {
    EXPECT_GT(CountsOf(CohortObservations().at(name)).competing, 0) << name;
  }
  EXPECT_GE(with_both, 3);
  EXPECT_GT(tied, 0);
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::optional<Table> Load(const std::string& path) {
  auto rows = ParseCsv(testing::ReadFile(path));
  if (!rows.ok() || rows->empty()) return std::nullopt;
  Table table;
  table.header = (*rows)[0].fields;
  for (size_t i = 1; i < rows->size(); ++i) {
    table.rows.push_back((*rows)[i].fields);
  }
  return table;
}

std::string InputCsv(const std::vector<CompetingObservation>& observations) {
  std::ostringstream out;
  out.precision(17);
  out << "time,status\n";
  for (const CompetingObservation& o : observations) {
    out << o.time << "," << StatusOf(o.outcome) << "\n";
  }
  return out.str();
}

struct Comparison {
  size_t rows = 0;
  double max_difference = 0;  // over incidences and event-free shares
};

// Our table for one endpoint against R's, row by row.
void Compare(const std::string& name,
             const std::vector<CompetingObservation>& observations,
             const Table& r, Comparison& total) {
  const std::vector<std::string> expected_header = {"time",
                                                    "n_risk",
                                                    "n_event",
                                                    "n_competing",
                                                    "n_censor",
                                                    "incidence",
                                                    "competing_incidence",
                                                    "event_free"};
  ASSERT_EQ(r.header, expected_header) << name;
  const std::vector<CumulativeIncidenceRow> ours = AalenJohansen(observations);
  ASSERT_EQ(ours.size(), r.rows.size()) << name << ": rows";
  if (CountsOf(observations).event > 0) {
    ASSERT_GT(ours.size(), 0u) << name;
  }
  int events = 0, competing = 0, censor = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    const CumulativeIncidenceRow& o = ours[i];
    const std::vector<std::string>& row = r.rows[i];
    ASSERT_EQ(row.size(), expected_header.size()) << name << " row " << i;
    const std::string at =
        name + " row " + std::to_string(i) + " (day " + row[0] + ")";
    EXPECT_EQ(o.time, std::stod(row[0])) << at;
    EXPECT_EQ(o.n_risk, std::stoi(row[1])) << at << " n_risk";
    EXPECT_EQ(o.n_event, std::stoi(row[2])) << at << " n_event";
    EXPECT_EQ(o.n_competing, std::stoi(row[3])) << at << " n_competing";
    EXPECT_EQ(o.n_censor, std::stoi(row[4])) << at << " n_censor";
    const double theirs[] = {std::stod(row[5]), std::stod(row[6]),
                             std::stod(row[7])};
    const double mine[] = {o.incidence, o.competing_incidence, o.event_free};
    const char* what[] = {"incidence", "competing_incidence", "event_free"};
    for (int k = 0; k < 3; ++k) {
      const double difference = std::abs(mine[k] - theirs[k]);
      total.max_difference = std::max(total.max_difference, difference);
      EXPECT_LE(difference, kTolerance) << at << " " << what[k] << ": ours "
                                        << mine[k] << " vs R " << row[5 + k];
    }
    events += o.n_event;
    competing += o.n_competing;
    censor += o.n_censor;
  }
  // Every patient is in exactly one row.
  const Counts c = CountsOf(observations);
  EXPECT_EQ(events, c.event) << name;
  EXPECT_EQ(competing, c.competing) << name;
  EXPECT_EQ(censor, c.censor) << name;
  total.rows += ours.size();
}

TEST(CompetingRiskVersusRTest, LiveRWhenInstalled) {
  if (std::system("Rscript -e 'suppressMessages(library(survival))' "
                  ">/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "R with the survival package is not installed";
  }
  Observations inputs = CohortObservations();
  inputs["corners"] = CornerObservations();
  const Counts corners = CountsOf(inputs["corners"]);
  EXPECT_GT(corners.time0_events, 0);
  EXPECT_GT(corners.competing, 0);
  EXPECT_GT(corners.tied_times, 10);
  testing::TempDir dir;
  for (const auto& [name, observations] : inputs) {
    testing::WriteFile(dir.File(name + "_input.csv"), InputCsv(observations));
  }
  const std::string log = dir.File("r.log");
  const std::string command = "Rscript " TEST_DATA_DIR
                              "/r/competing_reference.R " +
                              dir.path() + " >" + log + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n"
                                             << testing::ReadFile(log);
  Comparison total;
  for (const auto& [name, observations] : inputs) {
    const std::optional<Table> r = Load(dir.File(name + "_aj.csv"));
    ASSERT_TRUE(r.has_value()) << name << ": no table from R";
    const size_t before = total.rows;
    Compare(name, observations, *r, total);
    const Counts c = CountsOf(observations);
    std::cout << "[ R        ] " << name << ": " << observations.size()
              << " subjects, " << c.event << " events, " << c.competing
              << " competing, " << c.censor << " censored, " << c.time0_events
              << " ended on day 0, " << c.tied_times
              << " times tied with a censoring, " << (total.rows - before)
              << " rows\n";
  }
  EXPECT_GT(total.rows, 0u);
  std::cout << "[ R        ] " << total.rows << " rows compared, largest "
            << "difference of a probability " << total.max_difference << "\n";
}

}  // namespace
}  // namespace registry
