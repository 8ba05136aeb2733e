// One execution's hot path: fiber hand-over, the scheduling point and the visible operations
// (kept in one translation unit so that the compiler inlines across them).
#include <fmt/format.h>

#include <exception>
#include <stdexcept>

#include "runtime/execution.hpp"

namespace weft::detail {

// Defined here, beside the runtime API that reads it on every visible operation: a definition
// in another translation unit costs a TLS wrapper call per operation.
thread_local Execution* tl_execution = nullptr;

void Execution::swap_eh_slow(int from, int to) {
  EhState& saved_from = from >= 0 ? threads_[from].eh : root_eh_;
  EhState& saved_to = to >= 0 ? threads_[to].eh : root_eh_;
  eh_saved_ -= saved_from.in_flight() ? 1 : 0;
  saved_from = *eh_;
  eh_saved_ += saved_from.in_flight() ? 1 : 0;
  *eh_ = saved_to;  // live now: its saved copy is cleared so that eh_saved_ counts only suspended ones
  eh_saved_ -= saved_to.in_flight() ? 1 : 0;
  saved_to = EhState{};
}

void Execution::switch_to(int tid) {
  const int self = current_;
  swap_eh(self, tid);
  current_ = tid;
  switched_from_ = self;
  const FiberSwitch sanitizer_switch(tid >= 0 ? stack_bounds(stacks_[tid]) : root_stack_);
  const Transfer from = jump_fcontext(ctxs_[tid + 1], this);
  // Resumed: whoever switched to us set current_ = self and switched_from_ = themselves.
  sanitizer_switch.resumed(switched_from_ < 0 ? &root_stack_ : nullptr);
  ctxs_[switched_from_ + 1] = from.fctx;
}

void Execution::after_resume() {
  if (aborting_) [[unlikely]] {
    if (std::uncaught_exceptions() == 0) throw AbortExecution{};
  }
}

// ---------------------------------------------------------------------------------------
// Scheduling

void Execution::narrow_runnable() {
  runnable_count_ = policy_->narrow(events_, runnable_buf_.data(), runnable_count_);
  runnable_dirty_ = true;  // the narrowed set is not the enabled set: recompute next time
}

int Execution::pick_among(std::span<const int> runnable, int self, bool yielded) {
  bool self_runnable = false;
  for (std::size_t i = 0; i < runnable.size(); ++i) {
    runnable_buf_[i] = runnable[i];
    self_runnable = self_runnable || runnable[i] == self;
  }
  runnable_count_ = static_cast<int>(runnable.size());
  runnable_dirty_ = true;  // runnable_buf_ now holds the policy's set, not the enabled set
  return pick(self, self_runnable, yielded);
}

void Execution::decide_schedule(int self) {
  const int next = policy_->decide(self);
  if (next < 0) {
    fail_deadlock(self);
  } else if (next != self) {
    switch_to(next);
    after_resume();
  }
}

void Execution::compute_runnable() {
  // Branch-free append into a buffer sized for every thread (see create_thread).
  const int n = static_cast<int>(threads_.size());
  int* out = runnable_buf_.data();
  int k = 0;
  for (int i = 0; i < n; ++i) {
    out[k] = i;
    k += enabled(threads_[i]) ? 1 : 0;
  }
  runnable_count_ = k;
  runnable_dirty_ = false;
}

int Execution::pick(int self, bool self_runnable, bool yielded) {
  if (dfs_ != nullptr) {  // runnable_count_ >= 2: no detail, so every pick is a choice
    const int next = dfs_->pick(runnable(), self, self_runnable, yielded, static_cast<std::uint32_t>(events_.size()));
    choices_.push_back(static_cast<std::uint32_t>(next));
    return next;
  }
  return pick_generic(self, self_runnable, yielded);
}

int Execution::choose_from_mask(std::uint64_t r, int self, bool yielded) {
  const int next = dfs_->pick_mask(r, self, yielded, static_cast<std::uint32_t>(events_.size()));
  choices_.push_back(static_cast<std::uint32_t>(next));
  return next;
}

int Execution::pick_generic(int self, bool self_runnable, bool yielded) {
  PickContext ctx;
  ctx.runnable = runnable();
  ctx.current = self;
  ctx.current_runnable = self_runnable;
  ctx.yielded = yielded;
  ctx.step = static_cast<std::uint32_t>(events_.size());
  ctx.events = events_;
  if (detail_) [[unlikely]] {
    pending_.clear();
    for (const int r : ctx.runnable) pending_.push_back(pending_op(r));
    ctx.pending = pending_;
  }
  const int next = strategy_->pick_next(ctx);
  if (runnable_count_ > 1) choices_.push_back(static_cast<std::uint32_t>(next));  // not a choice otherwise
  return next;
}

std::uint32_t Execution::choose_value(std::uint32_t n, ValueChoice kind) {
  if (n <= 1) return 0;
  const auto step = static_cast<std::uint32_t>(events_.size());
  const std::uint32_t v = dfs_ != nullptr ? dfs_->index(n, step) : strategy_->pick_value(n, kind, step);
  WEFT_CHECK(v < n);
  choices_.push_back(v);
  return v;
}

void Execution::schedule() {
  if (aborting_) [[unlikely]] {
    after_resume();
    return;
  }
  const int self = current_;
  ThreadState& t = threads_[self];
  if (t.starting) [[unlikely]] {
    // End of the invisible prefix run at spawn: hand back to the spawning thread.
    t.starting = false;
    switch_to(t.parent);
    after_resume();
    return;
  }
  if (events_.size() >= slow_path_steps_) [[unlikely]] {  // the step bound, a deciding policy, a break
    if (break_pending_ && events_.size() >= options_.break_step) {
      break_pending_ = false;
      slow_path_steps_ = steady_slow_path_steps_;
      weft_break_here(events_.size(), self);
    }
    if (events_.size() >= options_.max_steps) {
      fail_step_bound();
      return;
    }
    if (role_ == SchedulingPolicy::Role::kDecides) {
      decide_schedule(self);
      return;
    }
  }
  if (mask_path_) [[likely]] {
    const int next = pick_from_mask(runnable_mask(), self, t.pending == OpKind::kYield);
    if (next < 0) [[unlikely]] {
      fail_deadlock(self);
    } else if (next != self) {
      switch_to(next);
      after_resume();
    }
    return;
  }
  // The runnable set changes only through operations that mark it dirty, or through the
  // current thread now waiting on a blocking operation; otherwise last point's set stands.
  if (runnable_dirty_ || may_block(t.pending)) compute_runnable();
  if (role_ == SchedulingPolicy::Role::kNarrows) [[unlikely]]
    narrow_runnable();
  int next;
  if (runnable_count_ == 1 && !detail_) [[likely]] {
    next = runnable_buf_[0];
  } else if (runnable_count_ == 0) {
    fail_deadlock(self);
    return;
  } else {
    next = pick(self, enabled(t) && (role_ != SchedulingPolicy::Role::kNarrows || policy_->schedulable(self)),
                t.pending == OpKind::kYield);
  }
  if (next != self) {
    switch_to(next);
    after_resume();
  }
}

PendingOp Execution::pending_op(int thread) const {
  const ThreadState& t = threads_[thread];
  return PendingOp{thread, t.pending, t.pending_object, t.pending_aux};
}

void Execution::set_pending(OpKind op, SourceLoc loc, std::int32_t object) {
  if (aborting_) [[unlikely]]
    return;  // unwinding: keep what each thread was at (see ExecutionEnd)
  ThreadState& t = threads_[current_];
  t.pending = op;
  mask_pending(current_, op);
  t.pending_object = object;
  t.pending_aux = -1;
  t.pending_loc = loc;
}

// ---------------------------------------------------------------------------------------
// Objects and visible operations

void Execution::register_object(ObjectSlot& slot, ObjectKind kind, SourceLoc declared) {
  slot.id = static_cast<std::int32_t>(objects_.size());
  slot.epoch = epoch_;
  objects_.push_back(ObjectInfo{kind, declared});
}

bool Execution::check_slot(const ObjectSlot& slot, SourceLoc loc) {
  if (slot.epoch == epoch_ && slot.id >= 0) [[likely]]
    return true;
  return foreign_slot(const_cast<ObjectSlot&>(slot), loc);
}

// An object of static storage (or constructed outside the body): restore its construction-time
// state and register it in this execution, or report that its state leaked (see ObjectSlot).
bool Execution::foreign_slot(ObjectSlot& slot, SourceLoc loc) {
  if (aborting_) return false;
  if ((slot.flags & kSlotNoRestore) != 0 && (slot.flags & kSlotDirty) != 0) {
    // Reported without aborting: the execution keeps its schedule (an abort here would read as a
    // nondeterministic body to the DFS replay) and the finding stops the exploration after it.
    Finding& f = add_finding(FindingKind::kApiMisuse,
                             fmt::format("{} {} (static storage or created outside the explored body) was modified "
                                         "in an earlier execution and its value type cannot be restored (not "
                                         "copy-constructible): its state leaks across executions; create it inside "
                                         "the explored body",
                                         object_kind_name(slot.kind), format_location(slot.declared)),
                             loc);
    f.operation = "misuse";
    slot.flags &= static_cast<std::uint8_t>(~kSlotDirty);
  }
  if (slot.kind == ObjectKind::kMutex) reinterpret_cast<MutexState&>(slot).owner = -1;
  if (slot.kind == ObjectKind::kSemaphore) {
    SemaphoreState& s = reinterpret_cast<SemaphoreState&>(slot);
    s.count = s.initial;
  }
  if (slot.restore != nullptr) slot.restore(slot.restore_arg);
  register_object(slot, slot.kind, slot.declared);
  return true;
}

[[gnu::always_inline]] inline Event& Execution::access(OpKind op, ObjectSlot& slot, ObjectKind kind,
                                                       std::memory_order order, SourceLoc loc) {
  if (!check_slot(slot, loc)) return discard_;
  set_pending(op, loc, slot.id);
  schedule();
  if (aborting_) return discard_;
  return log(op, kind, slot.id, order, loc);
}

[[gnu::always_inline]] inline void Execution::mutex_lock(MutexState& m, SourceLoc loc) {
  if (!check_slot(m.slot, loc)) return;
  ThreadState& t = threads_[current_];
  t.mutex = &m;
  set_pending(OpKind::kLock, loc, m.slot.id);
  schedule();
  if (aborting_) return;
  m.owner = current_;
  runnable_dirty_ = true;
  if (m.protocol != 0) [[unlikely]]
    protocol_acquired(m, loc);
  log(OpKind::kLock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc);
}

bool Execution::mutex_try_lock(MutexState& m, SourceLoc loc) {
  if (!check_slot(m.slot, loc)) return false;
  set_pending(OpKind::kTryLock, loc, m.slot.id);
  schedule();
  if (aborting_) return false;
  const bool ok = m.owner < 0;
  if (ok) {
    m.owner = current_;
    runnable_dirty_ = true;
    if (m.protocol != 0) [[unlikely]]
      protocol_acquired(m, loc);
  }
  log(OpKind::kTryLock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc).value = ok ? 1 : 0;
  return ok;
}

[[gnu::always_inline]] inline void Execution::mutex_unlock(MutexState& m, SourceLoc loc) {
  if (!check_slot(m.slot, loc)) return;
  if (aborting_) return;
  if (m.owner != current_) [[unlikely]] {
    fail_unlock_misuse(m, loc);
    return;
  }
  set_pending(OpKind::kUnlock, loc, m.slot.id);
  schedule();
  if (aborting_) return;
  m.owner = -1;
  runnable_dirty_ = true;
  if (m.protocol != 0) [[unlikely]]
    protocol_released(m);
  log(OpKind::kUnlock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc);
}

void Execution::fail_unlock_misuse(const MutexState& m, SourceLoc loc) {
  fail_misuse(
      fmt::format("{} unlocks {}, which {}", thread_name(current_), object_name(m.slot.id),
                  m.owner < 0 ? std::string("is not locked") : fmt::format("is held by {}", thread_name(m.owner))),
      loc);
}

// Whether a woken condition-variable wait wakes spuriously: a value choice while the execution's
// budget of spurious wake-ups lasts; past it, none, and the search is marked bounded by it.
bool Execution::choose_spurious() {
  if (!options_.spurious_wakeups) return false;
  if (spurious_used_ >= options_.max_spurious) {
    spurious_pruned_ = true;
    return false;
  }
  const bool spurious = choose_value(2, ValueChoice::kSpuriousWake) == 1;
  if (spurious) ++spurious_used_;
  return spurious;
}

void Execution::cv_wait(CondVarState& cv, MutexState& m, SourceLoc loc) {
  if (!check_slot(cv.slot, loc) || !check_slot(m.slot, loc)) return;
  if (aborting_) return;
  if (m.owner != current_) {
    fail_misuse(fmt::format("{} waits on {} without holding {}", thread_name(current_), object_name(cv.slot.id),
                            object_name(m.slot.id)),
                loc);
    return;
  }
  set_pending(OpKind::kCvWait, loc, cv.slot.id);
  schedule();
  if (aborting_) return;
  const bool spurious = choose_spurious();
  m.owner = -1;
  runnable_dirty_ = true;
  if (m.protocol != 0) [[unlikely]]
    protocol_released(m);
  Event& e = log(OpKind::kCvWait, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc);
  e.aux = m.slot.id;
  e.value = spurious ? 1 : 0;
  ThreadState& t = threads_[current_];
  t.waiting_on = spurious ? nullptr : &cv;
  t.mutex = &m;
  set_pending(OpKind::kCvWake, loc, cv.slot.id);
  t.pending_aux = m.slot.id;
  schedule();
  if (aborting_) return;
  m.owner = current_;
  runnable_dirty_ = true;
  if (m.protocol != 0) [[unlikely]]
    protocol_acquired(m, loc);
  log(OpKind::kCvWake, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc).aux = m.slot.id;
}

void Execution::cv_notify(CondVarState& cv, bool all, SourceLoc loc) {
  if (!check_slot(cv.slot, loc)) return;
  const OpKind op = all ? OpKind::kCvNotifyAll : OpKind::kCvNotifyOne;
  set_pending(op, loc, cv.slot.id);
  schedule();
  if (aborting_) return;
  scratch_.clear();
  for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
    if (threads_[i].waiting_on == &cv) scratch_.push_back(i);
  }
  std::int64_t value;
  if (all) {
    for (int w : scratch_) threads_[w].waiting_on = nullptr;
    value = static_cast<std::int64_t>(scratch_.size());
  } else if (scratch_.empty()) {
    value = -1;  // nobody waits: the notification is lost
  } else {
    const int w = scratch_[choose_value(static_cast<std::uint32_t>(scratch_.size()), ValueChoice::kNotifyWaiter)];
    threads_[w].waiting_on = nullptr;
    value = w;
  }
  runnable_dirty_ = true;
  log(op, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc).value = value;
}

void Execution::sem_acquire(SemaphoreState& s, SourceLoc loc) {
  if (!check_slot(s.slot, loc)) return;
  threads_[current_].semaphore = &s;
  set_pending(OpKind::kSemAcquire, loc, s.slot.id);
  schedule();
  if (aborting_) return;
  --s.count;
  runnable_dirty_ = true;
  Event& e = log(OpKind::kSemAcquire, ObjectKind::kSemaphore, s.slot.id, std::memory_order_seq_cst, loc);
  e.value = s.count;
  e.aux = s.count;
}

bool Execution::sem_try_acquire(SemaphoreState& s, SourceLoc loc) {
  if (!check_slot(s.slot, loc)) return false;
  set_pending(OpKind::kSemTryAcquire, loc, s.slot.id);
  schedule();
  if (aborting_) return false;
  const bool ok = s.count > 0;
  if (ok) {
    --s.count;
    runnable_dirty_ = true;
  }
  Event& e = log(OpKind::kSemTryAcquire, ObjectKind::kSemaphore, s.slot.id, std::memory_order_seq_cst, loc);
  e.value = ok ? 1 : 0;
  e.aux = s.count;
  return ok;
}

void Execution::sem_release(SemaphoreState& s, std::int64_t update, SourceLoc loc) {
  if (!check_slot(s.slot, loc)) return;
  set_pending(OpKind::kSemRelease, loc, s.slot.id);
  schedule();
  if (aborting_) return;
  if (update < 0 || s.count + update > s.max) {
    fail_misuse(fmt::format("{} releases {} by {} (count {}, max {})", thread_name(current_), object_name(s.slot.id),
                            update, s.count, s.max),
                loc);
    return;
  }
  s.count += update;
  runnable_dirty_ = true;
  Event& e = log(OpKind::kSemRelease, ObjectKind::kSemaphore, s.slot.id, std::memory_order_seq_cst, loc);
  e.value = update;
  e.aux = s.count;
}

int Execution::spawn(const ThreadBody& body, SourceLoc loc) {
  set_pending(OpKind::kSpawn, loc);
  schedule();
  if (aborting_) return -1;
  if (max_threads_ != 0 && threads_.size() >= static_cast<std::size_t>(max_threads_)) [[unlikely]] {
    fail_misuse(fmt::format("{} supports at most {} threads", policy_->name(), max_threads_), loc);
    return -1;
  }
  if (body.size > max_callable_size()) [[unlikely]] {
    fail_misuse(fmt::format("thread callable too large for the simulated stack: {} bytes, at most {} with a "
                            "{}-byte stack (raise Options::stack_size)",
                            body.size, max_callable_size(), pool_.stack_size()),
                loc);
    return -1;
  }
  const int parent = current_;
  const int child = create_thread(body, parent);
  log(OpKind::kSpawn, ObjectKind::kThread, child, std::memory_order_seq_cst, loc);
  threads_[child].starting = true;
  threads_[child].pending_loc = loc;
  switch_to(child);  // the child runs up to its first visible operation, then hands back
  after_resume();
  return child;
}

void Execution::join(int thread, SourceLoc loc) {
  if (aborting_) return;
  if (thread < 0 || thread >= static_cast<int>(threads_.size()) || threads_[thread].joined ||
      threads_[thread].detached) {
    fail_misuse(fmt::format("{} joins a thread that is not joinable", thread_name(current_)), loc);
    return;
  }
  threads_[current_].join_target = thread;
  set_pending(OpKind::kJoin, loc, thread);
  {  // enabled for good once the target has finished; until then it waits in join_mask_
    const std::uint64_t b = std::uint64_t{1} << (current_ & (kMaskThreads - 1));
    wait_mask_ &= ~b;
    if (threads_[thread].finished) {
      ready_mask_ |= b;
    } else {
      join_mask_ |= b;
    }
  }
  schedule();
  if (aborting_) return;
  threads_[thread].joined = true;
  log(OpKind::kJoin, ObjectKind::kThread, thread, std::memory_order_seq_cst, loc);
}

void Execution::detach(int thread) {
  if (thread >= 0 && thread < static_cast<int>(threads_.size())) threads_[thread].detached = true;
}

void Execution::yield(SourceLoc loc) {
  set_pending(OpKind::kYield, loc);
  schedule();
  if (aborting_) return;
  log(OpKind::kYield, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc);
}

std::uint32_t Execution::choose(std::uint32_t n, SourceLoc loc) {
  if (aborting_) return 0;
  if (n == 0) {
    fail_misuse("weft::choose(0): no value to choose from", loc);
    return 0;
  }
  const std::uint32_t v = choose_value(n, ValueChoice::kUser);
  log(OpKind::kChoose, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc).value = v;
  return v;
}

// ---------------------------------------------------------------------------------------
// The runtime API: forwards to the execution on this OS thread.

namespace {
Execution& exec() {
  Execution* e = tl_execution;
  if (e == nullptr) [[unlikely]] {
    throw std::logic_error("weft: a weft sync operation was called outside weft::explore");
  }
  return *e;
}
}  // namespace

void register_object(ObjectSlot& slot, ObjectKind kind, SourceLoc declared) {
  slot.kind = kind;
  slot.declared = declared;
  if (tl_execution != nullptr) tl_execution->register_object(slot, kind, declared);
}
Event& access(OpKind op, ObjectSlot& slot, ObjectKind kind, std::memory_order order, SourceLoc loc) {
  return exec().access(op, slot, kind, order, loc);
}
void mutex_lock(MutexState& m, SourceLoc loc) { exec().mutex_lock(m, loc); }
bool mutex_try_lock(MutexState& m, SourceLoc loc) { return exec().mutex_try_lock(m, loc); }
void mutex_unlock(MutexState& m, SourceLoc loc) { exec().mutex_unlock(m, loc); }
void cv_wait(CondVarState& cv, MutexState& m, SourceLoc loc) { exec().cv_wait(cv, m, loc); }
void cv_notify_one(CondVarState& cv, SourceLoc loc) { exec().cv_notify(cv, false, loc); }
void cv_notify_all(CondVarState& cv, SourceLoc loc) { exec().cv_notify(cv, true, loc); }
void sem_acquire(SemaphoreState& s, SourceLoc loc) { exec().sem_acquire(s, loc); }
bool sem_try_acquire(SemaphoreState& s, SourceLoc loc) { return exec().sem_try_acquire(s, loc); }
void sem_release(SemaphoreState& s, std::int64_t update, SourceLoc loc) { exec().sem_release(s, update, loc); }
int spawn(const ThreadBody& body, SourceLoc loc) { return exec().spawn(body, loc); }
void join(int thread, SourceLoc loc) { exec().join(thread, loc); }
void detach(int thread) { exec().detach(thread); }
void yield(SourceLoc loc) { exec().yield(loc); }
std::uint32_t choose(std::uint32_t n, SourceLoc loc) { return exec().choose(n, loc); }
void assert_fail(const char* expression, SourceLoc loc) { exec().assert_fail(expression, loc); }
void report_misuse(const char* what, SourceLoc loc) noexcept {
  if (tl_execution != nullptr) tl_execution->report_misuse(what, loc);
}
int current_thread() { return exec().current_thread(); }

}  // namespace weft::detail
