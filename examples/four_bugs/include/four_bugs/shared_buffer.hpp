// A reference-counted buffer: the last release destroys it. The count is decremented with
// acq_rel so that every owner's writes happen before the destruction; the bug (FOUR_BUGS_BUGGY)
// decrements with relaxed, so the destroying owner's read of the payload races with another
// owner's last write.
#pragma once

#include "weft/std.hpp"

namespace four_bugs {
namespace sync = weft::sync;

class SharedBuffer {
 public:
  static SharedBuffer* create(int owners) { return new SharedBuffer(owners); }

  void write(int v) { payload_.store(v); }  // buffer-write

  // Drops one owner; the last one reads the final payload into `last` and deletes the buffer.
  void release(int* last) {
#ifdef FOUR_BUGS_BUGGY
    const int before = refs_.fetch_sub(1, sync::memory_order_relaxed);
#else
    const int before = refs_.fetch_sub(1, sync::memory_order_acq_rel);
#endif
    if (before == 1) {
      *last = payload_.load();  // buffer-final-read
      delete this;
    }
  }

 private:
  explicit SharedBuffer(int owners) : refs_(owners) {}
  sync::atomic<int> refs_;
  sync::var<int> payload_{0};
};

}  // namespace four_bugs
