// The scenario facade for the native backend: std types on real threads (run under TSan).
#pragma once

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <semaphore>
#include <thread>
#include <type_traits>
#include <utility>

#include "weft/detail/atomic_ops.hpp"
#include "weft/detail/locks.hpp"
#include "weft/detail/thread_id.hpp"
#include "weft/sched.hpp"
#include "weft/source_loc.hpp"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_NATIVE_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define WEFT_NATIVE_TSAN 1
#endif
#ifdef WEFT_NATIVE_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace weft {

inline constexpr const char* kBackendName = "native";

// Natively, weft's clock is the real steady clock.
using clock = std::chrono::steady_clock;

namespace detail {
// Real-time hooks, installed by weft-rt (the SCHED_FIFO rerun, harness/src/rt/) before a run's
// threads exist and removed after they are joined; null otherwise: then priorities, arrivals
// and mutex protocols have no effect beyond a real sleep for the arrival (the TSan runs).
struct NativeRtHooks {
  void (*thread_begin)(const thread_options& options);  // on the new thread, before its body
  void (*set_priority)(int priority);
  void (*mutex_init)(std::mutex& m, mutex_protocol protocol, int ceiling);
  void (*lock)(std::mutex& m);  // locks, measuring how long the caller was blocked
};
inline const NativeRtHooks* native_rt_hooks = nullptr;
// Set by weft-rt's watchdog: every native busy loop returns at once.
inline std::atomic<bool> native_rt_stop{false};
inline thread_local int native_priority = kDefaultPriority;

// Bounds of one weft::work call natively: at most this much CPU time...
inline constexpr std::chrono::milliseconds kNativeWorkMaxCpu{50};
// ...and this much real time (a preempted thread's loop ends anyway).
inline constexpr std::chrono::milliseconds kNativeWorkMaxWall{250};

inline std::int64_t native_clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Consumes `ns` of this thread's CPU time in a busy loop, bounded (see above).
inline void native_work(std::int64_t ns) {
  const std::int64_t cpu_limit = std::min<std::int64_t>(ns, std::chrono::nanoseconds(kNativeWorkMaxCpu).count());
  const std::int64_t cpu0 = native_clock_ns(CLOCK_THREAD_CPUTIME_ID);
  const std::int64_t wall0 = native_clock_ns(CLOCK_MONOTONIC);
  const std::int64_t wall_limit = std::chrono::nanoseconds(kNativeWorkMaxWall).count();
  while (native_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 < cpu_limit &&
         native_clock_ns(CLOCK_MONOTONIC) - wall0 < wall_limit && !native_rt_stop.load(std::memory_order_relaxed)) {
  }
}

inline void native_thread_begin(const thread_options& options) {
  native_priority = options.priority;
  if (native_rt_hooks != nullptr) {
    native_rt_hooks->thread_begin(options);
  } else if (options.arrival.count() > 0 || options.jitter.count() > 0) {
    std::this_thread::sleep_for(options.arrival + options.jitter);
  }
}
}  // namespace detail

namespace detail {
// Seeded perturbation at synchronization points (no-op unless enabled by the native runner).
void native_perturb();
// Records a failed assertion for the native runner's report; the thread continues.
void native_assert_failed(const char* expr, SourceLoc loc);
std::uint32_t native_choose(std::uint32_t n);
inline void assertion_failed(const char* expr, SourceLoc loc) { native_assert_failed(expr, loc); }
// Thread bookkeeping of the native runner. None of these synchronizes (relaxed atomics and
// thread-locals only), so TSan sees exactly the scenario's own happens-before edges.
// The id of the next thread of the current run (1, 2, ... in spawn order; 0 is the main thread).
int native_next_thread_id();
// Called first on a new thread: names it "weft-t<id>" (how TSan reports map to weft ids) and
// seeds its perturbation.
void native_thread_started(int id);
// Records an exception that escaped a scenario thread (what: nullptr when not a std::exception).
void native_uncaught_exception(int id, const char* what, SourceLoc spawned_at);
int native_this_thread_id();

template <class Fn>
void native_thread_main(int id, Fn& fn, SourceLoc spawned_at) {
  native_thread_started(id);
  try {
    fn();
  } catch (const std::exception& e) {
    native_uncaught_exception(id, e.what(), spawned_at);
  } catch (...) {
    native_uncaught_exception(id, nullptr, spawned_at);
  }
}
}  // namespace detail

// A std::thread whose body runs under the native runner's bookkeeping (id, name, escaped
// exceptions). Like std::thread, destroying it while joinable terminates the process.
class thread {
 public:
  using id = detail::ThreadId;
  thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread> &&
                                              !std::is_same_v<std::decay_t<F>, thread_options>>>
  explicit thread(F&& f, SourceLoc loc = SourceLoc::current()) : id_(detail::native_next_thread_id()) {
    t_ = std::thread([id = id_, fn = std::decay_t<F>(std::forward<F>(f)), loc]() mutable {
      detail::native_thread_main(id, fn, loc);
    });
  }
  // thread(f, args...): decay-copies, as std::thread (no call-site location, as on the model).
  template <class F, class A1, class... Args,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread_options> &&
                                     !std::is_same_v<std::decay_t<A1>, SourceLoc>>>
  explicit thread(F&& f, A1&& a1, Args&&... args) : id_(detail::native_next_thread_id()) {
    t_ = std::thread([id = id_, fn = std::decay_t<F>(std::forward<F>(f)),
                      tup = std::tuple<std::decay_t<A1>, std::decay_t<Args>...>(
                          std::forward<A1>(a1), std::forward<Args>(args)...)]() mutable {
      auto call = [&] { std::apply([&](auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, tup); };
      detail::native_thread_main(id, call, SourceLoc{});
    });
  }
  bool joinable() const noexcept { return t_.joinable(); }
  void join(SourceLoc = SourceLoc::current()) {
    t_.join();
    id_ = -1;
  }
  void detach() {
    t_.detach();
    id_ = -1;
  }
  void swap(thread& o) noexcept {
    t_.swap(o.t_);
    std::swap(id_, o.id_);
  }
  // A thread with priority, arrival and deadline (weft/sched.hpp). Natively the priority and
  // protocol take effect only under weft-rt; the arrival is a real sleep of arrival + jitter.
  template <class F>
  thread(const thread_options& options, F&& f, SourceLoc loc = SourceLoc::current())
      : id_(detail::native_next_thread_id()) {
    t_ = std::thread([id = id_, options, fn = std::decay_t<F>(std::forward<F>(f)), loc]() mutable {
      auto body = [&options, &fn] {
        detail::native_thread_begin(options);
        fn();
      };
      detail::native_thread_main(id, body, loc);
    });
  }
  // The thread's id within the run (t0 is the main thread), the id of no thread if not joinable.
  id get_id() const noexcept { return t_.joinable() ? id(id_) : id(); }
  static unsigned hardware_concurrency() noexcept { return std::thread::hardware_concurrency(); }

 private:
  std::thread t_;
  int id_ = -1;
};

class mutex {
 public:
  explicit mutex(SourceLoc = SourceLoc::current()) {}
  // Natively the protocol applies under weft-rt only (PTHREAD_PRIO_INHERIT / _PROTECT).
  explicit mutex(mutex_protocol protocol, int ceiling = 0, SourceLoc = SourceLoc::current()) {
    if (detail::native_rt_hooks != nullptr) detail::native_rt_hooks->mutex_init(m_, protocol, ceiling);
  }
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  // std::mutex never calls pthread_mutex_destroy; telling TSan keeps a later mutex at the same
  // address (the next run's) from inheriting this one's lock-order edges, and reports the
  // destruction of a locked mutex.
  ~mutex() {
#ifdef WEFT_NATIVE_TSAN
    __tsan_mutex_destroy(&m_, 0);
#endif
  }
  void lock(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    if (detail::native_rt_hooks != nullptr) [[unlikely]] {
      detail::native_rt_hooks->lock(m_);
    } else {
      m_.lock();
    }
  }
  bool try_lock(SourceLoc = SourceLoc::current()) { return m_.try_lock(); }
  // Polls try_lock until the timeout (real time).
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return try_lock_until(clock::now() + std::chrono::duration_cast<clock::duration>(d), loc);
  }
  bool try_lock_until(clock::time_point t, SourceLoc = SourceLoc::current()) {
    for (;;) {
      if (m_.try_lock()) return true;
      if (clock::now() >= t) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  void unlock(SourceLoc = SourceLoc::current()) {
    m_.unlock();
    detail::native_perturb();
  }
  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

template <class T>
class atomic : public detail::AtomicOps<atomic<T>, T> {
  using D = detail::atomic_difference_t<T>;
  static constexpr auto kSc = std::memory_order_seq_cst;

 public:
  using value_type = T;
  using difference_type = D;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;
  atomic(T initial = T{}, SourceLoc = SourceLoc::current()) : a_(initial) {}  // NOLINT: implicit
  atomic(const atomic&) = delete;
  atomic& operator=(atomic&) = delete;
  using detail::AtomicOps<atomic<T>, T>::operator=;
  SourceLoc decl() const noexcept { return SourceLoc{}; }
  bool is_lock_free() const noexcept { return a_.is_lock_free(); }

  T load(std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.load(mo);
  }
  void store(T v, std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    a_.store(v, mo);
  }
  T exchange(T v, std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.exchange(v, mo);
  }
  T fetch_add(D d, std::memory_order mo = kSc, SourceLoc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    detail::native_perturb();
    return a_.fetch_add(d, mo);
  }
  T fetch_sub(D d, std::memory_order mo = kSc, SourceLoc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    detail::native_perturb();
    return a_.fetch_sub(d, mo);
  }
  T fetch_and(T d, std::memory_order mo = kSc, SourceLoc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    detail::native_perturb();
    return a_.fetch_and(d, mo);
  }
  T fetch_or(T d, std::memory_order mo = kSc, SourceLoc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    detail::native_perturb();
    return a_.fetch_or(d, mo);
  }
  T fetch_xor(T d, std::memory_order mo = kSc, SourceLoc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    detail::native_perturb();
    return a_.fetch_xor(d, mo);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_strong(expected, desired, mo);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order failure,
                               SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_weak(expected, desired, mo);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success, std::memory_order failure,
                             SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_weak(expected, desired, success, failure);
  }
  void wait(T old, std::memory_order mo = kSc, SourceLoc = SourceLoc::current()) const { a_.wait(old, mo); }
  void notify_one(SourceLoc = SourceLoc::current()) { a_.notify_one(); }
  void notify_all(SourceLoc = SourceLoc::current()) { a_.notify_all(); }

 private:
  std::atomic<T> a_;
};

// Natively a fence is std's (ThreadSanitizer does not model standalone fences: synchronization
// that relies on them alone may be reported as a race natively).
inline void atomic_thread_fence(std::memory_order mo, SourceLoc = SourceLoc::current()) {
  detail::native_perturb();
  std::atomic_thread_fence(mo);
}
inline void atomic_signal_fence(std::memory_order mo, SourceLoc = SourceLoc::current()) {
  std::atomic_signal_fence(mo);
}

// A plain shared variable: unsynchronized accesses are real data races that TSan reports.
template <class T>
class var : public detail::VarOps<var<T>, T> {
 public:
  var(T initial = T{}, SourceLoc = SourceLoc::current()) : value_(std::move(initial)) {}  // NOLINT: implicit
  var(const var&) = delete;
  var& operator=(var&) = delete;
  using detail::VarOps<var<T>, T>::operator=;
  SourceLoc decl() const noexcept { return SourceLoc{}; }
  __attribute__((noinline)) T load(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return value_;
  }
  __attribute__((noinline)) void store(T v, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    value_ = std::move(v);
  }

 private:
  T value_;
};

class condition_variable {
 public:
  explicit condition_variable(SourceLoc = SourceLoc::current()) {}
  void wait(unique_lock<mutex>& lock, SourceLoc = SourceLoc::current()) { cv_.wait(lock); }
  template <class Pred>
  void wait(unique_lock<mutex>& lock, Pred pred, SourceLoc = SourceLoc::current()) {
    cv_.wait(lock, std::move(pred));
  }
  template <class Rep, class Period>
  std::cv_status wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                          SourceLoc = SourceLoc::current()) {
    return cv_.wait_for(lock, d);
  }
  std::cv_status wait_until(unique_lock<mutex>& lock, clock::time_point t, SourceLoc = SourceLoc::current()) {
    return cv_.wait_until(lock, t);
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d, Pred pred,
                SourceLoc = SourceLoc::current()) {
    return cv_.wait_for(lock, d, std::move(pred));
  }
  template <class Pred>
  bool wait_until(unique_lock<mutex>& lock, clock::time_point t, Pred pred, SourceLoc = SourceLoc::current()) {
    return cv_.wait_until(lock, t, std::move(pred));
  }
  void notify_one(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    cv_.notify_one();
  }
  void notify_all(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    cv_.notify_all();
  }

 private:
  std::condition_variable_any cv_;
};

template <std::ptrdiff_t LeastMaxValue = 0x7fffffff>
class counting_semaphore {
 public:
  explicit counting_semaphore(std::ptrdiff_t desired, SourceLoc = SourceLoc::current()) : s_(desired) {}
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }
  void acquire(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    s_.acquire();
  }
  bool try_acquire(SourceLoc = SourceLoc::current()) { return s_.try_acquire(); }
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& d, SourceLoc = SourceLoc::current()) {
    return s_.try_acquire_for(d);
  }
  bool try_acquire_until(clock::time_point t, SourceLoc = SourceLoc::current()) { return s_.try_acquire_until(t); }
  void release(std::ptrdiff_t update = 1, SourceLoc = SourceLoc::current()) {
    s_.release(update);
    detail::native_perturb();
  }

 private:
  std::counting_semaphore<LeastMaxValue> s_;
};
using binary_semaphore = counting_semaphore<1>;

inline void yield(SourceLoc = SourceLoc::current()) { std::this_thread::yield(); }
inline std::uint32_t choose(std::uint32_t n, SourceLoc = SourceLoc::current()) { return detail::native_choose(n); }
// Id of the calling thread within the run (0 is the main thread).
inline int this_thread_id() { return detail::native_this_thread_id(); }

namespace detail {
// Static storage natively: objects keep their state across runs, as in production (no restore).
inline void set_restore(mutex&, void*, void (*)(void*)) noexcept {}
// A composite type's misuse: recorded as a failed check of the run (the thread continues).
inline void facade_misuse(const char* what, SourceLoc loc) { native_assert_failed(what, loc); }
}  // namespace detail

// Consumes `d` of this thread's CPU time in a bounded busy loop (see detail::native_work).
template <class Rep, class Period>
void work(const std::chrono::duration<Rep, Period>& d, SourceLoc = SourceLoc::current()) {
  detail::native_work(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

namespace this_thread {
inline void yield(SourceLoc = SourceLoc::current()) { std::this_thread::yield(); }
inline thread::id get_id() { return thread::id(detail::native_this_thread_id()); }
template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d, SourceLoc = SourceLoc::current()) {
  std::this_thread::sleep_for(d);
}
inline void sleep_until(clock::time_point t, SourceLoc = SourceLoc::current()) { std::this_thread::sleep_until(t); }
inline void set_priority(int priority, SourceLoc = SourceLoc::current()) {
  detail::native_priority = priority;
  if (detail::native_rt_hooks != nullptr) detail::native_rt_hooks->set_priority(priority);
}
inline int priority() { return detail::native_priority; }
inline int effective_priority() { return detail::native_priority; }  // boosts are the kernel's
}  // namespace this_thread

}  // namespace weft

#include "weft/detail/composites.hpp"
