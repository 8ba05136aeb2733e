// Stack pool for fibers: mmap'ed stacks with a PROT_NONE guard page below each.
#include "runtime/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#if defined(WEFT_ASAN_FIBERS)
#include <sanitizer/asan_interface.h>
#endif

namespace weft::detail {

namespace {
std::size_t page_size() {
  static const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return kPage;
}

// Clears AddressSanitizer's shadow of a stack's usable bytes (below `top`); no-op without it.
void unpoison_stack([[maybe_unused]] void* top, [[maybe_unused]] std::size_t size) {
#if defined(WEFT_ASAN_FIBERS)
  __asan_unpoison_memory_region(static_cast<char*>(top) - size, size);
#endif
}
}  // namespace

StackPool::StackPool(std::size_t stack_size) {
  const std::size_t page = page_size();
  size_ = (stack_size + page - 1) / page * page;
  free_.reserve(64);
  mappings_.reserve(64);
}

StackPool::~StackPool() {
  const std::size_t page = page_size();
  for (void* base : mappings_) {
    unpoison_stack(static_cast<char*>(base) + page + size_, size_);  // the next mapping here starts clean
    munmap(base, size_ + page);
  }
}

boost::context::stack_context StackPool::allocate() {
  boost::context::stack_context sctx;
  sctx.size = size_;
  if (!free_.empty()) {
    sctx.sp = free_.back();
    free_.pop_back();
    return sctx;
  }
  const std::size_t page = page_size();
  void* base = mmap(nullptr, size_ + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  mprotect(base, page, PROT_NONE);  // guard page: a stack overflow faults instead of corrupting
  mappings_.push_back(base);
  if (free_.capacity() < mappings_.size()) free_.reserve(mappings_.size() * 2);
  sctx.sp = static_cast<char*>(base) + page + size_;
  return sctx;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  unpoison_stack(sctx.sp, size_);
  free_.push_back(sctx.sp);  // capacity covers every mapping (see allocate): no allocation
}

}  // namespace weft::detail
