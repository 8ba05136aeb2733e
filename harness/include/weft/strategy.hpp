// The strategy interface: who runs next at each scheduling point, and values at data choices.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace weft {

// Facts about one scheduling point. `runnable` is sorted ascending and has >= 2 entries
// (points with a single option are not shown to strategies).
struct PickContext {
  std::span<const int> runnable;
  int current = -1;          // thread that reached the point; -1 if it finished or blocked
  bool current_runnable = false;  // switching away from a runnable current is a preemption
  bool yielded = false;      // current reached the point through an explicit yield
  std::uint32_t step = 0;    // index of the next event
};

// What kind of value choice is asked for (strategies may treat them differently).
// Priority policy (runtime/priority.cpp): kRelease = whether a thread that is due becomes ready
// now or later (arrival, end of a sleep, a timeout), 0 = now; kTimedWait = the outcome of a timed
// wait that may both succeed and time out, 0 = success; kCpu = which of several equal-priority
// busy threads get the CPUs while virtual time advances.
enum class ValueChoice : std::uint8_t { kNotifyWaiter, kSpuriousWake, kUser, kRelease, kTimedWait, kCpu };

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Prepares the next execution; false when there is nothing left to explore.
  virtual bool begin_execution() = 0;
  // Returns one of ctx.runnable.
  virtual int pick_next(const PickContext& ctx) = 0;
  // Returns a value in [0, n), n >= 2.
  virtual std::uint32_t pick_value(std::uint32_t n, ValueChoice kind, std::uint32_t step) = 0;
  // Called after each execution, with the number of events it had.
  virtual void end_execution() {}
  // True when the strategy has exhausted its whole search space (exhaustive strategies).
  virtual bool complete() const { return false; }
  // Set when a replay diverged: where and how. Empty otherwise.
  virtual std::string divergence() const { return {}; }
  // Short name: "dfs", "random", "replay", ...
  virtual std::string name() const = 0;
};

}  // namespace weft
