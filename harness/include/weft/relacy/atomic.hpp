// The Relacy facade's atomic<T>, var<T> and fences: rl::atomic / rl::var with the scenario's orders
// and call sites (weft-relacy only; included by weft/relacy/sync.hpp after Relacy's headers).
#pragma once

#include <cstring>
#include <type_traits>
#include <utility>

#include "weft/detail/atomic_ops.hpp"
#include "weft/source_loc.hpp"

namespace weft {

template <class T>
class atomic : public detail::AtomicOps<atomic<T>, T> {
  using D = detail::atomic_difference_t<T>;
  static constexpr auto kSc = std::memory_order_seq_cst;

 public:
  using value_type = T;
  using difference_type = D;
  static constexpr bool is_always_lock_free = true;
  atomic(T initial = T{}, SourceLoc = SourceLoc::current()) : a_(initial) {}  // NOLINT: implicit
  atomic(const atomic&) = delete;
  atomic& operator=(atomic&) = delete;
  using detail::AtomicOps<atomic<T>, T>::operator=;
  SourceLoc decl() const noexcept { return SourceLoc{}; }
  bool is_lock_free() const noexcept { return true; }

  T load(std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    return a_.load(detail::to_rl(mo, loc), detail::info("atomic.load", loc));
  }
  void store(T v, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    a_.store(v, detail::to_rl(mo, loc), detail::info("atomic.store", loc));
  }
  T exchange(T v, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    return a_.exchange(v, detail::to_rl(mo, loc), detail::info("atomic.exchange", loc));
  }
  T fetch_add(D d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    return a_.fetch_add(d, detail::to_rl(mo, loc), detail::info("atomic.fetch_add", loc));
  }
  T fetch_sub(D d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    return a_.fetch_sub(d, detail::to_rl(mo, loc), detail::info("atomic.fetch_sub", loc));
  }
  T fetch_and(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return a_.fetch_and(d, detail::to_rl(mo, loc), detail::info("atomic.fetch_and", loc));
  }
  T fetch_or(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return a_.fetch_or(d, detail::to_rl(mo, loc), detail::info("atomic.fetch_or", loc));
  }
  T fetch_xor(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return a_.fetch_xor(d, detail::to_rl(mo, loc), detail::info("atomic.fetch_xor", loc));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = kSc,
                               SourceLoc loc = SourceLoc::current()) {
    return a_.compare_exchange_strong(expected, desired, detail::to_rl(mo, loc), detail::info("atomic.cas", loc));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order failure,
                               SourceLoc loc = SourceLoc::current()) {
    const rl::debug_info at = detail::info("atomic.cas", loc);
    return a_.compare_exchange_strong(expected, desired, detail::to_rl(success, loc), at, detail::to_rl(failure, loc),
                                      at);
  }
  // May fail spuriously (Relacy explores it).
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = kSc,
                             SourceLoc loc = SourceLoc::current()) {
    return a_.compare_exchange_weak(expected, desired, detail::to_rl(mo, loc), detail::info("atomic.cas_weak", loc));
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success, std::memory_order failure,
                             SourceLoc loc = SourceLoc::current()) {
    const rl::debug_info at = detail::info("atomic.cas_weak", loc);
    return a_.compare_exchange_weak(expected, desired, detail::to_rl(success, loc), at, detail::to_rl(failure, loc), at);
  }
  // Relacy has no futex-like wait: a load-and-yield loop (Relacy's scheduler treats the yield as a
  // spin; a wait nobody ends is its livelock report). Notifications are then no-ops.
  void wait(T old, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    for (;;) {
      const T v = load(mo, loc);
      if (std::memcmp(&v, &old, sizeof(T)) != 0) return;
      rl::yield(1, detail::info("atomic.wait", loc));
    }
  }
  void notify_one(SourceLoc = SourceLoc::current()) {}
  void notify_all(SourceLoc = SourceLoc::current()) {}

 private:
  rl::atomic<T> a_;
};

inline void atomic_thread_fence(std::memory_order mo, SourceLoc loc = SourceLoc::current()) {
  rl::atomic_thread_fence(detail::to_rl(mo, loc), detail::info("atomic_thread_fence", loc));
}
inline void atomic_signal_fence(std::memory_order, SourceLoc = SourceLoc::current()) {}

// A plain shared variable: Relacy reports unordered accesses as a data race.
template <class T>
class var : public detail::VarOps<var<T>, T> {
 public:
  var(T initial = T{}, SourceLoc = SourceLoc::current()) : v_(std::move(initial)) {}  // NOLINT: implicit
  var(const var&) = delete;
  var& operator=(var&) = delete;
  using detail::VarOps<var<T>, T>::operator=;
  SourceLoc decl() const noexcept { return SourceLoc{}; }
  T load(SourceLoc loc = SourceLoc::current()) { return v_(detail::info("var.read", loc)); }
  void store(T v, SourceLoc loc = SourceLoc::current()) { v_(detail::info("var.write", loc)) = std::move(v); }

 private:
  rl::var<T> v_;
};

}  // namespace weft
