// Fibers: stack switching only (Boost.Context's fcontext layer), with stacks reused from a pool.
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

// WEFT_ASAN_FIBERS: AddressSanitizer is on (-DWEFT_SANITIZE=address,...), and every stack switch
// is announced to it; otherwise the helpers below compile to nothing.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN_FIBERS 1
#endif
#endif
#if !defined(WEFT_ASAN_FIBERS) && defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN_FIBERS 1
#endif
#if defined(WEFT_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

namespace weft::detail {

// A suspended execution context: valid until it is jumped to once (jump_fcontext consumes it;
// the context that jumps away is handed to the one resumed, in Transfer::fctx).
using FiberContext = boost::context::detail::fcontext_t;
using Transfer = boost::context::detail::transfer_t;
using boost::context::detail::jump_fcontext;
using boost::context::detail::make_fcontext;

// Fixed-size stacks, each above a PROT_NONE guard region of kGuardBytes, allocated once and
// reused: no system call and no heap allocation once warm. The guard is larger than any frame a
// scenario plausibly has (and code built with -fstack-clash-protection probes every page), so a
// stack overflow faults in the guard instead of writing into a neighbouring mapping. The guard
// costs address space only (PROT_NONE, MAP_NORESERVE).
class StackPool {
 public:
  static constexpr std::size_t kGuardBytes = std::size_t{1} << 20;
  static constexpr std::size_t kMinStackSize = 16 * 1024;
  static constexpr std::size_t kMaxStackSize = std::size_t{1} << 30;

  // Precondition: kMinStackSize <= stack_size <= kMaxStackSize (the runner checks).
  explicit StackPool(std::size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  // Under AddressSanitizer, also clears the stack's shadow (a suspended fiber's frames leave
  // poisoned redzones behind that the stack's next user must not inherit).
  void deallocate(boost::context::stack_context& sctx) noexcept;
  std::size_t stack_size() const { return size_; }
  // Whether `address` lies in the guard region of one of this pool's stacks (a stack overflow).
  // Async-signal-safe: reads only, no allocation.
  bool in_guard(const void* address) const noexcept;

 private:
  std::size_t size_;             // usable bytes per stack
  std::vector<void*> free_;      // stack tops ready for reuse
  std::vector<void*> mappings_;  // every mapping (guard first, then the stack), for release
};

// The memory a context runs on, for the sanitizer's fiber annotations: lowest address and size.
// An empty one (the root, before its bounds are known) means "the OS thread's own stack".
struct StackBounds {
  const void* bottom = nullptr;
  std::size_t size = 0;
};

inline StackBounds stack_bounds(const boost::context::stack_context& sctx) {
  return {static_cast<const char*>(sctx.sp) - sctx.size, sctx.size};
}

// Announces one stack switch to AddressSanitizer (no-op without it). Usage, around every
// jump_fcontext:
//   const FiberSwitch sw(bounds_of_target);   // immediately before the jump
//   jump_fcontext(...);
//   sw.resumed(&slot_or_null);                // first thing once this context runs again
// resumed() (and fiber_entered(), a fresh fiber's first statement) stores the bounds of the stack
// that switched here into *from when `from` is non-null: that is how the root's bounds are
// learned. Contract: a context never switches to itself; no switch between start and finish.
class FiberSwitch {
 public:
#if defined(WEFT_ASAN_FIBERS)
  explicit FiberSwitch(StackBounds to) { __sanitizer_start_switch_fiber(&fake_stack_, to.bottom, to.size); }
  void resumed(StackBounds* from) const { finish(fake_stack_, from); }
  static void finish(void* fake_stack, StackBounds* from) {
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
    if (from != nullptr) *from = {bottom, size};
  }

 private:
  void* fake_stack_ = nullptr;  // this context's fake stack (detect_stack_use_after_return)
#else
  explicit FiberSwitch(StackBounds) {}
  void resumed(StackBounds*) const {}
#endif
};

// A fresh fiber's first statement: completes the switch that started it (see FiberSwitch).
inline void fiber_entered([[maybe_unused]] StackBounds* from) {
#if defined(WEFT_ASAN_FIBERS)
  FiberSwitch::finish(nullptr, from);
#endif
}

}  // namespace weft::detail
