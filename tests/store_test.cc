// Unit tests of the storage layer: schema discipline, migrations, the event
// store (amendments, retractions, time travel) and the audit trail.
#include <SQLiteCpp/SQLiteCpp.h>

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/audit_chain.h"
#include "core/violations.h"
#include "storage/connection.h"
#include "storage/registry_store.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.clock = [this] { return now_; };
    auto store = RegistryStore::Open(path(), options);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    ASSERT_THAT(store_->AddCenter(system_, "C1", "Center 1").status(), IsOk());
    auto token = store_->IssueToken(system_, Role::kSubmitter, "C1", "");
    ASSERT_THAT(token.status(), IsOk());
    auto principal = store_->Authenticate(token->secret);
    ASSERT_TRUE(principal.ok() && principal->has_value());
    submitter_ = {**principal, "req_test"};
    ASSERT_THAT(Submit(Operation::kImport, Kind::kPatients,
                       {"P1", "F", "1980", "RRMS", "2010-01-01"}),
                IsOk());
  }

  std::string path() const { return dir_.File("store.db"); }

  // A row without a kind's later optional columns has them empty, as a
  // CSV file without them.
  absl::Status Submit(Operation op, Kind kind, Row row,
                      std::string reason = "") {
    if (row.size() < ColumnsOf(kind).size()) row.resize(ColumnsOf(kind).size());
    return store_->Submit(submitter_, op, reason, {ReadRow(kind, row)})
        .status();
  }
  std::vector<std::string> Export(Kind kind,
                                  std::optional<absl::Time> as_of = {}) {
    std::vector<std::string> rows;
    absl::Status status = store_->ExportRecords(
        submitter_, kind, as_of, [&](const StoredRecord& r) {
          rows.push_back(absl::StrJoin(ToRow(r.record), ","));
          return true;
        });
    EXPECT_THAT(status, IsOk());
    return rows;
  }
  void Advance() { now_ += absl::Seconds(10); }

  TempDir dir_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 12, 0, 0),
                                    absl::UTCTimeZone());
  std::unique_ptr<RegistryStore> store_;
  RequestContext system_{{"registryd", Role::kSystem, 0, ""}, "req_setup"};
  RequestContext submitter_;
};

TEST_F(StoreTest, CachedPrincipalsEndWithRevocationRotationAndExpiry) {
  auto revoked = store_->IssueToken(system_, Role::kAnalyst, "", "");
  auto rotated = store_->IssueToken(system_, Role::kAnalyst, "", "");
  auto expiring =
      store_->IssueToken(system_, Role::kAnalyst, "", "", absl::Minutes(5));
  ASSERT_TRUE(revoked.ok() && rotated.ok() && expiring.ok());
  // Each is looked up twice: the second answer comes from the cache.
  for (const auto* issued : {&*revoked, &*rotated, &*expiring}) {
    for (int i = 0; i < 2; ++i) {
      auto principal = store_->Authenticate(issued->secret);
      ASSERT_TRUE(principal.ok() && principal->has_value());
      EXPECT_EQ((*principal)->token_id, issued->info.token_id);
    }
  }
  ASSERT_THAT(store_->RevokeToken(system_, revoked->info.token_id).status(),
              IsOk());
  EXPECT_FALSE(store_->Authenticate(revoked->secret)->has_value());

  auto principal = store_->Authenticate(rotated->secret);
  ASSERT_TRUE(principal.ok() && principal->has_value());
  auto fresh = store_->RotateToken({**principal, "req_rotate"});
  ASSERT_THAT(fresh.status(), IsOk());
  EXPECT_FALSE(store_->Authenticate(rotated->secret)->has_value());
  EXPECT_TRUE(store_->Authenticate(fresh->secret)->has_value());

  now_ += absl::Minutes(4);
  EXPECT_TRUE(store_->Authenticate(expiring->secret)->has_value());
  now_ += absl::Minutes(2);
  EXPECT_FALSE(store_->Authenticate(expiring->secret)->has_value());
}

TEST_F(StoreTest, WritesQueuedTogetherSucceedOrFailEachAlone) {
  // Queued without waiting, the writes reach the writer thread in groups
  // sharing one transaction; each must still stand or fall alone.
  constexpr int kWrites = 60;
  registry::Mutex mu;
  int finished = 0;
  std::vector<absl::StatusOr<SubmitCounts>> results(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    // Every third write adds a relapse, then names an unknown patient: it
    // fails in the store after writing, and must leave nothing behind.
    std::vector<RecordValues> rows = {ReadRow(
        Kind::kRelapses, {"P1", FormatIsoDate(Date(2015, 1, 1) + i), ""})};
    if (i % 3 == 0) {
      rows.push_back(ReadRow(Kind::kRelapses, {"NOBODY", "2015-01-01", ""}));
    }
    store_->SubmitAsync(submitter_, Operation::kImport, "", std::move(rows),
                        [&, i](absl::StatusOr<SubmitCounts> result) {
                          registry::MutexLock lock(&mu);
                          results[i] = std::move(result);
                          ++finished;
                        });
  }
  {
    registry::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == kWrites; }, &finished));
  }
  for (int i = 0; i < kWrites; ++i) {
    if (i % 3 == 0) {
      EXPECT_EQ(results[i].status().code(), absl::StatusCode::kInvalidArgument)
          << i;
    } else {
      ASSERT_THAT(results[i].status(), IsOk()) << i;
      EXPECT_EQ(results[i]->accepted, 1) << i;
    }
  }
  EXPECT_EQ(Export(Kind::kRelapses).size(),
            static_cast<size_t>(kWrites * 2 / 3));
  auto report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(StoreTest, ConnectionsUseWalFullSyncAndForeignKeys) {
  auto connection = Connection::Open(path(), false, 1000);
  ASSERT_THAT(connection.status(), IsOk());
  SQLite::Database& db = (*connection)->db();
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("PRAGMA synchronous").getInt(), 2);  // FULL
  EXPECT_EQ(db.execAndGet("PRAGMA foreign_keys").getInt(), 1);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            LatestSchemaVersion());
}

TEST_F(StoreTest, TablesAreStrict) {
  SQLite::Database db(path(), SQLite::OPEN_READWRITE);
  try {
    db.exec(
        "INSERT INTO current_records (registry_id, kind, record_key, "
        "event_seq, payload) VALUES ('R', 'visits', '', 'not a number', '')");
    ADD_FAILURE() << "a mistyped value was stored";
  } catch (const SQLite::Exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot store TEXT value in INTEGER"));
  }
}

TEST_F(StoreTest, TriggersRejectUpdateAndDeleteOfEventsAndAudit) {
  SQLite::Database db(path(), SQLite::OPEN_READWRITE);
  for (const char* sql :
       {"UPDATE events SET payload = 'x'", "DELETE FROM events",
        "UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log",
        "UPDATE patients SET patient_id = 'x'", "DELETE FROM patients"}) {
    try {
      db.exec(sql);
      ADD_FAILURE() << sql << " was allowed";
    } catch (const SQLite::Exception& e) {
      EXPECT_THAT(e.what(), HasSubstr("append-only")) << sql;
    }
  }
}

// The CHECK on events.op, as migration 3 leaves it: same values accepted,
// and no temporary index built for each insert.
void ExpectEventsOpCheckWithoutInList(SQLite::Database& db) {
  EXPECT_THAT(db.execAndGet("SELECT sql FROM sqlite_schema WHERE name = "
                            "'events'")
                  .getString(),
              HasSubstr("CHECK (op = 'create' OR op = 'amend' OR op = "
                        "'retract')"));
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  SQLite::Statement plan(
      db,
      "EXPLAIN INSERT INTO events (recorded_at, request_id, principal, "
      "registry_id, kind, record_key, op, payload, reason) VALUES (?, ?, ?, "
      "?, ?, ?, ?, ?, ?)");
  while (plan.executeStep()) {
    EXPECT_NE(plan.getColumn(1).getString(), "OpenEphemeral");
  }
  try {
    db.exec(
        "INSERT INTO events (recorded_at, request_id, principal, "
        "registry_id, kind, record_key, op, payload, reason) SELECT "
        "recorded_at, request_id, principal, registry_id, kind, 'k2', "
        "'bogus', payload, reason FROM events LIMIT 1");
    ADD_FAILURE() << "an unknown operation was stored";
  } catch (const SQLite::Exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("CHECK constraint failed"));
  }
}

TEST_F(StoreTest, NewDatabasesHaveTheEventsOpCheckWithoutInList) {
  SQLite::Database db(path(), SQLite::OPEN_READWRITE);
  ExpectEventsOpCheckWithoutInList(db);
}

// Entries written before token issuers were recorded keep their hashes:
// the chain verifies across the migration, and new entries name issuers.
TEST(MigrationTest, AuditEntriesFromBeforeIssuersStillVerify) {
  TempDir dir;
  const std::string path = dir.File("v3.db");
  {
    auto connection = Connection::Open(path, true, 1000);
    ASSERT_THAT(connection.status(), IsOk());
    ASSERT_THAT(MigrateSchema(**connection, 3), IsOk());
    AuditEntry entry;
    entry.seq = 1;
    entry.at = "2026-01-01T00:00:00.000000Z";
    entry.principal = "registryd";
    entry.role = "system";
    entry.action = "server.start";
    entry.entity = "registryd";
    entry.request_id = "req_1";
    entry.prev_hash = std::string(kGenesisHash);
    entry.hash = ComputeAuditHash(entry);
    SQLite::Statement insert((*connection)->db(),
                             "INSERT INTO audit_log (seq, at, principal, role, "
                             "center, action, entity, old_value, new_value, "
                             "reason, request_id, prev_hash, hash) VALUES (1, "
                             "?, ?, ?, '', ?, ?, '', '', '', ?, ?, ?)");
    insert.bind(1, entry.at);
    insert.bind(2, entry.principal);
    insert.bind(3, entry.role);
    insert.bind(4, entry.action);
    insert.bind(5, entry.entity);
    insert.bind(6, entry.request_id);
    insert.bind(7, entry.prev_hash);
    insert.bind(8, entry.hash);
    insert.exec();
  }
  auto store = RegistryStore::Open(path);
  ASSERT_THAT(store.status(), IsOk());
  const RequestContext system{{"registryd", Role::kSystem, 0, "", "registryd"},
                              "req_2"};
  ASSERT_THAT((*store)->AddCenter(system, "C1", "One").status(), IsOk());
  auto report = (*store)->VerifyAudit(system);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries_checked, 2);
}

TEST(MigrationTest, ExistingTokensLearnTheirIssuerFromTheAuditTrail) {
  TempDir dir;
  const std::string path = dir.File("v3.db");
  {
    auto connection = Connection::Open(path, true, 1000);
    ASSERT_THAT(connection.status(), IsOk());
    ASSERT_THAT(MigrateSchema(**connection, 3), IsOk());
    (*connection)
        ->db()
        .exec(
            "INSERT INTO tokens (token_id, secret_hash, role, label, "
            "created_at) VALUES ('tok_first', 'h1', 'admin', '', 't'), "
            "('tok_issued', 'h2', 'analyst', '', 't'), ('tok_rotated', 'h3', "
            "'admin', '', 't'), ('tok_unknown', 'h4', 'analyst', '', 't');"
            "INSERT INTO audit_log (seq, at, principal, role, center, action, "
            "entity, old_value, new_value, reason, request_id, prev_hash, "
            "hash) VALUES (1, 't', 'registryd', 'system', '', 'token.issue', "
            "'token/tok_first', '', '', '', 'r', '', ''), (2, 't', "
            "'tok_first', 'admin', '', 'token.issue', 'token/tok_issued', '', "
            "'', '', 'r', '', ''), (3, 't', 'tok_first', 'admin', '', "
            "'token.rotate', 'token/tok_first', 'active', 'replaced by "
            "tok_rotated', '', 'r', '', '')");
  }
  ASSERT_THAT(RegistryStore::Open(path).status(), IsOk());
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT token_id, issued_by FROM tokens ORDER BY "
                      "token_id");
  std::vector<std::string> issuers;
  while (q.executeStep()) {
    issuers.push_back(q.getColumn(0).getString() + "<-" +
                      q.getColumn(1).getString());
  }
  EXPECT_THAT(issuers, ::testing::ElementsAre(
                           "tok_first<-registryd", "tok_issued<-tok_first",
                           "tok_rotated<-tok_first", "tok_unknown<-"));
}

TEST(MigrationTest, VersionTwoDatabaseKeepsItsEventsThroughMigrationThree) {
  TempDir dir;
  const std::string path = dir.File("v2.db");
  {
    auto connection = Connection::Open(path, true, 1000);
    ASSERT_THAT(connection.status(), IsOk());
    ASSERT_THAT(MigrateSchema(**connection, 2), IsOk());
    SQLite::Database& db = (*connection)->db();
    ASSERT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 2);
    ASSERT_THAT(db.execAndGet("SELECT sql FROM sqlite_schema WHERE name = "
                              "'events'")
                    .getString(),
                HasSubstr("CHECK (op IN ('create', 'amend', 'retract'))"));
    db.exec(
        "INSERT INTO centers (code, name, created_at) VALUES ('C1', 'One', "
        "'t');"
        "INSERT INTO patients (registry_id, center_id, patient_id, "
        "created_at) VALUES ('R1', 1, 'P1', 't');"
        "INSERT INTO events (recorded_at, request_id, principal, "
        "registry_id, kind, record_key, op, payload, reason) VALUES ('t', "
        "'req', 'tok', 'R1', 'relapses', '2020-01-01', 'create', "
        "'P1,2020-01-01', '')");
  }
  auto store = RegistryStore::Open(path);
  ASSERT_THAT(store.status(), IsOk());
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            LatestSchemaVersion());
  EXPECT_EQ(db.execAndGet("SELECT payload FROM events").getString(),
            "P1,2020-01-01");
  ExpectEventsOpCheckWithoutInList(db);
}

// Deaths and treatments recorded before version 5 (no cause code, no
// class, dose or protocol): their events keep their bytes and the audit
// trail still verifies; current records take the new canonical form; old
// and new payloads read alike; the records can be amended.
// A new database at `path` with center C1, a submitter of it and patient
// P1 (RRMS); the submitter's context.
RequestContext DatabaseWithOnePatient(const std::string& path) {
  const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "req_1"};
  RequestContext submitter;
  auto store = RegistryStore::Open(path);
  EXPECT_THAT(store.status(), IsOk());
  EXPECT_THAT((*store)->AddCenter(system, "C1", "One").status(), IsOk());
  auto token = (*store)->IssueToken(system, Role::kSubmitter, "C1", "");
  EXPECT_THAT(token.status(), IsOk());
  auto principal = (*store)->Authenticate(token->secret);
  EXPECT_TRUE(principal.ok() && principal->has_value());
  submitter = {**principal, "req_2"};
  EXPECT_THAT((*store)
                  ->Submit(submitter, Operation::kImport, "",
                           {ReadRow(Kind::kPatients,
                                    {"P1", "F", "1980", "RRMS", "2010-01-01"})})
                  .status(),
              IsOk());
  return submitter;
}

// Writes records of P1 as a server of schema `version` wrote them (kind,
// key, payload), with their events and audit entries, and sets the schema
// version back to it.
void WriteOldRecords(const std::string& path, const RequestContext& submitter,
                     const std::vector<std::array<std::string, 3>>& old_rows,
                     int version) {
  std::string registry_id;
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    registry_id = db.execAndGet("SELECT registry_id FROM patients").getString();
    SQLite::Statement last(db,
                           "SELECT seq, hash FROM audit_log ORDER BY seq DESC "
                           "LIMIT 1");
    ASSERT_TRUE(last.executeStep());
    int64_t seq = last.getColumn(0).getInt64();
    std::string prev_hash = last.getColumn(1).getString();
    last.reset();
    for (const auto& [kind, key, payload] : old_rows) {
      const std::string at = "2026-01-02T00:00:00.000000Z";
      SQLite::Statement event(
          db,
          "INSERT INTO events (recorded_at, request_id, principal, "
          "registry_id, kind, record_key, op, payload, reason) VALUES (?, "
          "'req_old', ?, ?, ?, ?, 'create', ?, '')");
      event.bind(1, at);
      event.bind(2, submitter.principal.token_id);
      event.bind(3, registry_id);
      event.bind(4, kind);
      event.bind(5, key);
      event.bind(6, payload);
      event.exec();
      const int64_t event_seq = db.getLastInsertRowid();
      SQLite::Statement current(
          db,
          "INSERT INTO current_records (registry_id, kind, record_key, "
          "record_date, event_seq, payload) VALUES (?, ?, ?, '2015-01-01', "
          "?, ?)");
      current.bind(1, registry_id);
      current.bind(2, kind);
      current.bind(3, key);
      current.bind(4, event_seq);
      current.bind(5, payload);
      current.exec();
      AuditEntry entry;
      entry.seq = ++seq;
      entry.at = at;
      entry.principal = submitter.principal.token_id;
      entry.role = "submitter";
      entry.center = "C1";
      entry.action = "record.create";
      entry.entity = kind + "/" + registry_id + "/" + key;
      entry.new_value = ValueDigest(payload);
      entry.request_id = "req_old";
      entry.event_seq = event_seq;
      entry.prev_hash = prev_hash;
      entry.hash = ComputeAuditHash(entry);
      prev_hash = entry.hash;
      SQLite::Statement insert(
          db,
          "INSERT INTO audit_log (seq, at, principal, role, center, action, "
          "entity, old_value, new_value, reason, request_id, event_seq, "
          "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, '', ?, ?, ?, "
          "?)");
      insert.bind(1, entry.seq);
      int i = 1;
      for (const std::string* v : {&entry.at, &entry.principal, &entry.role,
                                   &entry.center, &entry.action, &entry.entity,
                                   &entry.new_value, &entry.request_id}) {
        insert.bind(++i, *v);
      }
      insert.bind(++i, event_seq);
      insert.bind(++i, entry.prev_hash);
      insert.bind(++i, entry.hash);
      insert.exec();
    }
    db.exec(absl::StrCat("PRAGMA user_version = ", version));
  }
}

TEST(MigrationTest, VersionFourDeathsAndTreatmentsGainTheirCodedColumns) {
  TempDir dir;
  const std::string path = dir.File("v4.db");
  const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "req_1"};
  const RequestContext submitter = DatabaseWithOnePatient(path);
  // What a version-4 server wrote for a treatment and a death.
  const std::vector<std::array<std::string, 3>> old_rows = {
      {"treatments", "rituximab|2015-01-01", "P1,rituximab,2015-01-01,"},
      {"deaths", "", "P1,2020-01-01,sepsis"}};
  WriteOldRecords(path, submitter, old_rows, 4);

  auto store = RegistryStore::Open(path);
  ASSERT_THAT(store.status(), IsOk());
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
              LatestSchemaVersion());
    EXPECT_EQ(db.execAndGet("SELECT payload FROM current_records WHERE kind "
                            "= 'deaths'")
                  .getString(),
              "P1,2020-01-01,sepsis,unknown");
    EXPECT_EQ(db.execAndGet("SELECT payload FROM current_records WHERE kind "
                            "= 'treatments'")
                  .getString(),
              "P1,rituximab,2015-01-01,,other,,,no");
    EXPECT_EQ(db.execAndGet("SELECT group_concat(payload, ';') FROM events "
                            "WHERE kind <> 'patients'")
                  .getString(),
              "P1,rituximab,2015-01-01,;P1,2020-01-01,sepsis");
  }
  auto report = (*store)->VerifyAudit(system);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_TRUE(report->ok) << report->problem;

  // The old events read as the current records do.
  auto history = (*store)->GetPatientHistory(submitter, {"P1", ""}, {});
  ASSERT_THAT(history.status(), IsOk());
  const Record death =
      DeathRecord{"P1", Date(2020, 1, 1), "sepsis", DeathCause::kUnknown};
  const Record treatment =
      TreatmentRecord{"P1", "rituximab", Date(2015, 1, 1), std::nullopt};
  EXPECT_THAT(history->current, ::testing::Contains(death));
  EXPECT_THAT(history->current, ::testing::Contains(treatment));
  std::vector<Record> from_events;
  for (const StoredEvent& e : history->events) from_events.push_back(e.record);
  EXPECT_THAT(from_events, ::testing::Contains(death));
  EXPECT_THAT(from_events, ::testing::Contains(treatment));
  auto as_of = (*store)->GetPatientHistory(
      submitter, {"P1", ""},
      absl::FromCivil(absl::CivilDay(2026, 1, 3), absl::UTCTimeZone()));
  ASSERT_THAT(as_of.status(), IsOk());
  EXPECT_THAT(as_of->current, ::testing::Contains(death));

  // Importing the same death again, now with its code empty, is a no-op;
  // giving the cause a code is an amendment.
  auto same = (*store)->Submit(
      submitter, Operation::kImport, "",
      {ReadRow(Kind::kDeaths, {"P1", "2020-01-01", "sepsis", ""})});
  EXPECT_THAT(same.status(), IsOk());
  ASSERT_THAT((*store)
                  ->Submit(submitter, Operation::kAmend, "cause coded",
                           {ReadRow(Kind::kDeaths, {"P1", "2020-01-01",
                                                    "sepsis", "infection"})})
                  .status(),
              IsOk());
  auto amended = (*store)->VerifyAudit(system);
  ASSERT_THAT(amended.status(), IsOk());
  EXPECT_TRUE(amended->ok) << amended->problem;
}

TEST(MigrationTest, VersionFiveRelapsesGainAPhenotype) {
  TempDir dir;
  const std::string path = dir.File("v5.db");
  const RequestContext system{{"registryd", Role::kSystem, 0, ""}, "req_1"};
  const RequestContext submitter = DatabaseWithOnePatient(path);
  WriteOldRecords(path, submitter,
                  {{"relapses", "2019-07-08", "P1,2019-07-08"}}, 5);

  auto store = RegistryStore::Open(path);
  ASSERT_THAT(store.status(), IsOk());
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT payload FROM current_records WHERE kind "
                            "= 'relapses'")
                  .getString(),
              "P1,2019-07-08,");
    EXPECT_EQ(db.execAndGet("SELECT payload FROM events WHERE kind = "
                            "'relapses'")
                  .getString(),
              "P1,2019-07-08");
  }
  auto report = (*store)->VerifyAudit(system);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_TRUE(report->ok) << report->problem;
  // The same relapse imported again from an old file is unchanged; giving
  // it a phenotype is an amendment.
  auto same =
      (*store)->Submit(submitter, Operation::kImport, "",
                       {ReadRow(Kind::kRelapses, {"P1", "2019-07-08", ""})});
  ASSERT_THAT(same.status(), IsOk());
  EXPECT_EQ(same->unchanged, 1);
  EXPECT_THAT(
      (*store)
          ->Submit(submitter, Operation::kAmend, "phenotype",
                   {ReadRow(Kind::kRelapses, {"P1", "2019-07-08", "myelitis"})})
          .status(),
      IsOk());
}

TEST_F(StoreTest, RefusesANewerSchema) {
  store_.reset();
  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    db.exec(absl::StrCat("PRAGMA user_version = ", LatestSchemaVersion() + 1));
  }
  auto store = RegistryStore::Open(path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer than this build"));
}

TEST_F(StoreTest, RefusesAForeignDatabase) {
  const std::string other = dir_.File("other.db");
  {
    SQLite::Database db(other, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (x)");
  }
  auto store = RegistryStore::Open(other);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("not a registry database"));
}

TEST_F(StoreTest, ReopeningKeepsDataAndSchema) {
  ASSERT_THAT(Submit(Operation::kImport, Kind::kRelapses, {"P1", "2020-01-01"}),
              IsOk());
  store_.reset();
  auto store = RegistryStore::Open(path());
  ASSERT_THAT(store.status(), IsOk());
  store_ = std::move(*store);
  EXPECT_EQ(Export(Kind::kRelapses),
            std::vector<std::string>{"P1,2020-01-01,"});
}

TEST_F(StoreTest, AsOfRecordedTimeShowsWhatTheRecordsSaidThen) {
  ASSERT_THAT(
      Submit(Operation::kImport, Kind::kVisits, {"P1", "2020-01-01", "2.0"}),
      IsOk());
  const absl::Time t1 = now_;
  Advance();
  ASSERT_THAT(Submit(Operation::kAmend, Kind::kVisits,
                     {"P1", "2020-01-01", "3.0"}, "typo"),
              IsOk());
  const absl::Time t2 = now_;
  Advance();
  ASSERT_THAT(Submit(Operation::kRetract, Kind::kVisits,
                     {"P1", "2020-01-01", ""}, "wrong date"),
              IsOk());
  EXPECT_EQ(Export(Kind::kVisits, t1 - absl::Seconds(1)),
            std::vector<std::string>{});
  EXPECT_EQ(Export(Kind::kVisits, t1),
            std::vector<std::string>{"P1,2020-01-01,2.0"});
  EXPECT_EQ(Export(Kind::kVisits, t2),
            std::vector<std::string>{"P1,2020-01-01,3.0"});
  EXPECT_EQ(Export(Kind::kVisits), std::vector<std::string>{});

  auto history = store_->GetPatientHistory(submitter_, {"P1", ""}, t2);
  ASSERT_THAT(history.status(), IsOk());
  ASSERT_EQ(history->events.size(), 3u);  // patient, visit, amendment
  EXPECT_EQ(history->events[2].reason, "typo");
  EXPECT_EQ(history->events[2].operation, Operation::kAmend);
}

TEST_F(StoreTest, CurrentRecordsEqualAReplayOfTheEvents) {
  for (int day = 1; day <= 20; ++day) {
    ASSERT_THAT(Submit(Operation::kImport, Kind::kVisits,
                       {"P1", absl::StrFormat("2020-01-%02d", day), "2.0"}),
                IsOk());
  }
  for (int day = 1; day <= 20; day += 3) {
    ASSERT_THAT(
        Submit(Operation::kAmend, Kind::kVisits,
               {"P1", absl::StrFormat("2020-01-%02d", day), "4.5"}, "fix"),
        IsOk());
  }
  for (int day = 2; day <= 20; day += 5) {
    ASSERT_THAT(Submit(Operation::kRetract, Kind::kVisits,
                       {"P1", absl::StrFormat("2020-01-%02d", day), ""}, "dup"),
                IsOk());
  }
  // The projection (current_records) and the event replay (as-of now) agree.
  EXPECT_EQ(Export(Kind::kVisits), Export(Kind::kVisits, now_));
  EXPECT_EQ(Export(Kind::kVisits).size(), 16u);
}

TEST_F(StoreTest, AmendAndRetractNeedAReason) {
  ASSERT_THAT(Submit(Operation::kImport, Kind::kRelapses, {"P1", "2020-01-01"}),
              IsOk());
  for (Operation op : {Operation::kAmend, Operation::kRetract}) {
    absl::Status status = Submit(op, Kind::kRelapses, {"P1", "2020-01-01"});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    ASSERT_EQ(ViolationsOf(status).size(), 1u);
    EXPECT_EQ(ViolationsOf(status)[0].field, "reason");
  }
}

TEST_F(StoreTest, ARequestIsAllOrNothing) {
  absl::StatusOr<SubmitCounts> counts =
      store_->Submit(submitter_, Operation::kImport, "",
                     {ReadRow(Kind::kRelapses, {"P1", "2020-01-01", ""}),
                      ReadRow(Kind::kRelapses, {"P2", "2020-01-01", ""})});
  EXPECT_EQ(counts.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(counts.status()).size(), 1u);
  EXPECT_EQ(ViolationsOf(counts.status())[0].field, "records[1].patient_id");
  EXPECT_TRUE(Export(Kind::kRelapses).empty());
}

TEST_F(StoreTest, RecordsOfOneRequestSeeEachOther) {
  // A patient and its visit in one request; a death then a later visit is
  // rejected even though both arrive together.
  absl::StatusOr<SubmitCounts> counts = store_->Submit(
      submitter_, Operation::kImport, "",
      {ReadRow(Kind::kPatients, {"P2", "M", "1970", "PPMS", "2000-01-01"}),
       ReadRow(Kind::kVisits, {"P2", "2020-01-01", "6.5"}),
       ReadRow(Kind::kDeaths, {"P2", "2021-01-01", "", ""}),
       ReadRow(Kind::kVisits, {"P2", "2021-02-01", "7.0"})});
  EXPECT_EQ(counts.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(counts.status()).size(), 1u);
  EXPECT_EQ(ViolationsOf(counts.status())[0].field, "records[3].visit_date");
}

TEST_F(StoreTest, DeathBeforeARecordedVisitIsRejected) {
  ASSERT_THAT(
      Submit(Operation::kImport, Kind::kVisits, {"P1", "2020-05-01", "2.0"}),
      IsOk());
  absl::Status status =
      Submit(Operation::kImport, Kind::kDeaths, {"P1", "2020-04-01", "", ""});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(status)[0].description,
              HasSubstr("before the patient's record dated 2020-05-01"));
}

// A patient whose record was retracted is unknown to every write until it
// is imported again, and every check runs then as on any other path.
TEST_F(StoreTest, ARetractedPatientIsUnknownUntilImportedAgain) {
  ASSERT_THAT(Submit(Operation::kImport, Kind::kPatients,
                     {"P2", "M", "1970", "SPMS", "2000-01-01"}),
              IsOk());
  ASSERT_THAT(Submit(Operation::kRetract, Kind::kPatients,
                     {"P2", "", "", "", ""}, "entered in error"),
              IsOk());
  absl::Status visit =
      Submit(Operation::kImport, Kind::kVisits, {"P2", "1900-01-01", "2.0"});
  EXPECT_EQ(visit.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(visit.message(), HasSubstr("nothing was written"));
  ASSERT_EQ(ViolationsOf(visit).size(), 1u);
  EXPECT_EQ(ViolationsOf(visit)[0].field, "records[0].patient_id");
  EXPECT_THAT(ViolationsOf(visit)[0].description, HasSubstr("unknown patient"));
  for (Kind kind : {Kind::kRelapses, Kind::kDeaths}) {
    EXPECT_FALSE(Submit(Operation::kImport, kind,
                        kind == Kind::kDeaths ? Row{"P2", "2020-01-01", "", ""}
                                              : Row{"P2", "2020-01-01"})
                     .ok());
  }
  EXPECT_TRUE(Export(Kind::kVisits).empty());
  // Imported again, the patient is known and its birth year holds.
  ASSERT_THAT(Submit(Operation::kImport, Kind::kPatients,
                     {"P2", "M", "1970", "SPMS", "2000-01-01"}),
              IsOk());
  absl::Status early =
      Submit(Operation::kImport, Kind::kVisits, {"P2", "1900-01-01", "2.0"});
  EXPECT_EQ(early.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(early.ToString(), HasSubstr("birth year 1970"));
  EXPECT_THAT(
      Submit(Operation::kImport, Kind::kVisits, {"P2", "2010-01-01", "2.0"}),
      IsOk());
}

TEST_F(StoreTest, AnAmendedBirthYearIsCheckedAgainstTheRecords) {
  ASSERT_THAT(
      Submit(Operation::kImport, Kind::kVisits, {"P1", "1995-06-01", "2.0"}),
      IsOk());
  absl::Status later = Submit(Operation::kAmend, Kind::kPatients,
                              {"P1", "F", "2001", "RRMS", "2010-01-01"},
                              "typo in the birth year");
  EXPECT_EQ(later.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(later.ToString(), HasSubstr("birth_year"));
  EXPECT_THAT(later.ToString(), HasSubstr("1995-06-01"));
  EXPECT_THAT(Submit(Operation::kAmend, Kind::kPatients,
                     {"P1", "F", "1979", "RRMS", "2010-01-01"}, "typo"),
              IsOk());
}

// Expiries are compared as times, not as text: "12000-..." sorts before
// "2026-..." as text.
TEST_F(StoreTest, AnExpiryBeyondYear9999IsInTheFuture) {
  auto issued =
      store_->IssueToken(system_, Role::kAnalyst, "", "far", absl::Hours(24));
  ASSERT_THAT(issued.status(), IsOk());
  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    SQLite::Statement update(
        db, "UPDATE tokens SET expires_at = ? WHERE token_id = ?");
    update.bind(1, "12000-01-01T00:00:00.000000Z");
    update.bind(2, issued->info.token_id);
    ASSERT_EQ(update.exec(), 1);
  }
  auto principal = store_->Authenticate(issued->secret);
  ASSERT_THAT(principal.status(), IsOk());
  EXPECT_TRUE(principal->has_value());
}

TEST_F(StoreTest, AuditChainCoversEveryEventAndDetectsTampering) {
  ASSERT_THAT(
      Submit(Operation::kImport, Kind::kVisits, {"P1", "2020-01-01", "2.0"}),
      IsOk());
  auto report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, 2);

  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_no_update");
    db.exec(
        "UPDATE events SET payload = 'P1,2020-01-01,1.0' WHERE kind = "
        "'visits'");
  }
  report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(report->problem, HasSubstr("does not match event 2"));
}

TEST_F(StoreTest, AnEventWithoutAuditEntryIsDetected) {
  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    db.exec(
        "INSERT INTO events (recorded_at, request_id, principal, registry_id, "
        "kind, record_key, op, payload, reason) SELECT recorded_at, "
        "request_id, principal, registry_id, 'relapses', '2020-02-02', "
        "'create', 'P1,2020-02-02', '' FROM events LIMIT 1");
  }
  auto report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(report->problem, HasSubstr("event 2 has no audit entry"));
}

TEST_F(StoreTest, ADeletedEventIsDetectedAtTheEntryNamingIt) {
  ASSERT_THAT(Submit(Operation::kImport, Kind::kRelapses, {"P1", "2020-01-01"}),
              IsOk());
  ASSERT_THAT(Submit(Operation::kImport, Kind::kRelapses, {"P1", "2020-02-01"}),
              IsOk());
  int64_t entry = 0;
  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    entry = db.execAndGet("SELECT seq FROM audit_log WHERE event_seq = 2")
                .getInt64();
    db.exec("PRAGMA foreign_keys = OFF");
    db.exec("DROP TRIGGER events_no_delete");
    db.exec("DELETE FROM current_records WHERE event_seq = 2");
    db.exec("DELETE FROM events WHERE event_seq = 2");
  }
  auto report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_entry, entry);
  EXPECT_THAT(report->problem, HasSubstr("names event 2, which is missing"));
}

TEST_F(StoreTest, ADeletedAuditEntryBreaksTheChain) {
  ASSERT_THAT(Submit(Operation::kImport, Kind::kRelapses, {"P1", "2020-01-01"}),
              IsOk());
  {
    SQLite::Database db(path(), SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER audit_no_delete");
    db.exec("DELETE FROM audit_log WHERE seq = 2");
  }
  auto report = store_->VerifyAudit(system_);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_entry, 3);
  EXPECT_THAT(report->problem, HasSubstr("sequence gap"));
}

}  // namespace
}  // namespace registry::testing
