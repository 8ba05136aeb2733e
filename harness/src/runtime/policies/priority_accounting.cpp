// The priority policy's accounting: blocking episodes on lower-priority holders, inversions by
// medium-priority threads (Sha, Rajkumar, Lehoczky 1990), job deadlines and
// interference, and the advance of virtual time over the CPUs (see priority_policy.cpp).
#include <algorithm>

#include "runtime/execution.hpp"
#include "runtime/policies/priority_policy.hpp"

namespace weft::detail {

namespace {

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

void PriorityPolicy::track_blocking() {
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  const auto step = x_.step();
  for (int i = 0; i < n; ++i) {
    PrioThread& p = ps.threads[i];
    const MutexState* m = blocked_on(i);
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
      e.location = x_.thread(i).pending_loc;
      e.start = ps.now;
      e.start_step = step;
      e.end = ps.now;
      e.end_step = step;
      p.episode = static_cast<int>(ps.episodes.size());
      ps.episodes.push_back(e);
      mark(MarkKind::kBlocked, i, m->slot.id);
    }
  }
}

void PriorityPolicy::account_step(int runner) {
  // A zero-time operation by `runner`: does it run while a waiting thread's holder is preempted?
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  for (int h = 0; h < n; ++h) {
    const PrioThread& p = ps.threads[h];
    if (p.episode < 0) continue;
    if (ps.threads[runner].base < p.base) ++ps.episodes[static_cast<std::size_t>(p.episode)].inverted_steps;
    const int end = chain_end(h, n);
    if (end == runner || end == h || !ready(end) || contains(ps.cand, end)) continue;
    bool in_chain = false;
    for (int cur = h, i = 0; i < n && cur >= 0; ++i) {
      in_chain = in_chain || cur == runner;
      const MutexState* m = blocked_on(cur);
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
      e.inversion_start_step = x_.step();
    }
  }
}

void PriorityPolicy::check_deadlines() {
  // Called when virtual time must advance past `now`: an active job whose deadline is `now` or
  // earlier can no longer finish in time.
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  for (int h = 0; h < n; ++h) {
    PrioThread& p = ps.threads[h];
    if (!p.job_active || p.job_missed || x_.thread(h).finished) continue;
    const VTime due = p.job_release + p.deadline;
    if (ps.now < due) continue;
    p.job_missed = true;
    DeadlineMiss d;
    d.thread = h;
    d.release = p.job_release;
    d.due = due;
    d.step = x_.step();
    d.location = x_.thread(h).pending_loc;
    d.blocked = p.job_blocked;
    // Who blocked whom: follow mutex waits from the late thread to the thread that could run.
    for (int cur = h; cur >= 0 && d.chain_length < DeadlineMiss::kMaxChain;) {
      bool seen = false;
      for (int i = 0; i < d.chain_length; ++i) seen = seen || d.chain[static_cast<std::size_t>(i)].thread == cur;
      if (seen) break;
      ChainLink& link = d.chain[static_cast<std::size_t>(d.chain_length++)];
      link.thread = cur;
      link.priority = ps.threads[cur].eff;
      const MutexState* m = blocked_on(cur);
      int next = -1;
      if (m != nullptr) {
        link.state = ChainState::kBlockedMutex;
        link.mutex = m->slot.id;
        next = m->owner;
      } else if (ps.threads[cur].dormant) {
        link.state = ChainState::kSleeping;
      } else if (ready(cur)) {
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

bool PriorityPolicy::advance_time() {
  PriorityState& ps = ps_;
  const int n = x_.thread_count();
  check_deadlines();
  // Who holds the CPUs: every candidate above the threshold; the threshold's ties share what is
  // left (a choice, enumerated as combinations in thread order).
  ps.running.clear();
  const std::size_t k = static_cast<std::size_t>(cpus_);
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
      const std::size_t at = start + x_.choose_value(static_cast<std::uint32_t>(options), ValueChoice::kCpu);
      ps.running.push_back(ps.order[at]);
      start = at + 1;
    }
  }
  VTime delta = kNever;
  for (int r : ps.running) delta = std::min<VTime>(delta, ps.threads[r].work_left);
  for (int i = 0; i < n; ++i) {
    const PrioThread& p = ps.threads[i];
    if (x_.thread(i).finished) continue;
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
      const int end = chain_end(h, n);
      if (end != h && ready(end) && !contains(ps.running, end)) {
        for (int x : ps.running) {
          bool in_chain = false;
          for (int cur = h, i = 0; i < n && cur >= 0; ++i) {
            in_chain = in_chain || cur == x;
            const MutexState* m = blocked_on(cur);
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
            e.inversion_start_step = x_.step();
          }
          break;
        }
      }
    }
    if (p.job_active && !x_.thread(h).finished) {
      if (blocked_on(h) != nullptr) p.job_blocked += delta;
      if (!contains(ps.running, h)) {
        VTime* row = ps.interference.data() + static_cast<std::ptrdiff_t>(h) * ps.stride;
        for (int x : ps.running) row[x] += delta;
      }
    }
  }
  for (int r : ps.running) ps.threads[r].work_left -= delta;
  ps.now += delta;
  mark(MarkKind::kTime, -1, 0);
  return true;
}

}  // namespace weft::detail
