// Exhaustive depth-first search (stateless, replaying the prefix), with optional preemption
// bounding as in Musuvathi & Qadeer, "Iterative context bounding for systematic testing of
// multithreaded programs", PLDI 2007. The search itself is runtime/dfs_chooser.hpp, which the
// execution calls directly (see Execution::set_dfs); pick_next and pick_value forward to it.
#include <fmt/format.h>

#include "runtime/dfs_chooser.hpp"
#include "strategies/strategies.hpp"

namespace weft {

namespace detail {

std::uint32_t DfsChooser::push(std::uint32_t count, std::uint32_t step) {
  stack_.push_back(Frame{0, count, step});
  if (steps_.size() < stack_.size()) steps_.resize(2 * stack_.size());
  steps_[stack_.size() - 1] = step;
  size_ = stack_.size();
  ++depth_;
  return 0;
}

void DfsChooser::note_replay_divergence(const Frame& f, std::uint32_t count, std::uint32_t step) {
  if (!divergence_.empty()) return;
  divergence_ = fmt::format(
      "the scenario is nondeterministic: replaying the same choices, choice {} came at step {} with {} "
      "alternatives, where before it came at step {} with {}",
      depth_ - 1, step, count, f.step, f.count);
}

void DfsChooser::end() {
  if (!divergence_.empty()) return;
  if (depth_ < stack_.size()) {
    divergence_ = fmt::format(
        "the scenario is nondeterministic: an execution ended after {} choices where the same schedule made {} before",
        depth_, stack_.size());
    return;
  }
  while (!stack_.empty() && stack_.back().index + 1 >= stack_.back().count) stack_.pop_back();
  size_ = stack_.size();
  if (stack_.empty()) {
    exhausted_ = true;
  } else {
    ++stack_.back().index;
  }
}

}  // namespace detail

namespace {

class DfsStrategy final : public Strategy, public detail::DfsChooser {
 public:
  explicit DfsStrategy(int bound) : DfsChooser(bound) {}

  bool begin_execution() override {
    begin();
    return !exhausted() && divergence_text().empty();
  }
  int pick_next(const PickContext& ctx) override {
    return pick(ctx.runnable, ctx.current, ctx.current_runnable, ctx.yielded, ctx.step);
  }
  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t step) override { return index(n, step); }
  void end_execution() override { end(); }
  bool complete() const override { return exhausted() && !pruned() && divergence_text().empty(); }
  std::string divergence() const override { return divergence_text(); }
  std::string name() const override { return "dfs"; }
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(int preemption_bound) {
  return std::make_unique<DfsStrategy>(preemption_bound);
}

}  // namespace weft
