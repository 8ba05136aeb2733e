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

// Fixed-size stacks with a guard page, allocated once and reused: no system call and no heap
// allocation once warm.
class StackPool {
 public:
  explicit StackPool(std::size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;
  std::size_t stack_size() const { return size_; }

 private:
  std::size_t size_;             // usable bytes per stack
  std::vector<void*> free_;      // stack tops ready for reuse
  std::vector<void*> mappings_;  // every mapping, for release
};

}  // namespace weft::detail
