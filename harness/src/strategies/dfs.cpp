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
  explicit DfsStrategy(int bound) : bound_(bound) {
    stack_.reserve(1024);
    alternatives_.reserve(32);
  }

  bool begin_execution() override {
    depth_ = 0;
    preemptions_ = 0;
    return !exhausted_ && divergence_.empty();
  }

  int pick_next(const PickContext& ctx) override {
    // Alternatives in order: the current thread first (no preemption), then the others.
    // After a yield the current thread goes last, so spin loops let the others run first.
    alternatives_.clear();
    const bool can_continue = ctx.current_runnable;
    const bool free_switch = !can_continue || ctx.yielded;
    const bool bounded = bound_ >= 0 && preemptions_ >= bound_ && !free_switch;
    if (can_continue && !ctx.yielded) alternatives_.push_back(ctx.current);
    if (bounded) {
      pruned_ = true;
    } else {
      for (const int t : ctx.runnable) {
        if (t != ctx.current) alternatives_.push_back(t);
      }
      if (can_continue && ctx.yielded) alternatives_.push_back(ctx.current);
    }
    const std::uint32_t index = next_index(static_cast<std::uint32_t>(alternatives_.size()), ctx.step);
    const int chosen = alternatives_[index];
    if (can_continue && !free_switch && chosen != ctx.current) ++preemptions_;
    return chosen;
  }

  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t step) override { return next_index(n, step); }

  void end_execution() override {
    if (!divergence_.empty()) return;
    if (depth_ < stack_.size()) {
      divergence_ = fmt::format(
          "the scenario is nondeterministic: an execution ended after {} choices where the same schedule made {} before",
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

  std::uint32_t next_index(std::uint32_t count, std::uint32_t step) {
    if (depth_ < stack_.size()) {
      Frame& f = stack_[depth_++];
      if ((f.count != count || f.step != step) && divergence_.empty()) {
        divergence_ = fmt::format(
            "the scenario is nondeterministic: replaying the same choices, choice {} came at step {} with {} "
            "alternatives, where before it came at step {} with {}",
            depth_ - 1, step, count, f.step, f.count);
      }
      return std::min(f.index, count - 1);
    }
    stack_.push_back(Frame{0, count, step});
    ++depth_;
    return 0;
  }

  const int bound_;
  std::vector<Frame> stack_;
  std::vector<int> alternatives_;
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
