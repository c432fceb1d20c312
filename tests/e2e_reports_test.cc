// End-to-end cohort reports: Kaplan–Meier through the real import and
// report path against R's table for the toy data, analyst outputs without
// center patient codes, small-cell suppression, de-identified exports and
// access.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/csv.h"
#include "core/nmosd_rules.h"
#include "core/outcomes.h"
#include "core/records.h"
#include "core/sle_rules.h"
#include "core/ssc_rules.h"
#include "core/synthetic_cohort.h"
#include "google/protobuf/util/json_util.h"
#include "registry/v1/reports.pb.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::vector<std::string>> Rows(const std::string& csv) {
  auto rows = ParseCsv(csv);
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<std::vector<std::string>> out;
  if (!rows.ok()) return out;
  for (const CsvRow& row : *rows) out.push_back(row.fields);
  return out;
}

// Imports a synthetic cohort, one submitter per center.
class SyntheticCohortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CohortOptions options;
    options.patients = 60;
    options.centers = 3;
    options.seed = 99;
    options.last_date = Date(2026, 1, 1);
    for (const CenterCohort& center : GenerateCohort(options)) {
      const std::string token =
          registry_.IssueToken("submitter", center.center_code);
      std::map<Kind, std::string> files;
      for (const Record& record : center.records) {
        std::string& csv = files[KindOf(record)];
        if (csv.empty()) {
          std::vector<std::string> header;
          for (const Column& c : ColumnsOf(KindOf(record))) {
            header.emplace_back(c.name);
          }
          csv = FormatCsvRow(header) + "\n";
        }
        csv += FormatCsvRow(ToRow(record)) + "\n";
      }
      for (Kind kind : kAllKinds) {
        if (!files.count(kind)) continue;
        const std::string name(KindName(kind));
        RegctlResult r = registry_.Regctl(
            {"submit", "import", name,
             registry_.WriteCsv(center.center_code + name, files[kind])},
            token);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        // Every record is new and accepted.
        const size_t n =
            std::count(files[kind].begin(), files[kind].end(), '\n') - 1;
        EXPECT_THAT(r.out, HasSubstr(absl::StrCat(n, " records, ", n,
                                                  " accepted, 0 unchanged")))
            << center.center_code << " " << name;
      }
    }
    analyst_ = registry_.IssueToken("analyst");
  }

  // report cohort --by center with a minimum cell size, checked to succeed.
  std::string CohortByCenter(int min_cell, const std::string& format) {
    RegctlResult r = registry_.Regctl(
        {"report", "cohort", "--by", "center", "--min-cell-size",
         absl::StrCat(min_cell), "--format", format},
        analyst_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  TestRegistry registry_;
  std::string analyst_;
};

TEST_F(SyntheticCohortTest, AnalystOutputsNeverCarryAPatientCode) {
  const std::vector<std::vector<std::string>> commands = {
      {"report", "km", "--endpoint", "neda3", "--format", "csv"},
      {"report", "km", "--endpoint", "pfs", "--by", "center", "--format",
       "json"},
      {"report", "km", "--endpoint", "os", "--by", "disease", "--format",
       "svg"},
      {"report", "cif", "--endpoint", "cdw", "--format", "json"},
      {"report", "cohort", "--by", "center", "--format", "html"},
      {"report", "cohort", "--format", "json"},
      {"report", "outcomes"},
      {"report", "disability-events", "--event", "multiple"},
      {"report", "export", "patients", "--format", "ndjson"},
      {"report", "export", "visits"},
      {"report", "export", "deaths", "--deidentify"},
  };
  for (const auto& command : commands) {
    RegctlResult r = registry_.Regctl(command, analyst_);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(command, " ") << ": " << r.err;
    EXPECT_GT(r.out.size(), 80u) << absl::StrJoin(command, " ");
    // Center codes are C01..C03; patient codes are C01-0001 and so on.
    EXPECT_THAT(r.out, Not(HasSubstr("C01-0"))) << absl::StrJoin(command, " ");
    EXPECT_THAT(r.out, Not(HasSubstr("C02-0"))) << absl::StrJoin(command, " ");
  }
}

TEST_F(SyntheticCohortTest, SmallCentersAreSuppressedInPerCenterTables) {
  const std::string out = CohortByCenter(25, "json");
  RegctlResult shown = registry_.Regctl(
      {"report", "cohort", "--by", "center", "--format", "json"}, analyst_);
  // 60 patients in 3 centers: 20 each, below 25. (Other tables, such as the
  // regimens, may hold a 20 of their own.)
  for (const char* center : {"C01", "C02", "C03"}) {
    const std::string count =
        absl::StrCat("\"group\": \"", center, "\",\n   \"count\": ");
    EXPECT_THAT(out, HasSubstr(count + "\"\\u003c25\""));  // "<25"
    EXPECT_THAT(out, Not(HasSubstr(count + "\"20\"")));
    EXPECT_THAT(shown.out, HasSubstr(count + "\"20\""));
  }
}

// The number-at-risk rows under the per-center plots are suppressed as the
// per-center tables are: a count under --min-cell-size shows as "<N" (0,
// past a center's follow-up, as in the milestone tables).
TEST_F(SyntheticCohortTest, SmallCountsAreSuppressedInPerCenterRiskTables) {
  const std::string out = CohortByCenter(12, "html");
  // Risk-table cells are the centred numbers below the legend (y > 440;
  // the year labels of the axis are at y = 420).
  const std::regex cell(
      "<text x=\"[0-9.]+\" y=\"([0-9.]+)\" "
      "text-anchor=\"middle\">(&lt;)?([0-9]+)</text>");
  int suppressed = 0, shown = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), cell);
       it != std::sregex_iterator(); ++it) {
    if (std::stod((*it)[1]) <= 440) continue;
    const int n = std::stoi((*it)[3]);
    if ((*it)[2].matched) {
      EXPECT_EQ(n, 12);
      ++suppressed;
    } else {
      EXPECT_TRUE(n == 0 || n >= 12) << n << " at risk shown";
      ++shown;
    }
  }
  EXPECT_GT(suppressed, 0);
  EXPECT_GT(shown, 0);
}

// The per-center curves of the cohort summary leave the server without
// their small counts: a row with fewer at risk than --min-cell-size is
// sent with its counts withheld, so the JSON holds none of them.
TEST_F(SyntheticCohortTest, PerCenterCurvesWithholdSmallCounts) {
  const std::string out = CohortByCenter(12, "json");
  v1::CohortSummaryResponse summary;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out, &summary).ok());
  int withheld = 0, sent = 0;
  for (const auto* curves : {&summary.neda3_curves(), &summary.pfs_curves()}) {
    ASSERT_FALSE(curves->empty());
    for (const v1::KaplanMeierCurve& curve : *curves) {
      EXPECT_TRUE(curve.events_withheld() ? curve.events() == 0
                                          : curve.events() >= 12)
          << curve.stratum() << ": " << curve.events() << " events";
      for (const v1::KaplanMeierRow& row : curve.rows()) {
        if (row.counts_withheld()) {
          EXPECT_EQ(row.n_risk() + row.n_event() + row.n_censor(), 0);
          ++withheld;
        } else {
          EXPECT_GE(row.n_risk(), 12) << curve.stratum();
          ++sent;
        }
      }
    }
  }
  EXPECT_GT(withheld, 0);
  EXPECT_GT(sent, 0);
}

TEST_F(SyntheticCohortTest, DeidentifiedExportGivesDaysSinceTransplant) {
  RegctlResult plain =
      registry_.Regctl({"report", "export", "transplants"}, analyst_);
  RegctlResult days = registry_.Regctl(
      {"report", "export", "transplants", "--deidentify"}, analyst_);
  ASSERT_EQ(days.exit_code, 0) << days.err;
  const auto rows = Rows(days.out);
  EXPECT_EQ(absl::StrJoin(rows[0], ","),
            "registry_id,transplant_day,type,regimen");
  ASSERT_EQ(rows.size(), 61u);  // one transplant each
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][1], "0");
  EXPECT_THAT(plain.out, HasSubstr("registry_id,transplant_date,"));
}

// A center code on every exported row would tell which center each patient
// is in, undoing the suppression of small centers in the cohort summary.
TEST_F(SyntheticCohortTest, AnalystExportsCarryNoCenterCodes) {
  for (const char* kind : {"patients", "transplants", "visits", "deaths"}) {
    RegctlResult r = registry_.Regctl({"report", "export", kind}, analyst_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rows = Rows(r.out);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(std::count(rows[0].begin(), rows[0].end(), "center"), 0) << kind;
    EXPECT_THAT(r.out, Not(HasSubstr(",C01,"))) << kind;
  }
}

TEST_F(SyntheticCohortTest, OnlyAnalystsAndSubmittersReadReports) {
  const std::string submitter = registry_.IssueToken("submitter", "C01");
  RegctlResult own =
      registry_.Regctl({"report", "cohort", "--format", "json"}, submitter);
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("\"patients\": 20"));
  RegctlResult export_denied =
      registry_.Regctl({"report", "export", "visits"}, submitter);
  EXPECT_EQ(export_denied.exit_code, 1);
  EXPECT_THAT(export_denied.err, HasSubstr("PERMISSION_DENIED"));
  RegctlResult admin = registry_.Regctl({"report", "km", "--endpoint", "os"},
                                        registry_.admin_token_file());
  EXPECT_THAT(admin.err, HasSubstr("PERMISSION_DENIED"));
  RegctlResult usage =
      registry_.Regctl({"report", "km", "--endpoint", "bogus"}, analyst_);
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(SyntheticCohortTest, ReportReadsAreAudited) {
  auto count = [&](const char* action) {
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM audit_log WHERE action = ?");
    q.bind(1, action);
    q.executeStep();
    return q.getColumn(0).getInt();
  };
  const int reads = count("reports.read"), exports = count("records.export");
  ASSERT_EQ(registry_.Regctl({"report", "km", "--endpoint", "os"}, analyst_)
                .exit_code,
            0);
  ASSERT_EQ(registry_.Regctl({"report", "export", "mri"}, analyst_).exit_code,
            0);
  EXPECT_EQ(count("reports.read"), reads + 1);
  EXPECT_EQ(count("records.export"), exports + 1);
}

// ---------------------------------------------- The generator itself

std::vector<std::vector<Record>> RecordsOf(const CohortOptions& options) {
  std::vector<std::vector<Record>> out;
  for (const CenterCohort& center : GenerateCohort(options)) {
    out.push_back(center.records);
  }
  return out;
}

TEST(SyntheticCohortGeneratorTest, SameOptionsGiveTheSameCohort) {
  CohortOptions options;
  options.patients = 300;
  options.seed = 7;
  EXPECT_EQ(RecordsOf(options), RecordsOf(options));
  CohortOptions other = options;
  other.seed = 8;
  EXPECT_NE(RecordsOf(options), RecordsOf(other));
}

// What the registry knows of a patient after its earlier records, as the
// store folds them in (storage/record_writes.cc).
void Fold(const Record& record, PatientFacts& facts) {
  if (const auto* p = std::get_if<PatientRecord>(&record)) {
    facts.birth_year = p->birth_year;
    facts.disease = p->disease;
  } else if (const auto* d = std::get_if<DeathRecord>(&record)) {
    facts.death_date = d->death_date;
  } else if (std::optional<Date> date = LatestDateOf(record)) {
    if (!facts.latest_record_date || *date > *facts.latest_record_date) {
      facts.latest_record_date = date;
    }
    if (!facts.earliest_record_date || *date < *facts.earliest_record_date) {
      facts.earliest_record_date = date;
    }
    if (const auto* t = std::get_if<TransplantRecord>(&record)) {
      facts.latest_transplant_date = t->transplant_date;
      facts.transplants.emplace_back(t->transplant_date, t->type);
    }
  }
}

double Share(size_t part, size_t whole) {
  return whole == 0 ? 0 : static_cast<double>(part) / whole;
}

// Every record of a large cohort passes the registry's rules in import
// order, every indication and kind is there, and the shares and rates are
// in the ranges the generator is meant to give.
TEST(SyntheticCohortGeneratorTest, CoversEveryIndicationAndKindWithinRules) {
  CohortOptions options;
  options.patients = 2000;
  options.seed = 2026;
  options.last_date = Date(2026, 1, 1);
  std::map<std::string, PatientFacts> facts;
  std::map<std::string, PatientRecord> patients;
  std::map<std::string, TransplantRecord> transplants;
  std::map<std::string, DeathRecord> deaths;
  std::map<Kind, size_t> per_kind;
  std::vector<AdverseEventRecord> events;
  std::vector<EngraftmentRecord> engraftments;
  std::vector<TreatmentRecord> treatments;
  std::set<std::string> with_status, with_visits, with_mri, status_flare;
  std::set<std::string> with_relapse_after_day0;
  for (const CenterCohort& center : GenerateCohort(options)) {
    for (const Record& record : center.records) {
      const Kind kind = KindOf(record);
      ++per_kind[kind];
      const Parsed<Record> parsed =
          ParseRecord(kind, ToRow(record), options.last_date);
      ASSERT_TRUE(parsed.violations.empty())
          << KindName(kind) << ": " << absl::StrJoin(ToRow(record), ",") << ": "
          << parsed.violations[0].field << " "
          << parsed.violations[0].description;
      EXPECT_EQ(*parsed.value, record);
      const std::string& id = PatientIdOf(record);
      PatientFacts& f = facts[id];
      f.transplants_loaded = true;
      const std::vector<FieldViolation> against =
          CheckAgainstPatient(record, f, true);
      ASSERT_TRUE(against.empty())
          << KindName(kind) << ": " << absl::StrJoin(ToRow(record), ",") << ": "
          << against[0].field << " " << against[0].description;
      Fold(record, f);
      if (const auto* p = std::get_if<PatientRecord>(&record)) {
        patients[id] = *p;
      } else if (const auto* t = std::get_if<TransplantRecord>(&record)) {
        EXPECT_FALSE(transplants.count(id)) << "one transplant each";
        transplants[id] = *t;
      } else if (const auto* d = std::get_if<DeathRecord>(&record)) {
        deaths[id] = *d;
      } else if (const auto* a = std::get_if<AdverseEventRecord>(&record)) {
        events.push_back(*a);
      } else if (const auto* e = std::get_if<EngraftmentRecord>(&record)) {
        engraftments.push_back(*e);
      } else if (const auto* tr = std::get_if<TreatmentRecord>(&record)) {
        treatments.push_back(*tr);
      } else if (const auto* s = std::get_if<DiseaseStatusRecord>(&record)) {
        with_status.insert(id);
        if (s->status == DiseaseState::kRelapse ||
            s->status == DiseaseState::kProgression) {
          status_flare.insert(id);
        }
      } else if (std::holds_alternative<VisitRecord>(record)) {
        with_visits.insert(id);
      } else if (std::holds_alternative<MriRecord>(record)) {
        with_mri.insert(id);
      } else if (const auto* r = std::get_if<RelapseRecord>(&record)) {
        if (transplants.count(id) &&
            r->onset_date > transplants[id].transplant_date) {
          with_relapse_after_day0.insert(id);
        }
      }
    }
  }
  const size_t n = patients.size();
  ASSERT_EQ(n, 2000u);
  for (Kind kind : kAllKinds) EXPECT_GT(per_kind[kind], 0u) << KindName(kind);
  auto day = [&](const std::string& id, Date date) {
    return static_cast<int>(date - transplants.at(id).transplant_date);
  };

  // Indications: MS about half, systemic sclerosis a fifth, then NMOSD,
  // SLE and the others. MS patients have EDSS visits and MRI; SSc, SLE and
  // the others neither, but the centre's assessments.
  std::map<Disease, size_t> by_disease;
  size_t ms = 0, non_ms = 0, non_ms_with_status = 0;
  for (const auto& [id, p] : patients) {
    ++by_disease[p.disease];
    if (IsMultipleSclerosis(p.disease)) {
      ++ms;
      EXPECT_TRUE(with_visits.count(id) && with_mri.count(id)) << id;
    } else {
      ++non_ms;
      non_ms_with_status += with_status.count(id);
      EXPECT_FALSE(with_mri.count(id)) << id;
      if (p.disease != Disease::kNmosd) EXPECT_FALSE(with_visits.count(id));
    }
  }
  EXPECT_NEAR(Share(ms, n), 0.5, 0.05);
  EXPECT_NEAR(Share(by_disease[Disease::kSsc], n), 0.2, 0.04);
  for (Disease d : {Disease::kNmosd, Disease::kSle, Disease::kOther}) {
    EXPECT_GT(Share(by_disease[d], n), 0.04) << DiseaseCode(d);
    EXPECT_LT(by_disease[d], by_disease[Disease::kSsc]) << DiseaseCode(d);
  }
  EXPECT_GT(Share(non_ms_with_status, non_ms), 0.8);
  EXPECT_GT(status_flare.size(), 0.05 * non_ms);

  // Allogeneic transplants: a few percent, mostly NMOSD and the others.
  size_t allogeneic = 0, allogeneic_nmosd_or_other = 0;
  for (const auto& [id, t] : transplants) {
    if (t.type != TransplantType::kAllogeneic) continue;
    ++allogeneic;
    const Disease d = patients.at(id).disease;
    allogeneic_nmosd_or_other += d == Disease::kNmosd || d == Disease::kOther;
  }
  EXPECT_GT(Share(allogeneic, n), 0.005);
  EXPECT_LT(Share(allogeneic, n), 0.06);
  EXPECT_GT(allogeneic_nmosd_or_other * 2, allogeneic);

  // Engraftment for most transplants, neutrophils typically by day 9-14,
  // primary graft failure (none by day 28) in about 1-2%.
  EXPECT_GT(Share(engraftments.size(), n), 0.9);
  std::vector<int> neutrophil_days;
  size_t graft_failures = 0;
  for (const EngraftmentRecord& e : engraftments) {
    if (e.neutrophil_date)
      neutrophil_days.push_back(day(e.patient_id, *e.neutrophil_date));
    graft_failures +=
        !e.neutrophil_date || day(e.patient_id, *e.neutrophil_date) > 28;
  }
  std::sort(neutrophil_days.begin(), neutrophil_days.end());
  const int median = neutrophil_days[neutrophil_days.size() / 2];
  EXPECT_GE(median, 9);
  EXPECT_LE(median, 14);
  EXPECT_GT(Share(graft_failures, engraftments.size()), 0.005);
  EXPECT_LT(Share(graft_failures, engraftments.size()), 0.03);

  // Adverse events: infections common in the first 100 days (some grade 3
  // or more), viral reactivations, a few percent with secondary autoimmune
  // disease, rare malignancies, GvHD only after an allogeneic transplant
  // (CheckAgainstPatient above), acute GvHD within 100 days; grade 5 only
  // with a death.
  std::set<std::string> infected, severe, autoimmune, malignancy, gvhd;
  size_t viral = 0, acute_ii_to_iv = 0;
  for (const AdverseEventRecord& a : events) {
    const int d = day(a.patient_id, a.onset_date);
    EXPECT_GE(d, 0);
    using C = AdverseEventCategory;
    if (a.category == C::kInfection && d <= 100) {
      infected.insert(a.patient_id);
      if (a.grade >= AdverseEventGrade::k3) severe.insert(a.patient_id);
    }
    viral += a.category == C::kViralReactivation;
    if (a.category == C::kSecondaryAutoimmuneDisease) {
      autoimmune.insert(a.patient_id);
    }
    if (a.category == C::kMalignancy) malignancy.insert(a.patient_id);
    if (a.category == C::kAcuteGvhd || a.category == C::kChronicGvhd) {
      gvhd.insert(a.patient_id);
    }
    if (a.category == C::kAcuteGvhd) {
      EXPECT_LE(d, 100);
      acute_ii_to_iv += a.grade != AdverseEventGrade::kI;
    }
    if (a.grade == AdverseEventGrade::k5) {
      ASSERT_TRUE(deaths.count(a.patient_id)) << a.patient_id;
      EXPECT_GE(deaths.at(a.patient_id).death_date, a.onset_date);
    }
  }
  EXPECT_GT(Share(infected.size(), n), 0.25);
  EXPECT_GT(Share(severe.size(), n), 0.05);
  EXPECT_LT(Share(severe.size(), infected.size()), 0.75);
  EXPECT_GT(Share(viral, n), 0.1);
  EXPECT_GT(Share(autoimmune.size(), n), 0.01);
  EXPECT_LT(Share(autoimmune.size(), n), 0.08);
  EXPECT_GT(malignancy.size(), 0u);
  EXPECT_LT(Share(malignancy.size(), n), 0.02);
  EXPECT_GT(acute_ii_to_iv, 0u);
  EXPECT_LE(gvhd.size(), allogeneic);

  // Deaths: a few transplant-related (infection, toxicity) in the first
  // year, the others of the disease, other or unknown causes.
  size_t trm = 0, trm_year1 = 0, later = 0;
  for (const auto& [id, d] : deaths) {
    if (IsTransplantRelated(d.cause_code)) {
      ++trm;
      trm_year1 += day(id, d.death_date) <= 365;
    } else {
      ++later;
    }
  }
  EXPECT_GT(trm, 0u);
  EXPECT_LT(Share(trm, n), 0.04);
  EXPECT_GT(trm_year1 * 2, trm);
  EXPECT_GT(later, 0u);

  // Treatments: every class; corticosteroids as prednisolone-equivalent
  // mg/day; some in the transplant protocol; for MS, a disease-modifying
  // therapy after day 0 mostly after a relapse.
  std::set<TreatmentClass> classes;
  size_t protocol = 0, ms_dmt_after = 0, ms_dmt_after_relapse = 0;
  for (const TreatmentRecord& t : treatments) {
    classes.insert(t.treatment_class);
    protocol += t.protocol;
    if (t.treatment_class == TreatmentClass::kCorticosteroid) {
      EXPECT_EQ(t.dose_unit, "mg/day");
    }
    if (t.treatment_class == TreatmentClass::kDmt &&
        t.start_date > transplants.at(t.patient_id).transplant_date) {
      ++ms_dmt_after;
      ms_dmt_after_relapse += with_relapse_after_day0.count(t.patient_id);
    }
  }
  EXPECT_EQ(classes.size(), 7u);
  EXPECT_GT(protocol, 0u);
  EXPECT_GT(ms_dmt_after, 0u);
  EXPECT_GT(ms_dmt_after_relapse * 2, ms_dmt_after);
}

// Each disease's measures follow the courses the literature describes,
// judged by the registry's own rules: skin softening in most SSc patients
// and progression in some, SLEDAI falling with flares in some, AQP4-IgG
// seroreversion in some NMOSD patients.
TEST(SyntheticCohortGeneratorTest, DiseaseMeasuresFollowRealisticCourses) {
  CohortOptions options;
  options.patients = 2000;
  options.seed = 2026;
  options.last_date = Date(2026, 1, 1);
  std::map<std::string, std::vector<Record>> by_patient;
  for (const CenterCohort& center : GenerateCohort(options)) {
    for (const Record& record : center.records) {
      by_patient[PatientIdOf(record)].push_back(record);
    }
  }
  const OutcomeDefinition d;
  int ssc = 0, skin_softer = 0, skin_progressed = 0, lung_progressed = 0;
  int organ_failures = 0, sle = 0, sledai_lower = 0, flares = 0, doris = 0;
  int positive = 0, seroreverted = 0, attacks = 0, phenotyped = 0;
  for (const auto& [id, records] : by_patient) {
    const PatientClinicalData data = ClinicalDataFromRecords(records);
    const Date day0 = data.transplant_dates.front();
    for (const Record& r : records) {
      if (const auto* relapse = std::get_if<RelapseRecord>(&r)) {
        EXPECT_EQ(relapse->phenotype.has_value(),
                  data.disease == Disease::kNmosd);
        attacks += data.disease == Disease::kNmosd;
        phenotyped += relapse->phenotype.has_value();
      }
    }
    // Every SSc and SLE patient has a baseline; those followed long enough
    // (not dead within months) assessments after it.
    if (data.disease == Disease::kSsc) {
      ASSERT_FALSE(data.ssc_assessments.empty()) << id;
    }
    if (data.disease == Disease::kSsc && data.ssc_assessments.size() >= 2) {
      ++ssc;
      const SscCourse c = DescribeSsc(data, day0, d);
      ASSERT_TRUE(c.baseline.mrss && c.baseline.fvc_pct) << id;
      skin_softer += *data.ssc_assessments.back().mrss < *c.baseline.mrss;
      skin_progressed += c.skin_progression.has_value();
      lung_progressed += c.lung_progression.has_value();
      organ_failures += !data.organ_failures.empty();
    } else if (data.disease != Disease::kSsc) {
      EXPECT_TRUE(data.ssc_assessments.empty() && data.organ_failures.empty());
    }
    if (data.disease == Disease::kSle) {
      ASSERT_FALSE(data.sle_assessments.empty()) << id;
    }
    if (data.disease == Disease::kSle && data.sle_assessments.size() >= 2) {
      ++sle;
      const std::vector<SleState> states = SleStates(data, d);
      sledai_lower += states.back().sledai_2k < states.front().sledai_2k;
      const SleCourse c = DescribeSle(data, day0, states);
      flares += c.first_flare.has_value();
      doris += c.first_doris.has_value();
    } else if (data.disease != Disease::kSle) {
      EXPECT_TRUE(data.sle_assessments.empty());
    }
    if (data.disease == Disease::kNmosd) {
      const Aqp4Course c = DescribeAqp4(data, day0);
      positive += c.positive_before;
      seroreverted += c.seroreversion.has_value();
    }
  }
  ASSERT_GT(ssc, 200);
  EXPECT_GT(skin_softer, ssc * 7 / 10);
  EXPECT_GT(skin_progressed, 0);
  EXPECT_LT(skin_progressed, ssc / 4);
  EXPECT_GT(lung_progressed, 0);
  EXPECT_LT(lung_progressed, ssc / 3);
  EXPECT_GT(organ_failures, 0);
  EXPECT_LT(organ_failures, ssc / 6);
  ASSERT_GT(sle, 80);
  EXPECT_GT(sledai_lower, sle * 6 / 10);
  EXPECT_GT(flares, sle / 10);
  EXPECT_LT(flares, sle / 2);
  EXPECT_GT(doris, sle / 4);
  ASSERT_GT(positive, 50);
  EXPECT_GT(seroreverted, positive / 5);
  EXPECT_LT(seroreverted, positive * 7 / 10);
  EXPECT_GT(attacks, 0);
  EXPECT_EQ(phenotyped, attacks);
}

}  // namespace
}  // namespace registry::testing
