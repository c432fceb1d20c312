#include "core/merkle.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "core/audit_chain.h"
#include "core/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

// Reference vectors: the public known-answer test data of the Certificate
// Transparency reference implementation (google/certificate-transparency,
// cpp/merkletree/merkle_tree_test.cc: kInputs, kSHA256EmptyTreeHash,
// kSHA256Roots, kSHA256Paths and kSHA256Proofs). That file numbers leaves
// from 1; the indices below are 0-based.

std::string Bytes(const char* hex) { return absl::HexStringToBytes(hex); }
std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

constexpr char kEmptyTreeHashHex[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The eight inputs of the reference tree, as hex.
constexpr const char* kInputsHex[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

// Roots of the trees of the first 1..8 inputs.
constexpr const char* kRootsHex[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct InclusionVector {
  uint64_t index;
  uint64_t tree_size;
  std::vector<const char*> path_hex;
};

const std::vector<InclusionVector>& InclusionVectors() {
  static const auto* const kVectors = new std::vector<InclusionVector>{
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       3,
       {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  return *kVectors;
}

struct ConsistencyVector {
  uint64_t old_size;
  uint64_t new_size;
  std::vector<const char*> proof_hex;
};

const std::vector<ConsistencyVector>& ConsistencyVectors() {
  static const auto* const kVectors = new std::vector<ConsistencyVector>{
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  return *kVectors;
}

std::vector<std::string> HashesFromHex(const std::vector<const char*>& hex) {
  std::vector<std::string> out;
  for (const char* h : hex) out.push_back(Bytes(h));
  return out;
}

std::vector<std::string> ReferenceLeafHashes() {
  std::vector<std::string> leaves;
  for (const char* input : kInputsHex) {
    leaves.push_back(MerkleLeafHash(Bytes(input)));
  }
  return leaves;
}

std::vector<std::string> Prefix(const std::vector<std::string>& v, uint64_t n) {
  return std::vector<std::string>(v.begin(), v.begin() + n);
}

// Distinct leaf hashes for synthetic trees: leaf i hashes the 8-byte
// big-endian encoding of i.
std::vector<std::string> SyntheticLeafHashes(uint64_t n) {
  std::vector<std::string> leaves;
  leaves.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string data(8, '\0');
    for (int b = 0; b < 8; ++b) {
      data[7 - b] = static_cast<char>((i >> (8 * b)) & 0xff);
    }
    leaves.push_back(MerkleLeafHash(data));
  }
  return leaves;
}

// MTH written straight from RFC 6962 2.1: k is found by doubling.
std::string RecursiveMth(const std::vector<std::string>& leaf_hashes,
                         size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return Bytes(kEmptyTreeHashHex);
  if (n == 1) return leaf_hashes[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return MerkleNodeHash(RecursiveMth(leaf_hashes, begin, begin + k),
                        RecursiveMth(leaf_hashes, begin + k, end));
}

// An independent bottom-up construction: pair neighbours level by level
// and carry an odd last node up unchanged. It builds the same tree.
std::string BottomUpRoot(std::vector<std::string> level) {
  if (level.empty()) return Bytes(kEmptyTreeHashHex);
  while (level.size() > 1) {
    std::vector<std::string> next;
    next.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(MerkleNodeHash(level[i], level[i + 1]));
    }
    if (level.size() % 2 == 1) next.push_back(std::move(level.back()));
    level = std::move(next);
  }
  return level[0];
}

std::string FlipBit(std::string s, size_t bit) {
  s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
  return s;
}

// --- Hash functions ----------------------------------------------------------

TEST(MerkleHashTest, LeafHashIsSha256OfZeroPrefixedData) {
  EXPECT_EQ(Hex(MerkleLeafHash("")), kRootsHex[0]);
  EXPECT_EQ(Hex(MerkleLeafHash("abc")), Sha256Hex(std::string("\0abc", 4)));
  EXPECT_EQ(Hex(MerkleLeafHash(std::string("a\0b", 3))),
            Sha256Hex(std::string("\0a\0b", 4)));
  EXPECT_THAT(MerkleLeafHash("x"), SizeIs(32));
}

TEST(MerkleHashTest, NodeHashIsSha256OfOnePrefixedChildren) {
  const std::string l = MerkleLeafHash("l");
  const std::string r = MerkleLeafHash("r");
  EXPECT_EQ(Hex(MerkleNodeHash(l, r)), Sha256Hex("\x01" + l + r));
  EXPECT_NE(MerkleNodeHash(l, r), MerkleNodeHash(r, l));
  // Domain separation: a node is never confused with a leaf of l || r.
  EXPECT_NE(MerkleNodeHash(l, r), MerkleLeafHash(l + r));
  // Longer inputs than two hashes are hashed whole.
  const std::string big(100, 'z');
  EXPECT_EQ(Hex(MerkleNodeHash(big, big)), Sha256Hex("\x01" + big + big));
}

// --- Reference vectors -------------------------------------------------------

TEST(MerkleRootTest, EmptyTreeIsHashOfEmptyString) {
  EXPECT_EQ(Hex(MerkleRoot({})), kEmptyTreeHashHex);
}

TEST(MerkleRootTest, MatchesCertificateTransparencyRoots) {
  const std::vector<std::string> leaves = ReferenceLeafHashes();
  for (uint64_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(Hex(MerkleRoot(Prefix(leaves, n))), kRootsHex[n - 1])
        << "tree size " << n;
  }
}

TEST(MerkleInclusionTest, MatchesCertificateTransparencyPaths) {
  const std::vector<std::string> leaves = ReferenceLeafHashes();
  for (const InclusionVector& v : InclusionVectors()) {
    SCOPED_TRACE(testing::Message()
                 << "index " << v.index << " size " << v.tree_size);
    const std::vector<std::string> expected = HashesFromHex(v.path_hex);
    // Extra leaves beyond tree_size must not matter.
    EXPECT_EQ(InclusionProof(leaves, v.index, v.tree_size), expected);
    EXPECT_EQ(InclusionProof(Prefix(leaves, v.tree_size), v.index, v.tree_size),
              expected);
    EXPECT_TRUE(VerifyInclusion(leaves[v.index], v.index, v.tree_size, expected,
                                Bytes(kRootsHex[v.tree_size - 1])));
  }
}

TEST(MerkleConsistencyTest, MatchesCertificateTransparencyProofs) {
  const std::vector<std::string> leaves = ReferenceLeafHashes();
  for (const ConsistencyVector& v : ConsistencyVectors()) {
    SCOPED_TRACE(testing::Message() << v.old_size << " -> " << v.new_size);
    const std::vector<std::string> expected = HashesFromHex(v.proof_hex);
    EXPECT_EQ(ConsistencyProof(leaves, v.old_size, v.new_size), expected);
    EXPECT_TRUE(VerifyConsistency(v.old_size, v.new_size,
                                  Bytes(kRootsHex[v.old_size - 1]),
                                  Bytes(kRootsHex[v.new_size - 1]), expected));
  }
}

// --- Roots against the definition --------------------------------------------

TEST(MerkleRootTest, MatchesRecursiveDefinitionAndBottomUpTree) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(300);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    const std::vector<std::string> prefix = Prefix(leaves, n);
    const std::string root = MerkleRoot(prefix);
    ASSERT_THAT(root, SizeIs(32));
    EXPECT_EQ(root, RecursiveMth(leaves, 0, n)) << "tree size " << n;
    EXPECT_EQ(root, BottomUpRoot(prefix)) << "tree size " << n;
  }
}

TEST(MerkleRootTest, MillionLeaves) {
  constexpr uint64_t kSize = 1'000'000;
  const std::vector<std::string> leaves = SyntheticLeafHashes(kSize);
  const std::string root = MerkleRoot(leaves);
  ASSERT_THAT(root, SizeIs(32));
  // One level of the definition: k = 2^19 = 524288 is the largest power of
  // two below 10^6.
  constexpr uint64_t kSplit = 524288;
  const std::vector<std::string> left(leaves.begin(), leaves.begin() + kSplit);
  const std::vector<std::string> right(leaves.begin() + kSplit, leaves.end());
  EXPECT_EQ(root, MerkleNodeHash(MerkleRoot(left), MerkleRoot(right)));
  // And the generators stay usable at this size.
  const std::vector<std::string> path = InclusionProof(leaves, 777'777, kSize);
  EXPECT_THAT(path, SizeIs(20));
  EXPECT_TRUE(VerifyInclusion(leaves[777'777], 777'777, kSize, path, root));
  const std::vector<std::string> proof =
      ConsistencyProof(leaves, 999'999, kSize);
  EXPECT_TRUE(VerifyConsistency(
      999'999, kSize, MerkleRoot(Prefix(leaves, 999'999)), root, proof));
}

// --- Exhaustive round trips --------------------------------------------------

TEST(MerkleInclusionTest, EveryLeafOfEveryTreeUpTo64Verifies) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(64);
  for (uint64_t n = 1; n <= 64; ++n) {
    const std::string root = MerkleRoot(Prefix(leaves, n));
    for (uint64_t i = 0; i < n; ++i) {
      const std::vector<std::string> proof = InclusionProof(leaves, i, n);
      EXPECT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root))
          << "index " << i << " size " << n;
      // Proofs depend only on the first n leaves.
      EXPECT_EQ(proof, InclusionProof(Prefix(leaves, n), i, n));
    }
  }
}

TEST(MerkleConsistencyTest, EveryPairOfSizesUpTo64Verifies) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(64);
  std::vector<std::string> roots(65);
  for (uint64_t n = 1; n <= 64; ++n) roots[n] = MerkleRoot(Prefix(leaves, n));
  for (uint64_t n = 1; n <= 64; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      const std::vector<std::string> proof = ConsistencyProof(leaves, m, n);
      EXPECT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof))
          << m << " -> " << n;
      if (m == n) {
        EXPECT_THAT(proof, IsEmpty());
      }
      EXPECT_EQ(proof, ConsistencyProof(Prefix(leaves, n), m, n));
    }
  }
}

// --- Corruption --------------------------------------------------------------

// Every way of damaging `proof` that must make verification fail: one bit
// flipped in any hash, a hash dropped, a hash added anywhere, hashes of the
// wrong length.
std::vector<std::vector<std::string>> DamagedProofs(
    const std::vector<std::string>& proof, const std::string& extra) {
  std::vector<std::vector<std::string>> out;
  for (size_t j = 0; j < proof.size(); ++j) {
    for (size_t bit : {size_t{0}, size_t{7}, size_t{130}, size_t{255}}) {
      std::vector<std::string> p = proof;
      p[j] = FlipBit(p[j], bit);
      out.push_back(std::move(p));
    }
    std::vector<std::string> dropped = proof;
    dropped.erase(dropped.begin() + j);
    out.push_back(std::move(dropped));
    std::vector<std::string> truncated = proof;
    truncated[j].pop_back();
    out.push_back(std::move(truncated));
    std::vector<std::string> lengthened = proof;
    lengthened[j].push_back('\0');
    out.push_back(std::move(lengthened));
  }
  for (size_t j = 0; j <= proof.size(); ++j) {
    for (const std::string& added :
         {extra, std::string(32, '\0'), std::string(), std::string(33, 'a')}) {
      std::vector<std::string> p = proof;
      p.insert(p.begin() + j, added);
      out.push_back(std::move(p));
    }
    if (j < proof.size()) {
      std::vector<std::string> duplicated = proof;
      duplicated.insert(duplicated.begin() + j, proof[j]);
      out.push_back(std::move(duplicated));
    }
  }
  return out;
}

const std::vector<uint64_t>& SampleSizes() {
  static const auto* const kSizes = new std::vector<uint64_t>{
      1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 32, 33, 47, 64};
  return *kSizes;
}

TEST(MerkleInclusionTest, DamagedProofsWrongIndicesSizesAndRootsFail) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(128);
  for (uint64_t n : SampleSizes()) {
    const std::string root = MerkleRoot(Prefix(leaves, n));
    for (uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE(testing::Message() << "index " << i << " size " << n);
      const std::vector<std::string> proof = InclusionProof(leaves, i, n);
      ASSERT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root));

      for (const std::vector<std::string>& bad : DamagedProofs(proof, root)) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, bad, root));
      }
      // Every other index in the tree, and indices outside it.
      for (uint64_t j = 0; j < n + 2; ++j) {
        if (j == i) continue;
        EXPECT_FALSE(VerifyInclusion(leaves[i], j, n, proof, root))
            << "claimed index " << j;
      }
      EXPECT_FALSE(VerifyInclusion(leaves[i], i + n, n, proof, root));
      EXPECT_FALSE(VerifyInclusion(leaves[i], UINT64_MAX, n, proof, root));
      // Claimed sizes whose paths have another length, and the classic
      // doubled and halved sizes.
      for (uint64_t s = 0; s <= 2 * n + 1; ++s) {
        const bool other_length =
            s > i && InclusionProof(leaves, i, s).size() != proof.size();
        if (s <= i || other_length || s == 2 * n || (s == n / 2 && s != n)) {
          EXPECT_FALSE(VerifyInclusion(leaves[i], i, s, proof, root))
              << "claimed size " << s;
        }
      }
      // Wrong leaf, wrong roots, wrongly sized leaf or root.
      EXPECT_FALSE(VerifyInclusion(leaves[(i + 1) % 128], i, n, proof, root));
      EXPECT_FALSE(VerifyInclusion(FlipBit(leaves[i], 3), i, n, proof, root));
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, FlipBit(root, 200)));
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof,
                                   MerkleRoot(Prefix(leaves, n + 1))));
      EXPECT_FALSE(
          VerifyInclusion(leaves[i], i, n, proof, Bytes(kEmptyTreeHashHex)));
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, root.substr(0, 31)));
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, root + "x"));
      EXPECT_FALSE(VerifyInclusion(leaves[i].substr(0, 31), i, n, proof, root));
    }
  }
}

TEST(MerkleConsistencyTest, DamagedProofsWrongSizesAndRootsFail) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(160);
  std::vector<std::string> roots(leaves.size() + 1);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    roots[n] = MerkleRoot(Prefix(leaves, n));
  }
  for (uint64_t n : SampleSizes()) {
    for (uint64_t m = 1; m < n; ++m) {
      SCOPED_TRACE(testing::Message() << m << " -> " << n);
      const std::vector<std::string> proof = ConsistencyProof(leaves, m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof));

      for (const std::vector<std::string>& bad :
           DamagedProofs(proof, roots[n])) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad));
      }
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], {}));

      // Claimed sizes whose proofs have another length, and the classic
      // neighbours of the old size and doubled or halved new size.
      for (uint64_t s = 0; s <= n + 1; ++s) {
        const bool other_length =
            s == 0 || s > n ||
            ConsistencyProof(leaves, s, n).size() != proof.size();
        if (other_length || s + 1 == m || s == m + 1 || s == (m ^ 2)) {
          EXPECT_FALSE(VerifyConsistency(s, n, roots[m], roots[n], proof))
              << "claimed old size " << s;
        }
      }
      for (uint64_t s = 0; s <= 2 * n + 1; ++s) {
        const bool other_length =
            s < m || ConsistencyProof(leaves, m, s).size() != proof.size();
        if (other_length || s == 2 * n || s == n / 2) {
          EXPECT_FALSE(VerifyConsistency(m, s, roots[m], roots[n], proof))
              << "claimed new size " << s;
        }
      }
      EXPECT_FALSE(VerifyConsistency(m, n, roots[n], roots[m], proof));
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m - 1 == 0 ? n : m - 1],
                                     roots[n], proof));
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n + 1], proof));
      EXPECT_FALSE(
          VerifyConsistency(m, n, FlipBit(roots[m], 9), roots[n], proof));
      EXPECT_FALSE(
          VerifyConsistency(m, n, roots[m], FlipBit(roots[n], 250), proof));
      EXPECT_FALSE(
          VerifyConsistency(m, n, roots[m].substr(0, 31), roots[n], proof));
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n] + "x", proof));
    }
  }
}

// --- Malformed arguments -----------------------------------------------------

TEST(MerkleInclusionTest, RejectsImpossibleIndicesAndSizes) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(4);
  const std::string root1 = MerkleRoot(Prefix(leaves, 1));
  EXPECT_TRUE(VerifyInclusion(leaves[0], 0, 1, {}, root1));
  EXPECT_FALSE(VerifyInclusion(leaves[0], 0, 0, {}, root1));
  EXPECT_FALSE(VerifyInclusion(leaves[0], 1, 1, {}, root1));
  EXPECT_FALSE(VerifyInclusion(leaves[0], 0, 1, {leaves[1]}, root1));
  EXPECT_FALSE(VerifyInclusion(leaves[0], 0, 0, {}, Bytes(kEmptyTreeHashHex)));
  EXPECT_FALSE(VerifyInclusion("", 0, 1, {}, ""));

  // Generators return nothing when asked for what does not exist.
  EXPECT_THAT(InclusionProof(leaves, 4, 4), IsEmpty());
  EXPECT_THAT(InclusionProof(leaves, 0, 5), IsEmpty());
  EXPECT_THAT(InclusionProof(leaves, 0, 0), IsEmpty());
  EXPECT_THAT(InclusionProof({}, 0, 0), IsEmpty());
}

TEST(MerkleConsistencyTest, RejectsImpossibleSizes) {
  const std::vector<std::string> leaves = SyntheticLeafHashes(8);
  std::vector<std::string> roots;
  for (uint64_t n = 0; n <= 8; ++n)
    roots.push_back(MerkleRoot(Prefix(leaves, n)));
  const std::vector<std::string> proof = ConsistencyProof(leaves, 3, 7);
  ASSERT_TRUE(VerifyConsistency(3, 7, roots[3], roots[7], proof));

  // old_size > new_size, in both orders of the roots.
  EXPECT_FALSE(VerifyConsistency(7, 3, roots[7], roots[3], proof));
  EXPECT_FALSE(VerifyConsistency(7, 3, roots[3], roots[7], proof));
  EXPECT_FALSE(VerifyConsistency(2, 1, roots[2], roots[1], {}));
  // old_size 0 is rejected, even with the empty-tree root and no proof.
  EXPECT_FALSE(VerifyConsistency(0, 0, roots[0], roots[0], {}));
  EXPECT_FALSE(VerifyConsistency(0, 7, roots[0], roots[7], {}));
  EXPECT_FALSE(VerifyConsistency(0, 7, roots[0], roots[7], proof));
  // Equal sizes: only an empty proof between equal roots.
  EXPECT_TRUE(VerifyConsistency(5, 5, roots[5], roots[5], {}));
  EXPECT_FALSE(VerifyConsistency(5, 5, roots[5], roots[4], {}));
  EXPECT_FALSE(VerifyConsistency(5, 5, roots[5], roots[5], {roots[5]}));
  EXPECT_FALSE(VerifyConsistency(5, 5, "", "", {}));
  // Different sizes need a proof, even between equal roots.
  EXPECT_FALSE(VerifyConsistency(4, 5, roots[5], roots[5], {}));
  EXPECT_FALSE(VerifyConsistency(3, 7, roots[3], roots[7], {}));

  EXPECT_THAT(ConsistencyProof(leaves, 0, 4), IsEmpty());
  EXPECT_THAT(ConsistencyProof(leaves, 5, 4), IsEmpty());
  EXPECT_THAT(ConsistencyProof(leaves, 4, 9), IsEmpty());
  EXPECT_THAT(ConsistencyProof(leaves, 4, 4), IsEmpty());
}

}  // namespace
}  // namespace registry
