#include "core/audit_chain.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(Sha256HexTest, MatchesFipsTestVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HexTest, HashesEmbeddedNulBytes) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
  EXPECT_NE(Sha256Hex(std::string("\0", 1)), Sha256Hex(""));
}

TEST(ValueDigestTest, IsPrefixedSha256) {
  EXPECT_EQ(ValueDigest("abc"),
            "sha256:"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

AuditEntry SampleEntry() {
  AuditEntry e;
  e.seq = 7;
  e.at = "2026-01-01T12:34:56.123456Z";
  e.principal = "tok-1234";
  e.role = "submitter";
  e.center = "C01";
  e.action = "record.amend";
  e.entity = "visits/R01/2021-03-04";
  e.old_value = "sha256:aaaa";
  e.new_value = "sha256:bbbb";
  e.reason = "typo in EDSS";
  e.request_id = "req-42";
  e.event_seq = 42;
  e.prev_hash = std::string(kGenesisHash);
  e.hash = "";
  return e;
}

// 4-byte big-endian length, then the bytes.
std::string LengthPrefixed(const std::string& field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  std::string out;
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  return out + field;
}

TEST(CanonicalAuditBytesTest, TheIssuerFollowsOnlyWhenThereIsOne) {
  AuditEntry e = SampleEntry();
  const std::string without = CanonicalAuditBytes(e);
  e.issued_by = "tok-admin";
  // Entries from before issuers were recorded keep their bytes; an issuer
  // is one more field at the end, so it changes the hash.
  EXPECT_EQ(CanonicalAuditBytes(e), without + LengthPrefixed("tok-admin"));
  EXPECT_NE(ComputeAuditHash(e), Sha256Hex(without));
}

TEST(CanonicalAuditBytesTest, LayoutIsLengthPrefixedFieldsInOrder) {
  AuditEntry e = SampleEntry();
  e.reason = std::string(300, 'r');  // a length above 255
  e.hash = "ignored";
  const std::string expected =
      LengthPrefixed("7") + LengthPrefixed(e.at) + LengthPrefixed(e.principal) +
      LengthPrefixed(e.role) + LengthPrefixed(e.center) +
      LengthPrefixed(e.action) + LengthPrefixed(e.entity) +
      LengthPrefixed(e.old_value) + LengthPrefixed(e.new_value) +
      LengthPrefixed(e.reason) + LengthPrefixed(e.request_id) +
      LengthPrefixed("42") + LengthPrefixed(e.prev_hash);
  EXPECT_EQ(CanonicalAuditBytes(e), expected);
  EXPECT_NE(CanonicalAuditBytes(e).find(std::string("\0\0\x01\x2c", 4)),
            std::string::npos);

  e.event_seq = std::nullopt;
  e.seq = -3;
  const std::string without_event =
      LengthPrefixed("-3") + LengthPrefixed(e.at) +
      LengthPrefixed(e.principal) + LengthPrefixed(e.role) +
      LengthPrefixed(e.center) + LengthPrefixed(e.action) +
      LengthPrefixed(e.entity) + LengthPrefixed(e.old_value) +
      LengthPrefixed(e.new_value) + LengthPrefixed(e.reason) +
      LengthPrefixed(e.request_id) + LengthPrefixed("") +
      LengthPrefixed(e.prev_hash);
  EXPECT_EQ(CanonicalAuditBytes(e), without_event);
}

TEST(CanonicalAuditBytesTest, IsDeterministic) {
  EXPECT_EQ(CanonicalAuditBytes(SampleEntry()),
            CanonicalAuditBytes(SampleEntry()));
  EXPECT_EQ(ComputeAuditHash(SampleEntry()), ComputeAuditHash(SampleEntry()));
  EXPECT_EQ(ComputeAuditHash(SampleEntry()),
            Sha256Hex(CanonicalAuditBytes(SampleEntry())));
  EXPECT_THAT(ComputeAuditHash(SampleEntry()), MatchesRegex("[0-9a-f]{64}"));
}

TEST(CanonicalAuditBytesTest, ChangesWhenAnySingleFieldChanges) {
  const std::vector<std::pair<std::string, std::function<void(AuditEntry&)>>>
      mutations = {
          {"seq", [](AuditEntry& e) { e.seq = 8; }},
          {"at", [](AuditEntry& e) { e.at = "2026-01-01T12:34:56.123457Z"; }},
          {"principal", [](AuditEntry& e) { e.principal = "tok-1235"; }},
          {"role", [](AuditEntry& e) { e.role = "admin"; }},
          {"center", [](AuditEntry& e) { e.center = "C02"; }},
          {"center empty", [](AuditEntry& e) { e.center = ""; }},
          {"action", [](AuditEntry& e) { e.action = "record.retract"; }},
          {"entity", [](AuditEntry& e) { e.entity = "visits/R01/2021-03-05"; }},
          {"old_value", [](AuditEntry& e) { e.old_value = "sha256:aaab"; }},
          {"new_value", [](AuditEntry& e) { e.new_value = "sha256:bbbc"; }},
          {"reason", [](AuditEntry& e) { e.reason = "typo in EDSS."; }},
          {"request_id", [](AuditEntry& e) { e.request_id = "req-43"; }},
          {"event_seq value", [](AuditEntry& e) { e.event_seq = 43; }},
          {"event_seq absent", [](AuditEntry& e) { e.event_seq.reset(); }},
          {"prev_hash", [](AuditEntry& e) { e.prev_hash[63] = '1'; }},
      };
  const std::string base = CanonicalAuditBytes(SampleEntry());
  const std::string base_hash = ComputeAuditHash(SampleEntry());
  for (const auto& [name, mutate] : mutations) {
    AuditEntry e = SampleEntry();
    mutate(e);
    EXPECT_NE(CanonicalAuditBytes(e), base) << name;
    EXPECT_NE(ComputeAuditHash(e), base_hash) << name;
  }
}

TEST(CanonicalAuditBytesTest, EventSeqAbsentDiffersFromZero) {
  AuditEntry absent = SampleEntry();
  absent.event_seq.reset();
  AuditEntry zero = SampleEntry();
  zero.event_seq = 0;
  EXPECT_NE(CanonicalAuditBytes(absent), CanonicalAuditBytes(zero));
}

TEST(CanonicalAuditBytesTest, HashFieldIsNotIncluded) {
  AuditEntry e = SampleEntry();
  const std::string before = CanonicalAuditBytes(e);
  e.hash = "deadbeef";
  EXPECT_EQ(CanonicalAuditBytes(e), before);
}

TEST(CanonicalAuditBytesTest, LengthPrefixesPreventAmbiguity) {
  AuditEntry a = SampleEntry();
  a.principal = "ab";
  a.role = "c";
  AuditEntry b = SampleEntry();
  b.principal = "a";
  b.role = "bc";
  EXPECT_NE(CanonicalAuditBytes(a), CanonicalAuditBytes(b));
  EXPECT_NE(ComputeAuditHash(a), ComputeAuditHash(b));

  // Moving text between the last text field and event_seq.
  AuditEntry c = SampleEntry();
  c.request_id = "req-4";
  c.event_seq = 2;
  AuditEntry d = SampleEntry();
  d.request_id = "req-";
  d.event_seq = 42;
  EXPECT_NE(CanonicalAuditBytes(c), CanonicalAuditBytes(d));

  // An empty field next to a non-empty one.
  AuditEntry f = SampleEntry();
  f.old_value = "";
  f.new_value = "x";
  AuditEntry g = SampleEntry();
  g.old_value = "x";
  g.new_value = "";
  EXPECT_NE(CanonicalAuditBytes(f), CanonicalAuditBytes(g));
}

// Three linked entries, each hashed.
std::vector<AuditEntry> Chain() {
  std::vector<AuditEntry> chain;
  std::string prev(kGenesisHash);
  for (int64_t seq = 1; seq <= 3; ++seq) {
    AuditEntry e = SampleEntry();
    e.seq = seq;
    e.request_id = "req-" + std::to_string(seq);
    if (seq == 2) e.event_seq.reset();
    e.prev_hash = prev;
    e.hash = ComputeAuditHash(e);
    prev = e.hash;
    chain.push_back(e);
  }
  return chain;
}

TEST(CheckAuditLinkTest, CorrectChainPasses) {
  const std::vector<AuditEntry> chain = Chain();
  std::string prev(kGenesisHash);
  for (size_t i = 0; i < chain.size(); ++i) {
    EXPECT_EQ(CheckAuditLink(chain[i], static_cast<int64_t>(i) + 1, prev),
              std::nullopt)
        << "entry " << i + 1;
    prev = chain[i].hash;
  }
}

TEST(CheckAuditLinkTest, WrongSequenceIsReported) {
  const std::vector<AuditEntry> chain = Chain();
  const std::optional<std::string> problem =
      CheckAuditLink(chain[2], 2, chain[1].hash);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(*problem, HasSubstr("sequence"));
  // A gap: entry 3 found where 2 was expected, with the right prev hash.
  EXPECT_TRUE(CheckAuditLink(chain[2], 4, chain[1].hash).has_value());
}

TEST(CheckAuditLinkTest, WrongPrevHashIsReported) {
  const std::vector<AuditEntry> chain = Chain();
  // Entry 3 checked against entry 1's hash (entry 2 removed).
  const std::optional<std::string> problem =
      CheckAuditLink(chain[2], 3, chain[0].hash);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(*problem, HasSubstr("prev_hash"));

  // An entry re-linked and re-hashed consistently still fails the link.
  AuditEntry relinked = chain[1];
  relinked.prev_hash = std::string(kGenesisHash);
  relinked.hash = ComputeAuditHash(relinked);
  EXPECT_TRUE(CheckAuditLink(relinked, 2, chain[0].hash).has_value());
}

TEST(CheckAuditLinkTest, AlteredFieldAfterHashingIsReported) {
  const std::vector<AuditEntry> chain = Chain();
  AuditEntry altered = chain[1];
  altered.new_value = "sha256:cccc";
  const std::optional<std::string> problem =
      CheckAuditLink(altered, 2, chain[0].hash);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(*problem, HasSubstr("contents"));

  AuditEntry event = chain[1];
  event.event_seq = 1;
  EXPECT_TRUE(CheckAuditLink(event, 2, chain[0].hash).has_value());

  AuditEntry wrong_hash = chain[1];
  wrong_hash.hash[0] = wrong_hash.hash[0] == 'a' ? 'b' : 'a';
  EXPECT_TRUE(CheckAuditLink(wrong_hash, 2, chain[0].hash).has_value());
}

}  // namespace
}  // namespace registry
