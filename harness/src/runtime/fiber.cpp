// Stack pool for fibers: mmap'ed stacks with a PROT_NONE guard region below each.
#include "runtime/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
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
  for (void* base : mappings_) {
    // the next mapping here starts clean
    unpoison_stack(static_cast<char*>(base) + kGuardBytes + size_, size_);
    munmap(base, kGuardBytes + size_);
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
  // The whole region starts inaccessible; only the stack above the guard becomes writable.
  void* base = mmap(nullptr, kGuardBytes + size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  char* stack = static_cast<char*>(base) + kGuardBytes;
  if (mprotect(stack, size_, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, kGuardBytes + size_);
    throw std::bad_alloc();
  }
  if (mappings_.size() == mappings_.capacity()) mappings_.reserve(mappings_.size() * 2);
  mappings_.push_back(base);
  if (free_.capacity() < mappings_.size()) free_.reserve(mappings_.size() * 2);
  sctx.sp = stack + size_;
  return sctx;
}

bool StackPool::in_guard(const void* address) const noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  for (void* base : mappings_) {
    const auto b = reinterpret_cast<std::uintptr_t>(base);
    if (a >= b && a < b + kGuardBytes) return true;
  }
  return false;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  unpoison_stack(sctx.sp, size_);
  free_.push_back(sctx.sp);  // capacity covers every mapping (see allocate): no allocation
}

}  // namespace weft::detail
