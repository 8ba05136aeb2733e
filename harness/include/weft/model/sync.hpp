// The scenario facade for the model backend: weft's sync types driven by weft's scheduler.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/detail/locks.hpp"
#include "weft/detail/thread_id.hpp"
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

namespace detail {
// Spawns `fn` (moved onto the new thread's stack): the model's one spawn path.
template <class Fn>
int spawn_fn(Fn& local, SourceLoc loc) {
  ThreadBody body;
  body.object = &local;
  body.size = sizeof(Fn);
  body.align = alignof(Fn);
  body.relocate = [](void* dst, void* src) { ::new (dst) Fn(std::move(*static_cast<Fn*>(src))); };
  body.run = [](void* obj) { (*static_cast<Fn*>(obj))(); };
  body.destroy = [](void* obj) { static_cast<Fn*>(obj)->~Fn(); };
  return spawn(body, loc);
}

// std::thread's body for thread(f, args...): decay-copies of f and args, invoked as INVOKE.
template <class F, class... Args>
struct BoundCall {
  F f;
  std::tuple<Args...> args;
  void operator()() { std::apply([this](Args&... a) { std::invoke(std::move(f), std::move(a)...); }, args); }
};
}  // namespace detail

// A simulated thread. Like std::thread, it must be joined or detached before destruction
// (otherwise: an api_misuse finding at the thread's spawn).
class thread {
 public:
  using id = detail::ThreadId;

  thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread> &&
                                              !std::is_same_v<std::decay_t<F>, thread_options>>>
  explicit thread(F&& f, SourceLoc loc = SourceLoc::current()) : loc_(loc) {
    std::decay_t<F> local(std::forward<F>(f));
    id_ = detail::spawn_fn(local, loc);
  }
  // thread(f, args...): f and args are decay-copied (std::ref to pass a reference), then invoked
  // on the new thread. The facade cannot see this call's site: its spawn event has no location
  // (wrap the call in a lambda, `thread([&] { f(3); })`, for a located spawn).
  template <class F, class A1, class... Args,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread_options> &&
                                     !std::is_same_v<std::decay_t<A1>, SourceLoc>>>
  explicit thread(F&& f, A1&& a1, Args&&... args) {
    detail::BoundCall<std::decay_t<F>, std::decay_t<A1>, std::decay_t<Args>...> local{
        std::decay_t<F>(std::forward<F>(f)),
        std::tuple<std::decay_t<A1>, std::decay_t<Args>...>(std::forward<A1>(a1), std::forward<Args>(args)...)};
    id_ = detail::spawn_fn(local, loc_);
  }
  // A thread with a priority, a name, an arrival window and a job deadline (weft/sched.hpp).
  template <class F>
  thread(const thread_options& options, F&& f, SourceLoc loc = SourceLoc::current()) : loc_(loc) {
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
  thread(thread&& other) noexcept : id_(std::exchange(other.id_, -1)), loc_(other.loc_) {}
  thread& operator=(thread&& other) noexcept {
    if (joinable()) detail::report_misuse("thread assigned to while joinable", loc_);
    id_ = std::exchange(other.id_, -1);
    loc_ = other.loc_;
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread() {
    if (joinable()) detail::report_misuse("thread destroyed while joinable (join or detach it)", loc_);
  }

  bool joinable() const noexcept { return id_ >= 0; }
  void join(SourceLoc loc = SourceLoc::current()) {
    const int id = std::exchange(id_, -1);
    detail::join(id, loc);
  }
  void detach() { detail::detach(std::exchange(id_, -1)); }
  void swap(thread& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(loc_, other.loc_);
  }
  // The simulated thread (t1, t2, ... in spawn order; t0 is the scenario's main thread); the
  // id of no thread if not joinable.
  id get_id() const noexcept { return id_ >= 0 ? id(id_) : id(); }
  static unsigned hardware_concurrency() noexcept { return 1; }  // one fiber runs at a time

 private:
  int id_ = -1;
  SourceLoc loc_;  // where it was spawned (unknown for thread(f, args...))
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
    state_.initial = desired;
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

namespace detail {
// Static storage of a composite built on `m` (weft/detail/*.hpp): when `m` is registered again in
// a later execution (see ObjectSlot), `fn(arg)` restores the composite's own construction-time
// state. `m` must be the first of its objects that every operation of the composite uses.
inline void set_restore(mutex& m, void* arg, void (*fn)(void*)) noexcept {
  m.state().slot.restore = fn;
  m.state().slot.restore_arg = arg;
}
// A composite type's misuse (unlock of an unheld shared_mutex, ...): an api_misuse finding.
inline void facade_misuse(const char* what, SourceLoc loc) { report_misuse(what, loc); }
}  // namespace detail

// Consumes `d` of CPU time on the virtual clock: under the priority policy the thread holds a
// simulated CPU meanwhile and higher-priority threads preempt it. Natively: a bounded busy loop.
template <class Rep, class Period>
void work(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
  detail::work(detail::to_ns(d), loc);
}

namespace this_thread {
// A visible scheduling point with no effect (spin loops should call it).
inline void yield(SourceLoc loc = SourceLoc::current()) { detail::yield(loc); }
inline thread::id get_id() { return thread::id(detail::current_thread()); }
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

#include "weft/model/atomic.hpp"
#include "weft/detail/composites.hpp"
