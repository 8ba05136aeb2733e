// A bounded FIFO queue of ints on one mutex and one condition variable, written once against
// weft::sync (std in production, weft's facade in the tests). Producers and consumers wait on the
// same condition variable, so every change notifies all waiters: with notify_one (the bug,
// FOUR_BUGS_BUGGY) a producer can wake another producer and every thread ends up waiting.
#pragma once

#include <array>
#include <cstddef>

#include "weft/std.hpp"

namespace four_bugs {
namespace sync = weft::sync;

template <std::size_t kCapacity>
class BoundedQueue {
 public:
  void push(int v) {
    sync::unique_lock<sync::mutex> lock(m_);
    while (size_.load() == kCapacity) changed_.wait(lock);
    slots_[(head_.load() + size_.load()) % kCapacity].store(v);
    size_.store(size_.load() + 1);
    notify();
  }

  int pop() {
    sync::unique_lock<sync::mutex> lock(m_);
    while (size_.load() == 0) changed_.wait(lock);
    const int v = slots_[head_.load()].load();
    head_.store((head_.load() + 1) % kCapacity);
    size_.store(size_.load() - 1);
    notify();
    return v;
  }

 private:
  void notify() {
#ifdef FOUR_BUGS_BUGGY
    changed_.notify_one();  // queue-notify
#else
    changed_.notify_all();  // queue-notify
#endif
  }

  sync::mutex m_;
  sync::condition_variable changed_;
  std::array<sync::var<int>, kCapacity> slots_{};
  sync::var<std::size_t> head_{0};
  sync::var<std::size_t> size_{0};
};

}  // namespace four_bugs
