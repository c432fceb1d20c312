// SHA-256 (FIPS 180-4) through OpenSSL, shared by the audit chain, the
// Merkle tree and token hashing. Thread-safe.
#ifndef REGISTRY_CORE_SHA256_H_
#define REGISTRY_CORE_SHA256_H_

#include <string>
#include <string_view>

namespace registry {

// The 32-byte digest of `data`.
std::string Sha256(std::string_view data);

// The digest of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace registry

#endif  // REGISTRY_CORE_SHA256_H_
