// thread::id of every facade: a simulated (or per-run) thread id with std::thread::id's operations.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>

namespace weft::detail {

// Default-constructed: "no thread" (std's id of a non-joinable thread). Streams as t<n>, the
// name weft's findings use (t0 is the scenario's main thread).
class ThreadId {
 public:
  ThreadId() noexcept = default;
  explicit ThreadId(int v) noexcept : v_(v) {}
  int value() const noexcept { return v_; }
  friend bool operator==(ThreadId, ThreadId) = default;
  friend std::strong_ordering operator<=>(ThreadId, ThreadId) = default;
  friend std::ostream& operator<<(std::ostream& os, ThreadId id) {
    if (id.v_ < 0) return os << "thread::id of no thread";
    return os << 't' << id.v_;
  }

 private:
  int v_ = -1;
};

}  // namespace weft::detail

template <>
struct std::hash<weft::detail::ThreadId> {
  std::size_t operator()(weft::detail::ThreadId id) const noexcept { return std::hash<int>{}(id.value()); }
};
