// The exhaustive DFS's choice stack (strategies/dfs.cpp), inline so that the execution picks
// through it directly: no virtual call and no PickContext per scheduling point.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace weft::detail {

// Stateless depth-first search, replaying the prefix: the stack holds, per choice of the
// current execution, the alternative taken and how many there were. Contracts of pick() and
// index() are those of Strategy::pick_next and Strategy::pick_value.
class DfsChooser {
 public:
  explicit DfsChooser(int bound) : bound_(bound) {
    stack_.reserve(1024);
    steps_.resize(1024);
  }

  void begin() {
    depth_ = 0;
    preemptions_ = 0;
  }

  // r: the runnable threads, ascending, >= 2 of them. Alternatives in order: the current
  // thread first (no preemption), then the others ascending. After a yield the current thread
  // goes last, so spin loops let the others run first. Mapped from the index without building
  // a list.
  [[gnu::always_inline]] int pick(std::span<const int> r, int current, bool can_continue, bool yielded,
                                  std::uint32_t step) {
    const auto n = static_cast<std::uint32_t>(r.size());
    const bool free_switch = !can_continue || yielded;
    const bool bounded = bound_ >= 0 && preemptions_ >= bound_ && !free_switch;
    if (bounded) [[unlikely]]
      pruned_ = true;
    const std::uint32_t i = index(bounded ? 1 : n, step);
    int chosen;
    if (!can_continue) {
      chosen = r[i];
    } else if (!yielded) {
      chosen = i == 0 ? current : nth_other(r, current, i - 1);
    } else {
      chosen = i == n - 1 ? current : nth_other(r, current, i);
    }
    if (!free_switch && chosen != current) ++preemptions_;
    return chosen;
  }

  // pick() with the runnable threads as a bit mask r (thread i: bit i), >= 2 of them: the same
  // alternatives in the same order, mapped from the index without building a list.
  [[gnu::always_inline]] int pick_mask(std::uint64_t r, int current, bool yielded, std::uint32_t step) {
    const bool can_continue = current >= 0 && ((r >> current) & 1) != 0;
    std::uint32_t n = 0;  // popcount(r), counted bit by bit: r has few bits, and x86-64 may lack popcnt
#pragma clang loop unroll(disable)
    for (std::uint64_t m = r; m != 0; m &= m - 1) ++n;
    const bool free_switch = !can_continue || yielded;
    const bool bounded = bound_ >= 0 && preemptions_ >= bound_ && !free_switch;
    if (bounded) [[unlikely]]
      pruned_ = true;
    const std::uint32_t i = index(bounded ? 1 : n, step);
    if (!can_continue) return nth_bit(r, i);
    const std::uint64_t others = r & ~(std::uint64_t{1} << current);
    int chosen;
    if (!yielded) {
      chosen = i == 0 ? current : nth_bit(others, i - 1);
    } else {
      chosen = i == n - 1 ? current : nth_bit(others, i);
    }
    if (!free_switch && chosen != current) ++preemptions_;
    return chosen;
  }

  // The alternative to take at the next choice, of `count`, made at event index `step`.
  [[gnu::always_inline]] std::uint32_t index(std::uint32_t count, std::uint32_t step) {
    if (depth_ < size_) [[likely]] {
      const Frame& f = stack_[depth_++];
      if (f.count != count || f.step != step) [[unlikely]]
        note_replay_divergence(f, count, step);
      return std::min(f.index, count - 1);
    }
    return push(count, step);
  }

  // After an execution: backtrack to the deepest choice with an untried alternative.
  void end();

  // The event index of each choice of the current (or, after end(), the last) execution; valid
  // until the next execution begins.
  std::span<const std::uint32_t> choice_steps() const { return {steps_.data(), depth_}; }
  // After end(): how many leading choices the next execution makes at the same steps as the last
  // one (it replays all but the last of them and takes a new alternative at the last).
  std::uint32_t kept_choices() const { return static_cast<std::uint32_t>(size_); }
  bool exhausted() const { return exhausted_; }
  bool pruned() const { return pruned_; }
  const std::string& divergence_text() const { return divergence_; }

 private:
  struct Frame {
    std::uint32_t index;  // alternative taken
    std::uint32_t count;  // alternatives available
    std::uint32_t step;   // event index at which the choice was made (determinism check)
  };

  // The k-th runnable thread other than `current` (r is ascending and contains current).
  static int nth_other(std::span<const int> r, int current, std::uint32_t k) {
    return r[k] < current ? r[k] : r[k + 1];
  }
  // The index of the k-th lowest set bit of m (m has more than k bits set).
  static int nth_bit(std::uint64_t m, std::uint32_t k) {
#pragma clang loop unroll(disable)
    for (; k != 0; --k) m &= m - 1;
    return std::countr_zero(m);
  }
  std::uint32_t push(std::uint32_t count, std::uint32_t step);
  void note_replay_divergence(const Frame& f, std::uint32_t count, std::uint32_t step);

  const int bound_;
  std::vector<Frame> stack_;
  // steps_[k] == stack_[k].step for every frame; entries past the stack are stale (end() leaves
  // them, so that choice_steps() stays valid after it).
  std::vector<std::uint32_t> steps_;
  std::size_t size_ = 0;   // stack_.size()
  std::size_t depth_ = 0;  // choices made in the current execution
  int preemptions_ = 0;
  bool exhausted_ = false;
  bool pruned_ = false;
  std::string divergence_;
};

}  // namespace weft::detail
