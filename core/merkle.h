// RFC 6962 (Certificate Transparency) Merkle trees over the audit trail:
// tree hashes, inclusion proofs and consistency proofs, and their
// verification. Hashes are raw 32-byte SHA-256 strings. Pure functions.
#ifndef REGISTRY_CORE_MERKLE_H_
#define REGISTRY_CORE_MERKLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace registry {

// SHA-256(0x00 || leaf).
std::string MerkleLeafHash(std::string_view leaf);
// SHA-256(0x01 || left || right).
std::string MerkleNodeHash(std::string_view left, std::string_view right);

// MTH(D[0:n]) from the leaf hashes; the hash of the empty string for n = 0.
std::string MerkleRoot(const std::vector<std::string>& leaf_hashes);

// PATH(m, D[0:n]) of RFC 6962 2.1.1: the audit path of leaf `index` in the
// tree of the first `tree_size` leaves. Requires index < tree_size <=
// leaf_hashes.size().
std::vector<std::string> InclusionProof(
    const std::vector<std::string>& leaf_hashes, uint64_t index,
    uint64_t tree_size);

// PROOF(m, D[0:n]) of RFC 6962 2.1.2: proves that the tree of the first
// `old_size` leaves is a prefix of the tree of `new_size` leaves. Requires
// 0 < old_size <= new_size <= leaf_hashes.size(); empty when equal.
std::vector<std::string> ConsistencyProof(
    const std::vector<std::string>& leaf_hashes, uint64_t old_size,
    uint64_t new_size);

// Checks an inclusion proof (RFC 9162 2.1.3.2). False for any malformed
// or wrong proof, index or size.
bool VerifyInclusion(std::string_view leaf_hash, uint64_t index,
                     uint64_t tree_size, const std::vector<std::string>& proof,
                     std::string_view root);

// Checks a consistency proof (RFC 9162 2.1.4.2) between two roots. False
// for any malformed or wrong proof or sizes.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size,
                       std::string_view old_root, std::string_view new_root,
                       const std::vector<std::string>& proof);

}  // namespace registry

#endif  // REGISTRY_CORE_MERKLE_H_
