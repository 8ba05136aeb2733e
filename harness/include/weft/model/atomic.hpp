// The model facade's atomic<T>, var<T> and atomic_thread_fence: every access a visible operation.
// Included by weft/model/sync.hpp (after its mutex and condition_variable).
#pragma once

#include <atomic>
#include <cstring>
#include <type_traits>
#include <utility>

#include "weft/detail/atomic_ops.hpp"
#include "weft/model/runtime_api.hpp"
#include "weft/source_loc.hpp"

namespace weft {

namespace detail {
// The parking lot of atomic<T>::wait / notify_*: one mutex and condition variable (static storage,
// registered in each execution at first use) shared by every atomic, as address-keyed waiter
// tables are natively. A notify wakes every waiter of every atomic; each re-checks its value.
struct AtomicParking {
  mutex m{SourceLoc{"<atomic wait/notify>", 1}};
  condition_variable cv{SourceLoc{"<atomic wait/notify>", 1}};
};
inline AtomicParking& atomic_parking() {
  static AtomicParking parking;
  return parking;
}
}  // namespace detail

// std::atomic<T> on the model: sequentially consistent execution; the memory orders feed the
// data-race checker's happens-before (release/acquire edges). compare_exchange_weak never fails
// spuriously. Operators: weft/detail/atomic_ops.hpp.
template <class T>
class atomic : public detail::AtomicOps<atomic<T>, T> {
  static_assert(std::is_trivially_copyable_v<T>, "weft::atomic<T> needs a trivially copyable T");
  using D = detail::atomic_difference_t<T>;
  static constexpr auto kSc = std::memory_order_seq_cst;

 public:
  using value_type = T;
  using difference_type = D;
  static constexpr bool is_always_lock_free = true;  // no lock in the model

  atomic(T initial = T{}, SourceLoc decl = SourceLoc::current()) : value_(initial), init_(initial) {  // NOLINT
    slot_.restore = [](void* p) {
      auto* a = static_cast<atomic*>(p);
      a->value_ = a->init_;
    };
    slot_.restore_arg = this;
    detail::register_object(slot_, ObjectKind::kAtomic, decl);
  }
  atomic(const atomic&) = delete;
  atomic& operator=(atomic&) = delete;  // (not const&: `a = 3` must not convert 3 to an atomic)
  using detail::AtomicOps<atomic<T>, T>::operator=;

  bool is_lock_free() const noexcept { return true; }
  SourceLoc decl() const noexcept { return slot_.declared; }

  T load(std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicLoad, slot_, ObjectKind::kAtomic, mo, loc);
    e.value = detail::to_event_value(value_);
    return value_;
  }
  void store(T v, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicStore, slot_, ObjectKind::kAtomic, mo, loc);
    value_ = v;
    e.value = detail::to_event_value(v);
  }
  T exchange(T v, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    return rmw([v](T) { return v; }, mo, loc);
  }
  T fetch_add(D d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    return rmw([d](T old) { return static_cast<T>(old + d); }, mo, loc);
  }
  T fetch_sub(D d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicArithmetic<T>
  {
    return rmw([d](T old) { return static_cast<T>(old - d); }, mo, loc);
  }
  T fetch_and(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return rmw([d](T old) { return static_cast<T>(old & d); }, mo, loc);
  }
  T fetch_or(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return rmw([d](T old) { return static_cast<T>(old | d); }, mo, loc);
  }
  T fetch_xor(T d, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current())
    requires detail::kAtomicIntegral<T>
  {
    return rmw([d](T old) { return static_cast<T>(old ^ d); }, mo, loc);
  }
  // The model never fails spuriously: weak behaves as strong. The event carries the success
  // order (the failure order only weakens the failed load).
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = kSc,
                               SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kAtomicCas, slot_, ObjectKind::kAtomic, mo, loc);
    e.aux = detail::to_event_value(value_);
    if (std::memcmp(&value_, &expected, sizeof(T)) == 0) {
      value_ = desired;
      e.value = 1;
      return true;
    }
    expected = value_;
    e.value = 0;
    return false;
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order /*failure*/,
                               SourceLoc loc = SourceLoc::current()) {
    return compare_exchange_strong(expected, desired, success, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = kSc,
                             SourceLoc loc = SourceLoc::current()) {
    return compare_exchange_strong(expected, desired, mo, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success, std::memory_order /*failure*/,
                             SourceLoc loc = SourceLoc::current()) {
    return compare_exchange_strong(expected, desired, success, loc);
  }

  // Blocks while the value equals `old` (C++20 atomic waiting; blocked waiters count for the
  // deadlock checker). Through detail::atomic_parking.
  void wait(T old, std::memory_order mo = kSc, SourceLoc loc = SourceLoc::current()) {
    if (!same(load(mo, loc), old)) return;
    detail::AtomicParking& p = detail::atomic_parking();
    unique_lock<mutex> g(p.m, loc);
    while (same(load(mo, loc), old)) p.cv.wait(g, loc);
  }
  void notify_one(SourceLoc loc = SourceLoc::current()) { notify_all(loc); }  // the lot wakes all
  void notify_all(SourceLoc loc = SourceLoc::current()) {
    detail::AtomicParking& p = detail::atomic_parking();
    lock_guard<mutex> g(p.m, loc);
    p.cv.notify_all(loc);
  }

 private:
  static bool same(const T& a, const T& b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }
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
  T init_;  // construction-time value (static storage: restored in each execution)
};

// A tracked plain (non-atomic) shared variable: every load and store is a visible operation
// checked for data races. Operators (weft/detail/atomic_ops.hpp) let it read like a T. With
// static storage its value is restored in each execution when T is copy-constructible; otherwise
// a later execution's first use after a modification is an api_misuse finding naming it.
template <class T>
class var : public detail::VarOps<var<T>, T> {
  static constexpr bool kRestorable = std::is_copy_constructible_v<T> && std::is_copy_assignable_v<T>;
  struct NoInit {};

 public:
  var(T initial = T{}, SourceLoc decl = SourceLoc::current())  // NOLINT: implicit, as `T x = v;`
      : init_(make_init(initial)), value_(std::move(initial)) {
    if constexpr (kRestorable) {
      slot_.restore = [](void* p) {
        auto* v = static_cast<var*>(p);
        v->value_ = v->init_;
      };
      slot_.restore_arg = this;
    } else {
      slot_.flags = detail::kSlotNoRestore;
    }
    detail::register_object(slot_, ObjectKind::kVar, decl);
  }
  var(const var&) = delete;
  var& operator=(var&) = delete;  // (not const&: `v = 3` must not convert 3 to a var)
  using detail::VarOps<var<T>, T>::operator=;

  SourceLoc decl() const noexcept { return slot_.declared; }

  T load(SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kVarRead, slot_, ObjectKind::kVar, std::memory_order_relaxed, loc);
    e.value = detail::to_event_value(value_);
    return value_;
  }
  void store(T v, SourceLoc loc = SourceLoc::current()) {
    Event& e = detail::access(OpKind::kVarWrite, slot_, ObjectKind::kVar, std::memory_order_relaxed, loc);
    value_ = std::move(v);
    e.value = detail::to_event_value(value_);
    if constexpr (!kRestorable) slot_.flags |= detail::kSlotDirty;
  }

 private:
  static auto make_init(const T& v) {
    if constexpr (kRestorable) {
      return T(v);
    } else {
      return NoInit{};
    }
  }

  detail::ObjectSlot slot_;
  [[no_unique_address]] std::conditional_t<kRestorable, T, NoInit> init_;
  T value_;
};

namespace detail {
// The hidden location of atomic_thread_fence (static storage, registered in each execution).
inline atomic<int>& fence_location() {
  static atomic<int> location(0, SourceLoc{"<atomic_thread_fence>", 1});
  return location;
}
}  // namespace detail

// A fence of order `mo` is an RMW of that order on one hidden location shared by every fence:
// a release fence happens-before every later acquire fence of any thread (the data-race checker's
// edge), and fences are mutually dependent for DPOR. This over-approximates C++'s fence rules
// (which order two fences only through an atomic that the second side reads): races that only a
// weak-memory execution between fenced threads shows are not found. A relaxed fence does nothing.
inline void atomic_thread_fence(std::memory_order mo, SourceLoc loc = SourceLoc::current()) {
  if (mo == std::memory_order_relaxed) return;
  detail::fence_location().fetch_add(0, mo, loc);
}
// A compiler-only fence: no inter-thread effect in the model.
inline void atomic_signal_fence(std::memory_order, SourceLoc = SourceLoc::current()) {}

}  // namespace weft
