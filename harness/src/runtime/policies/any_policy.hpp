// The any-interleaving policy (the default): every enabled thread may run; time only orders each
// thread's own view.
#pragma once

#include <array>
#include <vector>

#include "runtime/policies/policy.hpp"

namespace weft::detail {

// Role kExact: the Execution schedules from its exact enabled set, so this policy is never asked
// at a plain visible operation. A timed wait may time out at any point; sleeps and work end at
// once and advance the clock to the latest time any thread has waited for. Priorities are
// attributes only: the base priority, raised by held priority-ceiling mutexes (inheritance has
// no meaning without preemption). Nothing is tracked per thread until the first priority or
// timing operation of an execution (track()), so executions that use none pay nothing.
class AnyPolicy : public SchedulingPolicy {
 public:
  explicit AnyPolicy(Execution& exec) : AnyPolicy(exec, Role::kExact) {}

  const char* name() const override { return "the any-interleaving policy"; }
  void reset() override;
  void thread_created(int tid, int parent) override;
  VTime now() const override { return now_; }
  void set_spawn_attr(int tid, const SpawnAttr* attr) override;
  int priority(int tid) override;
  int effective_priority(int tid) override;
  int set_priority(int tid, int priority) override;
  void mutex_acquired(int tid, MutexState& m, SourceLoc loc) override;
  void mutex_released(int tid, MutexState& m) override;
  void begin_delay(int tid, Delay kind, VTime amount) override;
  void end_delay(int tid, Delay kind, VTime amount, bool took_effect) override;
  bool deadline_passed(VTime) const override { return false; }
  TimeoutArm arm_timeout(int tid, VTime deadline) override;
  void disarm_timeout(int) override {}
  void timed_out(int tid, VTime deadline) override;

 protected:
  AnyPolicy(Execution& exec, Role role) : SchedulingPolicy(role), x_(exec) { threads_.reserve(32); }

 private:
  static constexpr int kMaxHeldCeilings = 8;
  struct PerThread {
    int base = 0;
    const char* name = nullptr;
    VTime arrival = 0;  // the start of its arrival window (its arrival takes it there)
    const SpawnAttr* spawn_attr = nullptr;
    int held_count = 0;
    std::array<std::int32_t, kMaxHeldCeilings> held_mutex{};
    std::array<std::int32_t, kMaxHeldCeilings> held_ceiling{};
  };
  // Starts tracking every thread of this execution (defaults for those spawned so far).
  PerThread& track(int tid);

  Execution& x_;
  VTime now_ = 0;
  std::vector<PerThread> threads_;
};

}  // namespace weft::detail
