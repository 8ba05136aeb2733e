// The priority policy: fixed-priority preemptive scheduling on K simulated CPUs with a virtual
// clock, priority protocols and deadlines (see priority_policy.cpp for the model and papers).
#pragma once

#include <vector>

#include "runtime/policies/policy.hpp"
#include "runtime/policies/priority_state.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

// Role kDecides: decide() is the scheduling point. The policy ranks the ready threads by
// effective priority, lets the strategy pick among the candidates that may hold a CPU
// (Execution::pick_among), and advances virtual time when none can act. Split by concern:
// priority_policy.cpp (thread states, priorities and protocols, the scheduling point, the
// timing hooks) and priority_accounting.cpp (blocking episodes, inversions, deadlines, the
// advance of time).
class PriorityPolicy final : public SchedulingPolicy {
 public:
  PriorityPolicy(Execution& exec, const Options& options);

  const char* name() const override { return "the priority policy"; }
  void reset() override;
  void thread_created(int tid, int parent) override;
  void execution_end() override;
  const PriorityLog* log() const override { return &ps_.log; }
  int decide(int self) override;

  VTime now() const override { return ps_.now; }
  void set_spawn_attr(int tid, const SpawnAttr* attr) override { ps_.threads[tid].spawn_attr = attr; }
  int priority(int tid) override { return ps_.threads[tid].base; }
  int effective_priority(int tid) override;
  int set_priority(int tid, int priority) override;
  void mutex_acquired(int tid, MutexState& m, SourceLoc loc) override;
  void mutex_released(int tid, MutexState& m) override;
  void begin_delay(int tid, Delay kind, VTime amount) override;
  void end_delay(int tid, Delay kind, VTime amount, bool took_effect) override;
  bool deadline_passed(VTime deadline) const override { return deadline <= ps_.now; }
  TimeoutArm arm_timeout(int tid, VTime deadline) override;
  void disarm_timeout(int tid) override { ps_.threads[tid].release_pending = false; }
  void timed_out(int, VTime) override {}  // the clock is already there

 private:
  // Thread states under this policy: sleeps, work and timed waits depend on the clock.
  bool enabled(int tid) const;
  bool ready(int tid) const;
  bool busy(int tid) const;
  MutexState* blocked_on(int tid) const;
  int chain_end(int tid, int limit) const;
  // The steps of decide().
  void recompute();
  void classify();
  bool offer_releases();
  void release_thread(int tid);
  void track_blocking();
  void account_step(int runner);
  bool advance_time();
  void check_deadlines();
  void mark(MarkKind kind, int thread, int value);
  void end_job(int tid) { ps_.threads[tid].job_active = false; }

  Execution& x_;
  const int cpus_;
  const std::int64_t max_blocking_;
  PriorityState ps_;
  std::vector<int> runnable_;  // the candidates whose next operation is enabled (classify)
};

}  // namespace weft::detail
