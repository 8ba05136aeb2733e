// The priority policy and the virtual clock: fixed-priority preemptive scheduling of the
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
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "runtime/execution.hpp"

namespace weft::detail {

namespace {

std::string who(int tid, const char* name) {
  return name != nullptr ? fmt::format("t{} ({})", tid, name) : fmt::format("t{}", tid);
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Per-execution bookkeeping

void Execution::prio_reset() {
  PriorityState& ps = prio_;
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
  ps.used = prio_on_;  // any-interleaving policy: untracked until the next prio_touch()
  ps.now = 0;
  ps.threads.clear();
  ps.info.clear();
  ps.episodes.clear();
  ps.misses.clear();
  ps.marks.clear();
  ps.prev_eff.clear();
  ps.log = PriorityLog{};
}

void Execution::prio_thread_created(int tid, int parent) {
  PriorityState& ps = prio_;
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
    if (!arrives && t.deadline > 0 && prio_on_) {
      t.job_active = true;  // ready at once: its first job starts at the spawn
      t.job_release = ps.now;
    }
  }
  t.eff = t.base;
  ps.threads.push_back(t);
  ps.info.push_back(PriorityThread{t.name, t.base, t.deadline});
  ps.prev_eff.push_back(t.eff);
  if (prio_on_ && tid >= ps.stride) {
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

void Execution::prio_touch() {
  PriorityState& ps = prio_;
  if (ps.used) [[likely]]
    return;
  ps.used = true;
  // The threads so far were spawned without attributes: defaults.
  for (int tid = static_cast<int>(ps.threads.size()); tid < static_cast<int>(threads_.size()); ++tid) {
    prio_thread_created(tid, threads_[tid].parent);
  }
}

void Execution::prio_mark(MarkKind kind, int thread, int value) {
  TimelineMark m;
  m.step = static_cast<std::uint32_t>(events_.size());
  m.time = prio_.now;
  m.kind = kind;
  m.thread = thread;
  m.value = value;
  prio_.marks.push_back(m);
}

void Execution::prio_end_job(int tid) { prio_.threads[tid].job_active = false; }

void Execution::prio_finish() {
  PriorityState& ps = prio_;
  if (!prio_on_) return;
  for (PrioThread& t : ps.threads) {
    if (t.episode >= 0) {
      BlockingEpisode& e = ps.episodes[static_cast<std::size_t>(t.episode)];
      e.end = ps.now;
      e.end_step = static_cast<std::uint32_t>(events_.size());
      e.ended = false;
      t.episode = -1;
    }
  }
  for (std::size_t i = 0; i < ps.threads.size(); ++i) ps.info[i].priority = ps.threads[i].base;
  PriorityLog& log = ps.log;
  log.active = true;
  log.cpus = options_.cpus;
  log.max_blocking = options_.max_blocking.count();
  log.end_time = ps.now;
  log.threads = ps.info;
  log.episodes = ps.episodes;
  log.misses = ps.misses;
  log.marks = ps.marks;
}

void Execution::prio_acquired(MutexState& m, SourceLoc loc) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  prio_touch();
  PrioThread& t = prio_.threads[current_];
  if (t.base > m.ceiling) {
    fail_misuse(fmt::format("{} (priority {}) locks {} whose priority ceiling is {}: a thread may not lock a "
                            "ceiling mutex above its ceiling (POSIX: EINVAL)",
                            who(current_, t.name), t.base, object_name(m.slot.id), m.ceiling),
                loc);
    return;
  }
  if (t.held_count >= PrioThread::kMaxHeldCeilings) {
    fail_misuse(fmt::format("{} holds more than {} priority-ceiling mutexes at once", who(current_, t.name),
                            PrioThread::kMaxHeldCeilings),
                loc);
    return;
  }
  t.held[static_cast<std::size_t>(t.held_count++)] = HeldCeiling{m.slot.id, m.ceiling};
}

void Execution::prio_released(MutexState& m) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  prio_touch();
  PrioThread& t = prio_.threads[current_];
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

bool Execution::prio_enabled(const ThreadState& t) const {
  if (t.finished) return false;
  switch (t.pending) {
    case OpKind::kSleep:
      return !t.dormant;
    case OpKind::kWork:
      return prio_.threads[static_cast<std::size_t>(&t - threads_.data())].work_left <= 0;
    case OpKind::kTryLock:
      return !t.timed || t.timeout_fired || t.mutex->owner < 0;
    case OpKind::kSemTryAcquire:
      return !t.timed || t.timeout_fired || t.semaphore->count > 0;
    case OpKind::kCvWake:
      return (t.waiting_on == nullptr || (t.timed && t.timeout_fired)) && t.mutex->owner < 0;
    default:
      return enabled(t);
  }
}

bool Execution::prio_busy(int tid) const {
  const ThreadState& t = threads_[tid];
  return !t.finished && t.pending == OpKind::kWork && prio_.threads[tid].work_left > 0;
}

bool Execution::prio_ready(int tid) const {
  const ThreadState& t = threads_[tid];
  if (t.finished || t.dormant) return false;
  return prio_enabled(t) || prio_busy(tid);
}

MutexState* Execution::prio_blocked_on(int tid) const {
  const ThreadState& t = threads_[tid];
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

int Execution::prio_chain_end(int tid, int limit) const {
  int cur = tid;
  for (int i = 0; i < limit; ++i) {
    const MutexState* m = prio_blocked_on(cur);
    if (m == nullptr) return cur;
    cur = m->owner;
  }
  return cur;  // a cycle of mutex waits (a deadlock): any member will do
}

// ---------------------------------------------------------------------------------------
// The scheduling point

void Execution::prio_recompute() {
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
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
      const MutexState* m = prio_blocked_on(w);
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
      if (!threads_[i].finished) prio_mark(MarkKind::kPriority, i, ps.threads[i].eff);
    }
  }
}

void Execution::prio_classify() {
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  ps.order.clear();
  for (int i = 0; i < n; ++i) {
    if (!prio_ready(i)) continue;
    // Insertion by effective priority, descending (stable: ties keep thread order).
    const int e = ps.threads[i].eff;
    auto at = ps.order.end();
    while (at != ps.order.begin() && ps.threads[*(at - 1)].eff < e) --at;
    ps.order.insert(at, i);
  }
  const std::size_t k = static_cast<std::size_t>(options_.cpus);
  ps.threshold = ps.order.size() > k ? ps.threads[ps.order[k - 1]].eff : INT_MIN;
  ps.admit = ps.order.size() >= k ? ps.threads[ps.order[k - 1]].eff : INT_MIN;
  ps.cand.clear();
  runnable_count_ = 0;
  for (int i = 0; i < n; ++i) {
    if (!prio_ready(i) || ps.threads[i].eff < ps.threshold) continue;
    ps.cand.push_back(i);
    if (prio_enabled(threads_[i])) runnable_buf_[static_cast<std::size_t>(runnable_count_++)] = i;
  }
  runnable_dirty_ = true;  // runnable_buf_ now holds the candidates, not the enabled set
}

bool Execution::prio_offer_releases() {
  PriorityState& ps = prio_;
  const bool zero_time_steps = runnable_count_ > 0;
  const auto step = static_cast<std::uint32_t>(events_.size());
  bool changed = false;
  const int n = static_cast<int>(threads_.size());
  for (int i = 0; i < n; ++i) {
    PrioThread& p = ps.threads[i];
    const ThreadState& t = threads_[i];
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
      release = choose_value(2, ValueChoice::kRelease) == 0;
    } else if (ps.now < p.latest) {
      // Inside an arrival window while time must advance: now, or at a later event.
      if (p.offered_step == step && p.offered_time == ps.now) continue;
      p.offered_step = step;
      p.offered_time = ps.now;
      release = choose_value(2, ValueChoice::kRelease) == 0;
    } else {
      release = true;
    }
    if (release) {
      prio_release(i);
      changed = true;
    }
  }
  return changed;
}

void Execution::prio_release(int tid) {
  PriorityState& ps = prio_;
  PrioThread& p = ps.threads[tid];
  ThreadState& t = threads_[tid];
  p.release_pending = false;
  runnable_dirty_ = true;
  if (p.release_is_timeout) {
    if (t.pending == OpKind::kCvWake) {
      if (t.waiting_on == nullptr) return;
      t.waiting_on = nullptr;  // no longer a waiter notify_one may pick
    }
    t.timeout_fired = true;
    prio_mark(MarkKind::kTimeout, tid, 0);
    return;
  }
  t.dormant = false;
  if (p.deadline > 0) {
    p.job_active = true;
    p.job_missed = false;
    p.job_release = ps.now;
    p.job_blocked = 0;
    std::fill_n(ps.interference.begin() + static_cast<std::ptrdiff_t>(tid) * ps.stride, ps.stride, 0);
  }
  prio_mark(MarkKind::kRelease, tid, 0);
}

void Execution::prio_track_blocking() {
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  const auto step = static_cast<std::uint32_t>(events_.size());
  for (int i = 0; i < n; ++i) {
    PrioThread& p = ps.threads[i];
    const MutexState* m = prio_blocked_on(i);
    if (p.episode >= 0) {
      BlockingEpisode& e = ps.episodes[static_cast<std::size_t>(p.episode)];
      if (m == nullptr || m->slot.id != e.mutex) {
        e.end = ps.now;
        e.end_step = step;
        e.ended = true;
        p.episode = -1;
      }
    }
    if (p.episode < 0 && m != nullptr && ps.threads[m->owner].base < p.base) {
      BlockingEpisode e;
      e.high = i;
      e.low = m->owner;
      e.mutex = m->slot.id;
      e.high_priority = p.base;
      e.low_priority = ps.threads[m->owner].base;
      e.location = threads_[i].pending_loc;
      e.start = ps.now;
      e.start_step = step;
      e.end = ps.now;
      e.end_step = step;
      p.episode = static_cast<int>(ps.episodes.size());
      ps.episodes.push_back(e);
      prio_mark(MarkKind::kBlocked, i, m->slot.id);
    }
  }
}

void Execution::prio_account_step(int runner) {
  // A zero-time operation by `runner`: does it run while a waiting thread's holder is preempted?
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  for (int h = 0; h < n; ++h) {
    const PrioThread& p = ps.threads[h];
    if (p.episode < 0) continue;
    if (ps.threads[runner].base < p.base) ++ps.episodes[static_cast<std::size_t>(p.episode)].inverted_steps;
    const int end = prio_chain_end(h, n);
    if (end == runner || end == h || !prio_ready(end) || contains(ps.cand, end)) continue;
    bool in_chain = false;
    for (int cur = h, i = 0; i < n && cur >= 0; ++i) {
      in_chain = in_chain || cur == runner;
      const MutexState* m = prio_blocked_on(cur);
      cur = m != nullptr ? m->owner : -1;
    }
    const int x = ps.threads[runner].eff;
    if (in_chain || !(ps.threads[end].base < x && x < p.base)) continue;
    BlockingEpisode& e = ps.episodes[static_cast<std::size_t>(p.episode)];
    ++e.medium_steps;
    if (e.medium < 0) {
      e.medium = runner;
      e.blocker = end;
      e.medium_priority = x;
      e.inversion_start = ps.now;
      e.inversion_start_step = static_cast<std::uint32_t>(events_.size());
    }
  }
}

void Execution::prio_check_deadlines() {
  // Called when virtual time must advance past `now`: an active job whose deadline is `now` or
  // earlier can no longer finish in time.
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  for (int h = 0; h < n; ++h) {
    PrioThread& p = ps.threads[h];
    if (!p.job_active || p.job_missed || threads_[h].finished) continue;
    const VTime due = p.job_release + p.deadline;
    if (ps.now < due) continue;
    p.job_missed = true;
    DeadlineMiss d;
    d.thread = h;
    d.release = p.job_release;
    d.due = due;
    d.step = static_cast<std::uint32_t>(events_.size());
    d.location = threads_[h].pending_loc;
    d.blocked = p.job_blocked;
    // Who blocked whom: follow mutex waits from the late thread to the thread that could run.
    for (int cur = h; cur >= 0 && d.chain_length < DeadlineMiss::kMaxChain;) {
      bool seen = false;
      for (int i = 0; i < d.chain_length; ++i) seen = seen || d.chain[static_cast<std::size_t>(i)].thread == cur;
      if (seen) break;
      ChainLink& link = d.chain[static_cast<std::size_t>(d.chain_length++)];
      link.thread = cur;
      link.priority = ps.threads[cur].eff;
      const MutexState* m = prio_blocked_on(cur);
      int next = -1;
      if (m != nullptr) {
        link.state = ChainState::kBlockedMutex;
        link.mutex = m->slot.id;
        next = m->owner;
      } else if (threads_[cur].dormant) {
        link.state = ChainState::kSleeping;
      } else if (prio_ready(cur)) {
        link.state = contains(ps.cand, cur) ? ChainState::kRunning : ChainState::kPreempted;
      } else {
        link.state = ChainState::kBlockedOther;
      }
      cur = next;
    }
    for (int c : ps.cand) {
      if (d.running_count < DeadlineMiss::kMaxRunning) d.running[static_cast<std::size_t>(d.running_count++)] = c;
    }
    // The threads that ran longest while the job did not.
    const VTime* row = ps.interference.data() + static_cast<std::ptrdiff_t>(h) * ps.stride;
    for (int slot = 0; slot < DeadlineMiss::kMaxInterferers; ++slot) {
      int best = -1;
      for (int x = 0; x < n; ++x) {
        bool taken = false;
        for (int i = 0; i < slot; ++i) taken = taken || d.interferers[static_cast<std::size_t>(i)] == x;
        if (!taken && row[x] > 0 && (best < 0 || row[x] > row[best])) best = x;
      }
      if (best < 0) break;
      d.interferers[static_cast<std::size_t>(slot)] = best;
      d.interference[static_cast<std::size_t>(slot)] = row[best];
      d.interferer_count = slot + 1;
    }
    ps.misses.push_back(d);
  }
}

bool Execution::prio_advance_time() {
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  prio_check_deadlines();
  // Who holds the CPUs: every candidate above the threshold; the threshold's ties share what is
  // left (a choice, enumerated as combinations in thread order).
  ps.running.clear();
  const std::size_t k = static_cast<std::size_t>(options_.cpus);
  if (ps.cand.size() <= k) {
    ps.running = ps.cand;
  } else {
    ps.order.clear();  // reused: the tied candidates
    for (int c : ps.cand) {
      if (ps.threads[c].eff > ps.threshold) {
        ps.running.push_back(c);
      } else {
        ps.order.push_back(c);
      }
    }
    const std::size_t slots = k - ps.running.size();
    std::size_t start = 0;
    for (std::size_t s = 0; s < slots; ++s) {
      const std::size_t options = ps.order.size() - start - (slots - s) + 1;
      const std::size_t at = start + choose_value(static_cast<std::uint32_t>(options), ValueChoice::kCpu);
      ps.running.push_back(ps.order[at]);
      start = at + 1;
    }
  }
  VTime delta = kNever;
  for (int r : ps.running) delta = std::min<VTime>(delta, ps.threads[r].work_left);
  for (int i = 0; i < n; ++i) {
    const PrioThread& p = ps.threads[i];
    if (threads_[i].finished) continue;
    if (p.release_pending) {
      if (p.earliest > ps.now) {
        delta = std::min(delta, p.earliest - ps.now);
      } else if (p.latest > ps.now) {
        delta = std::min(delta, p.latest - ps.now);
      }
    }
    if (p.job_active && !p.job_missed && p.job_release + p.deadline > ps.now) {
      delta = std::min(delta, p.job_release + p.deadline - ps.now);
    }
  }
  if (delta == kNever) return false;
  WEFT_CHECK(delta > 0);
  // Accounting: inversions (a medium thread holds a CPU while a waiter's holder is preempted),
  // job interference and blocking.
  for (int h = 0; h < n; ++h) {
    PrioThread& p = ps.threads[h];
    if (p.episode >= 0) {
      for (int x : ps.running) {
        if (ps.threads[x].base < p.base) {
          ps.episodes[static_cast<std::size_t>(p.episode)].inverted_time += delta;
          break;
        }
      }
      const int end = prio_chain_end(h, n);
      if (end != h && prio_ready(end) && !contains(ps.running, end)) {
        for (int x : ps.running) {
          bool in_chain = false;
          for (int cur = h, i = 0; i < n && cur >= 0; ++i) {
            in_chain = in_chain || cur == x;
            const MutexState* m = prio_blocked_on(cur);
            cur = m != nullptr ? m->owner : -1;
          }
          const int xe = ps.threads[x].eff;
          if (in_chain || !(ps.threads[end].base < xe && xe < p.base)) continue;
          BlockingEpisode& e = ps.episodes[static_cast<std::size_t>(p.episode)];
          e.medium_time += delta;
          if (e.medium < 0) {
            e.medium = x;
            e.blocker = end;
            e.medium_priority = xe;
            e.inversion_start = ps.now;
            e.inversion_start_step = static_cast<std::uint32_t>(events_.size());
          }
          break;
        }
      }
    }
    if (p.job_active && !threads_[h].finished) {
      if (prio_blocked_on(h) != nullptr) p.job_blocked += delta;
      if (!contains(ps.running, h)) {
        VTime* row = ps.interference.data() + static_cast<std::ptrdiff_t>(h) * ps.stride;
        for (int x : ps.running) row[x] += delta;
      }
    }
  }
  for (int r : ps.running) ps.threads[r].work_left -= delta;
  ps.now += delta;
  prio_mark(MarkKind::kTime, -1, 0);
  runnable_dirty_ = true;
  return true;
}

int Execution::prio_decide(int self) {
  PriorityState& ps = prio_;
  const int n = static_cast<int>(threads_.size());
  for (;;) {
    for (int i = 0; i < n; ++i) {
      if (threads_[i].finished && ps.threads[i].job_active) prio_end_job(i);
    }
    prio_recompute();
    prio_classify();
    if (prio_offer_releases()) continue;
    prio_track_blocking();
    if (runnable_count_ > 0) {
      int next = runnable_buf_[0];
      if (runnable_count_ > 1) {
        bool self_runnable = false;
        for (int i = 0; i < runnable_count_; ++i) self_runnable = self_runnable || runnable_buf_[i] == self;
        next = pick(self, self_runnable, self >= 0 && threads_[self].pending == OpKind::kYield);
      }
      prio_account_step(next);
      return next;
    }
    if (!prio_advance_time()) return -1;
  }
}

int Execution::prio_next_after_exit(int tid) {
  // As next_after_exit: the next thread, a deadlock, or (aborting) the unwinding order.
  if (!aborting_) {
    const int next = prio_decide(-1);
    if (next >= 0) return next;
    for (const ThreadState& other : threads_) {
      if (!other.finished) {
        fail_deadlock(tid);
        break;
      }
    }
  }
  if (aborting_) return unwind_next();
  return -1;
}

void Execution::prio_schedule(int self) {
  const int next = prio_decide(self);
  if (next < 0) {
    fail_deadlock(self);
  } else if (next != self) {
    switch_to(next);
    after_resume();
  }
}

// ---------------------------------------------------------------------------------------
// Operations

int Execution::spawn_with(const ThreadBody& body, const SpawnAttr& attr, SourceLoc loc) {
  // The parent is suspended inside spawn until its child exists: other threads spawning
  // meanwhile do not see these attributes.
  prio_touch();
  prio_.threads[current_].spawn_attr = &attr;
  const int child = spawn(body, loc);
  if (current_ >= 0) prio_.threads[current_].spawn_attr = nullptr;
  return child;
}

void Execution::arrive(SourceLoc loc) {
  prio_touch();
  if (prio_on_ && !aborting_) {
    threads_[current_].dormant = true;
    PrioThread& p = prio_.threads[current_];
    p.release_pending = true;
    p.release_is_timeout = false;
    runnable_dirty_ = true;
  }
  set_pending(OpKind::kSleep, loc);
  schedule();
  if (aborting_) return;
  if (!prio_on_) prio_.now = std::max(prio_.now, prio_.threads[current_].earliest);
  Event& e = log(OpKind::kSleep, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc);
  e.value = prio_.now;
  e.aux = 1;
}

void Execution::sleep_until(std::int64_t time, SourceLoc loc) {
  prio_touch();
  if (prio_on_ && !aborting_) {
    prio_end_job(current_);
    threads_[current_].dormant = true;
    PrioThread& p = prio_.threads[current_];
    p.release_pending = true;
    p.release_is_timeout = false;
    p.earliest = std::max(time, prio_.now);
    p.latest = p.earliest;
    runnable_dirty_ = true;
  }
  set_pending(OpKind::kSleep, loc);
  schedule();
  if (aborting_) return;
  if (!prio_on_) prio_.now = std::max(prio_.now, time);
  log(OpKind::kSleep, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc).value = prio_.now;
}

void Execution::work(std::int64_t amount, SourceLoc loc) {
  prio_touch();
  if (amount < 0) amount = 0;
  if (prio_on_ && !aborting_) {
    prio_.threads[current_].work_left = amount;
    runnable_dirty_ = true;
  }
  set_pending(OpKind::kWork, loc);
  schedule();
  prio_.threads[current_].work_left = 0;
  if (aborting_) return;
  if (!prio_on_) prio_.now += amount;
  log(OpKind::kWork, ObjectKind::kNone, -1, std::memory_order_seq_cst, loc).value = amount;
}

void Execution::set_priority(int priority, SourceLoc loc) {
  prio_touch();
  set_pending(OpKind::kSetPriority, loc);
  schedule();
  if (aborting_) return;
  PrioThread& p = prio_.threads[current_];
  const int old = p.base;
  p.base = priority;
  runnable_dirty_ = true;
  Event& e = log(OpKind::kSetPriority, ObjectKind::kThread, current_, std::memory_order_seq_cst, loc);
  e.value = priority;
  e.aux = old;
}

int Execution::priority() {
  prio_touch();
  return prio_.threads[current_].base;
}

int Execution::effective_priority() {
  prio_touch();
  if (prio_on_) {
    prio_recompute();  // the calling thread's own operations (lock, unlock) may have changed it
    return prio_.threads[current_].eff;
  }
  const PrioThread& p = prio_.threads[current_];
  int e = p.base;  // any-interleaving policy: inheritance has no meaning, ceilings still apply
  for (int k = 0; k < p.held_count; ++k) e = std::max(e, p.held[static_cast<std::size_t>(k)].ceiling);
  return e;
}

bool Execution::timed_wait(OpKind op, std::int64_t deadline, SourceLoc loc) {
  {
    ThreadState& t = threads_[current_];
    t.timed = true;
    t.timeout_fired = !prio_on_;  // any-interleaving policy: it may time out at any point
    if (prio_on_ && !aborting_) {
      PrioThread& p = prio_.threads[current_];
      p.release_pending = true;
      p.release_is_timeout = true;
      p.earliest = p.latest = deadline;
    }
  }
  runnable_dirty_ = true;
  set_pending(op, loc);
  schedule();
  ThreadState& t = threads_[current_];
  prio_.threads[current_].release_pending = false;
  const bool fired = t.timeout_fired;
  t.timed = false;
  t.timeout_fired = false;
  return fired;
}

bool Execution::mutex_try_lock_until(MutexState& m, std::int64_t deadline, SourceLoc loc) {
  if (!check_slot(m.slot, loc)) return false;
  prio_touch();
  if (prio_on_ && deadline <= prio_.now) return mutex_try_lock(m, loc);  // nothing to wait for
  threads_[current_].mutex = &m;
  const bool fired = timed_wait(OpKind::kTryLock, deadline, loc);
  if (aborting_) return false;
  const bool available = m.owner < 0;
  const bool ok = available && (!fired || choose_value(2, ValueChoice::kTimedWait) == 0);
  if (ok) {
    m.owner = current_;
    runnable_dirty_ = true;
    if (m.protocol != 0) prio_acquired(m, loc);
  } else if (!prio_on_) {
    prio_.now = std::max(prio_.now, deadline);
  }
  Event& e = log(OpKind::kTryLock, ObjectKind::kMutex, m.slot.id, std::memory_order_seq_cst, loc);
  e.value = ok ? 1 : 0;
  e.aux = 1;  // timed
  return ok;
}

bool Execution::sem_try_acquire_until(SemaphoreState& s, std::int64_t deadline, SourceLoc loc) {
  if (!check_slot(s.slot, loc)) return false;
  prio_touch();
  if (prio_on_ && deadline <= prio_.now) return sem_try_acquire(s, loc);
  threads_[current_].semaphore = &s;
  const bool fired = timed_wait(OpKind::kSemTryAcquire, deadline, loc);
  if (aborting_) return false;
  const bool available = s.count > 0;
  const bool ok = available && (!fired || choose_value(2, ValueChoice::kTimedWait) == 0);
  if (ok) {
    --s.count;
    runnable_dirty_ = true;
  } else if (!prio_on_) {
    prio_.now = std::max(prio_.now, deadline);
  }
  Event& e = log(OpKind::kSemTryAcquire, ObjectKind::kSemaphore, s.slot.id, std::memory_order_seq_cst, loc);
  e.value = ok ? 1 : 0;
  e.aux = s.count;  // as sem_try_acquire: the count after
  return ok;
}

bool Execution::cv_wait_until(CondVarState& cv, MutexState& m, std::int64_t deadline, SourceLoc loc) {
  // As cv_wait, with a timeout: the wake-up happens on a notification, spuriously, or when the
  // deadline passes (any-interleaving policy: at any point); then the mutex is re-locked.
  if (!check_slot(cv.slot, loc) || !check_slot(m.slot, loc)) return true;
  if (aborting_) return true;
  prio_touch();
  if (m.owner != current_) {
    fail_misuse(
        fmt::format("t{} waits on {} without holding {}", current_, object_name(cv.slot.id), object_name(m.slot.id)),
        loc);
    return true;
  }
  set_pending(OpKind::kCvWait, loc);
  schedule();
  if (aborting_) return true;
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
  if (m.protocol != 0) prio_released(m);
  Event& e = log(OpKind::kCvWait, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc);
  e.aux = m.slot.id;
  e.value = spurious ? 1 : 0;
  {
    ThreadState& t = threads_[current_];
    t.waiting_on = spurious ? nullptr : &cv;
    t.mutex = &m;
    t.timed = true;
    t.timeout_fired = !prio_on_;
    if (prio_on_ && !spurious) {
      if (deadline <= prio_.now) {
        t.waiting_on = nullptr;
        t.timeout_fired = true;
      } else {
        PrioThread& p = prio_.threads[current_];
        p.release_pending = true;
        p.release_is_timeout = true;
        p.earliest = p.latest = deadline;
      }
    }
  }
  set_pending(OpKind::kCvWake, loc);
  schedule();
  ThreadState& t = threads_[current_];
  prio_.threads[current_].release_pending = false;
  const bool timed_out = t.waiting_on != nullptr || (prio_on_ && t.timeout_fired);
  t.waiting_on = nullptr;
  t.timed = false;
  t.timeout_fired = false;
  if (aborting_) return true;
  if (timed_out && !prio_on_) prio_.now = std::max(prio_.now, deadline);
  m.owner = current_;
  runnable_dirty_ = true;
  if (m.protocol != 0) prio_acquired(m, loc);
  Event& w = log(OpKind::kCvWake, ObjectKind::kCondVar, cv.slot.id, std::memory_order_seq_cst, loc);
  w.aux = m.slot.id;
  w.value = timed_out ? 1 : 0;
  return !timed_out;
}

// ---------------------------------------------------------------------------------------
// Reporting helpers

std::string priority_thread_label(const PriorityLog& log, int thread) {
  const char* name = thread >= 0 && thread < static_cast<int>(log.threads.size()) ? log.threads[thread].name : nullptr;
  return who(thread, name);
}

std::string format_priority_marks(const ExecutionView& view, std::size_t& next, std::uint32_t before_step) {
  const PriorityLog& log = *view.priority;
  std::string out;
  for (; next < log.marks.size() && log.marks[next].step <= before_step; ++next) {
    const TimelineMark& m = log.marks[next];
    const bool more_time = next + 1 < log.marks.size() && log.marks[next + 1].step == m.step &&
                           log.marks[next + 1].kind == MarkKind::kTime;
    switch (m.kind) {
      case MarkKind::kTime:
        if (!more_time) out += fmt::format("         -- time {} --\n", format_vtime(m.time));
        break;
      case MarkKind::kRelease:
        out +=
            fmt::format("         -- {} ready at {} --\n", priority_thread_label(log, m.thread), format_vtime(m.time));
        break;
      case MarkKind::kTimeout:
        out += fmt::format("         -- {} timed out at {} --\n", priority_thread_label(log, m.thread),
                           format_vtime(m.time));
        break;
      case MarkKind::kPriority:
        out += fmt::format("         -- {} runs at priority {} --\n", priority_thread_label(log, m.thread), m.value);
        break;
      case MarkKind::kBlocked:
        out += fmt::format("         -- {} waits for mutex#{}, held by a lower-priority thread --\n",
                           priority_thread_label(log, m.thread), m.value);
        break;
    }
  }
  return out;
}

bool note_blocking(BlockingSummary& summary, const ExecutionView& view) {
  if (view.priority == nullptr || !view.priority->active) return false;
  const BlockingEpisode* worst = nullptr;
  for (const BlockingEpisode& e : view.priority->episodes) {
    if (worst == nullptr || e.inverted_time > worst->inverted_time) worst = &e;
  }
  if (worst == nullptr || (summary.measured && worst->inverted_time <= summary.time)) return false;
  summary.measured = true;
  summary.time = worst->inverted_time;
  summary.waited = worst->blocked();
  summary.steps = worst->blocked_steps();
  summary.high = worst->high;
  summary.low = worst->low;
  summary.high_name = priority_thread_label(*view.priority, worst->high);
  summary.low_name = priority_thread_label(*view.priority, worst->low);
  summary.mutex = worst->mutex >= 0 && worst->mutex < static_cast<int>(view.objects.size())
                      ? fmt::format("mutex#{} ({})", worst->mutex, format_location(view.objects[worst->mutex].declared))
                      : fmt::format("mutex#{}", worst->mutex);
  summary.execution = view.execution;
  return true;
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
