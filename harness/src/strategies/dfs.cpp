// Exhaustive depth-first search (stateless, replaying the prefix), with optional preemption
// bounding as in Musuvathi & Qadeer, "Iterative context bounding for systematic testing of
// multithreaded programs", PLDI 2007.
#include <fmt/format.h>

#include <algorithm>

#include "strategies/strategies.hpp"

namespace weft {

namespace {

class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(int bound) : bound_(bound) { stack_.reserve(1024); }

  bool begin_execution() override {
    depth_ = 0;
    preemptions_ = 0;
    return !exhausted_ && divergence_.empty();
  }

  int pick_next(const PickContext& ctx) override {
    // Alternatives in order: the current thread first (no preemption), then the others
    // ascending. After a yield the current thread goes last, so spin loops let the others run
    // first. Mapped from the index without building a list (hot path).
    const std::span<const int> r = ctx.runnable;
    const auto n = static_cast<std::uint32_t>(r.size());
    const bool can_continue = ctx.current_runnable;
    const bool free_switch = !can_continue || ctx.yielded;
    const bool bounded = bound_ >= 0 && preemptions_ >= bound_ && !free_switch;
    if (bounded) pruned_ = true;
    const std::uint32_t index = next_index(bounded ? 1 : n, ctx.step);
    int chosen;
    if (!can_continue) {
      chosen = r[index];
    } else if (!ctx.yielded) {
      chosen = index == 0 ? ctx.current : nth_other(r, ctx.current, index - 1);
    } else {
      chosen = index == n - 1 ? ctx.current : nth_other(r, ctx.current, index);
    }
    if (!free_switch && chosen != ctx.current) ++preemptions_;
    return chosen;
  }

  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t step) override { return next_index(n, step); }

  void end_execution() override {
    if (!divergence_.empty()) return;
    if (depth_ < stack_.size()) {
      divergence_ = fmt::format(
          "the scenario is nondeterministic: an execution ended after {} choices where the same schedule made {} "
          "before",
          depth_, stack_.size());
      return;
    }
    // Backtrack to the deepest choice with an untried alternative.
    while (!stack_.empty() && stack_.back().index + 1 >= stack_.back().count) stack_.pop_back();
    if (stack_.empty()) {
      exhausted_ = true;
    } else {
      ++stack_.back().index;
    }
  }

  bool complete() const override { return exhausted_ && !pruned_ && divergence_.empty(); }
  std::string divergence() const override { return divergence_; }
  std::string name() const override { return "dfs"; }

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

  // Hot path (every choice): inlined, with the divergence report kept out of line.
  [[gnu::always_inline]] std::uint32_t next_index(std::uint32_t count, std::uint32_t step) {
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_++];
      if (f.count != count || f.step != step) [[unlikely]]
        note_replay_divergence(f, count, step);
      return std::min(f.index, count - 1);
    }
    stack_.push_back(Frame{0, count, step});
    ++depth_;
    return 0;
  }

  [[gnu::cold, gnu::noinline]] void note_replay_divergence(const Frame& f, std::uint32_t count, std::uint32_t step) {
    if (!divergence_.empty()) return;
    divergence_ = fmt::format(
        "the scenario is nondeterministic: replaying the same choices, choice {} came at step {} with {} "
        "alternatives, where before it came at step {} with {}",
        depth_ - 1, step, count, f.step, f.count);
  }

  const int bound_;
  std::vector<Frame> stack_;
  std::size_t depth_ = 0;
  int preemptions_ = 0;
  bool exhausted_ = false;
  bool pruned_ = false;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(int preemption_bound) {
  return std::make_unique<DfsStrategy>(preemption_bound);
}

}  // namespace weft
