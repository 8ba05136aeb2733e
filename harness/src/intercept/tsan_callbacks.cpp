// Definitions of the __tsan_* callbacks clang 14's ThreadSanitizer pass emits, routed to weft's runtime.
//
// On a simulated thread: an atomic or fence is a scheduling point and an event through the seam,
// then the operation on the memory (one simulated thread runs at a time); a plain access is an
// event for the data race checker with no scheduling point; __tsan_func_entry/exit keep a shadow
// call stack for locations. Anywhere else (no execution on this OS thread, the runner's stack,
// static initialization, gtest) every callback performs the operation natively.
#include <sanitizer/tsan_interface_atomic.h>

#include <atomic>
#include <cstdint>

#include "state.hpp"

extern "C" char __libc_single_threaded;  // glibc >= 2.32

namespace weft::intercept {
namespace {

#define WEFT_PC __builtin_return_address(0)

// ---------------------------------------------------------------------------------------
// Plain accesses

[[gnu::noinline]] void plain_slow(const volatile void* addr, bool write, const void* pc,
                                  const detail::SimContext& ctx) {
  const SourceLoc loc = here(pc, ctx.thread);
  Entry* e = lookup(const_cast<const void*>(addr), Use::kPlain, ctx, loc);
  if (e == nullptr) return;
  guarded([&] { detail::log_plain_access(write ? OpKind::kVarWrite : OpKind::kVarRead, e->mutex.slot, loc); });
}

[[gnu::always_inline]] inline void plain(const volatile void* addr, bool write, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]]
    return;
  plain_slow(addr, write, pc, ctx);
}

// ---------------------------------------------------------------------------------------
// Atomics

template <class T>
struct Unsigned;
template <>
struct Unsigned<char> {
  using type = unsigned char;
};
template <>
struct Unsigned<short> {
  using type = unsigned short;
};
template <>
struct Unsigned<int> {
  using type = unsigned int;
};
template <>
struct Unsigned<long> {
  using type = unsigned long;
};
template <>
struct Unsigned<__int128> {
  using type = unsigned __int128;
};

enum class Rmw : std::uint8_t { kExchange, kAdd, kSub, kAnd, kOr, kXor, kNand };

template <class T>
T apply(Rmw op, T old, T v) {
  using U = typename Unsigned<T>::type;
  const U a = static_cast<U>(old);
  const U b = static_cast<U>(v);
  switch (op) {
    case Rmw::kExchange:
      return v;
    case Rmw::kAdd:
      return static_cast<T>(static_cast<U>(a + b));
    case Rmw::kSub:
      return static_cast<T>(static_cast<U>(a - b));
    case Rmw::kAnd:
      return static_cast<T>(a & b);
    case Rmw::kOr:
      return static_cast<T>(a | b);
    case Rmw::kXor:
      return static_cast<T>(a ^ b);
    case Rmw::kNand:
      return static_cast<T>(static_cast<U>(~(a & b)));
  }
  return v;
}

// Native operations (outside explorations): sequentially consistent, which is at least as strong
// as any requested order. 128 bits: under one spin lock (no libatomic needed).
std::atomic_flag g_wide_lock = ATOMIC_FLAG_INIT;
struct WideGuard {
  WideGuard() {
    while (g_wide_lock.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~WideGuard() { g_wide_lock.clear(std::memory_order_release); }
};

template <class T>
T native_load(const volatile T* a) {
  if constexpr (sizeof(T) == 16) {
    WideGuard g;
    return *a;
  } else {
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);
  }
}
template <class T>
void native_store(volatile T* a, T v) {
  if constexpr (sizeof(T) == 16) {
    WideGuard g;
    *a = v;
  } else {
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);
  }
}
template <class T>
T native_rmw(volatile T* a, Rmw op, T v) {
  if constexpr (sizeof(T) == 16) {
    WideGuard g;
    const T old = *a;
    *a = apply(op, old, v);
    return old;
  } else {
    T old = __atomic_load_n(a, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(a, &old, apply(op, old, v), false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    return old;
  }
}
template <class T>
T native_cas(volatile T* a, T cmp, T xchg) {  // returns the value read
  if constexpr (sizeof(T) == 16) {
    WideGuard g;
    const T old = *a;
    if (old == cmp) *a = xchg;
    return old;
  } else {
    __atomic_compare_exchange_n(a, &cmp, xchg, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return cmp;
  }
}

std::memory_order order_of(__tsan_memory_order mo) {
  const int m = static_cast<int>(mo);
  return m >= 0 && m <= 5 ? static_cast<std::memory_order>(m) : std::memory_order_seq_cst;
}

// The scheduling point and event of an atomic operation at `addr`; nullptr-free: returns the
// event to fill in (a discarded one while aborting). Precondition: ctx.thread >= 0.
template <class F>
void atomic_op(const volatile void* addr, OpKind op, __tsan_memory_order mo, const void* pc,
               const detail::SimContext& ctx, F&& perform) {
  const SourceLoc loc = here(pc, ctx.thread);
  Entry* e = lookup(const_cast<const void*>(addr), Use::kAtomic, ctx, loc);
  if (e == nullptr) {
    Event scratch;
    perform(scratch);
    return;
  }
  guarded([&] {
    Event& ev = detail::access(op, e->mutex.slot, ObjectKind::kAtomic, order_of(mo), loc);
    perform(ev);
  });
}

template <class T>
T load(const volatile T* a, __tsan_memory_order mo, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]]
    return native_load(a);
  T r{};
  atomic_op(a, OpKind::kAtomicLoad, mo, pc, ctx, [&](Event& ev) {
    r = *a;
    ev.value = static_cast<std::int64_t>(r);
  });
  return r;
}

template <class T>
void store(volatile T* a, T v, __tsan_memory_order mo, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]]
    return native_store(a, v);
  atomic_op(a, OpKind::kAtomicStore, mo, pc, ctx, [&](Event& ev) {
    *a = v;
    ev.value = static_cast<std::int64_t>(v);
  });
}

template <class T>
T rmw(volatile T* a, Rmw op, T v, __tsan_memory_order mo, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]]
    return native_rmw(a, op, v);
  T old{};
  atomic_op(a, OpKind::kAtomicRmw, mo, pc, ctx, [&](Event& ev) {
    old = *a;
    const T now = apply(op, old, v);
    *a = now;
    ev.aux = static_cast<std::int64_t>(old);
    ev.value = static_cast<std::int64_t>(now);
  });
  return old;
}

// Compare-and-swap; returns the value read. Never fails spuriously (the pass lowers weak to
// strong anyway).
template <class T>
T cas(volatile T* a, T cmp, T xchg, __tsan_memory_order mo, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]]
    return native_cas(a, cmp, xchg);
  T old{};
  atomic_op(a, OpKind::kAtomicCas, mo, pc, ctx, [&](Event& ev) {
    old = *a;
    const bool ok = old == cmp;
    if (ok) *a = xchg;
    ev.aux = static_cast<std::int64_t>(old);
    ev.value = ok ? 1 : 0;
  });
  return old;
}

// A fence: a scheduling point and an acq_rel read-modify-write of one pseudo atomic per
// execution (conservative: every two fences synchronize).
char g_fence_object;

void fence(__tsan_memory_order mo, const void* pc) {
  const detail::SimContext ctx = sim();
  if (ctx.thread < 0) [[likely]] {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return;
  }
  const __tsan_memory_order m = mo == __tsan_memory_order_relaxed ? mo : __tsan_memory_order_acq_rel;
  atomic_op(&g_fence_object, OpKind::kAtomicRmw, m, pc, ctx, [](Event&) {});
}

}  // namespace
}  // namespace weft::intercept

using weft::intercept::Rmw;
namespace wi = weft::intercept;

extern "C" {

// ---------------------------------------------------------------------------------------
// Initialization and function entry/exit

void __tsan_init() {
  // libstdc++ picks non-atomic reference counts (shared_ptr, locale, string) while glibc says the
  // process is single-threaded, which it stays: simulated threads are not pthreads. Cleared for
  // good, once, before main, so that every execution takes the same (atomic) paths.
  __libc_single_threaded = 0;
}

void __tsan_func_entry(void* caller_pc) {
  const weft::detail::SimContext ctx = weft::intercept::sim();
  if (ctx.thread < 0 || ctx.thread >= wi::kMaxShadowThreads) [[likely]]
    return;
  wi::Shadow& s = wi::g_shadow[ctx.thread];
  if (s.serial != ctx.serial) [[unlikely]] {  // the first call of this thread in this execution
    s.serial = ctx.serial;
    s.depth = 0;
  }
  if (s.depth < wi::kShadowDepth) s.pcs[s.depth] = caller_pc;
  ++s.depth;
}

void __tsan_func_exit() {
  const weft::detail::SimContext ctx = weft::intercept::sim();
  if (ctx.thread < 0 || ctx.thread >= wi::kMaxShadowThreads) [[likely]]
    return;
  wi::Shadow& s = wi::g_shadow[ctx.thread];
  if (s.serial == ctx.serial && s.depth > 0) --s.depth;
}

// ---------------------------------------------------------------------------------------
// Plain accesses: aligned, unaligned, volatile, compound (read-before-write), ranges, vptr.

#define WEFT_PLAIN(N)                                                      \
  void __tsan_read##N(void* a) { wi::plain(a, false, WEFT_PC); }           \
  void __tsan_write##N(void* a) { wi::plain(a, true, WEFT_PC); }           \
  void __tsan_volatile_read##N(void* a) { wi::plain(a, false, WEFT_PC); }  \
  void __tsan_volatile_write##N(void* a) { wi::plain(a, true, WEFT_PC); }  \
  void __tsan_read_write##N(void* a) {                                     \
    wi::plain(a, false, WEFT_PC);                                          \
    wi::plain(a, true, WEFT_PC);                                           \
  }                                                                        \
  void __tsan_read##N##_pc(void* a, void* pc) { wi::plain(a, false, pc); } \
  void __tsan_write##N##_pc(void* a, void* pc) { wi::plain(a, true, pc); }
WEFT_PLAIN(1)
WEFT_PLAIN(2)
WEFT_PLAIN(4)
WEFT_PLAIN(8)
WEFT_PLAIN(16)

#define WEFT_UNALIGNED(N)                                                           \
  void __tsan_unaligned_read##N(const void* a) { wi::plain(a, false, WEFT_PC); }    \
  void __tsan_unaligned_write##N(void* a) { wi::plain(a, true, WEFT_PC); }          \
  void __tsan_unaligned_volatile_read##N(void* a) { wi::plain(a, false, WEFT_PC); } \
  void __tsan_unaligned_volatile_write##N(void* a) { wi::plain(a, true, WEFT_PC); } \
  void __tsan_unaligned_read_write##N(void* a) {                                    \
    wi::plain(a, false, WEFT_PC);                                                   \
    wi::plain(a, true, WEFT_PC);                                                    \
  }
WEFT_UNALIGNED(2)
WEFT_UNALIGNED(4)
WEFT_UNALIGNED(8)
WEFT_UNALIGNED(16)

// A range is one access keyed by its start address (see README: partial overlaps are not matched).
void __tsan_read_range(void* a, unsigned long size) {
  if (size != 0) wi::plain(a, false, WEFT_PC);
}
void __tsan_write_range(void* a, unsigned long size) {
  if (size != 0) wi::plain(a, true, WEFT_PC);
}

// vptr: an update that stores the same vtable pointer again (a base-class constructor chain)
// is not a write, as in ThreadSanitizer.
void __tsan_vptr_read(void** vptr_p) { wi::plain(vptr_p, false, WEFT_PC); }
void __tsan_vptr_update(void** vptr_p, void* new_val) {
  if (*vptr_p != new_val) wi::plain(vptr_p, true, WEFT_PC);
}

// ---------------------------------------------------------------------------------------
// Atomics

#define WEFT_ATOMICS(N)                                                                                               \
  __tsan_atomic##N __tsan_atomic##N##_load(const volatile __tsan_atomic##N* a, __tsan_memory_order mo) {              \
    return wi::load(a, mo, WEFT_PC);                                                                                  \
  }                                                                                                                   \
  void __tsan_atomic##N##_store(volatile __tsan_atomic##N* a, __tsan_atomic##N v, __tsan_memory_order mo) {           \
    wi::store(a, v, mo, WEFT_PC);                                                                                     \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_exchange(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                      \
                                               __tsan_memory_order mo) {                                              \
    return wi::rmw(a, Rmw::kExchange, v, mo, WEFT_PC);                                                                \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_add(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                     \
                                                __tsan_memory_order mo) {                                             \
    return wi::rmw(a, Rmw::kAdd, v, mo, WEFT_PC);                                                                     \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_sub(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                     \
                                                __tsan_memory_order mo) {                                             \
    return wi::rmw(a, Rmw::kSub, v, mo, WEFT_PC);                                                                     \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_and(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                     \
                                                __tsan_memory_order mo) {                                             \
    return wi::rmw(a, Rmw::kAnd, v, mo, WEFT_PC);                                                                     \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_or(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                      \
                                               __tsan_memory_order mo) {                                              \
    return wi::rmw(a, Rmw::kOr, v, mo, WEFT_PC);                                                                      \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_xor(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                     \
                                                __tsan_memory_order mo) {                                             \
    return wi::rmw(a, Rmw::kXor, v, mo, WEFT_PC);                                                                     \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_fetch_nand(volatile __tsan_atomic##N* a, __tsan_atomic##N v,                    \
                                                 __tsan_memory_order mo) {                                            \
    return wi::rmw(a, Rmw::kNand, v, mo, WEFT_PC);                                                                    \
  }                                                                                                                   \
  int __tsan_atomic##N##_compare_exchange_strong(volatile __tsan_atomic##N* a, __tsan_atomic##N* c,                   \
                                                 __tsan_atomic##N v, __tsan_memory_order mo, __tsan_memory_order) {   \
    const __tsan_atomic##N expected = *c;                                                                             \
    *c = wi::cas(a, expected, v, mo, WEFT_PC);                                                                        \
    return *c == expected;                                                                                            \
  }                                                                                                                   \
  int __tsan_atomic##N##_compare_exchange_weak(volatile __tsan_atomic##N* a, __tsan_atomic##N* c, __tsan_atomic##N v, \
                                               __tsan_memory_order mo, __tsan_memory_order) {                         \
    const __tsan_atomic##N expected = *c;                                                                             \
    *c = wi::cas(a, expected, v, mo, WEFT_PC);                                                                        \
    return *c == expected;                                                                                            \
  }                                                                                                                   \
  __tsan_atomic##N __tsan_atomic##N##_compare_exchange_val(volatile __tsan_atomic##N* a, __tsan_atomic##N c,          \
                                                           __tsan_atomic##N v, __tsan_memory_order mo,                \
                                                           __tsan_memory_order) {                                     \
    return wi::cas(a, c, v, mo, WEFT_PC);                                                                             \
  }
WEFT_ATOMICS(8)
WEFT_ATOMICS(16)
WEFT_ATOMICS(32)
WEFT_ATOMICS(64)
WEFT_ATOMICS(128)

void __tsan_atomic_thread_fence(__tsan_memory_order mo) { wi::fence(mo, WEFT_PC); }
void __tsan_atomic_signal_fence(__tsan_memory_order) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

}  // extern "C"
