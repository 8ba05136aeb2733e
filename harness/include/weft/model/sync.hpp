// The scenario facade for the model backend: weft's sync types driven by weft's scheduler.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "weft/model/runtime_api.hpp"
#include "weft/sched.hpp"
#include "weft/source_loc.hpp"

namespace weft {

inline constexpr const char* kBackendName = "model";

// The model's virtual clock (priority policy: simulated time that only work, sleeps and timed
// waits advance; see README "Priorities and virtual time"). Natively weft::clock is steady_clock.
struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now() { return time_point(duration(detail::now())); }
};

namespace detail {
template <class Rep, class Period>
std::int64_t to_ns(const std::chrono::duration<Rep, Period>& d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}
}  // namespace detail

// A simulated thread. Like std::thread, it must be joined or detached before destruction
// (otherwise: api_misuse finding).
class thread {
 public:
  thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread>>>
  explicit thread(F&& f, SourceLoc loc = SourceLoc::current()) {
    using Fn = std::decay_t<F>;
    Fn local(std::forward<F>(f));
    detail::ThreadBody body;
    body.object = &local;
    body.size = sizeof(Fn);
    body.align = alignof(Fn);
    body.relocate = [](void* dst, void* src) { ::new (dst) Fn(std::move(*static_cast<Fn*>(src))); };
    body.run = [](void* obj) { (*static_cast<Fn*>(obj))(); };
    body.destroy = [](void* obj) { static_cast<Fn*>(obj)->~Fn(); };
    id_ = detail::spawn(body, loc);
  }
  // A thread with a priority, a name, an arrival window and a job deadline (weft/sched.hpp).
  template <class F>
  thread(const thread_options& options, F&& f, SourceLoc loc = SourceLoc::current()) {
    struct Fn {
      std::decay_t<F> fn;
      bool arrives;
      SourceLoc loc;
      void operator()() {
        if (arrives) detail::arrive(loc);
        fn();
      }
    };
    const bool arrives = options.arrival.count() > 0 || options.jitter.count() > 0;
    Fn local{std::decay_t<F>(std::forward<F>(f)), arrives, loc};
    detail::ThreadBody body;
    body.object = &local;
    body.size = sizeof(Fn);
    body.align = alignof(Fn);
    body.relocate = [](void* dst, void* src) { ::new (dst) Fn(std::move(*static_cast<Fn*>(src))); };
    body.run = [](void* obj) { (*static_cast<Fn*>(obj))(); };
    body.destroy = [](void* obj) { static_cast<Fn*>(obj)->~Fn(); };
    detail::SpawnAttr attr;
    attr.priority = options.priority;
    attr.name = options.name;
    attr.arrival = options.arrival.count();
    attr.jitter = options.jitter.count();
    attr.deadline = options.deadline.count();
    id_ = detail::spawn_with(body, attr, loc);
  }
  thread(thread&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  thread& operator=(thread&& other) noexcept {
    if (joinable()) detail::report_misuse("thread assigned to while joinable", SourceLoc{});
    id_ = std::exchange(other.id_, -1);
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread() {
    if (joinable()) detail::report_misuse("thread destroyed while joinable (join or detach it)", SourceLoc{});
  }

  bool joinable() const noexcept { return id_ >= 0; }
  void join(SourceLoc loc = SourceLoc::current()) {
    const int id = std::exchange(id_, -1);
    detail::join(id, loc);
  }
  void detach() { detail::detach(std::exchange(id_, -1)); }
  // The simulated thread id (0 is the scenario's main thread), -1 if not joinable.
  int id() const noexcept { return id_; }

 private:
  int id_ = -1;
};

class mutex {
 public:
  explicit mutex(SourceLoc decl = SourceLoc::current()) {
    detail::register_object(state_.slot, ObjectKind::kMutex, decl);
  }
  // A mutex with a priority protocol; `ceiling` is the ceiling of mutex_protocol::ceiling (the
  // priority of the highest-priority thread that may lock it; locking it from a thread of higher
  // base priority is an api_misuse, as POSIX's EINVAL).
  explicit mutex(mutex_protocol protocol, int ceiling = 0, SourceLoc decl = SourceLoc::current()) {
    state_.protocol = static_cast<std::uint8_t>(protocol);
    state_.ceiling = ceiling;
    detail::register_object(state_.slot, ObjectKind::kMutex, decl);
  }
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  void lock(SourceLoc loc = SourceLoc::current()) { detail::mutex_lock(state_, loc); }
  bool try_lock(SourceLoc loc = SourceLoc::current()) { return detail::mutex_try_lock(state_, loc); }
  void unlock(SourceLoc loc = SourceLoc::current()) { detail::mutex_unlock(state_, loc); }
  // Timed lock on the virtual clock; the explorer tries both outcomes where both are possible.
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return detail::mutex_try_lock_until(state_, detail::now() + detail::to_ns(d), loc);
  }
  bool try_lock_until(clock::time_point t, SourceLoc loc = SourceLoc::current()) {
    return detail::mutex_try_lock_until(state_, t.time_since_epoch().count(), loc);
  }
  detail::MutexState& state() noexcept { return state_; }

 private:
  detail::MutexState state_;
};

template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "weft::atomic<T> needs a trivially copyable T");

 public:
  explicit atomic(T initial = T{}, SourceLoc decl = SourceLoc::current()) : value_(initial) {
    detail::register_object(slot_, ObjectKind::kAtomic, decl);
  }
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  T load(std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicLoad, slot_, ObjectKind::kAtomic, mo, loc);
    e.value = detail::to_event_value(value_);
    return value_;
  }
  void store(T v, std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicStore, slot_, ObjectKind::kAtomic, mo, loc);
    value_ = v;
    e.value = detail::to_event_value(v);
  }
  T exchange(T v, std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    return rmw([v](T) { return v; }, mo, loc);
  }
  T fetch_add(T d, std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    return rmw([d](T old) { return static_cast<T>(old + d); }, mo, loc);
  }
  T fetch_sub(T d, std::memory_order mo = std::memory_order_seq_cst, SourceLoc loc = SourceLoc::current()) {
    return rmw([d](T old) { return static_cast<T>(old - d); }, mo, loc);
  }
  // The model is sequentially consistent and never fails spuriously: weak behaves as strong.
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = std::memory_order_seq_cst,
                               SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicCas, slot_, ObjectKind::kAtomic, mo, loc);
    e.aux = detail::to_event_value(value_);
    if (value_ == expected) {
      value_ = desired;
      e.value = 1;
      return true;
    }
    expected = value_;
    e.value = 0;
    return false;
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = std::memory_order_seq_cst,
                             SourceLoc loc = SourceLoc::current()) {
    return compare_exchange_strong(expected, desired, mo, loc);
  }

 private:
  template <class Op>
  T rmw(Op op, std::memory_order mo, SourceLoc loc) {
    Event& e = detail::access(OpKind::kAtomicRmw, slot_, ObjectKind::kAtomic, mo, loc);
    const T old = value_;
    value_ = op(old);
    e.aux = detail::to_event_value(old);
    e.value = detail::to_event_value(value_);
    return old;
  }

  detail::ObjectSlot slot_;
  T value_;
};

// A tracked plain (non-atomic) shared variable: every load and store is a visible operation
// checked for data races.
template <class T>
class var {
 public:
  explicit var(T initial = T{}, SourceLoc decl = SourceLoc::current()) : value_(std::move(initial)) {
    detail::register_object(slot_, ObjectKind::kVar, decl);
  }
  var(const var&) = delete;
  var& operator=(const var&) = delete;

  T load(SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kVarRead, slot_, ObjectKind::kVar, std::memory_order_relaxed, loc);
    e.value = detail::to_event_value(value_);
    return value_;
  }
  void store(T v, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kVarWrite, slot_, ObjectKind::kVar, std::memory_order_relaxed, loc);
    value_ = std::move(v);
    e.value = detail::to_event_value(value_);
  }

 private:
  detail::ObjectSlot slot_;
  T value_;
};

template <class Mutex>
class unique_lock {
 public:
  explicit unique_lock(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(&m) {
    m_->lock(loc);
    owns_ = true;
  }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;
  // noexcept(false): the unlock is a scheduling point; if another thread's finding aborts the
  // execution meanwhile, this thread unwinds from here (AbortExecution), which must not terminate.
  ~unique_lock() noexcept(false) {
    if (owns_) m_->unlock(SourceLoc{});
  }
  void lock(SourceLoc loc = SourceLoc::current()) {
    m_->lock(loc);
    owns_ = true;
  }
  void unlock(SourceLoc loc = SourceLoc::current()) {
    owns_ = false;
    m_->unlock(loc);
  }
  bool owns_lock() const noexcept { return owns_; }
  Mutex* mutex() const noexcept { return m_; }

 private:
  Mutex* m_;
  bool owns_ = false;
};

template <class Mutex>
class lock_guard {
 public:
  explicit lock_guard(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(m), loc_(loc) { m_.lock(loc); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;
  ~lock_guard() noexcept(false) { m_.unlock(loc_); }  // see ~unique_lock

 private:
  Mutex& m_;
  SourceLoc loc_;
};

// Locks two mutexes without deadlock (std::lock's algorithm: block on one, try the other,
// back off and block on the one that failed).
template <class Mutex>
class scoped_lock {
 public:
  scoped_lock(Mutex& a, Mutex& b, SourceLoc loc = SourceLoc::current()) : a_(a), b_(b), loc_(loc) {
    Mutex* first = &a;
    Mutex* second = &b;
    for (;;) {
      first->lock(loc);
      if (second->try_lock(loc)) return;
      first->unlock(loc);
      std::swap(first, second);
    }
  }
  scoped_lock(const scoped_lock&) = delete;
  scoped_lock& operator=(const scoped_lock&) = delete;
  ~scoped_lock() noexcept(false) {  // see ~unique_lock
    b_.unlock(loc_);
    a_.unlock(loc_);
  }

 private:
  Mutex& a_;
  Mutex& b_;
  SourceLoc loc_;
};

class condition_variable {
 public:
  explicit condition_variable(SourceLoc decl = SourceLoc::current()) {
    detail::register_object(state_.slot, ObjectKind::kCondVar, decl);
  }
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  // Releases the lock and blocks atomically; re-acquires before returning. May wake
  // spuriously (the explorer decides), as the standard allows.
  void wait(unique_lock<mutex>& lock, SourceLoc loc = SourceLoc::current()) {
    detail::cv_wait(state_, lock.mutex()->state(), loc);
  }
  template <class Pred>
  void wait(unique_lock<mutex>& lock, Pred pred, SourceLoc loc = SourceLoc::current()) {
    while (!pred()) wait(lock, loc);
  }
  // Timed waits on the virtual clock (may also wake spuriously, like wait).
  std::cv_status wait_until(unique_lock<mutex>& lock, clock::time_point t, SourceLoc loc = SourceLoc::current()) {
    return detail::cv_wait_until(state_, lock.mutex()->state(), t.time_since_epoch().count(), loc)
               ? std::cv_status::no_timeout
               : std::cv_status::timeout;
  }
  template <class Rep, class Period>
  std::cv_status wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                          SourceLoc loc = SourceLoc::current()) {
    return wait_until(lock, clock::now() + std::chrono::duration_cast<clock::duration>(d), loc);
  }
  template <class Pred>
  bool wait_until(unique_lock<mutex>& lock, clock::time_point t, Pred pred, SourceLoc loc = SourceLoc::current()) {
    while (!pred()) {
      if (wait_until(lock, t, loc) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d, Pred pred,
                SourceLoc loc = SourceLoc::current()) {
    return wait_until(lock, clock::now() + std::chrono::duration_cast<clock::duration>(d), std::move(pred), loc);
  }
  void notify_one(SourceLoc loc = SourceLoc::current()) { detail::cv_notify_one(state_, loc); }
  void notify_all(SourceLoc loc = SourceLoc::current()) { detail::cv_notify_all(state_, loc); }

 private:
  detail::CondVarState state_;
};

template <std::ptrdiff_t LeastMaxValue = 0x7fffffff>
class counting_semaphore {
 public:
  explicit counting_semaphore(std::ptrdiff_t desired, SourceLoc decl = SourceLoc::current()) {
    state_.count = desired;
    state_.max = LeastMaxValue;
    detail::register_object(state_.slot, ObjectKind::kSemaphore, decl);
    if (desired < 0 || desired > LeastMaxValue) {  // C++20 precondition: 0 <= desired <= max()
      detail::report_misuse("counting_semaphore initialized outside [0, max()]", decl);
    }
  }
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }
  void acquire(SourceLoc loc = SourceLoc::current()) { detail::sem_acquire(state_, loc); }
  bool try_acquire(SourceLoc loc = SourceLoc::current()) { return detail::sem_try_acquire(state_, loc); }
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return detail::sem_try_acquire_until(state_, detail::now() + detail::to_ns(d), loc);
  }
  bool try_acquire_until(clock::time_point t, SourceLoc loc = SourceLoc::current()) {
    return detail::sem_try_acquire_until(state_, t.time_since_epoch().count(), loc);
  }
  void release(std::ptrdiff_t update = 1, SourceLoc loc = SourceLoc::current()) {
    detail::sem_release(state_, update, loc);
  }

 private:
  detail::SemaphoreState state_;
};
using binary_semaphore = counting_semaphore<1>;

// A visible scheduling point with no effect (spin loops should call it).
inline void yield(SourceLoc loc = SourceLoc::current()) { detail::yield(loc); }

// A value in [0, n) chosen by the explorer (exhaustively under DFS): the deterministic
// replacement for randomness in scenarios.
inline std::uint32_t choose(std::uint32_t n, SourceLoc loc = SourceLoc::current()) {
  return detail::choose(n, loc);
}

// Simulated id of the calling thread (0 is the main thread).
inline int this_thread_id() { return detail::current_thread(); }

// Consumes `d` of CPU time on the virtual clock: under the priority policy the thread holds a
// simulated CPU meanwhile and higher-priority threads preempt it. Natively: a bounded busy loop.
template <class Rep, class Period>
void work(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
  detail::work(detail::to_ns(d), loc);
}

namespace this_thread {
// Sleeps on the virtual clock (no real time passes); the thread releases its CPU meanwhile.
template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
  detail::sleep_until(detail::now() + detail::to_ns(d), loc);
}
inline void sleep_until(clock::time_point t, SourceLoc loc = SourceLoc::current()) {
  detail::sleep_until(t.time_since_epoch().count(), loc);
}
// Changes the calling thread's base priority (like pthread_setschedparam); a scheduling point.
inline void set_priority(int priority, SourceLoc loc = SourceLoc::current()) { detail::set_priority(priority, loc); }
inline int priority() { return detail::priority(); }
// The priority it runs at now: its base priority raised by inheritance and ceilings.
inline int effective_priority() { return detail::effective_priority(); }
}  // namespace this_thread

namespace detail {
inline void assertion_failed(const char* expr, SourceLoc loc) { assert_fail(expr, loc); }
}  // namespace detail

}  // namespace weft
