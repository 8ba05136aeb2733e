// once_flag / call_once, condition_variable_any, latch, barrier and atomic_flag: built once from the
// backend's mutex, condition_variable and atomic (every facade includes it).
//
// As in weft/detail/mutexes.hpp: visible to happens-before and DPOR through the internal mutex,
// internal objects named after the user's declaration, blocking is a condition-variable wait (a
// missing count_down / arrival is a deadlock finding naming the waiting threads), and with static
// storage their own state is restored with the internal mutex (model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>

#include "weft/source_loc.hpp"

namespace weft {

class once_flag;
namespace detail {
// call_once's first parameter: converts from once_flag& and records the call site.
struct OnceRef {
  once_flag& flag;
  SourceLoc loc;
  OnceRef(once_flag& f, SourceLoc l = SourceLoc::current()) : flag(f), loc(l) {}  // NOLINT: implicit
};
}  // namespace detail

class once_flag {
 public:
  explicit once_flag(SourceLoc decl = SourceLoc::current()) : m_(decl) {
    detail::set_restore(m_, this, [](void* p) { static_cast<once_flag*>(p)->done_ = false; });
  }
  once_flag(const once_flag&) = delete;
  once_flag& operator=(const once_flag&) = delete;

 private:
  template <class F, class... Args>
  friend void call_once(detail::OnceRef ref, F&& f, Args&&... args);
  mutex m_;
  bool done_ = false;  // guarded by m_
};

// Runs f(args...) exactly once per flag; every call returns after that run completed (and is
// ordered after it). If f throws, the call is not counted and the exception propagates.
template <class F, class... Args>
void call_once(detail::OnceRef ref, F&& f, Args&&... args) {
  lock_guard<mutex> g(ref.flag.m_, ref.loc);
  if (ref.flag.done_) return;
  std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
  ref.flag.done_ = true;
}

// A condition variable for any lock type with lock() / unlock() (unique_lock, shared_lock,
// a mutex itself): an internal mutex makes "release the user's lock and block" atomic.
class condition_variable_any {
 public:
  explicit condition_variable_any(SourceLoc decl = SourceLoc::current()) : m_(decl), cv_(decl) {}
  condition_variable_any(const condition_variable_any&) = delete;
  condition_variable_any& operator=(const condition_variable_any&) = delete;

  template <class Lock>
  void wait(Lock& lock, SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> inner(m_, loc);
    unlock_user(lock, loc);
    cv_.wait(inner, loc);
    inner.unlock(loc);
    lock_user(lock, loc);
  }
  template <class Lock, class Pred>
  void wait(Lock& lock, Pred pred, SourceLoc loc = SourceLoc::current()) {
    while (!pred()) wait(lock, loc);
  }
  template <class Lock, class TimePoint>
  std::cv_status wait_until(Lock& lock, const TimePoint& t, SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> inner(m_, loc);
    unlock_user(lock, loc);
    const std::cv_status st = cv_.wait_until(inner, t, loc);
    inner.unlock(loc);
    lock_user(lock, loc);
    return st;
  }
  template <class Lock, class Rep, class Period>
  std::cv_status wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& d,
                          SourceLoc loc = SourceLoc::current()) {
    return wait_until(lock, clock::now() + std::chrono::duration_cast<clock::duration>(d), loc);
  }
  template <class Lock, class TimePoint, class Pred>
  bool wait_until(Lock& lock, const TimePoint& t, Pred pred, SourceLoc loc = SourceLoc::current()) {
    while (!pred()) {
      if (wait_until(lock, t, loc) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  template <class Lock, class Rep, class Period, class Pred>
  bool wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& d, Pred pred,
                SourceLoc loc = SourceLoc::current()) {
    return wait_until(lock, clock::now() + std::chrono::duration_cast<clock::duration>(d), std::move(pred), loc);
  }
  void notify_one(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    cv_.notify_one(loc);
  }
  void notify_all(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    cv_.notify_all(loc);
  }

 private:
  template <class Lock>
  static void unlock_user(Lock& lock, SourceLoc loc) {
    if constexpr (requires { lock.unlock(loc); }) {
      lock.unlock(loc);
    } else {
      lock.unlock();
    }
  }
  template <class Lock>
  static void lock_user(Lock& lock, SourceLoc loc) {
    if constexpr (requires { lock.lock(loc); }) {
      lock.lock(loc);
    } else {
      lock.lock();
    }
  }

  mutex m_;
  condition_variable cv_;
};

// A single-use countdown (std::latch). Counting below zero is an api_misuse.
class latch {
 public:
  explicit latch(std::ptrdiff_t expected, SourceLoc decl = SourceLoc::current())
      : m_(decl), cv_(decl), count_(expected), initial_(expected) {
    detail::set_restore(m_, this, [](void* p) {
      auto* l = static_cast<latch*>(p);
      l->count_ = l->initial_;
    });
  }
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;
  static constexpr std::ptrdiff_t max() noexcept { return std::numeric_limits<std::ptrdiff_t>::max(); }

  void count_down(std::ptrdiff_t n = 1, SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    decrement(n, loc);
  }
  bool try_wait(SourceLoc loc = SourceLoc::current()) const {
    lock_guard<mutex> g(m_, loc);
    return count_ == 0;
  }
  void wait(SourceLoc loc = SourceLoc::current()) const {
    unique_lock<mutex> g(m_, loc);
    while (count_ > 0) cv_.wait(g, loc);
  }
  void arrive_and_wait(std::ptrdiff_t n = 1, SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> g(m_, loc);
    decrement(n, loc);
    while (count_ > 0) cv_.wait(g, loc);
  }

 private:
  void decrement(std::ptrdiff_t n, SourceLoc loc) {
    if (n < 0 || n > count_) {
      detail::facade_misuse("latch counted down below zero", loc);
      return;
    }
    count_ -= n;
    if (count_ == 0) cv_.notify_all(loc);
  }

  mutable mutex m_;
  mutable condition_variable cv_;
  std::ptrdiff_t count_;  // guarded by m_
  std::ptrdiff_t initial_;
};

namespace detail {
struct NoCompletion {
  void operator()() noexcept {}
};
}  // namespace detail

// A reusable phase barrier (std::barrier): the last arrival of a phase runs the completion
// function, then every waiter of the phase is released.
template <class CompletionFunction = detail::NoCompletion>
class barrier {
 public:
  class arrival_token {
    friend class barrier;
    std::uint64_t phase_ = 0;
  };

  explicit barrier(std::ptrdiff_t expected, CompletionFunction f = CompletionFunction(),
                   SourceLoc decl = SourceLoc::current())
      : m_(decl), cv_(decl), expected_(expected), remaining_(expected), initial_(expected), completion_(std::move(f)) {
    detail::set_restore(m_, this, [](void* p) {
      auto* b = static_cast<barrier*>(p);
      b->expected_ = b->remaining_ = b->initial_;
      b->phase_ = 0;
    });
  }
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;
  static constexpr std::ptrdiff_t max() noexcept { return std::numeric_limits<std::ptrdiff_t>::max(); }

  [[nodiscard]] arrival_token arrive(std::ptrdiff_t n = 1, SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    return arrive_locked(n, false, loc);
  }
  void wait(arrival_token&& token, SourceLoc loc = SourceLoc::current()) const {
    unique_lock<mutex> g(m_, loc);
    while (phase_ == token.phase_) cv_.wait(g, loc);
  }
  void arrive_and_wait(SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> g(m_, loc);
    const arrival_token token = arrive_locked(1, false, loc);
    while (phase_ == token.phase_) cv_.wait(g, loc);
  }
  void arrive_and_drop(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    (void)arrive_locked(1, true, loc);
  }

 private:
  arrival_token arrive_locked(std::ptrdiff_t n, bool drop, SourceLoc loc) {
    arrival_token token;
    token.phase_ = phase_;
    if (n <= 0 || n > remaining_) {
      detail::facade_misuse("barrier: more arrivals than expected in this phase", loc);
      return token;
    }
    if (drop) --expected_;
    remaining_ -= n;
    if (remaining_ == 0) {
      completion_();
      ++phase_;
      remaining_ = expected_;
      cv_.notify_all(loc);
    }
    return token;
  }

  mutable mutex m_;
  mutable condition_variable cv_;
  std::ptrdiff_t expected_;   // guarded by m_
  std::ptrdiff_t remaining_;  // guarded by m_
  std::ptrdiff_t initial_;
  std::uint64_t phase_ = 0;  // guarded by m_
  CompletionFunction completion_;
};

// std::atomic_flag over the facade's atomic<bool> (clear at construction, as in C++20).
class atomic_flag {
 public:
  explicit atomic_flag(SourceLoc decl = SourceLoc::current()) : a_(false, decl) {}
  atomic_flag(const atomic_flag&) = delete;
  atomic_flag& operator=(const atomic_flag&) = delete;
  bool test_and_set(std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    return a_.exchange(true, mo, loc);
  }
  void clear(std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    a_.store(false, mo, loc);
  }
  bool test(std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    return a_.load(mo, loc);
  }
  void wait(bool old, std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    a_.wait(old, mo, loc);
  }
  void notify_one(SourceLoc loc = SourceLoc::current()) { a_.notify_one(loc); }
  void notify_all(SourceLoc loc = SourceLoc::current()) { a_.notify_all(loc); }

 private:
  atomic<bool> a_;
};

}  // namespace weft
