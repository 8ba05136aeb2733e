// One execution: construction, the simulated threads' lifecycle on worker fibers, unwinding.
#include "runtime/execution.hpp"

#include <alloca.h>
#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

namespace weft::detail {

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

// Epochs are unique across every Execution of the process, so that an object of static storage
// registered by one exploration is never taken for an object of another's (see ObjectSlot).
std::uint32_t next_epoch() {
  static std::atomic<std::uint32_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

Execution::Execution(const Options& options, StackPool& pool)
    : options_(options),
      pool_(pool),
      policy_(make_policy(options, *this)),
      role_(policy_->role()),
      max_threads_(policy_->max_threads()),
      policy_log_(policy_->log()) {
  steady_slow_path_steps_ = role_ == SchedulingPolicy::Role::kDecides ? 0 : options.max_steps;
  slow_path_steps_ = steady_slow_path_steps_;
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
  break_pending_ = options_.break_step != 0;  // WEFT_BREAK_STEP: once per execution
  if (break_pending_) {
    slow_path_steps_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(steady_slow_path_steps_, options_.break_step));
  }
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
  policy_->reset();
  epoch_ = next_epoch();
  reset_abandoned();
}

void Execution::run(const std::function<void()>& body, Strategy& strategy, std::uint64_t index) {
  reset();
  strategy_ = &strategy;
  detail_ = strategy.wants_detail();
  mask_path_ = dfs_ != nullptr && !detail_ && role_ == SchedulingPolicy::Role::kExact;
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
  policy_->execution_end();
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
  v.priority = policy_log_;
  return v;
}

// ---------------------------------------------------------------------------------------
// Fibers and hand-over

int Execution::create_thread(const ThreadBody& body, int parent) {
  // Precondition: body.size <= max_callable_size() (spawn reports larger callables first).
  const int tid = static_cast<int>(threads_.size());
  threads_.emplace_back();
  threads_.back().parent = parent;
  if (policy_->tracks_threads()) [[unlikely]]
    policy_->thread_created(tid, parent);
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
  fiber_entered(self->switched_from_ < 0 ? &self->root_stack_ : nullptr);
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
  if (!aborting_) {
    int next = -1;
    if (mask_path_) [[likely]] {
      next = pick_from_mask(runnable_mask(), tid, false);
    } else if (role_ == SchedulingPolicy::Role::kDecides) {
      next = policy_->decide(-1);
    } else {
      compute_runnable();
      if (role_ == SchedulingPolicy::Role::kNarrows) narrow_runnable();
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

void Execution::abort_current() {
  aborting_ = true;
  if (std::uncaught_exceptions() != 0) return;  // already unwinding
  // Threads created after this one may reference its locals: they unwind first (see
  // unwind_next); the last of them hands back here.
  const int first = unwind_next();
  if (first != current_) switch_to(first);
  throw AbortExecution{};
}

}  // namespace weft::detail

extern "C" [[gnu::noinline, gnu::used]] void weft_break_here(unsigned long long step, int thread) {
  asm volatile("" : : "r"(step), "r"(thread) : "memory");  // kept, not inlined: a breakpoint site
}
