// PCT, probabilistic concurrency testing: random priorities with d - 1 random priority change points.
//
// Algorithm: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A randomized scheduler with
// probabilistic guarantees of finding bugs", ASPLOS 2010. Each execution gives the threads distinct
// random priorities d, d+1, ... (here: d plus a random 62-bit key, the same uniformly random order),
// picks d - 1 change points k_1..k_{d-1} uniformly in [1, k], and always runs the enabled thread of
// highest priority; when the execution reaches its k_i-th step, the thread that ran that step drops
// to priority i (below every initial priority). A bug of depth d (d ordering constraints) is then
// hit with probability at least 1 / (n * k^(d-1)) per execution, n threads, k steps.
//
// Here: a step is an event of the execution's log (k counts events: an over-count of scheduling
// steps, which only weakens the bound); n and k are the largest thread and event counts seen so far
// in the run. The first execution has nothing measured yet: it runs with random priorities and no
// change point. Deviations: a thread that yields drops below every other priority (spin loops that
// yield would otherwise never let the thread they wait for run); data choices (notify_one's waiter,
// spurious wake-ups, weft::choose) are uniformly random.
#include <algorithm>
#include <random>
#include <vector>

#include "strategies/strategies.hpp"

namespace weft {

namespace {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth) : rng_(seed), depth_(depth) {
    prio_.reserve(64);
    changes_.reserve(static_cast<std::size_t>(std::max(depth - 1, 0)));
  }

  bool begin_execution() override {
    prio_.clear();
    changes_.clear();
    next_change_ = 0;
    yield_floor_ = 0;
    if (k_ > 0) {
      for (int i = 1; i < depth_; ++i) changes_.push_back({1 + below(k_), i});
      std::sort(changes_.begin(), changes_.end());
    }
    return true;
  }

  int pick_next(const PickContext& ctx) override {
    // Change points reached since the last pick: the thread that ran step k_i drops to i.
    while (next_change_ < changes_.size() && changes_[next_change_].step <= ctx.step) {
      const Change& c = changes_[next_change_++];
      const int t = ctx.events[c.step - 1].thread;
      priority(t) = c.priority;
    }
    if (ctx.yielded && ctx.current >= 0) priority(ctx.current) = --yield_floor_;
    int best = ctx.runnable[0];
    for (const int t : ctx.runnable) {
      if (priority(t) > priority(best)) best = t;
    }
    return best;
  }

  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t) override { return below(n); }

  void on_execution(const ExecutionEnd& end) override {
    n_ = std::max(n_, static_cast<std::uint32_t>(end.thread_count));
    k_ = std::max(k_, static_cast<std::uint32_t>(end.events.size()));
  }

  std::string name() const override { return "pct"; }

 private:
  struct Change {
    std::uint32_t step;
    std::int64_t priority;
    bool operator<(const Change& o) const { return step < o.step; }
  };

  // A thread's priority, drawn when it is first seen: d + a random key (initial priorities are
  // all above the change points' 1..d-1 and the yields' negatives).
  std::int64_t& priority(int t) {
    const auto i = static_cast<std::size_t>(t);
    while (prio_.size() <= i) {
      prio_.push_back(static_cast<std::int64_t>(rng_() >> 2) + depth_);
    }
    return prio_[i];
  }

  // Lemire's multiply-shift reduction (same result on every standard library).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(rng_()) * n) >> 64);
  }

  std::mt19937_64 rng_;
  const int depth_;
  std::vector<std::int64_t> prio_;
  std::vector<Change> changes_;
  std::size_t next_change_ = 0;
  std::int64_t yield_floor_ = 0;
  std::uint32_t n_ = 0;  // largest thread count seen
  std::uint32_t k_ = 0;  // largest event count seen
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, int depth) {
  return std::make_unique<PctStrategy>(seed, depth);
}

}  // namespace weft
