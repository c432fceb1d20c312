// RFC 6962 section 2.1 Merkle tree hashing, audit paths (PATH) and
// consistency proofs (PROOF / SUBPROOF), plus the verification algorithms
// of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
//
// The generators follow the recursive definitions of RFC 6962 directly.
// Every subtree hash they need belongs to a distinct, disjoint subtree, so
// MerkleRoot, InclusionProof and ConsistencyProof each cost O(n) hashes and
// recurse at most 64 levels deep.
#include "core/merkle.h"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha256.h"

namespace registry {
namespace {

constexpr size_t kHashSize = 32;
constexpr unsigned char kLeafPrefix = 0x00;
constexpr unsigned char kNodePrefix = 0x01;

// SHA-256(prefix || a || b).
std::string PrefixedSha256(unsigned char prefix, std::string_view a,
                           std::string_view b) {
  // Node hashes of two 32-byte children (the common case) stay on the stack.
  char small[1 + 2 * kHashSize];
  std::string large;
  const size_t size = 1 + a.size() + b.size();
  char* buffer = small;
  if (size > sizeof(small)) {
    large.resize(size);
    buffer = large.data();
  }
  buffer[0] = static_cast<char>(prefix);
  if (!a.empty()) a.copy(buffer + 1, a.size());
  if (!b.empty()) b.copy(buffer + 1 + a.size(), b.size());

  return Sha256(std::string_view(buffer, size));
}

std::string EmptyTreeHash() { return Sha256(""); }

// The largest power of two strictly smaller than n; requires n >= 2.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[0:n]) where d points at n >= 1 leaf hashes.
std::string SubtreeHash(const std::string* d, uint64_t n) {
  if (n == 1) return d[0];
  const uint64_t k = SplitPoint(n);
  return MerkleNodeHash(SubtreeHash(d, k), SubtreeHash(d + k, n - k));
}

// PATH(m, D[0:n]) appended to `out`, for m < n.
void AppendPath(const std::string* d, uint64_t m, uint64_t n,
                std::vector<std::string>& out) {
  if (n == 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    AppendPath(d, m, k, out);
    out.push_back(SubtreeHash(d + k, n - k));
  } else {
    AppendPath(d + k, m - k, n - k, out);
    out.push_back(SubtreeHash(d, k));
  }
}

// SUBPROOF(m, D[0:n], b) appended to `out`, for 0 < m <= n.
void AppendSubproof(const std::string* d, uint64_t m, uint64_t n,
                    bool complete_subtree, std::vector<std::string>& out) {
  if (m == n) {
    if (!complete_subtree) out.push_back(SubtreeHash(d, n));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    AppendSubproof(d, m, k, complete_subtree, out);
    out.push_back(SubtreeHash(d + k, n - k));
  } else {
    AppendSubproof(d + k, m - k, n - k, false, out);
    out.push_back(SubtreeHash(d, k));
  }
}

// Shifts fn and sn right together until fn is odd or zero.
void ShiftUntilOddOrZero(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

bool AllHashSized(const std::vector<std::string>& hashes) {
  for (const std::string& h : hashes) {
    if (h.size() != kHashSize) return false;
  }
  return true;
}

}  // namespace

std::string MerkleLeafHash(std::string_view leaf) {
  return PrefixedSha256(kLeafPrefix, leaf, std::string_view());
}

std::string MerkleNodeHash(std::string_view left, std::string_view right) {
  return PrefixedSha256(kNodePrefix, left, right);
}

std::string MerkleRoot(const std::vector<std::string>& leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyTreeHash();
  return SubtreeHash(leaf_hashes.data(), leaf_hashes.size());
}

std::vector<std::string> InclusionProof(
    const std::vector<std::string>& leaf_hashes, uint64_t index,
    uint64_t tree_size) {
  std::vector<std::string> proof;
  if (index >= tree_size || tree_size > leaf_hashes.size()) return proof;
  AppendPath(leaf_hashes.data(), index, tree_size, proof);
  return proof;
}

std::vector<std::string> ConsistencyProof(
    const std::vector<std::string>& leaf_hashes, uint64_t old_size,
    uint64_t new_size) {
  std::vector<std::string> proof;
  if (old_size == 0 || old_size > new_size || new_size > leaf_hashes.size()) {
    return proof;
  }
  AppendSubproof(leaf_hashes.data(), old_size, new_size,
                 /*complete_subtree=*/true, proof);
  return proof;
}

// RFC 9162 section 2.1.3.2, with every hash required to be 32 bytes.
bool VerifyInclusion(std::string_view leaf_hash, uint64_t index,
                     uint64_t tree_size, const std::vector<std::string>& proof,
                     std::string_view root) {
  if (index >= tree_size) return false;
  if (leaf_hash.size() != kHashSize || root.size() != kHashSize) return false;
  if (!AllHashSized(proof)) return false;

  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return false;  // More hashes than the tree has levels.
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

// RFC 9162 section 2.1.4.2, with every hash required to be 32 bytes. Equal
// sizes need an empty proof and equal roots; old_size 0 is always rejected.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size,
                       std::string_view old_root, std::string_view new_root,
                       const std::vector<std::string>& proof) {
  if (old_size == 0 || old_size > new_size) return false;
  if (old_root.size() != kHashSize || new_root.size() != kHashSize) {
    return false;
  }
  if (!AllHashSized(proof)) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;

  // When the old tree is a complete subtree its root is the first node.
  std::vector<std::string_view> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  for (const std::string& p : proof) path.push_back(p);

  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr(path[0]);
  std::string sr(path[0]);
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string_view c = path[i];
    if (sn == 0) return false;  // More hashes than the tree has levels.
    if ((fn & 1) == 1 || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace registry
