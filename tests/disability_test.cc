// Unit tests of the disability rules (CDW, CDI, RAW/PIRA, baselines), on
// small hand-built patients and on msprog's toy data.
#include "core/disability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "core/csv.h"
#include "core/records.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Date kStart(2020, 1, 1);

// Visits given as (day, EDSS) from kStart.
std::vector<EdssVisit> Visits(std::vector<std::pair<int, double>> days) {
  std::vector<EdssVisit> visits;
  for (auto [day, edss] : days) visits.push_back({kStart + day, edss});
  return visits;
}
std::vector<Date> Days(std::vector<int> days) {
  std::vector<Date> dates;
  for (int day : days) dates.push_back(kStart + day);
  return dates;
}

OutcomeDefinition Multiple(BaselineScheme baseline = BaselineScheme::kFixed) {
  OutcomeDefinition d;
  d.event = EventSelection::kMultiple;
  d.baseline = baseline;
  return d;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// msprog's toy data: visits and relapses per patient id.
struct Toy {
  std::map<std::string, std::vector<EdssVisit>> visits;
  std::map<std::string, std::vector<Date>> relapses;
};
Toy LoadToy() {
  Toy toy;
  auto visits = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/visits.csv"));
  EXPECT_TRUE(visits.ok());
  for (size_t i = 1; i < visits->size(); ++i) {
    const auto& f = (*visits)[i].fields;
    toy.visits[f[0]].push_back({*ParseIsoDate(f[1]), std::stod(f[3])});
  }
  auto relapses = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/relapses.csv"));
  EXPECT_TRUE(relapses.ok());
  for (size_t i = 1; i < relapses->size(); ++i) {
    const auto& f = (*relapses)[i].fields;
    toy.relapses[f[0]].push_back(*ParseIsoDate(f[1]));
  }
  return toy;
}

// "id,event_type,onset,onset_edss,baseline,baseline_edss,conf,conf_edss"
std::vector<std::string> Expected(const std::string& file) {
  auto rows = ParseCsv(ReadAll(TEST_DATA_DIR "/msprog_toy/" + file));
  EXPECT_TRUE(rows.ok());
  std::vector<std::string> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const auto& f = (*rows)[i].fields;
    if (f[2].empty()) continue;  // no event
    out.push_back(f[0] + "," + f[2] + "," + f[4] + "," +
                  FormatNumber(std::stod(f[5])) + "," + f[6] + "," +
                  FormatNumber(std::stod(f[7])) + "," + f[14] + "," +
                  FormatNumber(std::stod(f[15])));
  }
  return out;
}

std::vector<std::string> Detect(const Toy& toy, const OutcomeDefinition& d) {
  std::vector<std::string> out;
  for (const auto& [id, visits] : toy.visits) {
    auto it = toy.relapses.find(id);
    for (const DisabilityEvent& e : DetectDisabilityEvents(
             visits,
             it == toy.relapses.end() ? std::vector<Date>{} : it->second, d)) {
      out.push_back(
          id + "," + (e.type == DisabilityEventType::kCdw ? "CDW" : "CDI") +
          "," + FormatIsoDate(e.onset_date) + "," + FormatNumber(e.onset_edss) +
          "," + FormatIsoDate(e.baseline_date) + "," +
          FormatNumber(e.baseline_edss) + "," +
          FormatIsoDate(e.confirmation_date) + "," +
          FormatNumber(e.confirmation_edss));
    }
  }
  return out;
}

TEST(MsprogToyTest, DefaultsGiveMsprogsFirstCdw) {
  EXPECT_EQ(Detect(LoadToy(), OutcomeDefinition()),
            Expected("expected_first_cdw_default.csv"));
}

TEST(MsprogToyTest, MultipleRovingGivesMsprogsEvents) {
  EXPECT_EQ(Detect(LoadToy(), Multiple(BaselineScheme::kRoving)),
            Expected("expected_multiple_roving.csv"));
}

}  // namespace
}  // namespace registry
