// The fair policy (Options::fair): the priority relation of Musuvathi & Qadeer, "Fair stateless
// model checking", PLDI 2008, over at most 64 threads, narrowing the any-interleaving policy.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "runtime/policies/any_policy.hpp"
#include "weft/event.hpp"

namespace weft::detail {

// A thread that yields (weft::yield, or a failed try_lock / try_acquire / compare-exchange,
// see is_retry) gets a lower priority than every thread that was continuously enabled, or that
// it disabled, since its previous yield and that has not run since; a thread with a lower
// priority than some enabled thread is not scheduled. Scheduling a thread removes every
// priority over it. The relation stays acyclic, so some enabled thread is always schedulable,
// and a spin loop that yields cannot keep the thread it waits for from running: every
// infinite execution is fair (the paper's theorem). A thread that spins without yielding is
// not helped (the paper's "good samaritan" assumption).
//
// Hot path: fixed arrays and bit masks, no allocation.
class FairScheduler {
 public:
  static constexpr int kMaxThreads = 64;

  // A new execution.
  void reset();
  // Accounts for the operations logged since the previous call (`events` is the execution's
  // whole log), given that runnable[0..count) (ascending) are the enabled threads now; then
  // narrows them in place to the schedulable ones and returns their number (>= 1 when
  // count >= 1). Precondition: every thread id < kMaxThreads.
  int filter(std::span<const Event> events, int* runnable, int count);
  // Whether `thread` was schedulable at the last filter().
  bool schedulable(int thread) const { return ((schedulable_ >> thread) & 1u) != 0; }

 private:
  struct PerThread {
    std::uint64_t below = 0;      // threads that have priority over this one
    std::uint64_t enabled = 0;    // continuously enabled since this thread's last yield
    std::uint64_t disabled = 0;   // disabled by this thread since its last yield
    std::uint64_t scheduled = 0;  // scheduled since this thread's last yield
  };
  void ensure(int thread);

  std::array<PerThread, kMaxThreads> threads_{};
  int known_ = 0;  // threads_[0..known_) are initialized for this execution
  std::uint64_t prev_enabled_ = 0;
  std::uint64_t schedulable_ = 0;
  std::size_t seen_ = 0;  // events already accounted for
};

// Role kNarrows: at every scheduling point off the DFS mask path, the enabled set is narrowed
// to the schedulable threads (FairScheduler::filter). Time and priorities as AnyPolicy.
class FairPolicy final : public AnyPolicy {
 public:
  explicit FairPolicy(Execution& exec) : AnyPolicy(exec, Role::kNarrows) {}

  const char* name() const override { return "the fair mode"; }
  void reset() override {
    AnyPolicy::reset();
    fair_.reset();
  }
  int narrow(std::span<const Event> events, int* runnable, int count) override {
    return fair_.filter(events, runnable, count);
  }
  bool schedulable(int tid) const override { return fair_.schedulable(tid); }
  int max_threads() const override { return FairScheduler::kMaxThreads; }

 private:
  FairScheduler fair_;
};

}  // namespace weft::detail
