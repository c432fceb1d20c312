// The disability rules against msprog 1.0.0's own results for its newer
// options (re-baselining after relapses, general PIRA windows, sustained
// confirmation) and for the registry's presets, on msprog's toy data and
// on a synthetic cohort of 400 patients (tests/data/msprog_2025, made by
// make_expected.R there).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/csv.h"
#include "core/disability.h"
#include "core/records.h"
#include "tests/test_util.h"

namespace registry {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A CSV file with a header, cells found by column name.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int Column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
};

Table Load(const std::string& file) {
  const std::string text = ReadAll(TEST_DATA_DIR "/" + file);
  auto rows = ParseCsv(text);
  Table table;
  if (text.empty() || !rows.ok() || rows->empty()) {
    ADD_FAILURE() << "cannot read " << file;
    return table;
  }
  table.header = (*rows)[0].fields;
  for (size_t i = 1; i < rows->size(); ++i) {
    table.rows.push_back((*rows)[i].fields);
  }
  return table;
}

struct Cohort {
  std::map<std::string, std::vector<EdssVisit>> visits;
  std::map<std::string, std::vector<Date>> relapses;
};

Cohort LoadCohort(const std::string& visits_file,
                  const std::string& relapses_file) {
  Cohort cohort;
  const Table visits = Load(visits_file);
  const int id = visits.Column("id"), date = visits.Column("date"),
            edss = visits.Column("EDSS");
  for (const auto& row : visits.rows) {
    cohort.visits[row[id]].push_back(
        {*ParseIsoDate(row[date]), std::stod(row[edss])});
  }
  const Table relapses = Load(relapses_file);
  for (const auto& row : relapses.rows) {
    cohort.relapses[row[relapses.Column("id")]].push_back(
        *ParseIsoDate(row[relapses.Column("date")]));
  }
  return cohort;
}

// The definition matching each setting of make_expected.R, and whether
// msprog labels worsening as PIRA, RAW or undefined there (RAW_PIRA, or a
// PIRA or RAW search).
struct Setting {
  OutcomeDefinition definition;
  bool labels_cdw_type = true;
};

Setting SettingNamed(const std::string& name) {
  Setting s;
  OutcomeDefinition& d = s.definition;
  // relapse_indep_from_bounds(p0, p1, e0, e1, c0, c1)
  auto windows = [&d](int p0, std::optional<int> p1, std::optional<int> e0,
                      std::optional<int> e1, std::optional<int> c0, int c1) {
    d.pira_reference_before_days = p0;
    d.pira_reference_after_days = p1;
    d.pira_event_before_days = e0;
    d.pira_event_after_days = e1;
    d.pira_confirmation_before_days = c0;
    d.pira_confirmation_after_days = c1;
  };
  const std::optional<int> open;
  if (name == "vignette_muller2023") {
    d.confirmation_days = {84, 168};
    d.confirmation_tolerance_before_days = 0;
    d.confirmation_tolerance_after_days = kInf;
    d.event = EventSelection::kFirstPira;
    d.baseline = BaselineScheme::kRoving;
  } else if (name == "vignette_kappos2020") {
    d.confirmation_days = {84, 168};
    d.confirmation_tolerance_before_days = 0;
    d.confirmation_tolerance_after_days = kInf;
    d.event = EventSelection::kFirstPira;
    d.relapse_rebaseline = true;
    windows(0, open, open, 30, 30, 30);
  } else if (name == "muller2025" || name == "portaccio2025") {
    d = *PresetDefinition(name);
  } else if (name == "multiple_rebl_fixed") {
    d.event = EventSelection::kMultiple;
    d.relapse_rebaseline = true;
  } else if (name == "multiple_rebl_roving_last") {
    d.event = EventSelection::kMultiple;
    d.baseline = BaselineScheme::kRoving;
    d.relapse_rebaseline = true;
    d.confirmation_days = {84, 168};
    d.pira_reference = PiraReference::kLast;
    windows(0, open, open, 0, 30, 30);
  } else if (name == "multiple_raw_pira") {
    d.event = EventSelection::kMultiple;
  } else if (name == "first_cdw_sust365") {
    d.require_sustained_days = 365;
  } else if (name == "multiple_roving_sust_end") {
    d.event = EventSelection::kMultiple;
    d.baseline = BaselineScheme::kRoving;
    d.require_sustained_days = kInf;
  } else if (name == "first_cdi_rebl") {
    d.event = EventSelection::kFirstCdi;
    d.relapse_rebaseline = true;
    s.labels_cdw_type = false;
  } else if (name == "first_rebl") {
    d.event = EventSelection::kFirst;
    d.relapse_rebaseline = true;
  } else if (name == "first_raw_rebl") {
    d.event = EventSelection::kFirstRaw;
    d.relapse_rebaseline = true;
  } else if (name == "first_pira_rebl_sust") {
    d.event = EventSelection::kFirstPira;
    d.relapse_rebaseline = true;
    d.require_sustained_days = 168;
  } else if (name == "cagol2022") {
    d.event = EventSelection::kMultiple;
    d.baseline = BaselineScheme::kRoving;
    windows(0, 0, 90, open, open, 0);
  } else if (name == "high_specificity") {
    d.event = EventSelection::kMultiple;
    windows(0, open, open, open, open, 0);
  } else if (name == "last_delta") {
    d.event = EventSelection::kMultiple;
    d.pira_reference = PiraReference::kLastDelta;
    windows(30, 30, 90, 30, 0, 0);
  } else {
    ADD_FAILURE() << "no setting " << name;
  }
  EXPECT_TRUE(ValidateDefinition(d).empty()) << name;
  return s;
}

// "type,onset,value,baseline,baseline value,confirmation,its value" per
// event, by patient: what msprog's results table says...
using Events = std::map<std::string, std::vector<std::string>>;

Events Expected(const std::string& file, bool labels_cdw_type) {
  const Table t = Load(file);
  std::vector<int> confirmations;  // conf<D>_date columns, in delay order
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string& h = t.header[i];
    if (h.starts_with("conf") && h.ends_with("_date")) {
      confirmations.push_back(static_cast<int>(i));
    }
  }
  Events events;
  for (const auto& row : t.rows) {
    const std::string& type = row[t.Column("event_type")];
    if (type.empty()) continue;
    std::string label = type;
    if (type == "CDW" && labels_cdw_type) label = row[t.Column("CDW_type")];
    std::string confirmation = "?";  // the earliest delay's first visit
    for (int c : confirmations) {
      if (row[c] != "NA") {
        confirmation = row[c] + "," +
                       FormatNumber(std::stod(row[c + 1]));  // conf<D>_value
        break;
      }
    }
    auto value = [&](const char* column) {
      return FormatNumber(std::stod(row[t.Column(column)]));
    };
    events[row[t.Column("id")]].push_back(
        label + "," + row[t.Column("date")] + "," + value("value") + "," +
        row[t.Column("bl_date")] + "," + value("bl_value") + "," +
        confirmation);
  }
  return events;
}

// ...and what the registry detects.
Events Detected(const Cohort& cohort, const Setting& s) {
  Events events;
  for (const auto& [id, visits] : cohort.visits) {
    auto it = cohort.relapses.find(id);
    for (const DisabilityEvent& e : DetectDisabilityEvents(
             visits,
             it == cohort.relapses.end() ? std::vector<Date>{} : it->second,
             s.definition)) {
      std::string label = e.type == DisabilityEventType::kCdi ? "CDI" : "CDW";
      if (e.type == DisabilityEventType::kCdw && s.labels_cdw_type) {
        label = e.cdw_type == CdwType::kPira  ? "PIRA"
                : e.cdw_type == CdwType::kRaw ? "RAW"
                                              : "undefined";
      }
      events[id].push_back(label + "," + FormatIsoDate(e.onset_date) + "," +
                           FormatNumber(e.onset_edss) + "," +
                           FormatIsoDate(e.baseline_date) + "," +
                           FormatNumber(e.baseline_edss) + "," +
                           FormatIsoDate(e.confirmation_date) + "," +
                           FormatNumber(e.confirmation_edss));
    }
  }
  return events;
}

const Cohort& CohortNamed(const std::string& name) {
  static const Cohort* toy = new Cohort(
      LoadCohort("msprog_toy/visits.csv", "msprog_toy/relapses.csv"));
  static const Cohort* synthetic =
      new Cohort(LoadCohort("msprog_2025/synthetic_visits.csv",
                            "msprog_2025/synthetic_relapses.csv"));
  return name == "toy" ? *toy : *synthetic;
}

class Msprog2025Test
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(Msprog2025Test, EveryEventIsMsprogs) {
  const auto& [dataset, setting] = GetParam();
  const Setting s = SettingNamed(setting);
  const Events expected = Expected(
      "msprog_2025/" + dataset + "_" + setting + ".csv", s.labels_cdw_type);
  const Events detected = Detected(CohortNamed(dataset), s);
  size_t events = 0, differing = 0;
  std::string shown;
  const Events* both[] = {&expected, &detected};
  std::map<std::string, bool> ids;
  for (const Events* side : both) {
    for (const auto& [id, list] : *side) ids[id] = true;
  }
  for (const auto& [id, unused] : ids) {
    auto find = [&](const Events& e) {
      auto it = e.find(id);
      return it == e.end() ? std::vector<std::string>{} : it->second;
    };
    const std::vector<std::string> want = find(expected), got = find(detected);
    events += want.size();
    if (want == got) continue;
    if (++differing <= 3) {
      shown += "\n patient " + id + "\n  msprog:";
      for (const auto& e : want) shown += " [" + e + "]";
      shown += "\n  registry:";
      for (const auto& e : got) shown += " [" + e + "]";
    }
  }
  EXPECT_EQ(differing, 0u) << differing << " patients differ:" << shown;
  // Every setting finds events in the synthetic cohort: none passes empty.
  if (dataset == "synthetic") EXPECT_GT(events, 50u);
}

const std::vector<std::string> kSettings = {"vignette_muller2023",
                                            "vignette_kappos2020",
                                            "muller2025",
                                            "portaccio2025",
                                            "multiple_rebl_fixed",
                                            "multiple_rebl_roving_last",
                                            "multiple_raw_pira",
                                            "first_cdw_sust365",
                                            "multiple_roving_sust_end",
                                            "first_cdi_rebl",
                                            "first_rebl",
                                            "first_raw_rebl",
                                            "first_pira_rebl_sust",
                                            "cagol2022",
                                            "high_specificity",
                                            "last_delta"};

// Where msprog 1.0.0 is installed (it is not in Debian, so not in CI), it
// is run again and must write the very files stored here.
TEST(Msprog2025LiveTest, StoredResultsAreMsprogsWhenInstalled) {
  if (std::system("Rscript -e 'stopifnot(packageVersion(\"msprog\") == "
                  "\"1.0.0\")' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "R with msprog 1.0.0 is not installed";
  }
  testing::TempDir dir;
  const std::string command = "Rscript " TEST_DATA_DIR
                              "/msprog_2025/make_expected.R " +
                              dir.path() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::vector<std::string> files = {"synthetic_visits.csv",
                                    "synthetic_relapses.csv"};
  for (const char* dataset : {"toy", "synthetic"}) {
    for (const std::string& setting : kSettings) {
      files.push_back(std::string(dataset) + "_" + setting + ".csv");
    }
  }
  for (const std::string& file : files) {
    const std::string live = ReadAll(dir.path() + "/" + file);
    EXPECT_FALSE(live.empty()) << file;
    EXPECT_TRUE(live == ReadAll(TEST_DATA_DIR "/msprog_2025/" + file))
        << file << " differs from msprog's output";
  }
}

INSTANTIATE_TEST_SUITE_P(Settings, Msprog2025Test,
                         ::testing::Combine(::testing::Values("toy",
                                                              "synthetic"),
                                            ::testing::ValuesIn(kSettings)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" +
                                  std::get<1>(info.param);
                         });

}  // namespace
}  // namespace registry
