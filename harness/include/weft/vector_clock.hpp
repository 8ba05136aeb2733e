// The vector clock: one type for happens-before in the race checker and in DPOR.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace weft {

// Invariants: entry i counts events of thread i; missing entries are zero. Threads may be
// added at any time (no fixed cap); a clock grows only when a larger thread id is set or
// joined in, so steady-state use after warm-up does not allocate.
class VectorClock {
 public:
  VectorClock() = default;
  explicit VectorClock(std::size_t threads) : c_(threads, 0) {}

  std::uint32_t get(std::size_t thread) const { return thread < c_.size() ? c_[thread] : 0; }
  void set(std::size_t thread, std::uint32_t value) {
    if (thread >= c_.size()) c_.resize(thread + 1, 0);
    c_[thread] = value;
  }
  // Increments this thread's own component; returns the new value.
  std::uint32_t tick(std::size_t thread) {
    if (thread >= c_.size()) c_.resize(thread + 1, 0);
    return ++c_[thread];
  }
  // Pointwise maximum (this := this ⊔ other).
  void join(const VectorClock& other) {
    if (other.c_.size() > c_.size()) c_.resize(other.c_.size(), 0);
    for (std::size_t i = 0; i < other.c_.size(); ++i) c_[i] = std::max(c_[i], other.c_[i]);
  }
  // this ⊑ other: every component is <=.
  bool leq(const VectorClock& other) const {
    for (std::size_t i = 0; i < c_.size(); ++i) {
      if (c_[i] > other.get(i)) return false;
    }
    return true;
  }
  // The epoch (thread, clock) happened before this clock.
  bool covers(std::size_t thread, std::uint32_t clock) const { return clock <= get(thread); }
  void clear() { std::fill(c_.begin(), c_.end(), 0); }
  std::size_t size() const { return c_.size(); }
  bool operator==(const VectorClock& other) const {
    const std::size_t n = std::max(c_.size(), other.c_.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (get(i) != other.get(i)) return false;
    }
    return true;
  }

 private:
  std::vector<std::uint32_t> c_;
};

}  // namespace weft
