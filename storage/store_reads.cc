// RegistryStore's reads of clinical records: exports, patient histories
// and the cohort reads of outcomes and reports.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "storage/store_internal.h"

namespace registry {

namespace {

// Records are read in batches, each in its own snapshot, and handed out
// between batches: no reader connection is held while a client takes its
// time (16 stalled exports froze every read before). A batch of one kind
// continues after the key (?3 patient_id, ?4 record_key) where the last
// ended.
constexpr int kRecordBatch = 1000;
constexpr int kPatientBatch = 256;

constexpr const char* kCurrentByCenterSql =
    "SELECT p.registry_id, r.payload, p.patient_id, r.record_key FROM "
    "current_records r JOIN patients p ON p.registry_id = r.registry_id "
    "WHERE p.center_id = ?1 AND r.kind = ?2 AND p.patient_id >= ?3 AND "
    "(p.patient_id > ?3 OR r.record_key > ?4) ORDER BY p.patient_id, "
    "r.record_key LIMIT ?6";

// The latest event of each record recorded up to ?5, unless a retraction.
constexpr const char* kAsOfByCenterSql =
    "SELECT p.registry_id, e.payload, p.patient_id, e.record_key FROM events "
    "e JOIN patients p ON p.registry_id = e.registry_id WHERE p.center_id = "
    "?1 AND e.kind = ?2 AND p.patient_id >= ?3 AND (p.patient_id > ?3 OR "
    "e.record_key > ?4) AND e.recorded_at <= ?5 AND e.op <> 'retract' AND "
    "NOT EXISTS (SELECT 1 FROM events later WHERE later.registry_id = "
    "e.registry_id AND later.kind = e.kind AND later.record_key = "
    "e.record_key AND later.event_seq > e.event_seq AND later.recorded_at <= "
    "?5) ORDER BY p.patient_id, e.record_key LIMIT ?6";

constexpr const char* kCurrentAllCentersSql =
    "SELECT r.registry_id, c.code, r.payload, r.record_key FROM "
    "current_records r JOIN patients p ON p.registry_id = r.registry_id JOIN "
    "centers c ON c.center_id = p.center_id WHERE r.kind = ?1 AND "
    "r.registry_id >= ?2 AND (r.registry_id > ?2 OR r.record_key > ?3) "
    "ORDER BY r.registry_id, r.record_key LIMIT ?4";

// As kAsOfByCenterSql, for every center, by registry id.
constexpr const char* kAsOfAllCentersSql =
    "SELECT e.registry_id, c.code, e.payload, e.record_key FROM events e "
    "JOIN patients p ON p.registry_id = e.registry_id JOIN centers c ON "
    "c.center_id = p.center_id WHERE e.kind = ?1 AND e.registry_id >= ?2 AND "
    "(e.registry_id > ?2 OR e.record_key > ?3) AND e.recorded_at <= ?5 AND "
    "e.op <> 'retract' AND NOT EXISTS (SELECT 1 FROM events later WHERE "
    "later.registry_id = e.registry_id AND later.kind = e.kind AND "
    "later.record_key = e.record_key AND later.event_seq > e.event_seq AND "
    "later.recorded_at <= ?5) ORDER BY e.registry_id, e.record_key LIMIT ?4";

constexpr const char* kCurrentByPatientSql =
    "SELECT kind, payload FROM current_records WHERE registry_id = ?1";

constexpr const char* kAsOfByPatientSql =
    "SELECT e.kind, e.payload FROM events e WHERE e.registry_id = ?1 AND "
    "e.recorded_at <= ?2 AND e.op <> 'retract' AND NOT EXISTS (SELECT 1 FROM "
    "events later WHERE later.registry_id = e.registry_id AND later.kind = "
    "e.kind AND later.record_key = e.record_key AND later.event_seq > "
    "e.event_seq AND later.recorded_at <= ?2)";

}  // namespace

absl::Status RegistryStore::ExportRecords(
    const RequestContext& context, Kind kind,
    std::optional<absl::Time> as_of_recorded,
    const std::function<bool(const StoredRecord&)>& sink) {
  const Principal& actor = context.principal;
  if (actor.role != Role::kSubmitter) {
    return absl::PermissionDeniedError("only submitters export records");
  }
  // The audit entry is committed before any record leaves the store.
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.center = actor.center_code,
             .action = "records.read",
             .entity =
                 absl::StrCat(S(KindName(kind)), "/center/", actor.center_code),
             .new_value = as_of_recorded
                              ? "as_of=" + FormatRecordedTime(*as_of_recorded)
                              : "current"});
    return absl::OkStatus();
  }));
  std::string after_patient, after_key;
  for (;;) {
    std::vector<StoredRecord> batch;
    RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
      SQLite::Statement& query =
          c.Prepare(as_of_recorded ? kAsOfByCenterSql : kCurrentByCenterSql);
      query.bind(1, static_cast<int64_t>(actor.center_id));
      query.bind(2, S(KindName(kind)));
      query.bind(3, after_patient);
      query.bind(4, after_key);
      if (as_of_recorded) query.bind(5, FormatRecordedTime(*as_of_recorded));
      query.bind(6, kRecordBatch);
      while (query.executeStep()) {
        ASSIGN_OR_RETURN(Record record,
                         DecodePayload(kind, query.getColumn(1).getString()));
        batch.push_back({query.getColumn(0).getString(), actor.center_code,
                         std::move(record)});
        after_patient = query.getColumn(2).getString();
        after_key = query.getColumn(3).getString();
      }
      return absl::OkStatus();
    }));
    for (const StoredRecord& record : batch) {
      if (!sink(record)) return absl::OkStatus();
    }
    if (static_cast<int>(batch.size()) < kRecordBatch) return absl::OkStatus();
  }
}

absl::StatusOr<PatientHistory> RegistryStore::GetPatientHistory(
    const RequestContext& context, const PatientRef& ref,
    std::optional<absl::Time> as_of_recorded) {
  const Principal& actor = context.principal;
  if (actor.role != Role::kSubmitter && actor.role != Role::kAnalyst) {
    return absl::PermissionDeniedError(
        "only submitters and analysts read patient data");
  }
  const bool blank_codes = actor.role == Role::kAnalyst;
  PatientHistory history;
  // The reader is given back before the audit entry waits for its commit.
  RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
    SQLite::Statement& find = c.Prepare(
        "SELECT p.registry_id, p.patient_id, p.center_id, c.code FROM "
        "patients p JOIN centers c ON c.center_id = p.center_id WHERE "
        "(?1 <> '' AND p.registry_id = ?1) OR (?2 <> '' AND p.center_id = ?3 "
        "AND p.patient_id = ?2)");
    find.bind(1, ref.registry_id);
    find.bind(2, blank_codes ? "" : ref.patient_id);
    find.bind(3, static_cast<int64_t>(actor.center_id));
    const bool found = find.executeStep();
    // Another center's patient looks exactly like a missing one.
    if (!found || (actor.role == Role::kSubmitter &&
                   find.getColumn(2).getInt64() != actor.center_id)) {
      find.reset();
      return absl::NotFoundError("no such patient");
    }
    history.registry_id = find.getColumn(0).getString();
    history.patient_id = blank_codes ? "" : find.getColumn(1).getString();
    history.center_code = find.getColumn(3).getString();
    find.reset();

    SQLite::Statement& current =
        c.Prepare(as_of_recorded ? kAsOfByPatientSql : kCurrentByPatientSql);
    current.bind(1, history.registry_id);
    if (as_of_recorded) current.bind(2, FormatRecordedTime(*as_of_recorded));
    while (current.executeStep()) {
      std::optional<Kind> kind = ParseKind(current.getColumn(0).getString());
      if (!kind) return absl::DataLossError("unknown record kind in store");
      ASSIGN_OR_RETURN(Record record,
                       DecodePayload(*kind, current.getColumn(1).getString()));
      history.current.push_back(std::move(record));
    }
    std::sort(history.current.begin(), history.current.end(),
              [](const Record& a, const Record& b) {
                const RecordKey ka = KeyOf(a), kb = KeyOf(b);
                return std::tie(ka.kind, ka.key) < std::tie(kb.kind, kb.key);
              });

    SQLite::Statement& events = c.Prepare(
        "SELECT e.event_seq, e.recorded_at, e.op, e.kind, e.payload, "
        "e.reason, e.request_id, e.principal, t.label, t.role FROM events e "
        "LEFT JOIN tokens t ON t.token_id = e.principal WHERE e.registry_id = "
        "?1 AND e.recorded_at <= ?2 ORDER BY e.event_seq");
    events.bind(1, history.registry_id);
    events.bind(2, as_of_recorded ? FormatRecordedTime(*as_of_recorded) : "~");
    while (events.executeStep()) {
      StoredEvent event;
      event.event_seq = events.getColumn(0).getInt64();
      event.recorded_at = ParseRecordedTime(events.getColumn(1).getString());
      const std::string op = events.getColumn(2).getString();
      event.operation = op == "create"  ? Operation::kImport
                        : op == "amend" ? Operation::kAmend
                                        : Operation::kRetract;
      std::optional<Kind> kind = ParseKind(events.getColumn(3).getString());
      if (!kind) return absl::DataLossError("unknown record kind in store");
      ASSIGN_OR_RETURN(event.record,
                       DecodePayload(*kind, events.getColumn(4).getString()));
      event.reason = events.getColumn(5).getString();
      event.request_id = events.getColumn(6).getString();
      event.token_id = events.getColumn(7).getString();
      event.token_label = events.getColumn(8).getString();
      event.token_role = events.getColumn(9).isNull()
                             ? "system"
                             : events.getColumn(9).getString();
      history.events.push_back(std::move(event));
    }
    return absl::OkStatus();
  }));
  if (blank_codes) {
    for (Record& r : history.current) SetPatientId(r, "");
    for (StoredEvent& e : history.events) {
      SetPatientId(e.record, "");
      // A submitter's token belongs to one centre: its id or label would
      // group an analyst's patients by centre. The role alone is shown.
      e.token_label.clear();
      e.token_id.clear();
    }
  }
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.center = history.center_code,
             .action = "patient.read",
             .entity = "patient/" + history.registry_id,
             .new_value = as_of_recorded
                              ? "as_of=" + FormatRecordedTime(*as_of_recorded)
                              : "current"});
    return absl::OkStatus();
  }));
  return history;
}

namespace {

// A batch of patients is those after ?2 up to ?3 (inclusive), in the
// order of the batches; its end is found first, so that the records come
// in index order, without a sort.
constexpr const char* kBatchEndOfCenterSql =
    "SELECT patient_id FROM patients WHERE center_id = ?1 AND patient_id > "
    "?2 ORDER BY patient_id LIMIT 1 OFFSET ?3";
constexpr const char* kBatchEndOfAllCentersSql =
    "SELECT registry_id FROM patients WHERE registry_id > ?2 ORDER BY "
    "registry_id LIMIT 1 OFFSET ?3";
// Sorts after every patient code and registry id ([A-Za-z0-9._-]).
constexpr char kAfterEveryId[] = "\x7f";

// The records of the patients: current ones, or (with ?9, a recorded
// time) the latest event of each record recorded by then, unless a
// retraction. SQLite flattens the subquery, so the join's patient range
// still uses events_by_record.
constexpr const char* kCurrentRecords = "current_records r";
constexpr const char* kRecordsAsOf =
    "(SELECT e.registry_id, e.kind, e.payload FROM events e WHERE "
    "e.recorded_at <= ?9 AND e.op <> 'retract' AND NOT EXISTS (SELECT 1 FROM "
    "events later WHERE later.registry_id = e.registry_id AND later.kind = "
    "e.kind AND later.record_key = e.record_key AND later.event_seq > "
    "e.event_seq AND later.recorded_at <= ?9)) r";

std::string BuildPatientsOfCenterSql(const char* records) {
  return absl::StrCat(
      "SELECT p.registry_id, p.patient_id, c.code, r.kind, r.payload FROM "
      "patients p JOIN centers c ON c.center_id = p.center_id JOIN ",
      records,
      " ON r.registry_id = p.registry_id WHERE p.center_id = ?1 AND "
      "p.patient_id > ?2 AND p.patient_id <= ?3 ORDER BY p.patient_id");
}

std::string BuildPatientsOfAllCentersSql(const char* records) {
  return absl::StrCat(
      "SELECT p.registry_id, '', c.code, r.kind, r.payload FROM patients p "
      "JOIN centers c ON c.center_id = p.center_id JOIN ",
      records,
      " ON r.registry_id = p.registry_id WHERE p.registry_id > ?2 AND "
      "p.registry_id <= ?3 ORDER BY p.registry_id");
}

std::string BuildOnePatientSql(const char* records) {
  return absl::StrCat(
      "SELECT p.registry_id, p.patient_id, c.code, r.kind, r.payload FROM "
      "patients p JOIN centers c ON c.center_id = p.center_id JOIN ",
      records, " ON r.registry_id = p.registry_id WHERE p.registry_id = ?1");
}

// Connection::Prepare caches by address: each text is built once.
const char* PatientsOfCenterSql(bool as_of) {
  static const std::string* current =
      new std::string(BuildPatientsOfCenterSql(kCurrentRecords));
  static const std::string* frozen =
      new std::string(BuildPatientsOfCenterSql(kRecordsAsOf));
  return (as_of ? frozen : current)->c_str();
}
const char* PatientsOfAllCentersSql(bool as_of) {
  static const std::string* current =
      new std::string(BuildPatientsOfAllCentersSql(kCurrentRecords));
  static const std::string* frozen =
      new std::string(BuildPatientsOfAllCentersSql(kRecordsAsOf));
  return (as_of ? frozen : current)->c_str();
}
const char* OnePatientSql(bool as_of) {
  static const std::string* current =
      new std::string(BuildOnePatientSql(kCurrentRecords));
  static const std::string* frozen =
      new std::string(BuildOnePatientSql(kRecordsAsOf));
  return (as_of ? frozen : current)->c_str();
}

// Groups consecutive rows of one patient into `out`.
absl::Status GroupPatients(SQLite::Statement& query, bool blank_codes,
                           std::vector<PatientRecords>& out) {
  while (query.executeStep()) {
    std::string registry_id = query.getColumn(0).getString();
    if (out.empty() || out.back().registry_id != registry_id) {
      PatientRecords& patient = out.emplace_back();
      patient.registry_id = std::move(registry_id);
      patient.patient_id = blank_codes ? "" : query.getColumn(1).getString();
      patient.center_code = query.getColumn(2).getString();
    }
    std::optional<Kind> kind = ParseKind(query.getColumn(3).getString());
    if (!kind) return absl::DataLossError("unknown record kind in store");
    ASSIGN_OR_RETURN(Record record,
                     DecodePayload(*kind, query.getColumn(4).getString()));
    if (blank_codes) SetPatientId(record, "");
    out.back().records.push_back(std::move(record));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RegistryStore::ReadSnapshot(
    const std::function<absl::Status(Connection&)>& read) {
  ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  Connection& c = **lease;
  return CatchSqlite([&]() -> absl::Status {
    SQLite::Transaction snapshot(c.db(), SQLite::TransactionBehavior::DEFERRED);
    return read(c);
  });
}

absl::Status RegistryStore::ReadPatients(
    const RequestContext& context, std::optional<PatientRef> patient,
    std::string_view action, std::optional<absl::Time> as_of_recorded,
    const std::function<bool(PatientRecords&&)>& sink) {
  const bool as_of = as_of_recorded.has_value();
  const std::string frozen =
      as_of_recorded ? FormatRecordedTime(*as_of_recorded) : "";
  const Principal& actor = context.principal;
  if (actor.role != Role::kSubmitter && actor.role != Role::kAnalyst) {
    return absl::PermissionDeniedError(
        "only submitters and analysts read patient data");
  }
  const bool analyst = actor.role == Role::kAnalyst;
  if (patient) {
    // Resolve, read and audit, then hand out: a missing patient leaves no
    // trace that could tell it apart from another center's.
    std::vector<PatientRecords> found;
    RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
      SQLite::Statement& find = c.Prepare(
          "SELECT p.registry_id, p.center_id FROM patients p WHERE (?1 <> '' "
          "AND p.registry_id = ?1) OR (?2 <> '' AND p.center_id = ?3 AND "
          "p.patient_id = ?2)");
      find.bind(1, patient->registry_id);
      find.bind(2, analyst ? "" : patient->patient_id);
      find.bind(3, static_cast<int64_t>(actor.center_id));
      if (!find.executeStep() ||
          (!analyst && find.getColumn(1).getInt64() != actor.center_id)) {
        return absl::NotFoundError("no such patient");
      }
      const std::string registry_id = find.getColumn(0).getString();
      SQLite::Statement& query = c.Prepare(OnePatientSql(as_of));
      query.bind(1, registry_id);
      if (as_of_recorded) query.bind(9, frozen);
      return GroupPatients(query, analyst, found);
    }));
    if (found.empty()) return absl::NotFoundError("no such patient");
    RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
      t.Audit({.center = found[0].center_code,
               .action = S(action),
               .entity = "patient/" + found[0].registry_id,
               .new_value = as_of ? "as_of=" + frozen : "current"});
      return absl::OkStatus();
    }));
    sink(std::move(found[0]));
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.center = actor.center_code,
             .action = S(action),
             .entity = analyst ? "cohort/all-centers"
                               : "cohort/center/" + actor.center_code,
             .new_value = as_of ? "as_of=" + frozen : "current"});
    return absl::OkStatus();
  }));
  // Each batch of patients in one snapshot, so each patient's records are
  // read together; handed out with no connection held.
  std::string after;
  for (bool more = true; more;) {
    std::vector<PatientRecords> batch;
    std::string end;
    RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
      SQLite::Statement& bound =
          c.Prepare(analyst ? kBatchEndOfAllCentersSql : kBatchEndOfCenterSql);
      if (!analyst) bound.bind(1, static_cast<int64_t>(actor.center_id));
      bound.bind(2, after);
      bound.bind(3, kPatientBatch - 1);
      more = bound.executeStep();
      end = more ? bound.getColumn(0).getString() : kAfterEveryId;
      SQLite::Statement& query =
          c.Prepare(analyst ? PatientsOfAllCentersSql(as_of)
                            : PatientsOfCenterSql(as_of));
      if (!analyst) query.bind(1, static_cast<int64_t>(actor.center_id));
      query.bind(2, after);
      query.bind(3, end);
      if (as_of_recorded) query.bind(9, frozen);
      return GroupPatients(query, analyst, batch);
    }));
    for (PatientRecords& p : batch) {
      if (!sink(std::move(p))) return absl::OkStatus();
    }
    after = std::move(end);
  }
  return absl::OkStatus();
}

absl::Status RegistryStore::ExportAllCenters(
    const RequestContext& context, Kind kind,
    std::optional<absl::Time> as_of_recorded,
    const std::function<void(const std::string&, Date)>& day0,
    const std::function<bool(const StoredRecord&)>& sink) {
  const Principal& actor = context.principal;
  if (actor.role != Role::kAnalyst) {
    return absl::PermissionDeniedError("only analysts export all centers");
  }
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    t.Audit({.action = "records.export",
             .entity = absl::StrCat(S(KindName(kind)), "/all-centers"),
             .new_value = as_of_recorded
                              ? "as_of=" + FormatRecordedTime(*as_of_recorded)
                              : "current"});
    return absl::OkStatus();
  }));
  // Every record of `of`, in batches of their own snapshots, by registry
  // id and key; `handle` false stops.
  auto each = [&](Kind of,
                  const std::function<bool(const StoredRecord&)>& handle)
      -> absl::Status {
    std::string after_id, after_key;
    for (;;) {
      std::vector<StoredRecord> batch;
      RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
        SQLite::Statement& query = c.Prepare(
            as_of_recorded ? kAsOfAllCentersSql : kCurrentAllCentersSql);
        query.bind(1, S(KindName(of)));
        query.bind(2, after_id);
        query.bind(3, after_key);
        query.bind(4, kRecordBatch);
        if (as_of_recorded) query.bind(5, FormatRecordedTime(*as_of_recorded));
        while (query.executeStep()) {
          ASSIGN_OR_RETURN(Record record,
                           DecodePayload(of, query.getColumn(2).getString()));
          SetPatientId(record, "");
          after_id = query.getColumn(0).getString();
          after_key = query.getColumn(3).getString();
          batch.push_back(
              {after_id, query.getColumn(1).getString(), std::move(record)});
        }
        return absl::OkStatus();
      }));
      for (const StoredRecord& record : batch) {
        if (!handle(record)) return absl::OkStatus();
      }
      if (static_cast<int>(batch.size()) < kRecordBatch) {
        return absl::OkStatus();
      }
    }
  };
  if (as_of_recorded) {
    // The derived record dates are of current records only: the frozen
    // transplants are read and their dates taken here.
    std::map<std::string, Date> first;
    RETURN_IF_ERROR(each(Kind::kTransplants, [&](const StoredRecord& r) {
      if (std::optional<Date> date = LatestDateOf(r.record)) {
        auto [at, added] = first.emplace(r.registry_id, *date);
        if (!added && *date < at->second) at->second = *date;
      }
      return true;
    }));
    for (const auto& [registry_id, date] : first) day0(registry_id, date);
  } else {
    RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
      SQLite::Statement& transplants = c.Prepare(
          "SELECT registry_id, min(record_date) FROM current_records WHERE "
          "kind = 'transplants' GROUP BY registry_id");
      while (transplants.executeStep()) {
        if (std::optional<Date> date =
                ParseIsoDate(transplants.getColumn(1).getString())) {
          day0(transplants.getColumn(0).getString(), *date);
        }
      }
      return absl::OkStatus();
    }));
  }
  return each(kind, sink);
}

}  // namespace registry
