// One execution's priority and timing operations (weft/sched.hpp, timed waits): the scheduling
// point is the Execution's; priorities and the clock are the policy's (SchedulingPolicy).
#include <fmt/format.h>

#include <stdexcept>

#include "runtime/execution.hpp"

namespace weft::detail {

int Execution::spawn_with(const ThreadBody& body, const SpawnAttr& attr, SourceLoc loc) {
  // The parent is suspended inside spawn until its child exists: other threads spawning
  // meanwhile do not see these attributes.
  policy_->set_spawn_attr(current_, &attr);
  const int child = spawn(body, loc);
  if (current_ >= 0) policy_->set_spawn_attr(current_, nullptr);
  return child;
}

void Execution::arrive(SourceLoc loc) {
  if (!aborting_) policy_->begin_delay(current_, Delay::kArrival, 0);
  set_pending(OpKind::kSleep, loc);
  schedule();
  if (aborting_) return;
  policy_->end_delay(current_, Delay::kArrival, 0, true);
  Event& e = log(OpKind::kSleep, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc);
  e.value = policy_->now();
  e.aux = 1;
}

void Execution::sleep_until(std::int64_t time, SourceLoc loc) {
  if (!aborting_) policy_->begin_delay(current_, Delay::kSleep, time);
  set_pending(OpKind::kSleep, loc);
  schedule();
  if (aborting_) return;
  policy_->end_delay(current_, Delay::kSleep, time, true);
  log(OpKind::kSleep, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc).value = policy_->now();
}

void Execution::work(std::int64_t amount, SourceLoc loc) {
  if (amount < 0) amount = 0;
  if (!aborting_) policy_->begin_delay(current_, Delay::kWork, amount);
  set_pending(OpKind::kWork, loc);
  schedule();
  policy_->end_delay(current_, Delay::kWork, amount, !aborting_);
  if (aborting_) return;
  log(OpKind::kWork, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc).value = amount;
}

void Execution::set_priority(int priority, SourceLoc loc) {
  set_pending(OpKind::kSetPriority, loc);
  schedule();
  if (aborting_) return;
  const int old = policy_->set_priority(current_, priority);
  runnable_dirty_ = true;
  Event& e = log(OpKind::kSetPriority, ObjectKind::kThread, current_, std::memory_order_seq_cst, loc);
  e.value = priority;
  e.aux = old;
}

int Execution::priority() { return policy_->priority(current_); }

int Execution::effective_priority() { return policy_->effective_priority(current_); }

bool Execution::timed_wait(OpKind op, std::int64_t deadline, SourceLoc loc) {
  {
    ThreadState& t = threads_[current_];
    t.timed = true;
    t.timeout_fired = policy_->arm_timeout(current_, deadline) != TimeoutArm::kArmed;
  }
  runnable_dirty_ = true;
  set_pending(op, loc);
  schedule();
  ThreadState& t = threads_[current_];
  policy_->disarm_timeout(current_);
  const bool fired = t.timeout_fired;
  t.timed = false;
  t.timeout_fired = false;
  return fired;
}

bool Execution::mutex_try_lock_until(MutexState& m, std::int64_t deadline, SourceLoc loc) {
  if (!check_slot(m.slot, loc)) return false;
  if (policy_->deadline_passed(deadline)) return mutex_try_lock(m, loc);  // nothing to wait for
  threads_[current_].mutex = &m;
  const bool fired = timed_wait(OpKind::kTryLock, deadline, loc);
  if (aborting_) return false;
  const bool available = m.owner < 0;
  const bool ok = available && (!fired || choose_value(2, ValueChoice::kTimedWait) == 0);
  if (ok) {
    m.owner = current_;
    runnable_dirty_ = true;
    if (m.protocol != 0) protocol_acquired(m, loc);
  } else {
    policy_->timed_out(current_, deadline);
  }
  Event& e = log(OpKind::kTryLock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc);
  e.value = ok ? 1 : 0;
  e.aux = 1;  // timed
  return ok;
}

bool Execution::sem_try_acquire_until(SemaphoreState& s, std::int64_t deadline, SourceLoc loc) {
  if (!check_slot(s.slot, loc)) return false;
  if (policy_->deadline_passed(deadline)) return sem_try_acquire(s, loc);
  threads_[current_].semaphore = &s;
  const bool fired = timed_wait(OpKind::kSemTryAcquire, deadline, loc);
  if (aborting_) return false;
  const bool available = s.count > 0;
  const bool ok = available && (!fired || choose_value(2, ValueChoice::kTimedWait) == 0);
  if (ok) {
    --s.count;
    runnable_dirty_ = true;
  } else {
    policy_->timed_out(current_, deadline);
  }
  Event& e = log(OpKind::kSemTryAcquire, ObjectKind::kSemaphore, s.slot.id, std::memory_order_seq_cst, loc);
  e.value = ok ? 1 : 0;
  e.aux = s.count;  // as sem_try_acquire: the count after
  return ok;
}

bool Execution::cv_wait_until(CondVarState& cv, MutexState& m, std::int64_t deadline, SourceLoc loc) {
  // As cv_wait, with a timeout: the wake-up happens on a notification, spuriously, or when the
  // deadline passes (as the policy's clock says); then the mutex is re-locked.
  if (!check_slot(cv.slot, loc) || !check_slot(m.slot, loc)) return true;
  if (aborting_) return true;
  if (m.owner != current_) {
    fail_misuse(
        fmt::format("t{} waits on {} without holding {}", current_, object_name(cv.slot.id), object_name(m.slot.id)),
        loc);
    return true;
  }
  set_pending(OpKind::kCvWait, loc);
  schedule();
  if (aborting_) return true;
  const bool spurious = choose_spurious();
  m.owner = -1;
  runnable_dirty_ = true;
  if (m.protocol != 0) protocol_released(m);
  Event& e = log(OpKind::kCvWait, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc);
  e.aux = m.slot.id;
  e.value = spurious ? 1 : 0;
  // A spurious wake-up leaves nothing to time out.
  const TimeoutArm arm = spurious ? TimeoutArm::kArmed : policy_->arm_timeout(current_, deadline);
  {
    ThreadState& t = threads_[current_];
    t.waiting_on = spurious ? nullptr : &cv;
    t.mutex = &m;
    t.timed = true;
    t.timeout_fired = !spurious && arm != TimeoutArm::kArmed;
    if (arm == TimeoutArm::kFired) t.waiting_on = nullptr;
  }
  set_pending(OpKind::kCvWake, loc);
  schedule();
  ThreadState& t = threads_[current_];
  policy_->disarm_timeout(current_);
  // Not notified, or (a clock orders it) its timeout came first.
  const bool timed_out = t.waiting_on != nullptr || (arm != TimeoutArm::kAnyPoint && t.timeout_fired);
  t.waiting_on = nullptr;
  t.timed = false;
  t.timeout_fired = false;
  if (aborting_) return true;
  if (timed_out) policy_->timed_out(current_, deadline);
  m.owner = current_;
  runnable_dirty_ = true;
  if (m.protocol != 0) protocol_acquired(m, loc);
  Event& w = log(OpKind::kCvWake, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc);
  w.aux = m.slot.id;
  w.value = timed_out ? 1 : 0;
  return !timed_out;
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

int spawn_with(const ThreadBody& body, const SpawnAttr& attr, SourceLoc loc) {
  return exec().spawn_with(body, attr, loc);
}
void arrive(SourceLoc loc) { exec().arrive(loc); }
void set_priority(int priority, SourceLoc loc) { exec().set_priority(priority, loc); }
int priority() { return exec().priority(); }
int effective_priority() { return exec().effective_priority(); }
std::int64_t now() { return exec().now(); }
void sleep_until(std::int64_t time, SourceLoc loc) { exec().sleep_until(time, loc); }
void work(std::int64_t amount, SourceLoc loc) { exec().work(amount, loc); }
bool mutex_try_lock_until(MutexState& m, std::int64_t deadline, SourceLoc loc) {
  return exec().mutex_try_lock_until(m, deadline, loc);
}
bool cv_wait_until(CondVarState& cv, MutexState& m, std::int64_t deadline, SourceLoc loc) {
  return exec().cv_wait_until(cv, m, deadline, loc);
}
bool sem_try_acquire_until(SemaphoreState& s, std::int64_t deadline, SourceLoc loc) {
  return exec().sem_try_acquire_until(s, deadline, loc);
}

}  // namespace weft::detail
