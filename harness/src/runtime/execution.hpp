// One execution: the simulated threads, their fibers, the objects and the event log.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/crash_guard.hpp"
#include "runtime/dfs_chooser.hpp"
#include "runtime/fiber.hpp"
#include "runtime/policies/policy.hpp"
#include "weft/event.hpp"
#include "weft/explore.hpp"
#include "weft/finding.hpp"
#include "weft/model/runtime_api.hpp"
#include "weft/strategy.hpp"

namespace weft::detail {

// Internal invariant check; stays on in release builds.
#define WEFT_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) ::weft::detail::check_failed(#cond, __FILE__, __LINE__); \
  } while (false)
[[noreturn]] void check_failed(const char* what, const char* file, int line);

// Per-fiber copy of the C++ runtime's exception bookkeeping (Itanium ABI
// __cxa_eh_globals), swapped on every switch so that an exception in flight on one
// simulated thread is invisible to the others.
struct EhState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
  bool in_flight() const { return caught != nullptr || uncaught != 0; }
};

struct ThreadState {
  OpKind pending = OpKind::kYield;  // the visible operation it will execute next
  bool finished = false;
  bool starting = false;  // running its invisible prefix right after spawn
  bool joined = false;
  bool detached = false;
  // Timed waits (execution_timed.cpp): whether it may have timed out is the policy's answer
  // (SchedulingPolicy::arm_timeout; any-interleaving policy: from the start).
  bool timed = false;          // pending kTryLock / kSemTryAcquire / kCvWake is a timed wait
  bool timeout_fired = false;  // its timeout has passed
  int parent = -1;
  int join_target = -1;                      // pending kJoin
  MutexState* mutex = nullptr;               // pending kLock / kCvWake
  SemaphoreState* semaphore = nullptr;       // pending kSemAcquire
  const CondVarState* waiting_on = nullptr;  // blocked in a wait, not yet notified
  std::int32_t pending_object = -1;          // object of the pending operation (see PendingOp)
  std::int32_t pending_aux = -1;             // pending kCvWake: the mutex id
  SourceLoc pending_loc;
  EhState eh;
};

// The event log of an execution: a buffer that only grows, so that each event is constructed in
// place (Execution::log) with no temporary and, once warm, no allocation. Entries [0, size()) are
// the events recorded so far. The size is a relaxed atomic (plain loads and stores on the owner's
// thread) only so that the watchdog thread may sample it as a progress count.
class EventLog {
 public:
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  operator std::span<const Event>() const { return {buf_.data(), size()}; }
  void clear() { size_.store(0, std::memory_order_relaxed); }
  void reserve(std::size_t n) {
    if (buf_.size() < n) buf_.resize(n);
  }
  // The next entry, to be overwritten field by field by its caller.
  Event& append() {
    const std::size_t n = size();
    if (n == buf_.size()) [[unlikely]]
      grow();
    size_.store(n + 1, std::memory_order_relaxed);
    return buf_[n];
  }

 private:
  [[gnu::noinline]] void grow() { buf_.resize(buf_.empty() ? 64 : buf_.size() * 2); }
  std::vector<Event> buf_;  // size: the capacity
  std::atomic<std::size_t> size_{0};
};

// "t3" (-1: "root").
std::string thread_name(int tid);

// Invariants: exactly one simulated thread runs at a time (current_); a thread resumed by
// the scheduler finds its pending operation enabled, unless the execution is aborting, in
// which case every visible operation unwinds or returns without effect.
//
// The Execution owns the threads, their fibers, the objects, the event log and the scheduling
// point; which threads may run next and what time it is come from its SchedulingPolicy
// (runtime/policies/policy.hpp, chosen once at construction). Its code is split by concern:
// execution.cpp (construction, threads' lifecycle, fibers, unwinding), execution_ops.cpp (the
// scheduling point and the visible operations: the hot path, one translation unit),
// execution_timed.cpp (priority and timing operations), execution_findings.cpp (findings).
class Execution {
 public:
  Execution(const Options& options, StackPool& pool);
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Runs `body` as thread 0 until every thread has finished or the execution aborted.
  void run(const std::function<void()>& body, Strategy& strategy, std::uint64_t index);

  ExecutionView view() const;
  const std::vector<Finding>& findings() const { return findings_; }
  const std::vector<std::uint32_t>& choices() const { return choices_; }
  const std::vector<ThreadState>& threads() const { return threads_; }
  bool spurious_pruned() const { return spurious_pruned_; }
  bool aborted() const { return aborting_; }
  PendingOp pending_op(int thread) const;

  // Runtime API (see weft/model/runtime_api.hpp), on the current simulated thread.
  void register_object(ObjectSlot& slot, ObjectKind kind, SourceLoc declared);
  Event& access(OpKind op, ObjectSlot& slot, ObjectKind kind, std::memory_order order, SourceLoc loc);
  void mutex_lock(MutexState& m, SourceLoc loc);
  bool mutex_try_lock(MutexState& m, SourceLoc loc);
  void mutex_unlock(MutexState& m, SourceLoc loc);
  void cv_wait(CondVarState& cv, MutexState& m, SourceLoc loc);
  void cv_notify(CondVarState& cv, bool all, SourceLoc loc);
  void sem_acquire(SemaphoreState& s, SourceLoc loc);
  bool sem_try_acquire(SemaphoreState& s, SourceLoc loc);
  void sem_release(SemaphoreState& s, std::int64_t update, SourceLoc loc);
  int spawn(const ThreadBody& body, SourceLoc loc);
  void join(int thread, SourceLoc loc);
  void detach(int thread);
  void yield(SourceLoc loc);
  std::uint32_t choose(std::uint32_t n, SourceLoc loc);
  void assert_fail(const char* expression, SourceLoc loc);
  void report_misuse(const char* what, SourceLoc loc) noexcept;
  int current_thread() const { return current_; }
  bool detail() const { return detail_; }
  // The strategy's DFS choice stack, when the strategy is the exhaustive DFS: the execution then
  // picks through it directly (same choices as through Strategy::pick_next / pick_value).
  // Precondition: that strategy does not want detail.
  void set_dfs(DfsChooser* dfs) { dfs_ = dfs; }  // the strategy wants detail (see Strategy::wants_detail)

  // Crash isolation (runtime/crash_guard.cpp). on_signal runs in the signal handler: when a
  // simulated thread of this execution is running it records the crash and jumps to the root
  // (does not return); otherwise it returns false. request_hang marks the next watchdog signal
  // as a hang. progress() may be read from another thread (the watchdog).
  bool on_signal(int signal, const void* info, const void* ucontext) noexcept;
  void request_hang() noexcept { hang_requested_.store(true, std::memory_order_relaxed); }
  std::size_t progress() const { return events_.size(); }

  // Text for "what is thread t waiting for" (deadlock explanations).
  std::string describe_wait(int thread) const;
  std::string object_name(int object) const;

  // Priorities and virtual time (execution_timed.cpp; the policy keeps the clock).
  int spawn_with(const ThreadBody& body, const SpawnAttr& attr, SourceLoc loc);
  void arrive(SourceLoc loc);
  void set_priority(int priority, SourceLoc loc);
  int priority();
  int effective_priority();
  std::int64_t now() const { return policy_->now(); }
  void sleep_until(std::int64_t time, SourceLoc loc);
  void work(std::int64_t amount, SourceLoc loc);
  bool mutex_try_lock_until(MutexState& m, std::int64_t deadline, SourceLoc loc);
  bool cv_wait_until(CondVarState& cv, MutexState& m, std::int64_t deadline, SourceLoc loc);
  bool sem_try_acquire_until(SemaphoreState& s, std::int64_t deadline, SourceLoc loc);

  // For the scheduling policy (see the contract in runtime/policies/policy.hpp).
  const ThreadState& thread(int tid) const { return threads_[tid]; }
  int thread_count() const { return static_cast<int>(threads_.size()); }
  std::uint32_t step() const { return static_cast<std::uint32_t>(events_.size()); }
  std::span<const Event> events() const { return events_; }
  // Whether tid's pending operation is enabled under the any-interleaving rules.
  bool thread_enabled(int tid) const { return enabled(threads_[tid]); }
  // A thread whose waiting state the policy changes: the runnable set is invalidated.
  ThreadState& thread_for_update(int tid) {
    runnable_dirty_ = true;
    return threads_[tid];
  }
  // The strategy's pick among `runnable` (ascending, two or more threads), recorded as a choice;
  // the runnable cache then holds them and is invalidated.
  int pick_among(std::span<const int> runnable, int self, bool yielded);
  // A recorded choice among n values (n <= 1: 0, not recorded).
  std::uint32_t choose_value(std::uint32_t n, ValueChoice kind);
  bool choose_spurious();  // cv waits: see execution_ops.cpp
  // Records an api_misuse finding and aborts the current thread.
  void fail_misuse(std::string message, SourceLoc loc);

  // The unmodified-code runtime's entry points (see runtime_api.hpp; execution_intercept.cpp).
  std::uint64_t serial() const { return serial_; }
  void log_plain_access(OpKind op, ObjectSlot& slot, SourceLoc loc);
  [[noreturn]] void abandon_thread();

 private:
  void reset();
  void reset_abandoned();  // new serial_; fresh contexts for the workers in abandoned_
  // After a crash jumped to the root: re-creates the worker contexts, restores the root's
  // exception state, unblocks the signal and turns crash_ into a finding.
  void finish_crash();
  int create_thread(const ThreadBody& body, int parent);
  // Worker fibers: worker w runs thread w of every execution. A worker outlives executions: after
  // its thread finished it stays suspended (nothing live on its stack) until thread w of a later
  // execution is created and switched to.
  void add_worker();
  static void worker_entry(Transfer from);
  [[noreturn]] void worker_loop(int w);
  [[gnu::noinline]] void run_thread(int tid);  // thread tid's body from spawn_body_, up to its exit event
  int next_after_exit(int tid);
  // While aborting: the unfinished thread created last, -1 when none is left. A thread's
  // descendants are created after it, so they unwind (and run destructors that may reference
  // its locals) before it does.
  int unwind_next() const;
  // The largest thread callable spawn accepts: it is relocated onto the thread's own stack.
  std::size_t max_callable_size() const { return pool_.stack_size() / 4; }

  // Whether t's pending operation can execute now (inline: called for every thread at every
  // scheduling point).
  bool enabled(const ThreadState& t) const {
    if (t.finished) return false;
    if (!may_block(t.pending)) [[likely]]
      return true;
    return blocking_enabled(t);
  }
  // enabled() for a pending operation that may block.
  bool blocking_enabled(const ThreadState& t) const {
    switch (t.pending) {
      case OpKind::kLock:
        return t.mutex->owner < 0;
      case OpKind::kCvWake:  // a timed wait may time out at any point (any-interleaving policy)
        return (t.waiting_on == nullptr || t.timed) && t.mutex->owner < 0;
      case OpKind::kJoin:
        return threads_[t.join_target].finished;
      case OpKind::kSemAcquire:
        return t.semaphore->count > 0;
      default:
        return true;
    }
  }
  // Pending operations whose enabledness depends on other threads.
  static bool may_block(OpKind op) {
    constexpr std::uint32_t kMask =
        1u << static_cast<unsigned>(OpKind::kLock) | 1u << static_cast<unsigned>(OpKind::kCvWake) |
        1u << static_cast<unsigned>(OpKind::kJoin) | 1u << static_cast<unsigned>(OpKind::kSemAcquire);
    static_assert(kOpKindCount <= 32);
    return ((kMask >> static_cast<unsigned>(op)) & 1u) != 0;
  }
  // The exact runnable set as a bit mask (mask path only, see mask_path_): the threads whose
  // pending operation cannot block, plus the waiting ones whose operation is enabled now.
  [[gnu::always_inline]] std::uint64_t runnable_mask() const {
    std::uint64_t r = ready_mask_;
    for (std::uint64_t w = wait_mask_; w != 0; w &= w - 1) {
      const int i = std::countr_zero(w);
      const ThreadState& t = threads_[i];
      // A lock is the common wait: tested before the general switch.
      if (t.pending == OpKind::kLock ? t.mutex->owner < 0 : blocking_enabled(t)) r |= std::uint64_t{1} << i;
    }
    return r;
  }
  // Keeps ready_mask_ / wait_mask_ in step with thread tid's new pending operation (tid < kMaskThreads;
  // a wider execution leaves the mask path, and stale bits above are never read). Nothing changes
  // in the common case: a non-blocking operation after a non-blocking one.
  void mask_pending(int tid, OpKind op) {
    const std::uint64_t b = std::uint64_t{1} << (tid & (kMaskThreads - 1));
    if (may_block(op)) [[unlikely]] {
      wait_mask_ |= b;
      ready_mask_ &= ~b;
    } else if ((wait_mask_ & b) != 0) [[unlikely]] {
      wait_mask_ &= ~b;
      ready_mask_ |= b;
    }
  }
  // Picks among the runnable threads r (exact set) on the mask path; -1 when r is empty. A choice
  // (two or more threads) goes through the DFS and is recorded.
  int pick_from_mask(std::uint64_t r, int self, bool yielded) {
    if ((r & (r - 1)) == 0) [[likely]]
      return r == 0 ? -1 : std::countr_zero(r);
    return choose_from_mask(r, self, yielded);
  }
  [[gnu::noinline]] int choose_from_mask(std::uint64_t r, int self, bool yielded);
  std::span<const int> runnable() const { return {runnable_buf_.data(), static_cast<std::size_t>(runnable_count_)}; }
  // The scheduling point: the current thread has set its pending operation. Returns when
  // the current thread may execute it.
  void schedule();
  void switch_to(int tid);  // tid -1: the root (the runner's own stack)
  // Hands the C++ exception state from one fiber to another. Nothing in flight anywhere (no
  // saved state, nothing live) is the common case: then there is nothing to swap.
  void swap_eh(int from, int to) {
    if (eh_saved_ != 0 || eh_->in_flight()) [[unlikely]]
      swap_eh_slow(from, to);
  }
  void swap_eh_slow(int from, int to);
  void after_resume();
  void compute_runnable();
  int pick(int self, bool self_runnable, bool yielded);
  [[gnu::noinline]] int pick_generic(int self, bool self_runnable, bool yielded);  // through the Strategy
  void set_pending(OpKind op, SourceLoc loc, std::int32_t object = -1);
  // Records the current thread's event, every field written once in place (value and aux: 0
  // until the caller fills them in).
  Event& log(OpKind op, ObjectKind kind, int object, std::memory_order order, SourceLoc loc) {
    Event& e = events_.append();
    e.step = static_cast<std::uint32_t>(events_.size() - 1);
    e.thread = current_;
    e.op = op;
    e.object_kind = kind;
    e.order = order;
    e.object = object;
    e.value = 0;
    e.aux = 0;
    e.location = loc;
    return e;
  }
  bool check_slot(const ObjectSlot& slot, SourceLoc loc);
  [[gnu::cold, gnu::noinline]] bool foreign_slot(ObjectSlot& slot, SourceLoc loc);  // see ObjectSlot
  [[gnu::cold, gnu::noinline]] void fail_unlock_misuse(const MutexState& m, SourceLoc loc);

  // Findings raised by the runtime itself. fail_* record the finding and begin aborting.
  Finding& add_finding(FindingKind kind, std::string message, SourceLoc loc);
  // Begins aborting and unwinds the current thread (throws AbortExecution unless already
  // unwinding), after every thread created after it has unwound (see unwind_next).
  void abort_current();
  void fail_deadlock(int reporter);
  void fail_step_bound();
  // The deadlock's wait-for cycle (or, without one, the chain from `primary`) as thread ids.
  std::vector<int> wait_for_cycle(const std::vector<int>& blocked, int primary, bool& is_cycle) const;
  // Role kNarrows: narrows the runnable set to the policy's schedulable threads.
  void narrow_runnable();
  // Role kDecides: schedule() through the policy's decide() (kept out of schedule's body).
  void decide_schedule(int self);

  // The scheduling point of try_lock_until / try_acquire_until (pending `op`, object set by the
  // caller): arms the timeout at `deadline`, schedules, disarms it. Returns whether the
  // timeout may have fired. The caller checks aborting_ after it.
  bool timed_wait(OpKind op, std::int64_t deadline, SourceLoc loc);
  // A protocol mutex (m.protocol != none) acquired / released by the current thread.
  void protocol_acquired(MutexState& m, SourceLoc loc) { policy_->mutex_acquired(current_, m, loc); }
  void protocol_released(MutexState& m) { policy_->mutex_released(current_, m); }

  const Options options_;
  Strategy* strategy_ = nullptr;
  DfsChooser* dfs_ = nullptr;  // see set_dfs
  StackPool& pool_;
  std::uint64_t index_ = 0;
  std::uint32_t epoch_ = 0;

  std::vector<ThreadState> threads_;
  // ctxs_[w + 1]: the suspended context of worker w (thread w, or idle); [0]: the root.
  std::vector<FiberContext> ctxs_;
  std::vector<boost::context::stack_context> stacks_;  // stacks_[w]: worker w's stack
  const ThreadBody* spawn_body_ = nullptr;             // the body of the thread being created, until it starts
  int current_ = -1;
  int switched_from_ = -1;
  StackBounds root_stack_;  // the runner's stack, for the sanitizer's fiber annotations (fiber.hpp)
  EhState root_eh_;  // exception state of the runner's own stack while threads run
  // How many saved exception states (root_eh_, threads_[*].eh) are in flight; the state of the
  // fiber that runs lives in *eh_ and its saved copy is empty.
  int eh_saved_ = 0;
  // This OS thread's __cxa_eh_globals, looked up at the first run: an Execution runs all its
  // executions on one OS thread (the runner's, which owns it).
  EhState* eh_ = nullptr;
  std::vector<int> runnable_buf_;  // runnable thread ids, ascending; size >= thread count
  int runnable_count_ = 0;
  bool detail_ = false;             // the strategy sees every scheduling point and pending ops
  std::vector<PendingOp> pending_;  // detail: pending operations of the runnable threads
  // Set by every operation that can change whether some thread is enabled (lock, unlock, cv,
  // semaphore, spawn, exit). Anything compute_runnable() reads must set it when it changes.
  bool runnable_dirty_ = true;
  // The mask path: the exhaustive DFS, a policy of role kExact, at most kMaskThreads threads. It schedules from
  // runnable_mask() instead of runnable_buf_. Invariant (always kept, for threads below kMaskThreads, except for the
  // running thread between its blocking operation taking effect and its next set_pending, when nothing reads them):
  // every unfinished thread t has its bit in exactly one of
  //   ready_mask_: its pending operation cannot block, or is a join of a finished thread;
  //   join_mask_:  its pending operation is a join of an unfinished thread (disabled until that
  //                thread exits, which moves it to ready_mask_);
  //   wait_mask_:  any other pending operation that may block.
  // They change only with pending (set_pending, join), finished (exit) and at creation; everything
  // else enabled() reads is read afresh by runnable_mask(), so the set it returns is exact.
  static constexpr int kMaskThreads = 64;
  bool mask_path_ = false;
  std::uint64_t ready_mask_ = 0;
  std::uint64_t join_mask_ = 0;
  std::uint64_t wait_mask_ = 0;
  std::vector<int> scratch_;

  EventLog events_;
  Event discard_;  // handed out while aborting, when nothing is recorded
  std::vector<ObjectInfo> objects_;
  std::vector<std::uint32_t> choices_;
  std::vector<Finding> findings_;
  bool aborting_ = false;
  std::uint32_t spurious_used_ = 0;
  bool spurious_pruned_ = false;
  const std::function<void()>* main_body_ = nullptr;
  // The scheduling policy, chosen once (make_policy), and what the scheduling point needs of it
  // without a call: its role and its thread limit (0: none).
  std::unique_ptr<SchedulingPolicy> policy_;
  SchedulingPolicy::Role role_;
  int max_threads_ = 0;
  const PriorityLog* policy_log_ = nullptr;  // policy_->log(): stable for the policy's lifetime
  // schedule() leaves its fast path from this many events on: options_.max_steps, or 0 when the
  // policy decides every scheduling point (one comparison serves both).
  // Also options_.break_step until weft_break_here was called this execution (WEFT_BREAK_STEP).
  std::uint32_t slow_path_steps_ = 0;
  // Unmodified-code runtime: the process-unique number of the current execution, and the workers
  // whose thread was abandoned mid-stack (their context is made afresh at the next reset).
  std::uint64_t serial_ = 0;
  std::vector<int> abandoned_;
  std::uint32_t steady_slow_path_steps_ = 0;  // slow_path_steps_ once the break step is behind
  bool break_pending_ = false;                // options_.break_step not reached yet this execution
  CrashRecord crash_;  // written by on_signal, consumed by finish_crash
  std::atomic<bool> hang_requested_{false};
};

// The policy an exploration under `options` runs with (policies/make_policy.cpp).
std::unique_ptr<SchedulingPolicy> make_policy(const Options& options, Execution& exec);

// The execution running on this OS thread, if any.
extern thread_local Execution* tl_execution;

}  // namespace weft::detail
