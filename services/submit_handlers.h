// The write path of SubmissionService: Submit (a client stream) and
// SubmitBatch (unary), on the callback API and over raw bytes, so that the
// handler itself parses every message and nothing partial is ever applied:
//
// - a message that does not parse fails the request with INVALID_ARGUMENT
//   naming the field at fault (a string that is not UTF-8, by its path);
// - a stream is applied only after the client's half-close, and only when
//   exactly the record_count it stated arrived;
// - a request larger than SubmissionLimits, or one that would take the
//   submissions in flight past their budget (all of them, or one token's:
//   at most one full request's worth), fails with RESOURCE_EXHAUSTED as
//   soon as that is known, and nothing is written;
// - a stream whose client sends nothing for `idle_timeout` is ended with
//   ABORTED, nothing written, so that a stalled client holds no budget.
//
// Neither handler blocks a callback thread: the store answers once the
// group holding the request is durably committed.
#ifndef REGISTRY_SERVICES_SUBMIT_HANDLERS_H_
#define REGISTRY_SERVICES_SUBMIT_HANDLERS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/sync.h"
#include "services/auth.h"
#include "storage/registry_store.h"

namespace registry {

// What one submission may hold, and all submissions in flight together
// (received and not yet answered). Bytes are those of the serialized
// messages; what the server holds in memory is about as much again.
struct SubmissionLimits {
  int64_t max_request_records = 1'000'000;
  int64_t max_request_bytes = int64_t{256} << 20;
  int64_t max_in_flight_records = 2'000'000;
  int64_t max_in_flight_bytes = int64_t{512} << 20;
};

// The records and bytes held by submissions in flight. Thread-safe.
class SubmissionBudget {
 public:
  explicit SubmissionBudget(SubmissionLimits limits) : limits_(limits) {}
  SubmissionBudget(const SubmissionBudget&) = delete;
  SubmissionBudget& operator=(const SubmissionBudget&) = delete;

  // What one request holds.
  struct Held {
    int64_t records = 0;
    int64_t bytes = 0;
  };
  // Adds `records` and `bytes` to what `held` (a request of token
  // `owner`) holds; RESOURCE_EXHAUSTED, taking nothing, when that passes a
  // limit of one request, of the owner's requests together, or of all.
  absl::Status Take(const std::string& owner, Held& held, int64_t records,
                    int64_t bytes);
  // Gives back everything `held` holds.
  void Return(const std::string& owner, Held& held);
  const SubmissionLimits& limits() const { return limits_; }

 private:
  const SubmissionLimits limits_;
  Mutex mutex_;
  Held all_ ABSL_GUARDED_BY(mutex_);
  std::unordered_map<std::string, Held> by_owner_ ABSL_GUARDED_BY(mutex_);
};

// What the handlers work with; all must outlive the server.
struct SubmitDeps {
  RegistryStore* store;
  Authenticator* auth;
  SubmissionBudget* budget;
  absl::Duration idle_timeout = absl::Seconds(60);
};

// The reactor of one Submit call.
grpc::ServerReadReactor<grpc::ByteBuffer>* StartSubmit(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    const SubmitDeps& deps);

// The reactor of one DryRun call: a Submit that always rolls back and
// streams back its summary, then every problem.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartDryRun(
    grpc::CallbackServerContext* context, const SubmitDeps& deps);

// The reactor of one SubmitBatch call.
grpc::ServerUnaryReactor* StartSubmitBatch(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response,
                                           const SubmitDeps& deps);

}  // namespace registry

#endif  // REGISTRY_SERVICES_SUBMIT_HANDLERS_H_
