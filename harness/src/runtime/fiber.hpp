// Fibers: stack switching only (Boost.Context's fcontext layer), with stacks reused from a pool.
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

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

}  // namespace weft::detail
