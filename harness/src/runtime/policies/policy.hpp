// The scheduling-policy seam: which threads may run next and what time it is.
#pragma once

#include <cstdint>
#include <span>

#include "weft/event.hpp"
#include "weft/model/runtime_api.hpp"
#include "weft/priority.hpp"
#include "weft/source_loc.hpp"

namespace weft::detail {

class Execution;

// How a timed wait may end (SchedulingPolicy::arm_timeout).
enum class TimeoutArm : std::uint8_t {
  kAnyPoint,  // it may time out at any scheduling point (no clock orders it)
  kFired,     // its deadline has already passed
  kArmed,     // it times out when the policy's clock reaches the deadline
};

// What a thread waits for in a sleep-like operation (SchedulingPolicy::begin_delay / end_delay).
enum class Delay : std::uint8_t {
  kArrival,  // weft::thread_options arrival window (amount unused)
  kSleep,    // until the absolute time `amount`
  kWork,     // `amount` of CPU time
};

// A scheduling policy: owned by one Execution, chosen once per exploration (Options::policy and
// Options::fair, see make_policy) and reset at the start of every execution.
//
// Contract.
// - Who asks. Execution asks the policy only off the default hot path: role() once per
//   execution; narrow() / schedulable() at scheduling points that are not on the DFS mask path
//   (role kNarrows); decide() at every scheduling point (role kDecides); every other hook from
//   the operation it is named after (thread creation, a protocol mutex, a timed or priority
//   operation, the end of the execution). A policy of role kExact is never asked at a plain
//   visible operation: the Execution schedules from its exact enabled set (the DFS mask path
//   or compute_runnable()).
// - What it may read. The Execution's threads (Execution::thread, thread_count), the event log
//   (Execution::events), the current step and thread, and the objects a thread waits for
//   through its ThreadState. It never reads the Execution's runnable cache.
// - What it may change, and what that invalidates. The policy changes no Execution state
//   directly: a thread's waiting state only through Execution::thread_for_update(), which
//   marks the runnable set dirty (the runnable_dirty_ invariant: anything compute_runnable()
//   reads changes only through a call that invalidates it); the set it schedules from only by
//   returning it (narrow(): the Execution then marks its cache dirty, since the narrowed set is
//   not the enabled set; decide(): through Execution::pick_among(), which does the same).
//   Its own state (clocks, priorities, fairness relation) is private to it.
// - Choices. A policy that branches (release instants, CPUs, ties) asks
//   Execution::choose_value(), so that every choice is recorded and replayed.
class SchedulingPolicy {
 public:
  // How the scheduling point consults the policy.
  enum class Role : std::uint8_t {
    kExact,    // every enabled thread may run (the DFS mask path applies)
    kNarrows,  // the enabled set, narrowed by narrow()
    kDecides,  // decide() picks the next thread and keeps the clock
  };

  explicit SchedulingPolicy(Role role) : role_(role) {}
  virtual ~SchedulingPolicy() = default;
  SchedulingPolicy(const SchedulingPolicy&) = delete;
  SchedulingPolicy& operator=(const SchedulingPolicy&) = delete;

  Role role() const { return role_; }
  // How messages name it ("the fair mode").
  virtual const char* name() const = 0;
  // Whether thread_created() must be called for every new thread (tested inline at each spawn:
  // a policy that tracks nothing per thread pays no call there).
  bool tracks_threads() const { return tracks_threads_; }

  // A new execution (before thread 0 exists).
  virtual void reset() = 0;
  // Thread `tid` was created by `parent` (-1: the main thread), before it runs.
  virtual void thread_created(int tid, int parent) = 0;
  // Every thread has finished (or the execution aborted).
  virtual void execution_end() {}
  // What checkers see of the policy's run (ExecutionView::priority), nullptr when nothing; the
  // same object for the policy's lifetime (asked once).
  virtual const PriorityLog* log() const { return nullptr; }
  // kNarrows: narrows runnable[0..count) (ascending: the enabled threads) in place to the
  // threads that may run, and returns their number (>= 1 when count >= 1).
  virtual int narrow(std::span<const Event> events, int* runnable, int count) {
    (void)events;
    (void)runnable;
    return count;
  }
  // kNarrows: whether `tid` survived the last narrow().
  virtual bool schedulable(int tid) const {
    (void)tid;
    return true;
  }
  // kDecides: the thread to run next at this scheduling point (`self`: the thread that reached
  // it, -1 after an exit), or -1 when no thread can ever run again.
  virtual int decide(int self) {
    (void)self;
    return -1;
  }
  // The most threads the policy supports (spawn reports more as misuse); 0: no limit.
  virtual int max_threads() const { return 0; }

  // Time and priorities, from the operations of weft/sched.hpp.
  virtual VTime now() const = 0;
  // Precondition (every hook below): `tid` is the current thread.
  virtual void set_spawn_attr(int tid, const SpawnAttr* attr) = 0;  // for its next spawn
  virtual int priority(int tid) = 0;
  virtual int effective_priority(int tid) = 0;
  virtual int set_priority(int tid, int priority) = 0;  // returns the previous base priority
  // `tid` acquired / released a mutex with a protocol (m.protocol != none); may report misuse.
  virtual void mutex_acquired(int tid, MutexState& m, SourceLoc loc) = 0;
  virtual void mutex_released(int tid, MutexState& m) = 0;
  // Around a sleep-like operation's scheduling point (the end only when it took effect).
  virtual void begin_delay(int tid, Delay kind, VTime amount) = 0;
  virtual void end_delay(int tid, Delay kind, VTime amount, bool took_effect) = 0;
  // A timed wait until `deadline`: whether it has already passed; arming the timeout before the
  // wait's scheduling point, disarming it after, and the clock once it timed out.
  virtual bool deadline_passed(VTime deadline) const = 0;
  virtual TimeoutArm arm_timeout(int tid, VTime deadline) = 0;
  virtual void disarm_timeout(int tid) = 0;
  virtual void timed_out(int tid, VTime deadline) = 0;

 protected:
  bool tracks_threads_ = false;

 private:
  const Role role_;
};

}  // namespace weft::detail
