// Optimal dynamic partial-order reduction, the Strategy: one execution per Mazurkiewicz trace of
// the visible operations. This file is the exploration itself (Explore of the paper): opening a
// position (its sleep set and wake-up tree, the thread to run), the value choices, and
// backtracking. The dependency relation is in dpor_dependency.hpp, happens-before and race
// detection in dpor_races.cpp, wake-up trees and race reversal in dpor_wakeup_tree.cpp.
//
// Algorithm: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014,
// Algorithm 2 (Optimal-DPOR: races reversed through wake-up trees, redundancy cut by sleep sets);
// the journal version, "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction",
// JACM 64(4), 2017, presents it with its proofs (section "Optimal-DPOR"). Run statelessly: every
// execution replays a prefix of the previous one, and the tree state of the current path (sleep
// sets, wake-up trees, value choices) lives in `steps_`.
// Data choices (notify_one's waiter, spurious wake-up, weft::choose) are explored exhaustively,
// as DFS does, at their point inside the step; the wake-up trees and sleep sets treat a thread's
// step together with its values.
// Assumption (as for every DPOR): all shared state that threads access concurrently goes through
// visible operations. Untracked memory shared without synchronization is invisible to the
// dependency relation, and interleavings of it may be missed.
#include "strategies/dpor.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "strategies/strategies.hpp"

namespace weft {

namespace dpor {

DporStrategy::DporStrategy(bool spurious) : spurious_(spurious) {
  steps_.reserve(256);
  races_.reserve(256);
  preds_.reserve(64);
  scratch_.reserve(256);
  keys_.reserve(256);
  touched_.reserve(256);
}

bool DporStrategy::begin_execution() {
  if (exhausted_ || !divergence_.empty()) return false;
  len_ = 0;
  blocked_at_ = kNone;
  last_global_ = -1;
  races_.clear();
  for (const std::int32_t k : touched_) {
    KeyHistory& h = keys_[static_cast<std::size_t>(k)];
    h.last_w = -1;
    h.reads.clear();
    h.adds.clear();
    h.waiters = 0;
    h.touched = false;
  }
  touched_.clear();
  last_step_.fill(-1);
  spawn_step_.fill(-1);
  notify_step_.fill(-1);
  // Position 0: the main thread's invisible prefix, before its first visible operation.
  if (fixed_ == 0) {
    Step& s = fresh(0);
    s.thread = 0;
    s.node = false;
    s.runnable = 1;
  }
  Step& s = steps_[0];
  s.first_event = 0;
  s.value_cursor = 0;
  s.pending = PendingOp{};
  len_ = 1;
  return true;
}

int DporStrategy::pick_next(const PickContext& ctx) {
  if (!divergence_.empty()) return ctx.runnable[0];
  finish_step(len_ - 1, ctx.step, ctx.events);
  std::uint64_t mask = 0;
  for (const int t : ctx.runnable) {
    if (t >= kMaxThreads) {
      unsupported_ = fmt::format("dpor supports at most {} threads (thread t{} was spawned)", kMaxThreads, t);
      divergence_ = unsupported_;  // stops the runner after this execution; see dpor_unsupported
      return ctx.runnable[0];
    }
    mask |= bit(t);
  }
  const std::size_t pos = len_;
  const bool node = ctx.runnable.size() >= 2;
  int chosen;
  if (pos < fixed_) {
    Step& s = steps_[pos];
    if (s.node != node || (node && s.runnable != mask) || (mask & bit(s.thread)) == 0) {
      divergence_ = fmt::format(
          "the scenario is nondeterministic: at step {} the same schedule prefix offered threads {}, before {}",
          ctx.step, mask_text(mask), mask_text(s.runnable));
      return ctx.runnable[0];
    }
    chosen = s.thread;
  } else {
    chosen = open(pos, ctx, mask, node);
  }
  Step& s = steps_[pos];
  s.first_event = ctx.step;
  s.value_cursor = 0;
  s.pending = PendingOp{};
  for (std::size_t i = 0; i < ctx.pending.size(); ++i) {
    if (ctx.pending[i].thread == chosen) s.pending = ctx.pending[i];
  }
  len_ = pos + 1;
  return chosen;
}

std::uint32_t DporStrategy::pick_value(std::uint32_t n, ValueChoice kind, std::uint32_t step) {
  if (!divergence_.empty()) return 0;
  Step& s = steps_[len_ - 1];
  const std::uint32_t k = s.value_cursor++;
  if (k < s.values.size()) {
    if (s.values[k].n != n) {
      divergence_ = fmt::format(
          "the scenario is nondeterministic: at step {} the same schedule prefix offered {} values, before {}", step, n,
          s.values[k].n);
      return 0;
    }
    return s.values[k].value;
  }
  ValueNode v;
  v.n = n;
  v.value = 0;
  // Known kinds: their effects are in the step's events. Others (a scheduling policy's
  // choices): dependent with everything.
  v.global = !(kind == ValueChoice::kNotifyWaiter || kind == ValueChoice::kSpuriousWake || kind == ValueChoice::kUser);
  v.dead = blocked_at_ != kNone && len_ - 1 >= blocked_at_;
  s.values.push_back(v);
  return 0;
}

void DporStrategy::on_execution(const ExecutionEnd& end) {
  if (!divergence_.empty()) return;
  finish_step(len_ - 1, static_cast<std::uint32_t>(end.events.size()), end.events);
  // An execution cut short by a finding (assertion, exception, misuse) did not run the other
  // threads' pending steps: the failing step disabled them all. Run each of them instead of
  // the failing step (Flanagan & Godefroid's treatment of disabling). A deadlock is maximal;
  // the step bound is a limit of the search, not of the program (see README).
  bool truncated = end.aborted;
  for (const Finding& f : end.findings) {
    if (f.kind == FindingKind::kDeadlock || f.kind == FindingKind::kStepBound) truncated = false;
  }
  const std::size_t limit = std::min(len_, blocked_at_);
  if (truncated && len_ > 0 && len_ - 1 < limit) {
    const std::size_t f = len_ - 1;
    Step& s = steps_[f];
    if (s.node) {
      for (int q = 0; q < kMaxThreads; ++q) {
        if ((s.runnable & bit(q)) == 0 || q == s.thread || asleep(s, q)) continue;
        add_leaf(s, q);
      }
    }
  }
  for (const auto& [e, e2] : races_) reverse(static_cast<std::size_t>(e), static_cast<std::size_t>(e2), limit);
  // A thread that never finished was blocked (deadlock) or cut off (abort). A blocking
  // operation it waited at never ran, so its races were never seen: race it as if it ran last.
  if (blocked_at_ == kNone) {
    std::uint64_t exited = 0;
    for (const Event& e : end.events) {
      if (e.op == OpKind::kExit && e.object >= 0 && e.object < kMaxThreads) exited |= bit(e.object);
    }
    const int n = std::min<int>(end.thread_count, static_cast<int>(end.pending.size()));
    for (int q = 0; q < n && q < kMaxThreads; ++q) {
      if ((exited & bit(q)) == 0) blocked_race(q, end.pending[static_cast<std::size_t>(q)]);
    }
  }
}

void DporStrategy::end_execution() {
  if (!divergence_.empty()) return;
  if (blocked_at_ != kNone) ++redundant_;
  const std::size_t limit = std::min(len_, blocked_at_);
  for (std::size_t pos = limit; pos-- > 0;) {
    Step& s = steps_[pos];
    for (std::size_t k = s.values.size(); k-- > 0;) {
      ValueNode& v = s.values[k];
      if (!v.dead && v.value + 1 < v.n) {
        ++v.value;
        s.values.resize(k + 1);
        fixed_ = pos + 1;
        new_from_ = pos;
        return;
      }
    }
    if (!s.node) continue;
    // Every variant of `s.thread`'s step here is explored: it goes to sleep, its subtree goes.
    remove_children(s, s.thread);
    SleepEntry e;
    e.thread = s.thread;
    e.fp = s.explored;
    s.sleep.push_back(e);
    int next = -1;
    while (s.wut[0].first_child >= 0) {
      const int c = s.wut[0].first_child;
      const int q = s.wut[static_cast<std::size_t>(c)].thread;
      if (!asleep(s, q) && (s.runnable & bit(q)) != 0) {
        next = q;
        break;
      }
      ++conservative_;  // cannot happen when the insertion's checks hold; drop it
      remove_children(s, q);
    }
    if (next >= 0) {
      s.thread = next;
      s.values.clear();
      s.explored.clear(next);
      fixed_ = pos + 1;
      new_from_ = pos;
      return;
    }
  }
  exhausted_ = true;
}

std::string DporStrategy::mask_text(std::uint64_t mask) {
  std::string out;
  for (int t = 0; t < kMaxThreads; ++t) {
    if ((mask & bit(t)) != 0) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  }
  return out;
}

Step& DporStrategy::fresh(std::size_t pos) {
  if (pos >= steps_.size()) steps_.emplace_back();
  Step& s = steps_[pos];
  s.sleep.clear();
  s.wut.clear();
  s.wut_values.clear();
  s.wut_free = -1;
  s.wut.emplace_back();  // root
  s.values.clear();
  s.explored.clear(-1);
  return s;
}

// Opens a position the previous execution did not reach (or reached differently): its sleep
// set, its wake-up tree (handed down from the previous position's), and the thread to run.
int DporStrategy::open(std::size_t pos, const PickContext& ctx, std::uint64_t mask, bool node) {
  Step& s = fresh(pos);
  s.node = node;
  s.runnable = mask;
  const Step& prev = steps_[pos - 1];
  for (const SleepEntry& e : prev.sleep) {
    if (!dependent(e.fp, prev.fp)) s.sleep.push_back(e);
  }
  hand_down(prev, s);
  int chosen = -1;
  if (blocked_at_ == kNone) {
    while (s.wut[0].first_child >= 0) {
      const int c = s.wut[0].first_child;
      const int q = s.wut[static_cast<std::size_t>(c)].thread;
      if ((mask & bit(q)) != 0 && !asleep(s, q)) {
        chosen = q;
        break;
      }
      ++conservative_;  // a wake-up sequence that cannot continue here (not expected)
      remove_children(s, q);
    }
    if (chosen < 0) chosen = default_choice(s, ctx);
    if (chosen < 0) {
      blocked_at_ = pos;  // every runnable thread sleeps: this continuation is redundant
    } else if (s.wut[0].first_child < 0) {
      add_leaf(s, chosen);
    }
  }
  if (chosen < 0) {
    chosen = ctx.runnable[0];
    s.node = false;  // no alternatives in a redundant continuation
    s.wut.resize(1);
    s.wut[0] = WNode{};
    s.wut_free = -1;
  }
  s.thread = chosen;
  s.explored.clear(chosen);
  return chosen;
}

// Prefers the current thread (no preemption) unless it yielded; otherwise the lowest id; a
// thread that just yielded comes last. Never a sleeping thread; -1 when all sleep.
int DporStrategy::default_choice(const Step& s, const PickContext& ctx) {
  const int cur = ctx.current;
  const bool cur_ok = cur >= 0 && (s.runnable & bit(cur)) != 0 && !asleep(s, cur);
  if (cur_ok && !ctx.yielded) return cur;
  for (const int t : ctx.runnable) {
    if (t != cur && !asleep(s, t)) return t;
  }
  return cur_ok ? cur : -1;
}

}  // namespace dpor

std::unique_ptr<Strategy> make_dpor_strategy(bool spurious_wakeups) {
  return std::make_unique<dpor::DporStrategy>(spurious_wakeups);
}

std::string dpor_unsupported(const Strategy& strategy) {
  const auto* d = dynamic_cast<const dpor::DporStrategy*>(&strategy);
  return d != nullptr ? d->unsupported() : std::string();
}

}  // namespace weft
