// free() in the executable: a block freed on a simulated thread forgets its objects (race history,
// mutex and atomic state) before glibc gets it back, so that its reuse is a new object.
#include <malloc.h>

#include "state.hpp"

extern "C" void __libc_free(void* p);  // glibc's own free, exported for interposers

extern "C" void free(void* p) {
  if (p != nullptr) {
    const weft::detail::SimContext ctx = weft::intercept::sim();
    if (ctx.thread >= 0) [[unlikely]]
      weft::intercept::forget(p, malloc_usable_size(p), ctx);
  }
  __libc_free(p);
}
