// Writes of clinical records: checks against the stored patient, the
// submission budget of the disk, and the events and current records of
// imports, amendments and retractions.
#include <fcntl.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/audit_chain.h"
#include "core/csv.h"
#include "core/merkle.h"
#include "core/request_keys.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/text_escape.h"
#include "core/violations.h"
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {

// --- Clinical records ------------------------------------------------------

namespace {

struct CurrentRecord {
  int64_t event_seq;
  std::string payload;
};

std::optional<CurrentRecord> LoadCurrent(Connection& c,
                                         const std::string& registry_id,
                                         Kind kind, const std::string& key) {
  SQLite::Statement& query = c.Prepare(
      "SELECT event_seq, payload FROM current_records WHERE registry_id = ? "
      "AND kind = ? AND record_key = ?");
  query.bind(1, registry_id);
  query.bind(2, S(KindName(kind)));
  query.bind(3, key);
  if (!query.executeStep()) return std::nullopt;
  return CurrentRecord{query.getColumn(0).getInt64(),
                       query.getColumn(1).getString()};
}

// The latest record date among transplants, visits, relapses, MRI and
// treatments, and among transplants alone. One pass over the patient's
// current records; `kind <> ...` rather than `kind IN (...)`, for which
// SQLite would build a temporary index on every call.
void LoadLatestDates(Connection& c, const std::string& registry_id,
                     PatientFacts& facts) {
  SQLite::Statement& query = c.Prepare(
      "SELECT max(record_date), max(CASE kind WHEN 'transplants' THEN "
      "record_date END), min(record_date) FROM current_records WHERE "
      "registry_id = ? AND kind <> 'patients' AND kind <> 'deaths'");
  query.bind(1, registry_id);
  if (!query.executeStep()) return;
  if (!query.getColumn(0).isNull()) {
    facts.latest_record_date = ParseIsoDate(query.getColumn(0).getString());
  }
  if (!query.getColumn(1).isNull()) {
    facts.latest_transplant_date = ParseIsoDate(query.getColumn(1).getString());
  }
  if (!query.getColumn(2).isNull()) {
    facts.earliest_record_date = ParseIsoDate(query.getColumn(2).getString());
  }
}

absl::StatusOr<PatientFacts> LoadFacts(Connection& c,
                                       const std::string& registry_id) {
  PatientFacts facts;
  if (auto patient = LoadCurrent(c, registry_id, Kind::kPatients, "")) {
    ASSIGN_OR_RETURN(Record record,
                     DecodePayload(Kind::kPatients, patient->payload));
    facts.birth_year = std::get<PatientRecord>(record).birth_year;
    facts.disease = std::get<PatientRecord>(record).disease;
  }
  if (auto death = LoadCurrent(c, registry_id, Kind::kDeaths, "")) {
    ASSIGN_OR_RETURN(Record record,
                     DecodePayload(Kind::kDeaths, death->payload));
    facts.death_date = std::get<DeathRecord>(record).death_date;
  }
  LoadLatestDates(c, registry_id, facts);
  return facts;
}

// Every current transplant of the patient, for the kinds whose rules need
// them (TransplantsNeeded).
absl::Status LoadTransplants(Connection& c, const std::string& registry_id,
                             PatientFacts& facts) {
  SQLite::Statement& query = c.Prepare(
      "SELECT payload FROM current_records WHERE registry_id = ? AND kind = "
      "'transplants'");
  query.bind(1, registry_id);
  facts.transplants.clear();
  while (query.executeStep()) {
    ASSIGN_OR_RETURN(
        Record record,
        DecodePayload(Kind::kTransplants, query.getColumn(0).getString()));
    const auto& t = std::get<TransplantRecord>(record);
    facts.transplants.emplace_back(t.transplant_date, t.type);
  }
  facts.transplants_loaded = true;
  return absl::OkStatus();
}

// Why the transplant of `date` cannot be retracted (`retraction`) or
// amended to autologous, if it cannot: its engraftment record (retraction
// only), or GvHD that no other allogeneic transplant precedes.
absl::StatusOr<std::optional<std::string>> TransplantNeededBy(
    Connection& c, const std::string& registry_id, const std::string& date,
    bool retraction) {
  if (retraction) {
    SQLite::Statement& engraftment = c.Prepare(
        "SELECT 1 FROM current_records WHERE registry_id = ? AND kind = "
        "'engraftment' AND record_key = ?");
    engraftment.bind(1, registry_id);
    engraftment.bind(2, date);
    if (engraftment.executeStep()) {
      return "the transplant has an engraftment record; retract it first";
    }
  }
  SQLite::Statement& gvhd = c.Prepare(
      "SELECT record_key FROM current_records WHERE registry_id = ? AND "
      "kind = 'adverse_events' AND (record_key LIKE '%|acute_gvhd' OR "
      "record_key LIKE '%|chronic_gvhd') ORDER BY record_key");
  gvhd.bind(1, registry_id);
  std::vector<std::string> onsets;  // the key is onset_date|category
  while (gvhd.executeStep()) {
    const std::string key = gvhd.getColumn(0).getString();
    onsets.push_back(key.substr(0, key.find('|')));
  }
  if (onsets.empty()) return std::nullopt;
  PatientFacts facts;
  RETURN_IF_ERROR(LoadTransplants(c, registry_id, facts));
  for (const std::string& onset : onsets) {
    const bool other_allogeneic = std::any_of(
        facts.transplants.begin(), facts.transplants.end(), [&](const auto& t) {
          const std::string day = FormatIsoDate(t.first);
          return t.second == TransplantType::kAllogeneic && day != date &&
                 day <= onset;
        });
    if (!other_allogeneic && date <= onset) {
      return "GvHD with onset " + onset +
             " follows this transplant only; retract or amend it first";
    }
  }
  return std::nullopt;
}

// Why the patient's disease cannot be amended to `disease`, if it cannot:
// current records of a kind for another disease only (DiseaseOfKind).
std::optional<std::string> DiseaseNeededBy(Connection& c,
                                           const std::string& registry_id,
                                           Disease disease) {
  for (Kind kind : kAllKinds) {
    const std::optional<Disease> only = DiseaseOfKind(kind);
    if (!only || *only == disease) continue;
    SQLite::Statement& query = c.Prepare(
        "SELECT count(*) FROM current_records WHERE registry_id = ? AND kind "
        "= ?");
    query.bind(1, registry_id);
    query.bind(2, S(KindName(kind)));
    query.executeStep();
    if (const int n = query.getColumn(0).getInt(); n > 0) {
      return absl::StrCat("the patient has ", n, " current ",
                          std::string(KindName(kind)), ", which are for ",
                          std::string(DiseaseCode(*only)),
                          " patients; retract them first");
    }
  }
  return std::nullopt;
}

// Folds a newly imported record into the facts of its patient.
void UpdateFacts(const Record& record, PatientFacts& facts) {
  auto later = [](std::optional<Date>& slot, Date date) {
    if (!slot || date > *slot) slot = date;
  };
  if (auto* p = std::get_if<PatientRecord>(&record)) {
    facts.birth_year = p->birth_year;
    facts.disease = p->disease;
  } else if (auto* d = std::get_if<DeathRecord>(&record)) {
    facts.death_date = d->death_date;
  } else if (std::optional<Date> date = LatestDateOf(record)) {
    later(facts.latest_record_date, *date);
    if (!facts.earliest_record_date || *date < *facts.earliest_record_date) {
      facts.earliest_record_date = *date;
    }
    if (const auto* t = std::get_if<TransplantRecord>(&record)) {
      later(facts.latest_transplant_date, *date);
      if (facts.transplants_loaded) {
        facts.transplants.emplace_back(t->transplant_date, t->type);
      }
    }
  }
}

std::optional<std::string> LookupRegistryId(Connection& c, int64_t center_id,
                                            const std::string& patient_id) {
  SQLite::Statement& query = c.Prepare(
      "SELECT registry_id FROM patients WHERE center_id = ? AND patient_id = "
      "?");
  query.bind(1, static_cast<int64_t>(center_id));
  query.bind(2, patient_id);
  if (!query.executeStep()) return std::nullopt;
  return query.getColumn(0).getString();
}

std::string CreatePatientIdentity(Connection& c, int64_t center_id,
                                  const std::string& patient_id,
                                  const std::string& now) {
  SQLite::Statement& taken =
      c.Prepare("SELECT 1 FROM patients WHERE registry_id = ?");
  std::string registry_id;
  do {
    registry_id = NewRegistryId();
    taken.reset();
    taken.bind(1, registry_id);
  } while (taken.executeStep());
  SQLite::Statement& insert = c.Prepare(
      "INSERT INTO patients (registry_id, center_id, patient_id, created_at) "
      "VALUES (?, ?, ?, ?)");
  insert.bind(1, registry_id);
  insert.bind(2, static_cast<int64_t>(center_id));
  insert.bind(3, patient_id);
  insert.bind(4, now);
  insert.exec();
  return registry_id;
}

// The first column whose text differs, for pointing at a conflict.
FieldViolation DescribeConflict(Kind kind, const std::string& stored_payload,
                                const Record& sent) {
  absl::StatusOr<std::vector<CsvRow>> stored = ParseCsv(stored_payload);
  const Row sent_row = ToRow(sent);
  absl::Span<const Column> columns = ColumnsOf(kind);
  for (size_t i = 0; stored.ok() && i < columns.size(); ++i) {
    const std::string& old_text = (*stored)[0].fields[i];
    if (old_text != sent_row[i]) {
      return {S(columns[i].name),
              absl::StrCat("a ", S(KindName(kind)),
                           " record with this key already exists with ",
                           S(columns[i].name), " '", old_text, "' (sent '",
                           sent_row[i],
                           "'); use `regctl submit amend` to change it")};
    }
  }
  return {"", "conflicts with the stored record"};
}

}  // namespace

absl::Status RegistryStore::ApplyRows(Transaction& t,
                                      Operation request_operation,
                                      std::string_view reason,
                                      const std::vector<RecordValues>& rows,
                                      Date latest_valid, SubmitCounts& counts,
                                      size_t max_listed) {
  const RequestContext& context = t.context();
  const Principal& actor = context.principal;
  counts = SubmitCounts{};
  counts.received = static_cast<int64_t>(rows.size());
  // Every problem is counted, the first `max_listed` are listed:
  // a file of bad rows must not take the server's memory, nor overflow
  // the status it is answered with.
  std::vector<FieldViolation> violations;
  std::vector<FieldViolation> conflicts;
  int64_t invalid = 0, conflicting = 0;
  auto list = [&](std::vector<FieldViolation>& to, FieldViolation v) {
    if (violations.size() + conflicts.size() < max_listed) {
      to.push_back(std::move(v));
    }
  };
  std::unordered_map<std::string, std::string> registry_ids;  // by patient_id
  RequestKeys keys_seen;
  Connection& c = t.connection();
  std::unordered_map<std::string, PatientFacts> facts_cache;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string prefix = absl::StrCat("records[", i, "].");
    auto fail = [&](std::vector<FieldViolation> found) {
      PrefixFields(prefix, found);
      invalid += static_cast<int64_t>(found.size());
      for (FieldViolation& v : found) list(violations, std::move(v));
    };
    if (!rows[i].kind) {
      ++invalid;
      list(violations,
           {absl::StrCat("records[", i, "]"), "no record kind is set"});
      continue;
    }
    const Kind kind = *rows[i].kind;
    // An upsert's row is an import until its key is found below.
    Operation operation = request_operation == Operation::kUpsert
                              ? Operation::kImport
                              : request_operation;
    std::optional<Record> record;
    RecordKey key;
    std::string payload;  // canonical CSV text, made once
    if (operation == Operation::kRetract) {
      Parsed<RecordKey> parsed = BuildRecordKey(rows[i]);
      if (!parsed.value) {
        fail(std::move(parsed.violations));
        continue;
      }
      key = *std::move(parsed.value);
    } else {
      Parsed<Record> parsed = BuildRecord(rows[i], latest_valid);
      if (!parsed.value) {
        fail(std::move(parsed.violations));
        continue;
      }
      record = std::move(parsed.value);
      const Row canonical = ToRow(*record);
      key = KeyOfRow(kind, canonical);
      payload = FormatCsvRow(canonical);
    }

    // A key given twice in one request is ambiguous, whatever the values.
    if (auto twice = keys_seen.Add(i, key); !twice.empty()) {
      invalid += static_cast<int64_t>(twice.size());
      for (FieldViolation& v : twice) list(violations, std::move(v));
      continue;
    }

    // Imports list each patient's records together: look each up once.
    std::optional<std::string> registry_id;
    if (auto known = registry_ids.find(key.patient_id);
        known != registry_ids.end()) {
      registry_id = known->second;
    } else {
      registry_id = LookupRegistryId(c, actor.center_id, key.patient_id);
      // An identity whose patient record was retracted is unknown to every
      // write but the import that registers the patient again.
      if (registry_id && kind != Kind::kPatients &&
          !LoadCurrent(c, *registry_id, Kind::kPatients, "")) {
        registry_id.reset();
      }
      if (registry_id) registry_ids.emplace(key.patient_id, *registry_id);
    }
    if (!registry_id) {
      if (kind == Kind::kPatients && operation == Operation::kImport) {
        registry_id = CreatePatientIdentity(c, actor.center_id, key.patient_id,
                                            t.now_text());
        registry_ids.emplace(key.patient_id, *registry_id);
      } else {
        fail({{"patient_id", absl::StrCat("unknown patient '", key.patient_id,
                                          "' in center ", actor.center_code,
                                          "; import it in patients first")}});
        continue;
      }
    }
    const std::optional<CurrentRecord> current =
        LoadCurrent(c, *registry_id, kind, key.key);
    if (request_operation == Operation::kUpsert && current) {
      operation = Operation::kAmend;
    }

    switch (operation) {
      case Operation::kImport:
        if (current && current->payload == payload) {
          ++counts.unchanged;
          continue;
        }
        if (current) {
          std::vector<FieldViolation> conflict = {
              DescribeConflict(kind, current->payload, *record)};
          PrefixFields(prefix, conflict);
          ++conflicting;
          list(conflicts, conflict[0]);
          continue;
        }
        break;
      case Operation::kAmend:
        if (!current) {
          fail({{S(ColumnsOf(kind)[1].name),
                 "no current record with this key to amend; import it"}});
          continue;
        }
        if (current->payload == payload) {
          ++counts.unchanged;
          continue;
        }
        if (const auto* p =
                record ? std::get_if<PatientRecord>(&*record) : nullptr) {
          if (std::optional<std::string> needed =
                  DiseaseNeededBy(c, *registry_id, p->disease)) {
            fail({{"disease", *std::move(needed)}});
            continue;
          }
        }
        if (const auto* t =
                record ? std::get_if<TransplantRecord>(&*record) : nullptr;
            t && t->type == TransplantType::kAutologous) {
          ASSIGN_OR_RETURN(std::optional<std::string> needed,
                           TransplantNeededBy(c, *registry_id, key.key,
                                              /*retraction=*/false));
          if (needed) {
            fail({{"type", *std::move(needed)}});
            continue;
          }
        }
        break;
      case Operation::kRetract:
        if (!current) {
          fail({{S(ColumnsOf(kind)[1].name),
                 "no current record with this key to retract"}});
          continue;
        }
        if (kind == Kind::kPatients) {
          SQLite::Statement& dependants = c.Prepare(
              "SELECT count(*) FROM current_records WHERE registry_id = ? "
              "AND kind <> 'patients'");
          dependants.bind(1, *registry_id);
          dependants.executeStep();
          if (const int n = dependants.getColumn(0).getInt(); n > 0) {
            fail({{"patient_id",
                   absl::StrCat("the patient still has ", n,
                                " current records; retract them first")}});
            continue;
          }
        }
        if (kind == Kind::kTransplants) {
          ASSIGN_OR_RETURN(std::optional<std::string> needed,
                           TransplantNeededBy(c, *registry_id, key.key,
                                              /*retraction=*/true));
          if (needed) {
            fail({{"transplant_date", *std::move(needed)}});
            continue;
          }
        }
        break;
    }
    if (record) {
      // Facts are loaded once per patient and request, then kept up to
      // date by the imports below (amendments and retractions reload).
      auto cached = facts_cache.find(*registry_id);
      if (cached == facts_cache.end()) {
        ASSIGN_OR_RETURN(PatientFacts loaded, LoadFacts(c, *registry_id));
        cached = facts_cache.emplace(*registry_id, loaded).first;
      }
      PatientFacts& facts = cached->second;
      if (TransplantsNeeded(kind) && !facts.transplants_loaded) {
        RETURN_IF_ERROR(LoadTransplants(c, *registry_id, facts));
      }
      std::vector<FieldViolation> found =
          CheckAgainstPatient(*record, facts, operation == Operation::kImport);
      if (!found.empty()) {
        fail(std::move(found));
        continue;
      }
    }

    const std::string& event_payload =
        operation == Operation::kRetract ? current->payload : payload;
    SQLite::Statement& insert = c.Prepare(
        "INSERT INTO events (recorded_at, request_id, principal, "
        "registry_id, kind, record_key, op, payload, reason) VALUES (?, ?, "
        "?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, t.now_text());
    insert.bind(2, context.request_id);
    insert.bind(3, actor.token_id);
    insert.bind(4, *registry_id);
    insert.bind(5, S(KindName(kind)));
    insert.bind(6, key.key);
    insert.bind(7, S(OperationName(operation)));
    insert.bind(8, event_payload);
    // An upsert's imports are new records: the reason is its amendments'.
    insert.bind(9, operation == Operation::kImport ? "" : S(reason));
    insert.exec();
    const int64_t event_seq = c.db().getLastInsertRowid();

    if (operation == Operation::kRetract) {
      SQLite::Statement& remove = c.Prepare(
          "DELETE FROM current_records WHERE registry_id = ? AND kind = ? "
          "AND record_key = ?");
      remove.bind(1, *registry_id);
      remove.bind(2, S(KindName(kind)));
      remove.bind(3, key.key);
      remove.exec();
    } else {
      SQLite::Statement& upsert = c.Prepare(
          "INSERT OR REPLACE INTO current_records (registry_id, kind, "
          "record_key, record_date, event_seq, payload) VALUES (?, ?, ?, ?, "
          "?, ?)");
      upsert.bind(1, *registry_id);
      upsert.bind(2, S(KindName(kind)));
      upsert.bind(3, key.key);
      if (std::optional<Date> date = LatestDateOf(*record)) {
        upsert.bind(4, FormatIsoDate(*date));
      } else {
        upsert.bind(4);
      }
      upsert.bind(5, static_cast<int64_t>(event_seq));
      upsert.bind(6, payload);
      upsert.exec();
    }
    if (operation != Operation::kImport) {
      facts_cache.erase(*registry_id);
    } else if (auto it = facts_cache.find(*registry_id);
               it != facts_cache.end()) {
      UpdateFacts(*record, it->second);
    }
    t.Audit({.center = actor.center_code,
             .action = absl::StrCat("record.", S(OperationName(operation))),
             .entity = EntityOf(KindName(kind), *registry_id, key.key),
             .old_value = current ? ValueDigest(current->payload) : "",
             .new_value =
                 operation == Operation::kRetract ? "" : ValueDigest(payload),
             .reason = operation == Operation::kImport ? "" : S(reason),
             .event_seq = event_seq});
    ++counts.accepted;
    if (request_operation == Operation::kUpsert &&
        operation == Operation::kAmend) {
      ++counts.amended;
    }
  }
  const int64_t listed =
      static_cast<int64_t>(violations.size() + conflicts.size());
  const std::string more =
      invalid + conflicting > listed
          ? absl::StrCat(" (the first ", listed, " of ", invalid + conflicting,
                         " problems are listed)")
          : std::string();
  if (invalid > 0) {
    violations.insert(violations.end(), conflicts.begin(), conflicts.end());
    return StatusWithViolations(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(invalid, " invalid field(s)",
                     conflicting > 0
                         ? absl::StrCat(" and ", conflicting, " conflict(s)")
                         : std::string(),
                     "; nothing was written", more),
        violations, invalid + conflicting);
  }
  if (conflicting > 0) {
    return StatusWithViolations(
        absl::StatusCode::kAlreadyExists,
        absl::StrCat(conflicting,
                     " record(s) already exist with other values; nothing "
                     "was written",
                     more),
        conflicts, conflicting);
  }
  return absl::OkStatus();
}

}  // namespace registry
