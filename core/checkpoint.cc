#include "core/checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace registry {
namespace {

constexpr char kHeader[] = "hsct-registry audit checkpoint v1";

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

}  // namespace

struct CheckpointSigner::Key {
  Pkey pkey;
};

std::string ToHex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

bool FromHex(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2 != 0) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  *bytes = absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
  return true;
}

std::string CheckpointBody(const Checkpoint& c) {
  return absl::StrCat(kHeader, "\nsize ", c.tree_size, "\nroot ",
                      ToHex(c.root_hash), "\ntime ", c.time, "\n");
}

std::string FormatCheckpoint(const Checkpoint& c) {
  return absl::StrCat(CheckpointBody(c), "key ", ToHex(c.public_key),
                      "\nsignature ", ToHex(c.signature), "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  std::vector<std::string> lines = absl::StrSplit(
      absl::string_view(text.data(), text.size()), '\n', absl::SkipEmpty());
  auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError("checkpoint: " + what);
  };
  if (lines.size() != 6 || lines[0] != kHeader) {
    return bad("not a registry audit checkpoint (6 lines expected)");
  }
  Checkpoint c;
  auto field = [&](size_t i, const std::string& name) -> std::string {
    const std::string prefix = name + " ";
    return lines[i].rfind(prefix, 0) == 0 ? lines[i].substr(prefix.size())
                                          : std::string();
  };
  if (!absl::SimpleAtoi(field(1, "size"), &c.tree_size)) return bad("size");
  if (!FromHex(field(2, "root"), &c.root_hash) || c.root_hash.size() != 32) {
    return bad("root");
  }
  c.time = field(3, "time");
  if (c.time.empty()) return bad("time");
  if (!FromHex(field(4, "key"), &c.public_key) || c.public_key.size() != 32) {
    return bad("key");
  }
  if (!FromHex(field(5, "signature"), &c.signature) ||
      c.signature.size() != 64) {
    return bad("signature");
  }
  return c;
}

bool VerifyCheckpointSignature(const Checkpoint& c) {
  if (c.public_key.size() != 32 || c.signature.size() != 64) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(c.public_key.data()), 32));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!key || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1) {
    return false;
  }
  const std::string body = CheckpointBody(c);
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(c.signature.data()),
             c.signature.size(),
             reinterpret_cast<const unsigned char*>(body.data()),
             body.size()) == 1;
}

CheckpointSigner::CheckpointSigner(std::unique_ptr<Key> key,
                                   std::string public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}

CheckpointSigner::~CheckpointSigner() = default;

absl::StatusOr<std::unique_ptr<CheckpointSigner>>
CheckpointSigner::LoadOrCreate(const std::string& path) {
  auto key = std::make_unique<Key>();
  if (FILE* in = std::fopen(path.c_str(), "r")) {
    key->pkey.reset(PEM_read_PrivateKey(in, nullptr, nullptr, nullptr));
    std::fclose(in);
    if (!key->pkey || EVP_PKEY_get_id(key->pkey.get()) != EVP_PKEY_ED25519) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the checkpoint key ", path, " is not an Ed25519 private key (PEM)"));
    }
  } else {
    key->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key->pkey) return absl::InternalError("cannot make an Ed25519 key");
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE* out = fd >= 0 ? fdopen(fd, "w") : nullptr;
    const bool written =
        out != nullptr &&
        PEM_write_PrivateKey(out, key->pkey.get(), nullptr, nullptr, 0, nullptr,
                             nullptr) == 1;
    if (out != nullptr) {
      std::fflush(out);
      ::fsync(fd);
      std::fclose(out);
    } else if (fd >= 0) {
      ::close(fd);
    }
    if (!written) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write the checkpoint key ", path));
    }
  }
  std::string public_key(32, '\0');
  size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(
          key->pkey.get(), reinterpret_cast<unsigned char*>(public_key.data()),
          &size) != 1 ||
      size != 32) {
    return absl::InternalError("cannot read the checkpoint public key");
  }
  return std::unique_ptr<CheckpointSigner>(
      new CheckpointSigner(std::move(key), std::move(public_key)));
}

absl::Status CheckpointSigner::Sign(Checkpoint& c) const {
  c.public_key = public_key_;
  const std::string body = CheckpointBody(c);
  MdCtx ctx(EVP_MD_CTX_new());
  size_t size = 64;
  c.signature.assign(64, '\0');
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(c.signature.data()),
                     &size, reinterpret_cast<const unsigned char*>(body.data()),
                     body.size()) != 1 ||
      size != 64) {
    return absl::InternalError("cannot sign the checkpoint");
  }
  return absl::OkStatus();
}

}  // namespace registry
