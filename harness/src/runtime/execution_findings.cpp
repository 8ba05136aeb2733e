// One execution's findings raised by the runtime itself: assertions, misuse, deadlocks explained
// as wait-for cycles, the step bound.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/execution.hpp"

namespace weft::detail {

std::string thread_name(int tid) { return tid < 0 ? std::string("root") : fmt::format("t{}", tid); }

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

}  // namespace weft::detail
