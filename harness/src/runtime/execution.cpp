// One execution: fiber hand-over between simulated threads, visible operations, runtime findings.
#include "runtime/execution.hpp"

#include <alloca.h>
#include <cxxabi.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <typeinfo>

namespace weft::detail {

thread_local Execution* tl_execution = nullptr;

void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "weft: internal check failed: %s at %s:%d\n", what, file, line);
  std::abort();
}

namespace {

EhState* eh_globals() { return reinterpret_cast<EhState*>(abi::__cxa_get_globals()); }

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && d != nullptr) ? d : name;
  std::free(d);
  return out;
}

std::string thread_name(int tid) { return tid < 0 ? std::string("root") : fmt::format("t{}", tid); }

}  // namespace

Execution::Execution(const Options& options, StackPool& pool)
    : options_(options), pool_(pool), prio_on_(options.policy == SchedPolicy::kPriority) {
  prio_.used = prio_on_;
  slow_path_steps_ = prio_on_ ? 0 : options.max_steps;
  threads_.reserve(32);
  ctxs_.reserve(33);
  ctxs_.push_back(nullptr);  // the root's slot
  stacks_.reserve(32);
  runnable_buf_.resize(32);
  scratch_.reserve(32);
  events_.reserve(1024);
  objects_.reserve(64);
  choices_.reserve(256);
  pending_.reserve(32);
}

Execution::~Execution() {
  // Idle workers hold nothing on their stacks (see worker_loop): releasing the stacks is enough.
  for (boost::context::stack_context& sctx : stacks_) pool_.deallocate(sctx);
}

void Execution::reset() {
  threads_.clear();
  events_.clear();
  objects_.clear();
  choices_.clear();
  findings_.clear();
  aborting_ = false;
  runnable_dirty_ = true;
  ready_mask_ = 0;
  join_mask_ = 0;
  wait_mask_ = 0;
  spurious_used_ = 0;
  spurious_pruned_ = false;
  eh_saved_ = root_eh_.in_flight() ? 1 : 0;  // the threads' saved states went with them
  current_ = -1;
  switched_from_ = -1;
  fair_.reset();
  if (prio_.used) [[unlikely]]
    prio_reset();
  ++epoch_;
}

void Execution::run(const std::function<void()>& body, Strategy& strategy, std::uint64_t index) {
  reset();
  strategy_ = &strategy;
  detail_ = strategy.wants_detail();
  mask_path_ = dfs_ != nullptr && !detail_ && !options_.fair && !prio_on_;
  index_ = index;
  main_body_ = &body;
  ThreadBody main;
  const std::function<void()>* fn = &body;
  main.object = &fn;
  main.size = sizeof(fn);
  main.align = alignof(decltype(fn));
  main.relocate = [](void* dst, void* src) { std::memcpy(dst, src, sizeof(const std::function<void()>*)); };
  main.run = [](void* obj) { (**static_cast<const std::function<void()>**>(obj))(); };
  main.destroy = [](void*) {};
  create_thread(main, -1);

  Execution* outer = tl_execution;
  tl_execution = this;
  if (eh_ == nullptr) [[unlikely]]
    eh_ = eh_globals();  // see eh_
  switch_to(0);          // returns when every thread has finished, or after a crash
  if (crash_.kind != CrashKind::kNone) [[unlikely]]
    finish_crash();
  prio_finish();
  tl_execution = outer;
  WEFT_CHECK(current_ == -1);
  for (const ThreadState& t : threads_) WEFT_CHECK(t.finished);
}

ExecutionView Execution::view() const {
  ExecutionView v;
  v.events = events_;
  v.objects = objects_;
  v.thread_count = static_cast<int>(threads_.size());
  v.execution = index_;
  v.fair = options_.fair;
  v.starvation_bound = options_.starvation_bound;
  if (prio_on_) v.priority = &prio_.log;
  return v;
}

// ---------------------------------------------------------------------------------------
// Fibers and hand-over

int Execution::create_thread(const ThreadBody& body, int parent) {
  WEFT_CHECK(body.size <= max_callable_size());  // checked by spawn before anything changes
  const int tid = static_cast<int>(threads_.size());
  threads_.emplace_back();
  threads_.back().parent = parent;
  if (prio_.used) [[unlikely]]
    prio_thread_created(tid, parent);
  runnable_dirty_ = true;
  if (runnable_buf_.size() < threads_.size()) runnable_buf_.resize(threads_.size() * 2);
  if (tid < kMaskThreads) [[likely]] {
    ready_mask_ |= std::uint64_t{1} << tid;  // pending kYield: cannot block
  } else {
    mask_path_ = false;
  }

  if (tid >= static_cast<int>(stacks_.size())) add_worker();
  spawn_body_ = &body;  // the worker relocates it onto its own stack when first switched to
  return tid;
}

void Execution::add_worker() {
  boost::context::stack_context sctx = pool_.allocate();
  stacks_.push_back(sctx);
  ctxs_.push_back(make_fcontext(sctx.sp, sctx.size, &Execution::worker_entry));
}

void Execution::worker_entry(Transfer from) {
  Execution* self = static_cast<Execution*>(from.data);
  self->ctxs_[self->switched_from_ + 1] = from.fctx;
  self->worker_loop(self->current_);
}

void Execution::worker_loop(int w) {
  for (;;) {
    // Switched to by create_thread's caller: thread w of the current execution starts.
    run_thread(w);
    ThreadState& t = threads_[w];
    t.finished = true;
    runnable_dirty_ = true;
    const std::uint64_t gone = ~(std::uint64_t{1} << (w & (kMaskThreads - 1)));
    ready_mask_ &= gone;
    wait_mask_ &= gone;
    for (std::uint64_t j = join_mask_; j != 0; j &= j - 1) {  // its joiners become enabled
      const int i = std::countr_zero(j);
      if (threads_[i].join_target == w) {
        join_mask_ &= ~(std::uint64_t{1} << i);
        ready_mask_ |= std::uint64_t{1} << i;
      }
    }
    if (!aborting_) log(OpKind::kExit, ObjectKind::kThread, w, std::memory_order_seq_cst, t.pending_loc);
    // Idle from here until thread w of a later execution is created: only trivially
    // destructible locals live on this stack while suspended.
    switch_to(next_after_exit(w));
  }
}

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
  const Transfer from = jump_fcontext(ctxs_[tid + 1], this);
  // Resumed: whoever switched to us set current_ = self and switched_from_ = themselves.
  ctxs_[switched_from_ + 1] = from.fctx;
}

void Execution::run_thread(int tid) {
  const ThreadBody& body = *spawn_body_;
  spawn_body_ = nullptr;
  void (*const run)(void*) = body.run;
  void (*const destroy)(void*) = body.destroy;
  // The callable lives on this thread's own stack, below the worker's frames.
  const auto raw = reinterpret_cast<std::uintptr_t>(alloca(body.size + body.align));
  const auto align = static_cast<std::uintptr_t>(body.align);
  void* obj = reinterpret_cast<void*>((raw + align - 1) & ~(align - 1));
  std::string escaped;  // type and message of an exception that escaped the thread
  bool threw = false;
  bool constructed = false;
  try {
    body.relocate(obj, body.object);
    constructed = true;
    run(obj);
  } catch (const AbortExecution&) {
  } catch (const std::exception& e) {
    threw = true;
    escaped = demangle(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    threw = true;
    const std::type_info* type = abi::__cxa_current_exception_type();
    escaped = type != nullptr ? demangle(type->name()) : std::string("unknown exception");
  }
  if (constructed) destroy(obj);
  if (threw && !aborting_) {
    Finding& f = add_finding(FindingKind::kUncaughtException,
                             fmt::format("exception escaped thread {}: {}", thread_name(tid), escaped),
                             threads_[tid].pending_loc);
    f.operation = "thread.exit";
    aborting_ = true;
  }
}

int Execution::next_after_exit(int tid) {
  ThreadState& t = threads_[tid];
  if (t.starting && !aborting_) {
    t.starting = false;
    return t.parent;
  }
  t.starting = false;
  if (prio_on_) [[unlikely]]
    return prio_next_after_exit(tid);
  if (!aborting_) {
    int next = -1;
    if (mask_path_) [[likely]] {
      next = pick_from_mask(runnable_mask(), tid, false);
    } else {
      compute_runnable();
      if (options_.fair) fair_filter();
      if (runnable_count_ == 1 && !detail_) {
        next = runnable_buf_[0];
      } else if (runnable_count_ >= 1) {
        next = pick(tid, false, false);
      }
    }
    if (next >= 0) return next;
    for (const ThreadState& other : threads_) {
      if (!other.finished) {
        fail_deadlock(tid);
        break;
      }
    }
  }
  if (aborting_) return unwind_next();  // unwind the remaining threads one after another
  return -1;                            // everything finished: back to the root
}

int Execution::unwind_next() const {
  for (int i = static_cast<int>(threads_.size()) - 1; i >= 0; --i) {
    if (!threads_[i].finished) return i;
  }
  return -1;
}

void Execution::after_resume() {
  if (aborting_) [[unlikely]] {
    if (std::uncaught_exceptions() == 0) throw AbortExecution{};
  }
}

void Execution::abort_current() {
  aborting_ = true;
  if (std::uncaught_exceptions() != 0) return;  // already unwinding
  // Threads created after this one may reference its locals: they unwind first (see
  // unwind_next); the last of them hands back here.
  const int first = unwind_next();
  if (first != current_) switch_to(first);
  throw AbortExecution{};
}

// ---------------------------------------------------------------------------------------
// Scheduling

void Execution::fair_filter() {
  runnable_count_ = fair_.filter(events_, runnable_buf_.data(), runnable_count_);
  runnable_dirty_ = true;  // the narrowed set is not the enabled set: recompute next time
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
  if (events_.size() >= slow_path_steps_) [[unlikely]] {  // the step bound, or the priority policy
    if (events_.size() >= options_.max_steps) {
      fail_step_bound();
      return;
    }
    prio_schedule(self);
    return;
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
  if (options_.fair) [[unlikely]]
    fair_filter();
  int next;
  if (runnable_count_ == 1 && !detail_) [[likely]] {
    next = runnable_buf_[0];
  } else if (runnable_count_ == 0) {
    fail_deadlock(self);
    return;
  } else {
    next = pick(self, enabled(t) && (!options_.fair || fair_.schedulable(self)), t.pending == OpKind::kYield);
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
  return foreign_slot(loc);
}

bool Execution::foreign_slot(SourceLoc loc) {
  if (!aborting_) {
    fail_misuse("a sync object created outside this execution is used in it (create objects inside the explored body)",
                loc);
  }
  return false;
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
    prio_acquired(m, loc);
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
      prio_acquired(m, loc);
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
    prio_released(m);
  log(OpKind::kUnlock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc);
}

void Execution::fail_unlock_misuse(const MutexState& m, SourceLoc loc) {
  fail_misuse(
      fmt::format("{} unlocks {}, which {}", thread_name(current_), object_name(m.slot.id),
                  m.owner < 0 ? std::string("is not locked") : fmt::format("is held by {}", thread_name(m.owner))),
      loc);
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
  bool spurious = false;
  if (options_.spurious_wakeups) {
    if (spurious_used_ < options_.max_spurious) {
      spurious = choose_value(2, ValueChoice::kSpuriousWake) == 1;
      if (spurious) ++spurious_used_;
    } else {
      spurious_pruned_ = true;
    }
  }
  m.owner = -1;
  runnable_dirty_ = true;
  if (m.protocol != 0) [[unlikely]]
    prio_released(m);
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
    prio_acquired(m, loc);
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
  if (options_.fair && threads_.size() >= FairScheduler::kMaxThreads) [[unlikely]] {
    fail_misuse(fmt::format("the fair mode supports at most {} threads", FairScheduler::kMaxThreads), loc);
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
// Findings

Finding& Execution::add_finding(FindingKind kind, std::string message, SourceLoc loc) {
  Finding& f = findings_.emplace_back();
  f.kind = kind;
  f.message = std::move(message);
  f.location = loc;
  f.step = events_.size();
  f.execution = index_;
  if (current_ >= 0) f.threads.push_back(current_);
  return f;
}

void Execution::assert_fail(const char* expression, SourceLoc loc) {
  if (aborting_) {
    after_resume();
    return;
  }
  log(OpKind::kAssert, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc);
  Finding& f = add_finding(FindingKind::kAssertionFailure,
                           fmt::format("assertion `{}` failed in {}", expression, thread_name(current_)), loc);
  f.step = events_.size() - 1;
  f.operation = "assert";
  abort_current();
}

void Execution::report_misuse(const char* what, SourceLoc loc) noexcept {
  if (aborting_) return;
  try {
    Finding& f = add_finding(FindingKind::kApiMisuse, fmt::format("{}: {}", thread_name(current_), what), loc);
    f.operation = "misuse";
  } catch (...) {
  }
}

void Execution::fail_misuse(std::string message, SourceLoc loc) {
  Finding& f = add_finding(FindingKind::kApiMisuse, std::move(message), loc);
  f.operation = "misuse";
  abort_current();
}

std::string Execution::object_name(int object) const {
  if (object < 0 || object >= static_cast<int>(objects_.size())) return fmt::format("object#{}", object);
  const ObjectInfo& o = objects_[object];
  return fmt::format("{}#{} ({})", object_kind_name(o.kind), object, format_location(o.declared));
}

std::string Execution::describe_wait(int tid) const {
  const ThreadState& t = threads_[tid];
  const std::string who = thread_name(tid);
  const std::string at = format_location(t.pending_loc);
  switch (t.pending) {
    case OpKind::kLock:
      return fmt::format("{} waits to lock {} at {}, held by {}", who, object_name(t.mutex->slot.id), at,
                         thread_name(t.mutex->owner));
    case OpKind::kCvWake:
      if (t.waiting_on != nullptr) {
        return fmt::format("{} waits on {} at {} (not notified)", who, object_name(t.waiting_on->slot.id), at);
      }
      return fmt::format("{} was woken at {} and waits to re-lock {}, held by {}", who, at,
                         object_name(t.mutex->slot.id), thread_name(t.mutex->owner));
    case OpKind::kJoin:
      return fmt::format("{} waits to join {} at {}", who, thread_name(t.join_target), at);
    case OpKind::kSemAcquire:
      return fmt::format("{} waits to acquire {} at {} (count {})", who, object_name(t.semaphore->slot.id), at,
                         t.semaphore->count);
    default:
      return fmt::format("{} is at {} ({})", who, op_name(t.pending), at);
  }
}

namespace {

// The thread that `t` (blocked) definitely waits for: the owner of the mutex it needs, or the
// thread it joins; -1 when any other thread could unblock it (a condition variable not yet
// notified, a semaphore).
int definite_target(const ThreadState& t) {
  switch (t.pending) {
    case OpKind::kLock:
      return t.mutex->owner;
    case OpKind::kCvWake:
      return t.waiting_on == nullptr ? t.mutex->owner : -1;
    case OpKind::kJoin:
      return t.join_target;
    default:
      return -1;
  }
}

}  // namespace

std::vector<int> Execution::wait_for_cycle(const std::vector<int>& blocked, int primary, bool& is_cycle) const {
  const auto follow = [this](std::vector<int>& path, int from) {  // appends the definite chain
    int cur = from;
    while (cur >= 0 && !threads_[cur].finished && std::find(path.begin(), path.end(), cur) == path.end()) {
      path.push_back(cur);
      cur = definite_target(threads_[cur]);
    }
    return cur;  // where the chain stopped: a thread already on it, or -1 / a finished thread
  };
  is_cycle = true;
  std::vector<int> starts{primary};
  for (const int b : blocked) {
    if (b != primary) starts.push_back(b);
  }
  // A cycle of lock and join waits.
  for (const int start : starts) {
    std::vector<int> path;
    const int end = follow(path, start);
    const auto at = std::find(path.begin(), path.end(), end);
    if (end >= 0 && at != path.end()) return std::vector<int>(at, path.end());
  }
  // A cycle through a condition variable or semaphore: w waits for anyone; a blocked x whose
  // chain leads back to w could have woken it. Threads stuck in a lock come first as x (they
  // are the likely notifiers), joining threads last.
  for (const int w : starts) {
    if (definite_target(threads_[w]) >= 0) continue;
    for (const bool joins : {false, true}) {
      for (const int x : starts) {
        if (x == w || (threads_[x].pending == OpKind::kJoin) != joins) continue;
        std::vector<int> path{w};
        if (follow(path, x) == w) return path;
      }
    }
  }
  is_cycle = false;
  std::vector<int> chain;
  follow(chain, primary);
  return chain;
}

void Execution::fail_deadlock(int reporter) {
  std::vector<int> blocked;
  for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
    if (!threads_[i].finished) blocked.push_back(i);
  }
  const int primary = (reporter >= 0 && !threads_[reporter].finished) ? reporter : blocked.front();
  Finding& f = add_finding(FindingKind::kDeadlock, {}, threads_[primary].pending_loc);
  f.threads = blocked;
  f.operation = std::string(op_name(threads_[primary].pending));

  // The wait-for cycle: who waits for whom, and what each holds that the previous one needs.
  bool is_cycle = false;
  const std::vector<int> cycle = wait_for_cycle(blocked, primary, is_cycle);
  const std::size_t k = cycle.size();
  std::string arrows;
  std::string story;
  for (std::size_t i = 0; i < k; ++i) {
    const int b = cycle[i];
    const ThreadState& t = threads_[b];
    const int prev = is_cycle || i > 0 ? cycle[(i + k - 1) % k] : -1;
    const int next = i + 1 < k || is_cycle ? cycle[(i + 1) % k] : -1;
    arrows += (i == 0 ? "" : " -> ") + thread_name(b);
    std::string held;
    if (prev >= 0) {
      const ThreadState& p = threads_[prev];
      const bool wants_mutex = p.pending == OpKind::kLock || (p.pending == OpKind::kCvWake && p.waiting_on == nullptr);
      if (wants_mutex && p.mutex->owner == b) held = fmt::format("holds {} and ", object_name(p.mutex->slot.id));
    }
    const std::string at = format_location(t.pending_loc);
    std::string waits;
    FindingSite site;
    site.thread = b;
    site.operation = std::string(op_name(t.pending));
    site.location = t.pending_loc;
    site.step = f.step;
    const std::string could = next >= 0 ? fmt::format(", which {} could", thread_name(next))
                                        : std::string(", and no thread is left that could");
    switch (t.pending) {
      case OpKind::kLock:
        site.object = object_name(t.mutex->slot.id);
        waits = fmt::format("waits to lock {} at {}, held by {}", site.object, at, thread_name(t.mutex->owner));
        break;
      case OpKind::kCvWake:
        if (t.waiting_on != nullptr) {
          site.object = object_name(t.waiting_on->slot.id);
          waits = fmt::format("waits on {} at {} (not notified){} notify", site.object, at, could);
        } else {
          site.object = object_name(t.mutex->slot.id);
          waits = fmt::format("was woken at {} and waits to re-lock {}, held by {}", at, site.object,
                              thread_name(t.mutex->owner));
        }
        break;
      case OpKind::kJoin:
        site.object = thread_name(t.join_target);
        waits = fmt::format("waits to join {} at {}", site.object, at);
        break;
      case OpKind::kSemAcquire:
        site.object = object_name(t.semaphore->slot.id);
        waits = fmt::format("waits to acquire {} at {} (count {}){} release it", site.object, at, t.semaphore->count,
                            could);
        break;
      default:
        waits = fmt::format("is at {} ({})", op_name(t.pending), at);
        break;
    }
    story += fmt::format("{}{} {}{}", i == 0 ? "" : "; ", thread_name(b), held, waits);
    f.sites.push_back(std::move(site));
  }
  if (is_cycle) arrows += " -> " + thread_name(cycle.front());
  f.details.push_back(fmt::format("wait-for {}: {}", is_cycle ? "cycle" : "chain", arrows));
  for (int b : blocked) f.details.push_back(describe_wait(b));
  const std::string count = fmt::format("{} thread{} blocked", blocked.size(), blocked.size() == 1 ? "" : "s");
  f.message = fmt::format("deadlock: wait-for {} {}: {} ({})", is_cycle ? "cycle" : "chain", arrows, story, count);
  if (current_ == reporter && !threads_[reporter].finished) {
    abort_current();
  } else {
    aborting_ = true;
  }
}

void Execution::fail_step_bound() {
  std::vector<int> live;
  for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
    if (!threads_[i].finished) live.push_back(i);
  }
  Finding& f = add_finding(FindingKind::kStepBound,
                           fmt::format("execution exceeded {} steps with {} threads unfinished (possible livelock)",
                                       options_.max_steps, live.size()),
                           threads_[current_].pending_loc);
  f.threads = live;
  f.operation = std::string(op_name(threads_[current_].pending));
  abort_current();
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
