// The unmodified-code runtime's entry points (harness/src/intercept/): execution serials, plain
// accesses without a scheduling point, and abandoning a thread of an aborting execution.
#include <atomic>
#include <stdexcept>

#include "runtime/execution.hpp"

namespace weft::detail {

void Execution::reset_abandoned() {
  static std::atomic<std::uint64_t> next_serial{0};
  serial_ = next_serial.fetch_add(1, std::memory_order_relaxed) + 1;
  for (const int w : abandoned_) {
    const boost::context::stack_context& sctx = stacks_[static_cast<std::size_t>(w)];
    ctxs_[static_cast<std::size_t>(w) + 1] = make_fcontext(sctx.sp, sctx.size, &Execution::worker_entry);
  }
  abandoned_.clear();
}

void Execution::log_plain_access(OpKind op, ObjectSlot& slot, SourceLoc loc) {
  if (aborting_ || current_ < 0 || !check_slot(slot, loc)) [[unlikely]]
    return;
  log(op, ObjectKind::kVar, slot.id, std::memory_order_relaxed, loc);
}

// Marks the current thread finished without unwinding it and hands over as an unwinding thread
// does (unwind_next: the newest unfinished thread first; -1, the root, when none is left).
void Execution::abandon_thread() {
  WEFT_CHECK(aborting_ && current_ >= 0);
  const int tid = current_;
  ThreadState& t = threads_[static_cast<std::size_t>(tid)];
  t.finished = true;
  t.starting = false;
  runnable_dirty_ = true;
  abandoned_.push_back(tid);
  switch_to(unwind_next());
  check_failed("an abandoned thread was resumed", __FILE__, __LINE__);
}

namespace {
Execution& exec() {
  Execution* e = tl_execution;
  if (e == nullptr) [[unlikely]] {
    throw std::logic_error("weft: a weft sync operation was called outside weft::explore");
  }
  return *e;
}
}  // namespace

SimContext sim_context() noexcept {
  const Execution* e = tl_execution;
  if (e == nullptr) return {};
  return SimContext{e->current_thread(), e->serial()};
}
void log_plain_access(OpKind op, ObjectSlot& slot, SourceLoc loc) { exec().log_plain_access(op, slot, loc); }
void abandon_thread() { exec().abandon_thread(); }

}  // namespace weft::detail
