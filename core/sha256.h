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

// The digest of data given in pieces (a file streamed in chunks). Not
// thread-safe; not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // 64 lowercase hex digits of everything given; ends the stream.
  std::string HexDigest();

 private:
  void* context_;  // EVP_MD_CTX
};

}  // namespace registry

#endif  // REGISTRY_CORE_SHA256_H_
