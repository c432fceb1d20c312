#include "storage/registry_store.h"

#include <fcntl.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/audit_chain.h"
#include "core/csv.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/text_escape.h"
#include "core/violations.h"
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {
namespace {

constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%E6SZ";

// WAL size (pages) from which the writer asks for a checkpoint; SQLite's
// own automatic checkpoint uses the same.
constexpr int kCheckpointPages = 10000;

}  // namespace

std::string FormatRecordedTime(absl::Time time) {
  return absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone());
}

absl::Time ParseRecordedTime(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(kTimeFormat, text, absl::UTCTimeZone(), &time, &error)) {
    return absl::InfinitePast();
  }
  return time;
}

absl::StatusOr<Record> DecodePayload(Kind kind, const std::string& payload) {
  absl::StatusOr<std::vector<CsvRow>> rows = ParseCsv(payload);
  if (!rows.ok() || rows->size() != 1) {
    return absl::DataLossError("stored record cannot be read: " + payload);
  }
  // Events recorded before a kind gained columns hold fewer fields; the
  // columns added since are optional, so the missing ones read as empty.
  std::vector<std::string>& fields = (*rows)[0].fields;
  if (fields.size() < ColumnsOf(kind).size()) {
    fields.resize(ColumnsOf(kind).size());
  }
  Parsed<Record> parsed = ParseRecord(kind, fields, Date(9999, 12, 31));
  if (!parsed.value) {
    return absl::DataLossError("stored record is invalid: " + payload);
  }
  return *std::move(parsed.value);
}

std::string RandomBytes(size_t size) {
  std::string bytes(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(size)) != 1) {
    // Without randomness no secret or pseudonym can be issued safely.
    std::abort();
  }
  return bytes;
}

// "R" and 12 Crockford base32 characters (60 random bits): pseudonymous,
// never derived from the center's code.
std::string NewRegistryId() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const std::string bytes = RandomBytes(12);
  std::string id = "R";
  for (char byte : bytes) id.push_back(kAlphabet[byte & 0x1f]);
  return id;
}

bool IsCode(std::string_view text, size_t max_size) {
  if (text.empty() || text.size() > max_size) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool IsPlainText(std::string_view text, size_t max_size) {
  if (text.size() > max_size) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::string EntityOf(std::string_view kind, std::string_view registry_id,
                     std::string_view key) {
  return absl::StrCat(S(kind), "/", S(registry_id), "/", S(key));
}

std::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kImport:
      return "create";
    case Operation::kAmend:
      return "amend";
    case Operation::kRetract:
      return "retract";
    case Operation::kUpsert:
      return "upsert";  // never stored: each row is a create or an amend
  }
  return "?";
}

AuditHead ReadAuditHead(Connection& c) {
  SQLite::Statement& head =
      c.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!head.executeStep()) return {0, S(kGenesisHash)};
  return {head.getColumn(0).getInt64(), head.getColumn(1).getString()};
}

RegistryStore::RegistryStore(std::string path, StoreOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      readers_(std::make_unique<Pool>(path_, options_.busy_timeout_ms)) {}

RegistryStore::~RegistryStore() {
  queue_.Close();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (answer_thread_.joinable()) answer_thread_.join();
  {
    MutexLock lock(&checkpoint_mutex_);
    checkpoint_stopping_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

absl::StatusOr<std::unique_ptr<RegistryStore>> RegistryStore::Open(
    const std::string& path, StoreOptions options) {
  RETURN_IF_ERROR(CheckStoreFiles(path));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreLock> lock, StoreLock::Acquire(path));
  RemoveBackupLeftovers(path);
  if (!std::filesystem::exists(path)) {
    // SQLite gives the -wal and -shm files the database file's mode.
    absl::StatusOr<int> fd = CreatePrivateFile(path);
    if (!fd.ok()) return ExplainStoreError(path, fd.status());
    ::close(*fd);
  }
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    TightenMode(file);
  }
  auto reserve =
      std::make_unique<DiskReserve>(path, options.disk_reserve_bytes);
  std::unique_ptr<Connection> writer, checkpointer;
  auto open = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(writer,
                     Connection::Open(path, true, options.busy_timeout_ms));
    RETURN_IF_ERROR(MigrateSchema(*writer));
    ASSIGN_OR_RETURN(checkpointer,
                     Connection::Open(path, false, options.busy_timeout_ms));
    return absl::OkStatus();
  };
  absl::Status opened = ExplainStoreError(path, open());
  if (opened.code() == absl::StatusCode::kResourceExhausted &&
      std::filesystem::exists(reserve->path())) {
    // Too full even to open (SQLite needs room for its -shm index): the
    // reserve is there for this.
    reserve->Release();
    opened = ExplainStoreError(path, open());
  }
  RETURN_IF_ERROR(opened);
  std::unique_ptr<RegistryStore> store(
      new RegistryStore(path, std::move(options)));
  store->lock_ = std::move(lock);
  store->reserve_ = std::move(reserve);
  store->reserve_->Take();  // on a full disk, the store starts as full
  // Checkpoints copy the WAL into the database file and fsync it: in a
  // large database they touch pages all over the file (disabling them took
  // unary submissions at 100,000 patients from 4.6k to 6.7k calls/s). The
  // writer only asks for one (the hook replaces SQLite's automatic
  // checkpoint); another thread does it.
  sqlite3_wal_hook(
      writer->db().getHandle(),
      +[](void* self, sqlite3*, const char*, int wal_pages) {
        auto* s = static_cast<RegistryStore*>(self);
        s->wal_dirty_.store(true, std::memory_order_relaxed);
        if (wal_pages >= kCheckpointPages) s->RequestCheckpoint();
        return SQLITE_OK;
      },
      store.get());
  {
    MutexLock lock(&store->writer_mutex_);
    store->writer_ = std::move(writer);
  }
  store->checkpoint_thread_ =
      std::thread([s = store.get(), c = std::move(checkpointer)] {
        s->CheckpointLoop(*c);
      });
  store->writer_thread_ = std::thread([s = store.get()] { s->WriterLoop(); });
  store->answer_thread_ = std::thread([s = store.get()] { s->AnswerLoop(); });
  return store;
}

absl::StatusOr<StoreFigures> RegistryStore::Figures() {
  StoreFigures figures;
  std::error_code error;
  const auto size = [&error](const std::string& path) -> int64_t {
    const std::uintmax_t bytes = std::filesystem::file_size(path, error);
    return error ? 0 : static_cast<int64_t>(bytes);
  };
  figures.database_bytes = size(path_);
  figures.wal_bytes = size(path_ + "-wal");
  RETURN_IF_ERROR(ReadSnapshot([&](Connection& c) -> absl::Status {
    // max() of an INTEGER PRIMARY KEY is one b-tree step; the rows are
    // never deleted, so it is the count.
    auto one = [&c](const char* sql) -> int64_t {
      SQLite::Statement& q = c.Prepare(sql);
      const int64_t value = q.executeStep() ? q.getColumn(0).getInt64() : 0;
      q.reset();
      return value;
    };
    figures.audit_entries = one("SELECT coalesce(max(seq), 0) FROM audit_log");
    figures.events = one("SELECT coalesce(max(event_seq), 0) FROM events");
    figures.patients = one("SELECT count(*) FROM patients");
    figures.centers = one("SELECT count(*) FROM centers");
    SQLite::Statement& tokens = c.Prepare(
        "SELECT count(*) FROM tokens WHERE revoked_at IS NULL AND "
        "(expires_at IS NULL OR expires_at > ?)");
    tokens.bind(1, FormatRecordedTime(absl::Now()));
    if (tokens.executeStep()) {
      figures.active_tokens = tokens.getColumn(0).getInt64();
    }
    tokens.reset();
    return absl::OkStatus();
  }));
  if (const int64_t at = last_full_checkpoint_unix_.load(); at > 0) {
    figures.last_full_checkpoint = absl::FromUnixSeconds(at);
  }
  figures.disk_full = DiskFull();
  return figures;
}

}  // namespace registry
