// The scenario facade for the Relacy backend: weft's sync types mapped onto Relacy's (weft-relacy only).
//
// Only the weft-relacy executable includes this header (WEFT_BACKEND_RELACY): Relacy replaces the
// global operator new/delete, so nothing else of weft may share its executable.
//
// Mapping: the scenario body runs as Relacy's static thread 0; weft::thread is a Relacy dynamic
// thread; mutex → rl::mutex; atomic<T> → rl::atomic<T> with the scenario's memory orders;
// var<T> → rl::var<T> (race-checked with vector clocks); condition_variable →
// rl::condition_variable; counting_semaphore → rl::mutex + rl::condition_variable + a count;
// WEFT_ASSERT → a Relacy test failure. Every operation passes its SourceLoc to Relacy as
// rl::debug_info (function = the weft operation name), so Relacy's history and failure lines
// point at scenario lines.
//
// Relacy allocates dynamic threads from the END of its thread table: the n-th spawned thread
// (weft id n) has Relacy index K + 1 - n, K being the suite's dynamic thread count. this_thread_id
// and thread::id return weft ids; Relacy's own report uses Relacy indices (the driver maps them).
#pragma once

// Every standard header a scenario may use comes BEFORE <relacy/relacy.hpp>: Relacy #defines new,
// delete, malloc, free and memory_order_*, which break standard headers included after it.
// Relacy also #defines pthread_*, sem_*, sched_yield and Win32 names, which <thread>, <mutex> and
// <semaphore> use.
#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <bitset>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <initializer_list>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <latch>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <optional>
#include <queue>
#include <random>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/atomic_ops.hpp"
#include "weft/detail/locks.hpp"
#include "weft/detail/thread_id.hpp"
#include "weft/scenario.hpp"
#include "weft/sched.hpp"
#include "weft/source_loc.hpp"

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#pragma clang diagnostic ignored "-Wunused-parameter"
#pragma clang diagnostic ignored "-Winline-new-delete"
#pragma clang diagnostic ignored "-Wdeprecated-copy-with-user-provided-copy"
#endif
#include <relacy/relacy.hpp>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

// Scenarios name std::memory_order_* and declare `= delete` members: Relacy's macros for those
// (and its malloc family) are removed. `new` stays Relacy's proxy, which records the allocation
// site of a `new` expression for Relacy's heap report.
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free

namespace weft {

inline constexpr const char* kBackendName = "relacy";

namespace detail {

// Dynamic threads available to one scenario run (the largest suite weft-relacy instantiates).
inline constexpr int kRelacyMaxThreads = 16;
// Bytes of in-place storage for a thread's callable; larger callables go to the C heap.
inline constexpr std::size_t kRelacyThreadBytes = 256;

// One spawned thread's callable, at a stable address for the thread's lifetime.
struct RelacyThreadSlot {
  alignas(std::max_align_t) unsigned char storage[kRelacyThreadBytes];
  void* object = nullptr;  // the callable (in storage or on the C heap)
  void* heap = nullptr;    // non-null when the callable lives on the C heap
  void (*run)(void*) = nullptr;
  void (*destroy)(void*) = nullptr;
  SourceLoc spawned;
};

// State of the running simulation, shared by the facade and weft-relacy's runner. Reset by the
// runner at the start of every Relacy iteration (on thread 0, before the scenario body), so each
// iteration starts from the same state as Relacy requires.
struct RelacyState {
  int capacity = 0;                   // dynamic threads of the running suite (K)
  int spawned = 0;                    // threads spawned in this iteration
  int wanted = 0;                     // most threads any iteration tried to spawn (set when over capacity)
  const char* unsupported = nullptr;  // set when the scenario used what Relacy cannot model
  SourceLoc unsupported_at;
  // The first atomic operation of the run with an order weaker than seq_cst (it checks the
  // scenario's `weak_orders` declaration); reset per run, not per iteration (it never changes one).
  const char* weak_order = nullptr;
  SourceLoc weak_order_at;
  std::array<RelacyThreadSlot, kRelacyMaxThreads> slots;
  std::array<char, 512> message = {};  // text of the current weft-made failure
};
inline RelacyState g_relacy;

// Relacy's test failure for a weft-detected problem: `desc` becomes the report's first line in
// parentheses, e.g. "USER ASSERT FAILED (weft api_misuse: ...)". Never returns within the
// simulation (Relacy abandons the iteration).
inline void relacy_fail(const char* desc, const char* op, SourceLoc loc) {
  std::snprintf(g_relacy.message.data(), g_relacy.message.size(), "%s", desc);
  rl::ctx().fail_test(g_relacy.message.data(), rl::test_result_user_assert_failed,
                      rl::debug_info(op, loc.file, static_cast<unsigned>(loc.line)));
}

// Why a facade call cannot run under Relacy (the skip reason of the run).
inline constexpr const char* kNeedsPriorities = "needs priorities (Relacy has no thread priorities or mutex protocols)";
inline constexpr const char* kNeedsVirtualTime =
    "needs virtual time (Relacy has no clock: sleeps, timed waits and work cannot be modeled)";

// The scenario used something Relacy cannot model: the run is reported as skipped with `reason`.
inline void relacy_unsupported(const char* reason, SourceLoc loc) {
  g_relacy.unsupported = reason;
  g_relacy.unsupported_at = loc;
  relacy_fail("weft unsupported: the Relacy backend cannot model this", "unsupported", loc);
}

inline rl::debug_info info(const char* op, SourceLoc loc) {
  return rl::debug_info(op, loc.file, static_cast<unsigned>(loc.line));
}

inline const char* order_name(std::memory_order mo) {
  switch (mo) {
    case std::memory_order_relaxed:
      return "relaxed";
    case std::memory_order_consume:
      return "consume";
    case std::memory_order_acquire:
      return "acquire";
    case std::memory_order_release:
      return "release";
    case std::memory_order_acq_rel:
      return "acq_rel";
    case std::memory_order_seq_cst:
      return "seq_cst";
  }
  return "?";
}

// Maps the order of an atomic operation at `loc`, noting the run's first non-seq_cst one.
inline rl::memory_order to_rl(std::memory_order mo, SourceLoc loc) {
  if (mo != std::memory_order_seq_cst && g_relacy.weak_order == nullptr) {
    g_relacy.weak_order = order_name(mo);
    g_relacy.weak_order_at = loc;
  }
  switch (mo) {
    case std::memory_order_relaxed:
      return rl::mo_relaxed;
    case std::memory_order_consume:
      return rl::mo_consume;
    case std::memory_order_acquire:
      return rl::mo_acquire;
    case std::memory_order_release:
      return rl::mo_release;
    case std::memory_order_acq_rel:
      return rl::mo_acq_rel;
    case std::memory_order_seq_cst:
      return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

// Relacy index of the calling thread → weft id (0 main thread, spawned threads 1.. in order).
inline int weft_thread_id(unsigned relacy_index) {
  return relacy_index == 0 ? 0 : g_relacy.capacity + 1 - static_cast<int>(relacy_index);
}

// Runs `fn` and turns an escaping exception into a Relacy failure (after leaving the catch
// block: the iteration is abandoned by switching fibers, which must not happen mid-catch).
template <class Fn>
void relacy_guarded(Fn&& fn, SourceLoc where) {
  bool escaped = false;
  try {
    fn();
  } catch (const std::exception& e) {
    escaped = true;
    std::snprintf(g_relacy.message.data(), g_relacy.message.size(), "weft uncaught_exception: %s", e.what());
  } catch (...) {
    escaped = true;
    std::snprintf(g_relacy.message.data(), g_relacy.message.size(), "weft uncaught_exception: (not a std::exception)");
  }
  if (escaped) {
    rl::ctx().fail_test(g_relacy.message.data(), rl::test_result_user_assert_failed, info("exception", where));
  }
}

inline void* relacy_thread_main(void* arg) {
  auto* slot = static_cast<RelacyThreadSlot*>(arg);
  relacy_guarded([slot] { slot->run(slot->object); }, slot->spawned);
  slot->destroy(slot->object);
  if (slot->heap != nullptr) {
    std::free(slot->heap);
    slot->heap = nullptr;
  }
  return nullptr;
}

}  // namespace detail

// A Relacy dynamic thread. Like std::thread, it must be joined or detached before destruction
// (otherwise: an api_misuse failure).
class thread {
 public:
  using id = detail::ThreadId;
  thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread> &&
                                              !std::is_same_v<std::decay_t<F>, thread_options>>>
  explicit thread(F&& f, SourceLoc loc = SourceLoc::current()) {
    using Fn = std::decay_t<F>;
    static_assert(alignof(Fn) <= alignof(std::max_align_t), "over-aligned thread callables are not supported");
    detail::RelacyState& st = detail::g_relacy;
    if (st.spawned >= st.capacity) {
      // The runner retries with a suite that has enough dynamic threads.
      st.wanted = std::max(st.wanted, st.spawned + 1);
      detail::relacy_fail("weft thread_capacity: more threads than the suite has", "thread.spawn", loc);
    }
    detail::RelacyThreadSlot& slot = st.slots[static_cast<std::size_t>(st.spawned)];
    void* mem = slot.storage;
    if (sizeof(Fn) > sizeof(slot.storage)) {
      mem = std::malloc(sizeof(Fn));
      if (mem == nullptr) throw std::bad_alloc();
      slot.heap = mem;
    }
    slot.object = std::construct_at(static_cast<Fn*>(mem), std::forward<F>(f));
    slot.run = [](void* obj) { (*static_cast<Fn*>(obj))(); };
    slot.destroy = [](void* obj) { std::destroy_at(static_cast<Fn*>(obj)); };
    slot.spawned = loc;
    ++st.spawned;
    id_ = st.spawned;
    loc_ = loc;
    handle_ = rl::ctx().create_thread(&detail::relacy_thread_main, &slot);
  }
  // thread(f, args...): decay-copies, as std::thread (no call-site location, as on the model).
  template <class F, class A1, class... Args,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread_options> &&
                                     !std::is_same_v<std::decay_t<A1>, SourceLoc>>>
  explicit thread(F&& f, A1&& a1, Args&&... args)
      : thread([fn = std::decay_t<F>(std::forward<F>(f)),
                tup = std::tuple<std::decay_t<A1>, std::decay_t<Args>...>(std::forward<A1>(a1),
                                                                          std::forward<Args>(args)...)]() mutable {
          std::apply([&](auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, tup);
        }, SourceLoc{}) {}
  // A thread with scheduling attributes (weft/sched.hpp). Relacy has no priorities or time: only
  // a name is accepted; a priority, arrival, jitter or deadline makes the run skipped.
  template <class F>
  thread(const thread_options& options, F&& f, SourceLoc loc = SourceLoc::current()) {
    if (options.priority != kDefaultPriority) detail::relacy_unsupported(detail::kNeedsPriorities, loc);
    if (options.arrival.count() != 0 || options.jitter.count() != 0 || options.deadline.count() != 0) {
      detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    }
    *this = thread(std::forward<F>(f), loc);
  }
  thread(thread&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), id_(std::exchange(other.id_, -1)), loc_(other.loc_) {}
  thread& operator=(thread&& other) noexcept {
    if (joinable()) detail::relacy_fail("weft api_misuse: thread assigned to while joinable", "thread.move", loc_);
    handle_ = std::exchange(other.handle_, nullptr);
    id_ = std::exchange(other.id_, -1);
    loc_ = other.loc_;
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  // The failure points at the thread's spawn.
  ~thread() {
    if (joinable()) {
      detail::relacy_fail("weft api_misuse: thread destroyed while joinable (join or detach it)", "thread.destroy",
                          loc_);
    }
  }

  bool joinable() const noexcept { return handle_ != nullptr; }
  void join(SourceLoc loc = SourceLoc::current()) {
    if (!joinable()) detail::relacy_fail("weft api_misuse: join of a thread that is not joinable", "thread.join", loc);
    rl::win_waitable_object* h = std::exchange(handle_, nullptr);
    id_ = -1;
    h->wait(false, false, detail::info("thread.join", loc));
  }
  void detach() {
    handle_ = nullptr;
    id_ = -1;
  }
  void swap(thread& o) noexcept {
    std::swap(handle_, o.handle_);
    std::swap(id_, o.id_);
    std::swap(loc_, o.loc_);
  }
  // The thread's weft id (t0 is the main thread), the id of no thread if not joinable.
  id get_id() const noexcept { return id_ >= 0 ? id(id_) : id(); }
  static unsigned hardware_concurrency() noexcept { return 1; }

 private:
  rl::win_waitable_object* handle_ = nullptr;
  int id_ = -1;
  SourceLoc loc_;  // where it was spawned
};

class mutex {
 public:
  explicit mutex(SourceLoc = SourceLoc::current()) {}
  // A priority protocol other than none makes the run skipped.
  explicit mutex(mutex_protocol protocol, int /*ceiling*/ = 0, SourceLoc loc = SourceLoc::current()) {
    if (protocol != mutex_protocol::none) detail::relacy_unsupported(detail::kNeedsPriorities, loc);
  }
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  void lock(SourceLoc loc = SourceLoc::current()) { m_.lock(detail::info("mutex.lock", loc)); }
  bool try_lock(SourceLoc loc = SourceLoc::current()) { return m_.try_lock(detail::info("mutex.try_lock", loc)); }
  void unlock(SourceLoc loc = SourceLoc::current()) { m_.unlock(detail::info("mutex.unlock", loc)); }
  // Timed locks need virtual time: the run is skipped.
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>&, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  template <class TimePoint>
  bool try_lock_until(const TimePoint&, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  rl::mutex& native() noexcept { return m_; }

 private:
  rl::mutex m_;
};

}  // namespace weft

#include "weft/relacy/atomic.hpp"  // atomic<T>, var<T>, fences (needs mutex above)

namespace weft {

// May wake spuriously (Relacy generates spurious wake-ups under its random search only).
class condition_variable {
 public:
  explicit condition_variable(SourceLoc = SourceLoc::current()) {}
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void wait(unique_lock<mutex>& lock, SourceLoc loc = SourceLoc::current()) {
    cv_.wait(lock.mutex()->native(), detail::info("cv.wait", loc));
  }
  template <class Pred>
  void wait(unique_lock<mutex>& lock, Pred pred, SourceLoc loc = SourceLoc::current()) {
    while (!pred()) wait(lock, loc);
  }
  // Timed waits need virtual time: the run is skipped.
  template <class TimePoint>
  std::cv_status wait_until(unique_lock<mutex>&, const TimePoint&, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return std::cv_status::timeout;
  }
  template <class Rep, class Period>
  std::cv_status wait_for(unique_lock<mutex>&, const std::chrono::duration<Rep, Period>&,
                          SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return std::cv_status::timeout;
  }
  template <class TimePoint, class Pred>
  bool wait_until(unique_lock<mutex>&, const TimePoint&, Pred, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(unique_lock<mutex>&, const std::chrono::duration<Rep, Period>&, Pred,
                SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  void notify_one(SourceLoc loc = SourceLoc::current()) { cv_.notify_one(detail::info("cv.notify_one", loc)); }
  void notify_all(SourceLoc loc = SourceLoc::current()) { cv_.notify_all(detail::info("cv.notify_all", loc)); }

 private:
  rl::condition_variable cv_;
};

// Relacy has no C++20 semaphore: a count guarded by an rl::mutex, waited for on an
// rl::condition_variable. Blocking on it is seen by Relacy (deadlock detection included).
template <std::ptrdiff_t LeastMaxValue = 0x7fffffff>
class counting_semaphore {
 public:
  explicit counting_semaphore(std::ptrdiff_t desired, SourceLoc = SourceLoc::current()) : count_(desired) {}
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }

  void acquire(SourceLoc loc = SourceLoc::current()) {
    const rl::debug_info at = detail::info("semaphore.acquire", loc);
    m_.lock(at);
    while (count_ == 0) cv_.wait(m_, at);
    --count_;
    m_.unlock(at);
  }
  bool try_acquire(SourceLoc loc = SourceLoc::current()) {
    const rl::debug_info at = detail::info("semaphore.try_acquire", loc);
    m_.lock(at);
    const bool ok = count_ > 0;
    if (ok) --count_;
    m_.unlock(at);
    return ok;
  }
  // Timed acquires need virtual time: the run is skipped.
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>&, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  template <class TimePoint>
  bool try_acquire_until(const TimePoint&, SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return false;
  }
  void release(std::ptrdiff_t update = 1, SourceLoc loc = SourceLoc::current()) {
    const rl::debug_info at = detail::info("semaphore.release", loc);
    m_.lock(at);
    count_ += update;
    if (update == 1) {
      cv_.notify_one(at);
    } else {
      cv_.notify_all(at);
    }
    m_.unlock(at);
  }

 private:
  rl::mutex m_;
  rl::condition_variable cv_;
  std::ptrdiff_t count_;  // guarded by m_
};
using binary_semaphore = counting_semaphore<1>;

// A scheduling point with no effect (spin loops should call it).
inline void yield(SourceLoc loc = SourceLoc::current()) { rl::yield(1, detail::info("yield", loc)); }

// A value in [0, n) chosen by Relacy's scheduler (every value under its full search).
inline std::uint32_t choose(std::uint32_t n, SourceLoc = SourceLoc::current()) { return n <= 1 ? 0 : rl::rand(n); }

// Weft id of the calling thread (0 is the main thread, spawned threads 1.. in spawn order).
inline int this_thread_id() { return detail::weft_thread_id(rl::thread_index()); }

namespace detail {
// Relacy objects live within one iteration: composites have nothing to restore.
inline void set_restore(mutex&, void*, void (*)(void*)) noexcept {}
// A composite type's misuse: a Relacy failure reported as weft's api_misuse.
inline void facade_misuse(const char* what, SourceLoc loc) {
  std::snprintf(g_relacy.message.data(), g_relacy.message.size(), "weft api_misuse: %s", what);
  rl::ctx().fail_test(g_relacy.message.data(), rl::test_result_user_assert_failed, info("misuse", loc));
}
}  // namespace detail

// weft's clock. Relacy has no time: reading it makes the run skipped.
struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now(SourceLoc loc = SourceLoc::current()) {
    detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
    return time_point{};
  }
};

// CPU time on the virtual clock: needs virtual time, the run is skipped.
template <class Rep, class Period>
void work(const std::chrono::duration<Rep, Period>&, SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
}

namespace this_thread {
inline void yield(SourceLoc loc = SourceLoc::current()) { ::weft::yield(loc); }
inline thread::id get_id() { return thread::id(this_thread_id()); }
template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>&, SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
}
inline void sleep_until(clock::time_point, SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsVirtualTime, loc);
}
inline void set_priority(int, SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsPriorities, loc);
}
inline int priority(SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsPriorities, loc);
  return kDefaultPriority;
}
inline int effective_priority(SourceLoc loc = SourceLoc::current()) {
  detail::relacy_unsupported(detail::kNeedsPriorities, loc);
  return kDefaultPriority;
}
}  // namespace this_thread

namespace detail {
inline void assertion_failed(const char* expr, SourceLoc loc) {
  std::snprintf(g_relacy.message.data(), g_relacy.message.size(), "assertion: %s", expr);
  rl::ctx().fail_test(g_relacy.message.data(), rl::test_result_user_assert_failed, info("assert", loc));
}
}  // namespace detail

}  // namespace weft

#include "weft/detail/composites.hpp"
