#include "absl/strings/str_cat.h"
#include "services/submit_handlers.h"

namespace registry {

absl::Status SubmissionBudget::Take(const std::string& owner, Held& held,
                                    int64_t records, int64_t bytes) {
  if (held.bytes + bytes > limits_.max_request_bytes) {
    const int64_t max = limits_.max_request_bytes;
    return absl::ResourceExhaustedError(absl::StrCat(
        "a request may hold at most ",
        max % (1 << 20) == 0 ? absl::StrCat(max >> 20, " MiB")
                             : absl::StrCat(max >> 10, " KiB"),
        " of messages; split the file and submit the parts one after the "
        "other"));
  }
  MutexLock lock(&mutex_);
  Held& mine = by_owner_[owner];
  if (mine.records + records > limits_.max_request_records ||
      mine.bytes + bytes > limits_.max_request_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this token's other submissions in flight hold ", mine.records,
        " records; nothing was written: submit one request after the "
        "other"));
  }
  if (all_.records + records > limits_.max_in_flight_records ||
      all_.bytes + bytes > limits_.max_in_flight_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the registry is busy with other large submissions (", all_.records,
        " records in flight); nothing was written: retry in a minute"));
  }
  for (Held* h : {&all_, &mine, &held}) {
    h->records += records;
    h->bytes += bytes;
  }
  return absl::OkStatus();
}

void SubmissionBudget::Return(const std::string& owner, Held& held) {
  if (held.records == 0 && held.bytes == 0) return;
  MutexLock lock(&mutex_);
  all_.records -= held.records;
  all_.bytes -= held.bytes;
  auto it = by_owner_.find(owner);
  if (it != by_owner_.end()) {
    it->second.records -= held.records;
    it->second.bytes -= held.bytes;
    if (it->second.records == 0 && it->second.bytes == 0) by_owner_.erase(it);
  }
  held = Held{};
}

}  // namespace registry
