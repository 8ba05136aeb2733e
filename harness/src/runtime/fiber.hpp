// Fibers: stack switching only (Boost.Context), with stacks reused from a pool.
#pragma once

#include <boost/context/fiber.hpp>
#include <boost/context/preallocated.hpp>
#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <vector>

namespace weft::detail {

using Fiber = boost::context::fiber;

// Fixed-size stacks with a guard page, allocated once and reused: creating a fiber per
// simulated thread per execution costs no system call and no heap allocation once warm.
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

// Boost.Context StackAllocator over a pool.
struct PoolStackAllocator {
  StackPool* pool;
  boost::context::stack_context allocate() { return pool->allocate(); }
  void deallocate(boost::context::stack_context& sctx) noexcept { pool->deallocate(sctx); }
};

}  // namespace weft::detail
