#ifndef REGISTRY_CORE_SYNC_H_
#define REGISTRY_CORE_SYNC_H_

// The mutex, lock, condition variable and notification every layer uses:
// absl's, with the same thread-safety annotations, and told to
// ThreadSanitizer.
//
// Why a wrapper: Debian's Abseil is not built with ThreadSanitizer, so
// absl::Mutex synchronises through atomics the sanitizer cannot see, and
// every access it guards would be reported as a race. In a
// -fsanitize=thread build these types tell the sanitizer about each
// acquisition and release (the mutex's address is the synchronisation
// object); in every other build they are absl's calls and nothing more.
//
// Thread-safety: as absl::Mutex. Await, AwaitWithTimeout and the condition
// variable's waits release the mutex while they wait and hold it again
// when they return.

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define REGISTRY_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define REGISTRY_TSAN 1
#endif
#endif

#ifdef REGISTRY_TSAN
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace registry {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mutex_.Lock();
    Acquired();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    Releasing();
    mutex_.Unlock();
  }
  // Waits, with the mutex released, until `condition` holds.
  void Await(const absl::Condition& condition)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    Evaluation evaluation{this, &condition};
    Releasing();
    mutex_.Await(evaluation.Condition());
    Acquired();
  }
  // As Await, giving up after `timeout`; true when `condition` holds.
  bool AwaitWithTimeout(const absl::Condition& condition,
                        absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    Evaluation evaluation{this, &condition};
    Releasing();
    const bool held = mutex_.AwaitWithTimeout(evaluation.Condition(), timeout);
    Acquired();
    return held;
  }
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mutex_.AssertHeld(); }

 private:
  friend class CondVar;
  void Acquired() {
#ifdef REGISTRY_TSAN
    __tsan_acquire(this);
#endif
  }
  void Releasing() {
#ifdef REGISTRY_TSAN
    __tsan_release(this);
#endif
  }

  // absl evaluates a waiter's condition with the mutex held, in whichever
  // thread holds it (often the one unlocking), so each evaluation is a
  // critical section of its own to the sanitizer.
  struct Evaluation {
    Mutex* mutex;
    const absl::Condition* condition;
    absl::Condition Condition() {
      return absl::Condition(
          +[](Evaluation* e) {
            e->mutex->Acquired();
            const bool holds = e->condition->Eval();
            e->mutex->Releasing();
            return holds;
          },
          this);
    }
  };

  absl::Mutex mutex_;
};

// Holds `mutex` for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex)
      : mutex_(mutex) {
    mutex_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->Unlock(); }

 private:
  Mutex* const mutex_;
};

// A one-shot event: Notify once, then every wait returns.
class Notification {
 public:
  void Notify() {
#ifdef REGISTRY_TSAN
    __tsan_release(this);
#endif
    notification_.Notify();
  }
  void WaitForNotification() const {
    notification_.WaitForNotification();
    Seen();
  }
  bool HasBeenNotified() const {
    const bool notified = notification_.HasBeenNotified();
    if (notified) Seen();
    return notified;
  }

 private:
  void Seen() const {
#ifdef REGISTRY_TSAN
    __tsan_acquire(const_cast<Notification*>(this));
#endif
  }

  absl::Notification notification_;
};

class CondVar {
 public:
  // Each wait needs `mutex` held; it is released while waiting.
  void Wait(Mutex* mutex) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    mutex->Releasing();
    condition_.Wait(&mutex->mutex_);
    mutex->Acquired();
  }
  // True when the deadline passed before a signal.
  bool WaitWithDeadline(Mutex* mutex, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    mutex->Releasing();
    const bool timed_out =
        condition_.WaitWithDeadline(&mutex->mutex_, deadline);
    mutex->Acquired();
    return timed_out;
  }
  bool WaitWithTimeout(Mutex* mutex, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return WaitWithDeadline(mutex, absl::Now() + timeout);
  }
  void Signal() { condition_.Signal(); }
  void SignalAll() { condition_.SignalAll(); }

 private:
  absl::CondVar condition_;
};

// For an object that a library the sanitizer cannot see passes from one
// of its threads to the next (gRPC's reactors and interceptors, whose
// callbacks run wherever gRPC runs them): HandingOver just before each
// call that gives the object to the library, TakingOver at each entry from
// it. Only what the library's own ordering already implies is told; two
// callbacks that really overlap are still reported.
inline void HandingOver(const void* object) {
#ifdef REGISTRY_TSAN
  __tsan_release(const_cast<void*>(object));
#else
  (void)object;
#endif
}
inline void TakingOver(const void* object) {
#ifdef REGISTRY_TSAN
  __tsan_acquire(const_cast<void*>(object));
#else
  (void)object;
#endif
}

}  // namespace registry

#endif  // REGISTRY_CORE_SYNC_H_
