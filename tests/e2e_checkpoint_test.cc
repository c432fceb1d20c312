// Signed checkpoints against the attacks a hash chain alone misses, each
// done on the real database file between server runs: a rewritten entry
// (with the chain recomputed), a deleted entry, a truncated tail, a tree
// re-signed with another key, and a database rolled back to an older copy.
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/audit_chain.h"
#include "tests/test_util.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* center : {"C1", "C1a", "C1b"}) Grow(center);
    checkpoint_ = registry_.dir().File("checkpoint.txt");
    RegctlResult r = Admin({"admin", "audit", "checkpoint"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    WriteFile(checkpoint_, r.out);
    Grow("C2");
  }

  RegctlResult Admin(const std::vector<std::string>& args) {
    return registry_.Regctl(args, registry_.admin_token_file());
  }
  // Adds audit entries: a center and a token.
  void Grow(const std::string& center) {
    registry_.IssueToken("submitter", center);
  }
  RegctlResult VerifyWithCheckpoint() {
    return Admin({"admin", "audit", "verify", "--checkpoint", checkpoint_});
  }
  // Runs SQL on the stopped server's database file.
  void Tamper(const std::vector<std::string>& statements) {
    registry_.Stop();
    {
      SQLite::Database db(registry_.db_path(), SQLite::OPEN_READWRITE);
      for (const std::string& sql : statements) db.exec(sql);
    }
    registry_.Restart();
  }

  TestRegistry registry_;
  std::string checkpoint_;
};

TEST_F(CheckpointTest, IntactLogExtendsItsCheckpoint) {
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("checkpoint OK"));
}

TEST_F(CheckpointTest, RewrittenEntryWithTheChainRecomputedIsCaught) {
  registry_.Stop();
  {
    // Rewrite entry 2 and recompute every later hash: the chain is whole.
    SQLite::Database db(registry_.db_path(), SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER audit_no_update");
    db.exec("UPDATE audit_log SET principal = 'tok_forged' WHERE seq = 2");
    SQLite::Statement q(db,
                        "SELECT seq, at, principal, role, center, action, "
                        "entity, old_value, new_value, reason, request_id, "
                        "event_seq, issued_by FROM audit_log ORDER BY seq");
    std::string prev(kGenesisHash);
    std::vector<std::pair<int64_t, std::pair<std::string, std::string>>> fixes;
    while (q.executeStep()) {
      AuditEntry e{q.getColumn(0).getInt64(),  q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getString(),
                   q.getColumn(4).getString(), q.getColumn(5).getString(),
                   q.getColumn(6).getString(), q.getColumn(7).getString(),
                   q.getColumn(8).getString(), q.getColumn(9).getString(),
                   q.getColumn(10).getString()};
      if (!q.getColumn(11).isNull()) e.event_seq = q.getColumn(11).getInt64();
      e.issued_by = q.getColumn(12).getString();
      e.prev_hash = prev;
      e.hash = ComputeAuditHash(e);
      fixes.push_back({e.seq, {e.prev_hash, e.hash}});
      prev = e.hash;
    }
    for (const auto& [seq, hashes] : fixes) {
      SQLite::Statement u(db,
                          "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE "
                          "seq = ?");
      u.bind(1, hashes.first);
      u.bind(2, hashes.second);
      u.bind(3, static_cast<int64_t>(seq));
      u.exec();
    }
  }
  registry_.Restart();
  // The chain alone is fooled...
  RegctlResult chain = Admin({"admin", "audit", "verify"});
  EXPECT_EQ(chain.exit_code, 0) << chain.err;
  // ...the checkpoint is not.
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("does not extend the checkpoint"));
}

TEST_F(CheckpointTest, DeletedEntryIsCaught) {
  Tamper(
      {"DROP TRIGGER audit_no_delete", "DELETE FROM audit_log WHERE seq = 2"});
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("entry 3"));
}

TEST_F(CheckpointTest, TruncatedTailIsCaught) {
  Tamper(
      {"DROP TRIGGER audit_no_delete", "DELETE FROM audit_log WHERE seq >= 2"});
  // The remaining prefix is a valid chain.
  EXPECT_EQ(Admin({"admin", "audit", "verify"}).exit_code, 0);
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("truncated or the database was rolled back"));
}

TEST_F(CheckpointTest, TreeResignedWithAnotherKeyIsCaught) {
  registry_.Stop();
  std::filesystem::remove(registry_.db_path() + ".checkpoint-key");
  registry_.Restart();  // a new key is made
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("signed with another key"));
}

TEST_F(CheckpointTest, DatabaseRolledBackToAnOlderCopyIsCaught) {
  // An old copy of the database, then more entries and a new checkpoint.
  registry_.Stop();
  const std::string copy = registry_.dir().File("old-copy.db");
  std::filesystem::copy_file(registry_.db_path(), copy);
  registry_.Restart();
  Grow("C3");
  RegctlResult fresh = Admin({"admin", "audit", "checkpoint"});
  ASSERT_EQ(fresh.exit_code, 0);
  WriteFile(checkpoint_, fresh.out);
  // Someone puts the old copy back.
  registry_.Stop();
  std::filesystem::copy_file(copy, registry_.db_path(),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(registry_.db_path() + "-wal");
  std::filesystem::remove(registry_.db_path() + "-shm");
  registry_.Restart();
  EXPECT_EQ(Admin({"admin", "audit", "verify"}).exit_code, 0);
  RegctlResult r = VerifyWithCheckpoint();
  EXPECT_EQ(r.exit_code, 3);
  // Shorter than the checkpoint, or as long but different: both are told.
  EXPECT_THAT(r.err, HasSubstr("checkpoint check FAILED"));
}

TEST_F(CheckpointTest, InclusionProofsAreCheckedOffline) {
  RegctlResult proof = Admin({"admin", "audit", "proof", "3"});
  ASSERT_EQ(proof.exit_code, 0) << proof.err;
  const std::string file = registry_.dir().File("proof.txt");
  WriteFile(file, proof.out);
  registry_.Stop();  // offline: no server at all
  RegctlResult ok =
      registry_.Regctl({"admin", "audit", "check-proof", file}, "");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("proof OK: entry 3"));
  std::string forged = proof.out;
  forged.replace(forged.find("entry 3"), 7, "entry 4");
  WriteFile(file, forged);
  EXPECT_EQ(
      registry_.Regctl({"admin", "audit", "check-proof", file}, "").exit_code,
      1);
  registry_.Restart();
}

}  // namespace
}  // namespace registry::testing
