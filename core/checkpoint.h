// Signed checkpoints of the audit trail: the size and RFC 6962 Merkle root
// of the log at a time, signed with Ed25519. A checkpoint kept outside the
// database lets anyone later prove that the log still extends it.
#ifndef REGISTRY_CORE_CHECKPOINT_H_
#define REGISTRY_CORE_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace registry {

struct Checkpoint {
  uint64_t tree_size = 0;
  std::string root_hash;   // raw 32 bytes
  std::string time;        // RFC 3339, UTC
  std::string public_key;  // raw 32-byte Ed25519 key
  std::string signature;   // raw 64 bytes over CheckpointBody
};

// The signed text: header, size, root (hex) and time, one per line.
std::string CheckpointBody(const Checkpoint& checkpoint);
// CheckpointBody plus the key and signature lines: the published form.
std::string FormatCheckpoint(const Checkpoint& checkpoint);
// Reads FormatCheckpoint's text back; INVALID_ARGUMENT naming the bad line.
absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);
// True when the signature is the key's Ed25519 signature of the body.
bool VerifyCheckpointSignature(const Checkpoint& checkpoint);

// An Ed25519 private key kept in a PEM file (mode 0600). Thread-safe.
class CheckpointSigner {
 public:
  // Loads the key at `path`, creating it when the file does not exist.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> LoadOrCreate(
      const std::string& path);
  ~CheckpointSigner();
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  // Fills in the key and the signature of `checkpoint`.
  absl::Status Sign(Checkpoint& checkpoint) const;
  const std::string& public_key() const { return public_key_; }

 private:
  struct Key;
  explicit CheckpointSigner(std::unique_ptr<Key> key, std::string public_key);
  std::unique_ptr<Key> key_;
  std::string public_key_;
};

// Lowercase hex of raw bytes, and back (nullopt-like empty on bad input).
std::string ToHex(std::string_view bytes);
bool FromHex(std::string_view hex, std::string* bytes);

}  // namespace registry

#endif  // REGISTRY_CORE_CHECKPOINT_H_
