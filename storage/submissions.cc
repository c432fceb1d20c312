// The entry points of a submission: the checks made before a request
// reaches the writer, and its passage through the write queue (a dry run
// rolled back whatever it finds). The rows themselves are applied by
// ApplyRows (record_writes.cc).
#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/text_escape.h"
#include "core/violations.h"
#include "storage/connection.h"
#include "storage/store_files.h"
#include "storage/store_internal.h"

namespace registry {

absl::Status RegistryStore::CheckSubmit(const RequestContext& context,
                                        Operation operation,
                                        std::string_view reason) {
  if (context.principal.role != Role::kSubmitter) {
    return absl::PermissionDeniedError("only submitters write records");
  }
  std::vector<FieldViolation> violations;
  if (operation != Operation::kImport && reason.empty()) {
    violations.push_back(
        {"reason",
         "a reason is required for amendments, retractions and upserts"});
  } else if (!IsPlainText(reason, 500)) {
    violations.push_back(
        {"reason",
         "must be at most 500 characters without control characters"});
  }
  if (!violations.empty()) {
    return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                "invalid request", violations);
  }
  return absl::OkStatus();
}

bool RegistryStore::DiskFull() { return reserve_->Full(); }

absl::Status RegistryStore::CheckDiskForSubmission() {
  if (!reserve_->Full()) return absl::OkStatus();
  const uint64_t needed = 2 * std::max<int64_t>(reserve_->bytes(), 1 << 20);
  std::optional<uint64_t> free = FreeBytes(path_);
  if (free && *free >= needed) {
    return absl::ResourceExhaustedError(
        "the disk was full a moment ago: nothing was written; retry in a "
        "second");
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "the disk is full",
      free ? absl::StrCat(" (", *free / 1024, " KiB free)") : std::string(),
      ": nothing was written; submissions resume by themselves once ",
      needed >> 20, " MiB are free; reads go on"));
}

absl::StatusOr<SubmitCounts> RegistryStore::Submit(
    const RequestContext& context, Operation operation, std::string_view reason,
    const std::vector<RecordValues>& rows) {
  RETURN_IF_ERROR(CheckSubmit(context, operation, reason));
  RETURN_IF_ERROR(CheckDiskForSubmission());
  const Date latest_valid = LatestValidDate(options_.clock());
  SubmitCounts counts;
  RETURN_IF_ERROR(WriteTransaction(context, [&](Transaction& t) {
    return ApplyRows(t, operation, reason, rows, latest_valid, counts,
                     kMaxListedViolations);
  }));
  return counts;
}

void RegistryStore::SubmitAsync(
    RequestContext context, Operation operation, std::string reason,
    std::vector<RecordValues> rows,
    std::function<void(absl::StatusOr<SubmitCounts>)> done, bool dry_run) {
  if (absl::Status checked = CheckSubmit(context, operation, reason);
      !checked.ok()) {
    done(checked);
    return;
  }
  if (absl::Status disk = CheckDiskForSubmission(); !disk.ok()) {
    done(disk);
    return;
  }
  // Owned here: the caller does not wait.
  struct Job {
    RequestContext context;
    Operation operation;
    std::string reason;
    std::vector<RecordValues> rows;
    Date latest_valid;
    SubmitCounts counts;
    absl::Status found;  // a dry run's outcome, before its rollback
  };
  auto job = std::make_shared<Job>(Job{std::move(context),
                                       operation,
                                       std::move(reason),
                                       std::move(rows),
                                       LatestValidDate(options_.clock()),
                                       {},
                                       {}});
  auto write = std::make_unique<PendingWrite>();
  write->context = &job->context;
  write->records = static_cast<int64_t>(job->rows.size());
  // A dry run lists every problem and always fails its body, so that the
  // writer rolls back whatever it did.
  static constexpr char kRolledBack[] = "dry run: rolled back";
  write->body = [job, dry_run](Transaction& t) {
    absl::Status status = ApplyRows(
        t, job->operation, job->reason, job->rows, job->latest_valid,
        job->counts,
        dry_run ? std::numeric_limits<size_t>::max() : kMaxListedViolations);
    if (!dry_run) return status;
    job->found = std::move(status);
    return absl::AbortedError(kRolledBack);
  };
  write->done = [job, dry_run, done = std::move(done)](absl::Status status) {
    if (dry_run && status.code() == absl::StatusCode::kAborted &&
        status.message() == kRolledBack) {
      job->counts.problems = ViolationsOf(job->found);
      job->counts.problem_count = ProblemCountOf(job->found);
      // A fault, not a finding: the dry run failed like a submission.
      if (!job->found.ok() && job->counts.problems.empty()) {
        done(job->found);
        return;
      }
      done(job->counts);
    } else if (status.ok()) {
      done(job->counts);
    } else {
      done(std::move(status));
    }
  };
  queue_.Push(std::move(write));
}

}  // namespace registry
