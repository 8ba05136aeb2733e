// The strategy interface: who runs next at each scheduling point, and values at data choices.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "weft/event.hpp"
#include "weft/finding.hpp"

namespace weft {

// The operation a runnable thread will execute if picked (filled only for strategies that
// ask for detail, see Strategy::wants_detail). `object` is the object id (threads: thread id;
// kSpawn: -1, the child's id is not known yet; kYield: -1); `aux` the mutex of a kCvWake.
struct PendingOp {
  int thread = -1;
  OpKind op = OpKind::kYield;
  std::int32_t object = -1;
  std::int32_t aux = -1;
};

// Facts about one scheduling point. `runnable` is sorted ascending and has >= 2 entries
// (points with a single option are not shown to strategies, unless they ask for detail).
struct PickContext {
  std::span<const int> runnable;
  int current = -1;          // thread that reached the point; -1 if it finished or blocked
  bool current_runnable = false;  // switching away from a runnable current is a preemption
  bool yielded = false;      // current reached the point through an explicit yield
  std::uint32_t step = 0;    // index of the next event
  std::span<const Event> events;     // the execution's event log so far: events [0, step)
  std::span<const PendingOp> pending;  // detail only: runnable[i]'s next operation, same order
};

// An execution as it ended, before the checkers ran (see Strategy::on_execution).
struct ExecutionEnd {
  std::span<const Event> events;      // the whole log, including steps with a single option
  std::span<const Finding> findings;  // the runtime's findings (assertion, deadlock, ...)
  // Detail only (see Strategy::wants_detail; empty otherwise): per thread id, the operation it
  // was at when the execution ended. Threads with no kExit event in `events` had not finished
  // when a finding aborted the execution.
  std::span<const PendingOp> pending;
  int thread_count = 0;
  bool aborted = false;  // a runtime finding stopped it early; unfinished threads were unwound
};

// What kind of value choice is asked for (strategies may treat them differently).
// Priority policy (runtime/policies/priority_policy.*): kRelease = whether a thread that is due becomes ready
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
  // Called after each execution, before end_execution(), with its events and runtime findings.
  virtual void on_execution(const ExecutionEnd& /*end*/) {}
  // Called after each execution, with the number of events it had.
  virtual void end_execution() {}
  // True: pick_next is also called at scheduling points with a single runnable thread (such
  // picks are not choices and are not recorded in schedules), and PickContext::pending is
  // filled. Asked once per execution. Reduction strategies (DPOR) need every step.
  virtual bool wants_detail() const { return false; }
  // True when the strategy has exhausted its whole search space (exhaustive strategies).
  virtual bool complete() const { return false; }
  // Set when a replay diverged: where and how. Empty otherwise.
  virtual std::string divergence() const { return {}; }
  // Reduction bookkeeping reported in Result (see Result::redundant_executions).
  virtual std::uint64_t redundant_executions() const { return 0; }
  virtual std::uint64_t conservative_backtracks() const { return 0; }
  // Short name: "dfs", "random", "replay", ...
  virtual std::string name() const = 0;
};

}  // namespace weft
