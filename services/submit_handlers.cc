#include "services/submit_handlers.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <malloc.h>

#include <atomic>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "api/convert.h"
#include "api/wire_utf8.h"
#include "core/status_macros.h"
#include "core/violations.h"
#include "registry/v1/submission.pb.h"

namespace registry {
namespace {

absl::Status Invalid(std::string field, std::string description) {
  return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                              "invalid request; nothing was written",
                              {{std::move(field), std::move(description)}});
}

// The bytes of a received message in one piece (only to explain a failure).
std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  return bytes;
}

// Parses message `number` (1-based) of a request whose earlier messages
// held `records_before` records.
absl::Status Parse(grpc::ByteBuffer& buffer, int number, int64_t records_before,
                   v1::SubmitRequest& message) {
  grpc::ProtoBufferReader reader(&buffer);
  if (message.ParseFromZeroCopyStream(&reader)) return absl::OkStatus();
  const std::string bytes = Flatten(buffer);
  if (std::optional<FieldViolation> field = FindNonUtf8Field(
          *v1::SubmitRequest::descriptor(), bytes, records_before)) {
    return StatusWithViolations(
        absl::StatusCode::kInvalidArgument,
        "a text value is not UTF-8; nothing was written", {*field});
  }
  return Invalid(absl::StrCat("message ", number),
                 "is not a valid SubmitRequest (protobuf encoding)");
}

// Collects the messages of one request into the store's rows, checking
// that they agree with each other, the stated count and the limits.
class Assembler {
 public:
  explicit Assembler(SubmissionBudget* budget) : budget_(budget) {}
  ~Assembler() { budget_->Return(owner_, held_); }

  // The token whose share of the budget the request takes.
  void SetOwner(std::string token_id) { owner_ = std::move(token_id); }

  // Records received so far (also after the rows went to the store).
  int64_t received() const { return received_; }

  // Takes one received message.
  absl::Status Add(grpc::ByteBuffer& buffer) {
    const int64_t bytes = static_cast<int64_t>(buffer.Length());
    v1::SubmitRequest message;
    RETURN_IF_ERROR(Parse(buffer, ++messages_,
                          static_cast<int64_t>(rows_.size()), message));
    if (messages_ == 1) {
      operation_ = message.operation();
      reason_ = message.reason();
      dry_run_ = message.dry_run();
      stated_ = message.record_count();
      if (stated_ < 0) return Invalid("record_count", "must not be negative");
      if (stated_ > budget_->limits().max_request_records) {
        return TooLarge(stated_);
      }
    } else if ((message.operation() != v1::OPERATION_UNSPECIFIED &&
                message.operation() != operation_) ||
               (!message.reason().empty() && message.reason() != reason_)) {
      return Invalid("operation",
                     "later messages must repeat or omit the operation and "
                     "reason of the first");
    } else if (message.record_count() != 0 &&
               message.record_count() != stated_) {
      return Invalid("record_count",
                     "later messages must repeat or omit the record_count of "
                     "the first");
    }
    const int64_t records = message.records_size();
    if (static_cast<int64_t>(rows_.size()) + records >
        budget_->limits().max_request_records) {
      return TooLarge(static_cast<int64_t>(rows_.size()) + records);
    }
    RETURN_IF_ERROR(budget_->Take(owner_, held_, records, bytes));
    received_ += records;
    // Typed as received; the store checks them (a record without a kind
    // too).
    for (const v1::Record& record : message.records()) {
      rows_.push_back(ValuesOfProto(record));
    }
    return absl::OkStatus();
  }

  // The request once its last message arrived; `count_required` for
  // streams.
  absl::StatusOr<Operation> Finish(bool count_required) {
    std::vector<FieldViolation> violations;
    if (messages_ == 0) {
      violations.push_back({"request", "the stream held no message"});
    }
    std::optional<Operation> op = FromProto(operation_);
    if (!op) {
      violations.push_back(
          {"operation", "must be import, amend, retract or upsert"});
    }
    const int64_t received = static_cast<int64_t>(rows_.size());
    if (stated_ == 0 && count_required && received > 0) {
      violations.push_back(
          {"record_count",
           absl::StrCat("a streamed request must state its number of records "
                        "in its first message (received ",
                        received, ")")});
    } else if ((stated_ != 0 || count_required) && stated_ != received) {
      violations.push_back(
          {"record_count",
           absl::StrCat("stated ", stated_, " records, received ", received,
                        ": the stream was cut short or its messages do not "
                        "add up")});
    }
    if (!violations.empty()) {
      return StatusWithViolations(absl::StatusCode::kInvalidArgument,
                                  "invalid request; nothing was written",
                                  violations);
    }
    return *op;
  }

  // Gives back what this request holds of the budget: done before its
  // answer, so that a client's next request finds it free.
  void ReturnBudget() { budget_->Return(owner_, held_); }

  std::string& reason() { return reason_; }
  bool dry_run() const { return dry_run_; }
  std::vector<RecordValues>& rows() { return rows_; }
  int64_t bytes() const { return held_.bytes; }

 private:
  absl::Status TooLarge(int64_t records) const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a request may hold at most ", budget_->limits().max_request_records,
        " records (this one ", records,
        "); split the file and submit the parts one after the other"));
  }

  SubmissionBudget* budget_;
  std::string owner_;
  SubmissionBudget::Held held_;
  int messages_ = 0;
  v1::Operation operation_ = v1::OPERATION_UNSPECIFIED;
  std::string reason_;
  bool dry_run_ = false;
  int64_t stated_ = 0;
  int64_t received_ = 0;
  std::vector<RecordValues> rows_;
};

void Serialize(const v1::SubmitResponse& response, grpc::ByteBuffer* out) {
  const std::string bytes = response.SerializeAsString();
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
}

// A dry run's problems fill at most this much of its answer (the maximum
// message size is 16 MiB by default); the rest are counted.
constexpr size_t kMaxDryRunProblemBytes = size_t{8} << 20;

// The counts of an answer, without a dry run's problems.
v1::SubmitResponse Summary(const std::string& request_id,
                           const SubmitCounts& counts, bool dry_run) {
  v1::SubmitResponse response;
  response.set_request_id(request_id);
  response.set_received(counts.received);
  response.set_accepted(counts.accepted);
  response.set_unchanged(counts.unchanged);
  response.set_amended(counts.amended);
  if (dry_run) {
    response.set_dry_run(true);
    response.set_problem_count(counts.problem_count);
  }
  return response;
}

void FillResponse(const std::string& request_id, const SubmitCounts& counts,
                  bool dry_run, grpc::ByteBuffer* out) {
  v1::SubmitResponse response = Summary(request_id, counts, dry_run);
  if (dry_run) {
    size_t bytes = 0;
    for (const FieldViolation& v : counts.problems) {
      bytes += v.field.size() + v.description.size() + 8;
      if (bytes > kMaxDryRunProblemBytes) break;
      auto* out_violation = response.mutable_problems()->add_field_violations();
      out_violation->set_field(v.field);
      out_violation->set_description(v.description);
    }
  }
  Serialize(response, out);
}

// Authorises a callback call; on failure answers it through `finish`.
std::optional<RequestContext> Authorize(
    grpc::CallbackServerContext* context, Authenticator& auth,
    std::string_view method, const std::function<void(grpc::Status)>& finish) {
  absl::StatusOr<RequestContext> call = AuthorizeCall(context, auth, method);
  if (call.ok()) return *std::move(call);
  finish(ToGrpcStatus(call.status()));
  return std::nullopt;
}

// gRPC frees a large request's received messages only when its call is
// done, after the store trimmed the heap on answering: trim again then,
// or tens of MB stay with the process (63.6 MiB instead of a 39.5 MiB base
// after four concurrent 400,000-row imports in the benchmark).
void TrimAfter(int64_t records) {
  if (records >= 50000) malloc_trim(0);
}

// A streamed call its watchdog can end (Submit, DryRun).
class Stallable {
 public:
  // Ends the call; the watchdog claimed its answer.
  virtual void TimeOut() = 0;

 protected:
  ~Stallable() = default;
};

// What a streamed call shares with its watchdog: whether it is answered
// (the first to claim that answers, and only it), whether its rows are
// being committed, and when its client last sent.
struct SubmitWatch {
  Mutex mutex;
  Stallable* reactor ABSL_GUARDED_BY(mutex);  // null once done
  bool answered ABSL_GUARDED_BY(mutex) = false;
  bool committing ABSL_GUARDED_BY(mutex) = false;
  absl::Time last_message ABSL_GUARDED_BY(mutex) = absl::Now();
};

// Looks at a Submit call every quarter of `idle` and ends it once its
// client has sent nothing for `idle` (unless it is being committed).
void Watch(std::weak_ptr<SubmitWatch> weak, Authenticator* auth,
           absl::Duration idle) {
  std::shared_ptr<SubmitWatch> watch = weak.lock();
  if (watch == nullptr) return;
  Stallable* stalled = nullptr;
  {
    MutexLock lock(&watch->mutex);
    if (watch->answered || watch->reactor == nullptr) return;
    if (!watch->committing && absl::Now() - watch->last_message > idle) {
      // Claimed: no one else answers, so the call cannot end (and the
      // reactor go) before TimeOut has answered it.
      watch->answered = true;
      stalled = watch->reactor;
    }
  }
  if (stalled != nullptr) {
    stalled->TimeOut();
    return;
  }
  if (auth->draining()) return;  // the server stops; gRPC ends the call
  auth->After(idle / 4, [weak, auth, idle] { Watch(weak, auth, idle); });
}

using DryRunBase = grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>;

// A dry run's answers: the summary first, then the problems in batches.
constexpr int kProblemsPerAnswer = 1000;

// One streamed submission: Submit (Base a read reactor, one answer) or
// DryRun (Base a bidi reactor, the summary and then every problem). A
// streamed submission holds no thread while it waits for its client and
// its memory is bounded by the submission budget: it takes no stream slot.
template <typename Base>
class StreamReactor final : public Base, public Stallable {
  static constexpr bool kDryRun = std::is_same_v<Base, DryRunBase>;

 public:
  StreamReactor(grpc::CallbackServerContext* context,
                grpc::ByteBuffer* response, const SubmitDeps& deps)
      : context_(context),
        response_(response),
        deps_(deps),
        watch_(std::make_shared<SubmitWatch>()),
        assembler_(deps.budget) {
    {
      MutexLock lock(&watch_->mutex);
      watch_->reactor = this;
    }
    call_ = Authorize(
        context, *deps.auth,
        kDryRun ? "SubmissionService/DryRun" : "SubmissionService/Submit",
        [this](grpc::Status status) { Answer(status); });
    if (!call_) return;
    assembler_.SetOwner(call_->principal.token_id);
    Watch(watch_, deps.auth, deps.idle_timeout);
    HandingOver(this);
    this->StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    TakingOver(this);
    {
      MutexLock lock(&watch_->mutex);
      if (watch_->answered) return;  // timed out meanwhile
      watch_->last_message = absl::Now();
    }
    if (!ok) {
      Complete();
      return;
    }
    absl::Status added = assembler_.Add(buffer_);
    buffer_.Clear();
    if (!added.ok()) {
      // Answered at once: the rest of the stream is not read.
      Answer(ToGrpcStatus(added));
      return;
    }
    MutexLock lock(&watch_->mutex);
    if (!watch_->answered) {
      HandingOver(this);
      this->StartRead(&buffer_);
    }
  }

  // A dry run's answers (Base has OnWriteDone only then).
  void OnWriteDone(bool ok) {
    TakingOver(this);
    if (!ok) {
      HandingOver(this);
      this->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    WriteNext();
  }

  void OnDone() override {
    TakingOver(this);
    {
      MutexLock lock(&watch_->mutex);
      watch_->reactor = nullptr;
    }
    const int64_t records = assembler_.received();
    delete this;
    TrimAfter(records);
  }

  // Ends a stream whose client went quiet; its watchdog claimed the
  // answer. The budget goes back when the call is done.
  void TimeOut() override {
    HandingOver(this);
    this->Finish(grpc::Status(
        grpc::StatusCode::ABORTED,
        absl::StrCat("no message for ",
                     absl::FormatDuration(deps_.idle_timeout),
                     ": the stream was ended; nothing was written")));
  }

 private:
  // True for the one caller that may answer; it gives the budget back
  // unless `keep_budget` (a dry run streaming its problems holds it until
  // the call is done: they take memory in proportion to the request).
  bool Claim(bool keep_budget = false) {
    {
      MutexLock lock(&watch_->mutex);
      if (watch_->answered) return false;
      watch_->answered = true;
    }
    if (!keep_budget) assembler_.ReturnBudget();
    return true;
  }

  void Answer(const grpc::Status& status) {
    if (!Claim()) return;
    HandingOver(this);
    this->Finish(status);
  }

  void Complete() {
    if (context_->IsCancelled()) {
      Answer(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the call was cancelled before the stream ended; "
                          "nothing was written"));
      return;
    }
    absl::StatusOr<Operation> operation = assembler_.Finish(true);
    if (!operation.ok()) {
      Answer(ToGrpcStatus(operation.status()));
      return;
    }
    {
      MutexLock lock(&watch_->mutex);
      watch_->committing = true;  // the client waits for us now
    }
    request_id_ = call_->request_id;
    const bool dry_run = kDryRun || assembler_.dry_run();
    deps_.store->SubmitAsync(
        *std::move(call_), *operation, std::move(assembler_.reason()),
        std::move(assembler_.rows()),
        [this, dry_run](absl::StatusOr<SubmitCounts> counts) {
          if (!counts.ok()) {
            Answer(ToGrpcStatus(counts.status()));
          } else if constexpr (kDryRun) {
            if (!Claim(/*keep_budget=*/true)) return;
            counts_ = *std::move(counts);
            WriteNext();
          } else {
            FillResponse(request_id_, *counts, dry_run, response_);
            Answer(grpc::Status::OK);
          }
        },
        dry_run);
  }

  // Sends a dry run's next answer, or ends the call after the last.
  void WriteNext() {
    v1::DryRunResponse answer;
    if (!summary_sent_) {
      summary_sent_ = true;
      *answer.mutable_summary() = Summary(request_id_, counts_, true);
    } else if (next_problem_ < counts_.problems.size()) {
      for (int n = 0;
           n < kProblemsPerAnswer && next_problem_ < counts_.problems.size();
           ++n, ++next_problem_) {
        FieldViolation& v = counts_.problems[next_problem_];
        auto* out = answer.add_problems();
        out->set_field(std::move(v.field));
        out->set_description(std::move(v.description));
      }
    } else {
      HandingOver(this);
      this->Finish(grpc::Status::OK);
      return;
    }
    if constexpr (kDryRun) {
      const std::string bytes = answer.SerializeAsString();
      grpc::Slice slice(bytes);
      write_buffer_ = grpc::ByteBuffer(&slice, 1);
      HandingOver(this);
      this->StartWrite(&write_buffer_);
    }
  }

  grpc::CallbackServerContext* context_;
  grpc::ByteBuffer* response_;  // Submit's; null for DryRun
  const SubmitDeps deps_;
  const std::shared_ptr<SubmitWatch> watch_;
  std::optional<RequestContext> call_;
  Assembler assembler_;
  grpc::ByteBuffer buffer_;
  std::string request_id_;
  // DryRun's answers.
  SubmitCounts counts_;
  bool summary_sent_ = false;
  size_t next_problem_ = 0;
  grpc::ByteBuffer write_buffer_;
};

using SubmitReactor = StreamReactor<grpc::ServerReadReactor<grpc::ByteBuffer>>;
using DryRunReactor = StreamReactor<DryRunBase>;

class SubmitBatchReactor final : public grpc::ServerUnaryReactor {
 public:
  SubmitBatchReactor(grpc::CallbackServerContext* context,
                     const grpc::ByteBuffer* request,
                     grpc::ByteBuffer* response, const SubmitDeps& deps)
      : assembler_(deps.budget) {
    std::optional<RequestContext> call =
        Authorize(context, *deps.auth, "SubmissionService/SubmitBatch",
                  [this](grpc::Status status) { Answer(status); });
    if (!call) return;
    assembler_.SetOwner(call->principal.token_id);
    grpc::ByteBuffer copy(*request);  // the reader needs it mutable
    absl::Status added = assembler_.Add(copy);
    absl::StatusOr<Operation> operation =
        added.ok() ? assembler_.Finish(false) : added;
    if (!operation.ok()) {
      Answer(ToGrpcStatus(operation.status()));
      return;
    }
    const std::string request_id = call->request_id;
    deps.store->SubmitAsync(
        *std::move(call), *operation, std::move(assembler_.reason()),
        std::move(assembler_.rows()),
        [this, response, request_id,
         dry_run = assembler_.dry_run()](absl::StatusOr<SubmitCounts> counts) {
          if (counts.ok()) FillResponse(request_id, *counts, dry_run, response);
          Answer(ToGrpcStatus(counts.status()));
        },
        assembler_.dry_run());
  }

  void OnDone() override {
    TakingOver(this);
    const int64_t records = assembler_.received();
    delete this;
    TrimAfter(records);
  }

 private:
  void Answer(const grpc::Status& status) {
    assembler_.ReturnBudget();
    HandingOver(this);
    Finish(status);
  }

  Assembler assembler_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* StartSubmit(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    const SubmitDeps& deps) {
  return new SubmitReactor(context, response, deps);
}

grpc::ServerUnaryReactor* StartSubmitBatch(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response,
                                           const SubmitDeps& deps) {
  return new SubmitBatchReactor(context, request, response, deps);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartDryRun(
    grpc::CallbackServerContext* context, const SubmitDeps& deps) {
  return new DryRunReactor(context, nullptr, deps);
}

}  // namespace registry
