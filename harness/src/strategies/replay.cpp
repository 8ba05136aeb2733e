// Replay of one recorded schedule, detecting where a nondeterministic body diverges from it.
#include <fmt/format.h>

#include <algorithm>

#include "strategies/strategies.hpp"

namespace weft {

namespace {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint32_t> choices) : choices_(std::move(choices)) {}

  bool begin_execution() override {
    if (started_) return false;
    started_ = true;
    return true;
  }

  int pick_next(const PickContext& ctx) override {
    if (!divergence_.empty()) return ctx.runnable[0];
    if (pos_ >= choices_.size()) {
      divergence_ = fmt::format("at step {}: the schedule has no choice left, but threads {} could run", ctx.step,
                                list(ctx.runnable));
      return ctx.runnable[0];
    }
    const int want = static_cast<int>(choices_[pos_++]);
    if (std::find(ctx.runnable.begin(), ctx.runnable.end(), want) == ctx.runnable.end()) {
      divergence_ = fmt::format("at step {} (choice {}): the schedule runs t{}, which cannot run now (runnable: {})",
                                ctx.step, pos_ - 1, want, list(ctx.runnable));
      return ctx.runnable[0];
    }
    return want;
  }

  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t step) override {
    if (!divergence_.empty()) return 0;
    if (pos_ >= choices_.size()) {
      divergence_ = fmt::format("at step {}: the schedule has no choice left for a value in [0, {})", step, n);
      return 0;
    }
    const std::uint32_t v = choices_[pos_++];
    if (v >= n) {
      divergence_ = fmt::format("at step {} (choice {}): the schedule picks value {}, but only [0, {}) is possible",
                                step, pos_ - 1, v, n);
      return 0;
    }
    return v;
  }

  void end_execution() override {
    if (divergence_.empty() && pos_ < choices_.size()) {
      divergence_ = fmt::format("the execution ended after {} of the schedule's {} choices", pos_, choices_.size());
    }
  }

  bool complete() const override { return false; }
  std::string divergence() const override { return divergence_; }
  std::string name() const override { return "replay"; }

 private:
  static std::string list(std::span<const int> threads) {
    std::string out;
    for (const int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
    return out;
  }

  std::vector<std::uint32_t> choices_;
  std::size_t pos_ = 0;
  bool started_ = false;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint32_t> choices) {
  return std::make_unique<ReplayStrategy>(std::move(choices));
}

}  // namespace weft
