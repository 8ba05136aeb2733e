// The priority policy and its virtual clock: fixed-priority preemptive scheduling of the
// simulated threads on K simulated CPUs, priority inheritance (transitive) and the immediate
// priority ceiling, sleeps, CPU work and timed waits, and the records behind the
// priority_inversion and deadline_miss findings.
//
// Protocols: L. Sha, R. Rajkumar, J. P. Lehoczky, "Priority inheritance protocols: an approach
// to real-time synchronization", IEEE Transactions on Computers 39(9), 1990 (the basic
// inheritance protocol, with its transitivity through nested critical sections); the ceiling is
// the immediate ("highest locker") variant that POSIX standardizes as PTHREAD_PRIO_PROTECT.
//
// Model. Visible operations take no virtual time; only weft::work consumes it, and only while
// the thread holds a simulated CPU. At each scheduling point the ready threads (not sleeping,
// not blocked) are ranked by effective priority; the K highest, plus every thread tied with
// the K-th, are the candidates. A candidate whose next operation is enabled may take it (the
// strategy picks among them: equal priorities branch); when none can, virtual time advances
// to the next event (some work finishes, a thread becomes due, a deadline passes) while the
// busy candidates hold the CPUs (equal-priority ties at the last CPU are a choice). A thread
// that becomes due at the same instant as other threads' zero-time operations may become ready
// before any of them: the explorer decides (ValueChoice::kRelease), and an arrival window
// [arrival, arrival + jitter] is explored at every scheduling point inside it.
#include "runtime/policies/priority_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "runtime/execution.hpp"

namespace weft::detail {

namespace {

std::string who(int tid, const char* name) {
  return name != nullptr ? fmt::format("t{} ({})", tid, name) : fmt::format("t{}", tid);
}

}  // namespace

PriorityPolicy::PriorityPolicy(Execution& exec, const Options& options)
    : SchedulingPolicy(Role::kDecides), x_(exec), cpus_(options.cpus), max_blocking_(options.max_blocking.count()) {
  tracks_threads_ = true;
  runnable_.reserve(32);
}

// ---------------------------------------------------------------------------------------
// Per-execution bookkeeping

void PriorityPolicy::reset() {
  PriorityState& ps = ps_;
  if (ps.threads.capacity() == 0) {
    ps.threads.reserve(32);
    ps.info.reserve(32);
    ps.episodes.reserve(64);
    ps.misses.reserve(16);
    ps.marks.reserve(1024);
    ps.order.reserve(32);
    ps.cand.reserve(32);
    ps.running.reserve(32);
    ps.prev_eff.reserve(32);
    ps.own.reserve(32);
  }
  ps.now = 0;
  ps.threads.clear();
  ps.info.clear();
  ps.episodes.clear();
  ps.misses.clear();
  ps.marks.clear();
  ps.prev_eff.clear();
  ps.log = PriorityLog{};
}

void PriorityPolicy::thread_created(int tid, int parent) {
  PriorityState& ps = ps_;
  PrioThread t{};
  t.spawned = ps.now;
  if (parent < 0) {
    t.base = kMainPriority;
    t.name = "main";
  } else {
    t.base = kDefaultPriority;
  }
  if (parent >= 0 && ps.threads[parent].spawn_attr != nullptr) {
    const SpawnAttr& a = *ps.threads[parent].spawn_attr;
    ps.threads[parent].spawn_attr = nullptr;
    t.base = a.priority;
    t.name = a.name;
    t.deadline = a.deadline > 0 ? a.deadline : 0;
    t.earliest = ps.now + std::max<std::int64_t>(a.arrival, 0);
    t.latest = t.earliest + std::max<std::int64_t>(a.jitter, 0);
    const bool arrives = a.arrival > 0 || a.jitter > 0;
    if (!arrives && t.deadline > 0) {
      t.job_active = true;  // ready at once: its first job starts at the spawn
      t.job_release = ps.now;
    }
  }
  t.eff = t.base;
  ps.threads.push_back(t);
  ps.info.push_back(PriorityThread{t.name, t.base, t.deadline});
  ps.prev_eff.push_back(t.eff);
  if (tid >= ps.stride) {
    // Grow the interference matrix (rare: only when more threads than ever before exist).
    const int stride = std::max(32, 2 * (tid + 1));
    std::vector<VTime> grown(static_cast<std::size_t>(stride) * stride, 0);
    for (int h = 0; h < ps.stride; ++h) {
      std::copy_n(ps.interference.begin() + static_cast<std::ptrdiff_t>(h) * ps.stride, ps.stride,
                  grown.begin() + static_cast<std::ptrdiff_t>(h) * stride);
    }
    ps.interference.swap(grown);
    ps.stride = stride;
  }
}

void PriorityPolicy::mark(MarkKind kind, int thread, int value) {
  TimelineMark m;
  m.step = x_.step();
  m.time = ps_.now;
  m.kind = kind;
  m.thread = thread;
  m.value = value;
  ps_.marks.push_back(m);
}

void PriorityPolicy::execution_end() {
  PriorityState& ps = ps_;
  for (PrioThread& t : ps.threads) {
    if (t.episode >= 0) {
      BlockingEpisode& e = ps.episodes[static_cast<std::size_t>(t.episode)];
      e.end = ps.now;
      e.end_step = x_.step();
      e.ended = false;
      t.episode = -1;
    }
  }
  for (std::size_t i = 0; i < ps.threads.size(); ++i) ps.info[i].priority = ps.threads[i].base;
  PriorityLog& log = ps.log;
  log.active = true;
  log.cpus = cpus_;
  log.max_blocking = max_blocking_;
  log.end_time = ps.now;
  log.threads = ps.info;
  log.episodes = ps.episodes;
  log.misses = ps.misses;
  log.marks = ps.marks;
}

void PriorityPolicy::mutex_acquired(int tid, MutexState& m, SourceLoc loc) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  PrioThread& t = ps_.threads[tid];
  if (t.base > m.ceiling) {
    x_.fail_misuse(fmt::format("{} (priority {}) locks {} whose priority ceiling is {}: a thread may not lock a "
                               "ceiling mutex above its ceiling (POSIX: EINVAL)",
                               who(tid, t.name), t.base, x_.object_name(m.slot.id), m.ceiling),
                   loc);
    return;
  }
  if (t.held_count >= PrioThread::kMaxHeldCeilings) {
    x_.fail_misuse(fmt::format("{} holds more than {} priority-ceiling mutexes at once", who(tid, t.name),
                               PrioThread::kMaxHeldCeilings),
                   loc);
    return;
  }
  t.held[static_cast<std::size_t>(t.held_count++)] = HeldCeiling{m.slot.id, m.ceiling};
}

void PriorityPolicy::mutex_released(int tid, MutexState& m) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  PrioThread& t = ps_.threads[tid];
  for (int i = 0; i < t.held_count; ++i) {
    if (t.held[static_cast<std::size_t>(i)].mutex == m.slot.id) {
      t.held[static_cast<std::size_t>(i)] = t.held[static_cast<std::size_t>(t.held_count - 1)];
      --t.held_count;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Thread states under the priority policy

bool PriorityPolicy::enabled(int tid) const {
  const ThreadState& t = x_.thread(tid);
  if (t.finished) return false;
  switch (t.pending) {
    case OpKind::kSleep:
      return !ps_.threads[tid].dormant;
    case OpKind::kWork:
      return ps_.threads[tid].work_left <= 0;
    case OpKind::kTryLock:
      return !t.timed || t.timeout_fired || t.mutex->owner < 0;
    case OpKind::kSemTryAcquire:
      return !t.timed || t.timeout_fired || t.semaphore->count > 0;
    case OpKind::kCvWake:
      return (t.waiting_on == nullptr || (t.timed && t.timeout_fired)) && t.mutex->owner < 0;
    default:
      return x_.thread_enabled(tid);  // as under the any-interleaving policy
  }
}

bool PriorityPolicy::busy(int tid) const {
  const ThreadState& t = x_.thread(tid);
  return !t.finished && t.pending == OpKind::kWork && ps_.threads[tid].work_left > 0;
}

bool PriorityPolicy::ready(int tid) const {
  const ThreadState& t = x_.thread(tid);
  if (t.finished || ps_.threads[tid].dormant) return false;
  return enabled(tid) || busy(tid);
}

MutexState* PriorityPolicy::blocked_on(int tid) const {
  const ThreadState& t = x_.thread(tid);
  if (t.finished) return nullptr;
  MutexState* m = nullptr;
  switch (t.pending) {
    case OpKind::kLock:
      m = t.mutex;
      break;
    case OpKind::kCvWake:
      if (t.waiting_on != nullptr) return nullptr;
      m = t.mutex;
      break;
    case OpKind::kTryLock:
      if (!t.timed || t.timeout_fired) return nullptr;
      m = t.mutex;
      break;
    default:
      return nullptr;
  }
  return (m->owner >= 0 && m->owner != tid) ? m : nullptr;
}

int PriorityPolicy::chain_end(int tid, int limit) const {
  int cur = tid;
  for (int i = 0; i < limit; ++i) {
    const MutexState* m = blocked_on(cur);
    if (m == nullptr) return cur;
    cur = m->owner;
  }
  return cur;  // a cycle of mutex waits (a deadlock): any member will do
}

// ---------------------------------------------------------------------------------------
// The scheduling point

void PriorityPolicy::recompute() {
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  ps.own.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    PrioThread& t = ps.threads[i];
    int e = t.base;
    for (int k = 0; k < t.held_count; ++k) e = std::max(e, t.held[static_cast<std::size_t>(k)].ceiling);
    ps.own[i] = e;
    t.eff = e;
  }
  // Inheritance: a holder runs at least at the priority of each thread waiting for a mutex it
  // holds; through `inherit` mutexes the waiter's own effective priority propagates (chains),
  // through `inherit_direct` only its own priority. A fixpoint: at most n rounds.
  for (int round = 0; round < n; ++round) {
    bool changed = false;
    for (int w = 0; w < n; ++w) {
      const MutexState* m = blocked_on(w);
      if (m == nullptr) continue;
      int v;
      if (m->protocol == static_cast<std::uint8_t>(mutex_protocol::inherit)) {
        v = ps.threads[w].eff;
      } else if (m->protocol == static_cast<std::uint8_t>(mutex_protocol::inherit_direct)) {
        v = ps.own[w];
      } else {
        continue;
      }
      PrioThread& o = ps.threads[m->owner];
      if (v > o.eff) {
        o.eff = v;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; ++i) {
    if (ps.threads[i].eff != ps.prev_eff[i]) {
      ps.prev_eff[i] = ps.threads[i].eff;
      if (!x_.thread(i).finished) mark(MarkKind::kPriority, i, ps.threads[i].eff);
    }
  }
}

void PriorityPolicy::classify() {
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  ps.order.clear();
  for (int i = 0; i < n; ++i) {
    if (!ready(i)) continue;
    // Insertion by effective priority, descending (stable: ties keep thread order).
    const int e = ps.threads[i].eff;
    auto at = ps.order.end();
    while (at != ps.order.begin() && ps.threads[*(at - 1)].eff < e) --at;
    ps.order.insert(at, i);
  }
  const std::size_t k = static_cast<std::size_t>(cpus_);
  ps.threshold = ps.order.size() > k ? ps.threads[ps.order[k - 1]].eff : INT_MIN;
  ps.admit = ps.order.size() >= k ? ps.threads[ps.order[k - 1]].eff : INT_MIN;
  ps.cand.clear();
  runnable_.clear();
  for (int i = 0; i < n; ++i) {
    if (!ready(i) || ps.threads[i].eff < ps.threshold) continue;
    ps.cand.push_back(i);
    if (enabled(i)) runnable_.push_back(i);
  }
}

bool PriorityPolicy::offer_releases() {
  PriorityState& ps = ps_;
  const bool zero_time_steps = !runnable_.empty();
  const auto step = x_.step();
  bool changed = false;
  const int n = x_.thread_count();
  for (int i = 0; i < n; ++i) {
    PrioThread& p = ps.threads[i];
    const ThreadState& t = x_.thread(i);
    if (!p.release_pending || t.finished) continue;
    if (p.release_is_timeout && t.pending == OpKind::kCvWake && t.waiting_on == nullptr) {
      p.release_pending = false;  // notified before its timeout: nothing left to time out
      continue;
    }
    if (p.earliest > ps.now) continue;
    bool release;
    if (zero_time_steps) {
      // Other threads act at this instant: becoming ready before their next operation or after
      // it are both possible, but only matter if the thread could then hold a CPU.
      if (p.eff < ps.admit) continue;
      if (p.offered_step == step && p.offered_time == ps.now) continue;
      p.offered_step = step;
      p.offered_time = ps.now;
      release = x_.choose_value(2, ValueChoice::kRelease) == 0;
    } else if (ps.now < p.latest) {
      // Inside an arrival window while time must advance: now, or at a later event.
      if (p.offered_step == step && p.offered_time == ps.now) continue;
      p.offered_step = step;
      p.offered_time = ps.now;
      release = x_.choose_value(2, ValueChoice::kRelease) == 0;
    } else {
      release = true;
    }
    if (release) {
      release_thread(i);
      changed = true;
    }
  }
  return changed;
}

void PriorityPolicy::release_thread(int tid) {
  PriorityState& ps = ps_;
  PrioThread& p = ps.threads[tid];
  p.release_pending = false;
  if (p.release_is_timeout) {
    ThreadState& t = x_.thread_for_update(tid);  // its timed wait may now end
    if (t.pending == OpKind::kCvWake) {
      if (t.waiting_on == nullptr) return;
      t.waiting_on = nullptr;  // no longer a waiter notify_one may pick
    }
    t.timeout_fired = true;
    mark(MarkKind::kTimeout, tid, 0);
    return;
  }
  p.dormant = false;
  if (p.deadline > 0) {
    p.job_active = true;
    p.job_missed = false;
    p.job_release = ps.now;
    p.job_blocked = 0;
    std::fill_n(ps.interference.begin() + static_cast<std::ptrdiff_t>(tid) * ps.stride, ps.stride, 0);
  }
  mark(MarkKind::kRelease, tid, 0);
}

int PriorityPolicy::decide(int self) {
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  for (;;) {
    for (int i = 0; i < n; ++i) {
      if (x_.thread(i).finished && ps.threads[i].job_active) end_job(i);
    }
    recompute();
    classify();
    if (offer_releases()) continue;
    track_blocking();
    if (!runnable_.empty()) {
      int next = runnable_[0];
      if (runnable_.size() > 1) {
        next = x_.pick_among(runnable_, self, self >= 0 && x_.thread(self).pending == OpKind::kYield);
      }
      account_step(next);
      return next;
    }
    if (!advance_time()) return -1;
  }
}

// ---------------------------------------------------------------------------------------
// Priorities and timing operations (the hooks of weft/sched.hpp's operations)

int PriorityPolicy::effective_priority(int tid) {
  recompute();  // the calling thread's own operations (lock, unlock) may have changed it
  return ps_.threads[tid].eff;
}

int PriorityPolicy::set_priority(int tid, int priority) { return std::exchange(ps_.threads[tid].base, priority); }

void PriorityPolicy::begin_delay(int tid, Delay kind, VTime amount) {
  PrioThread& p = ps_.threads[tid];
  switch (kind) {
    case Delay::kArrival:  // its window [earliest, latest] was set at its creation
      p.dormant = true;
      p.release_pending = true;
      p.release_is_timeout = false;
      break;
    case Delay::kSleep:
      end_job(tid);
      p.dormant = true;
      p.release_pending = true;
      p.release_is_timeout = false;
      p.earliest = std::max(amount, ps_.now);
      p.latest = p.earliest;
      break;
    case Delay::kWork:
      p.work_left = amount;
      break;
  }
}

void PriorityPolicy::end_delay(int tid, Delay kind, VTime, bool) {
  if (kind == Delay::kWork) ps_.threads[tid].work_left = 0;
}

TimeoutArm PriorityPolicy::arm_timeout(int tid, VTime deadline) {
  if (deadline <= ps_.now) return TimeoutArm::kFired;
  PrioThread& p = ps_.threads[tid];
  p.release_pending = true;
  p.release_is_timeout = true;
  p.earliest = p.latest = deadline;
  return TimeoutArm::kArmed;
}

}  // namespace weft::detail
