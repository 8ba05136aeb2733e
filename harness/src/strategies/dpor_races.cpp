// DPOR's happens-before and race detection: each finished step gets its footprint (what its
// events touch), a vector clock over its direct predecessors, and its races with earlier steps,
// which on_execution then reverses (dpor_wakeup_tree.cpp).
//
// Paper: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014,
// the happens-before relation of an execution sequence and its races (e and e' race when they are
// by different threads, dependent, and e happens before e' directly: through no other event),
// as used by Algorithm 2; JACM 2017 ("Source Sets: A Foundation for Optimal Dynamic Partial Order
// Reduction"), the same definitions with their proofs. Blocking operations follow Flanagan &
// Godefroid, "Dynamic partial-order reduction for model checking software", POPL 2005: a blocked
// operation (lock, a wait's re-lock, semaphore acquire, join) races with the latest earlier
// operation it could have run before (the two were co-enabled), not with the release that
// enabled it.
//
// Footprints (add_event), per operation:
//   - atomics and tracked variables: load = read; store, read-modify-write, CAS = write;
//   - mutex: lock, try_lock, unlock, a wait's release and its re-lock = write;
//   - condition variable: wait = add, notify_one / notify_all = write; the notify that ends a wait
//     is ordered before that thread's re-lock (an edge: never a race, the re-lock was disabled);
//   - semaphore: acquire, try_acquire, release = write;
//     (a failed CAS, try_lock or try_acquire writes nothing, but the footprint of an operation must
//     not depend on the values it reads: when a race is reversed, it runs in another state);
//   - spawn: write to the thread-id allocator (ids are handed out in spawn order); the child's
//     steps come after its spawn; exit of t = write to "t", join of t = read of "t" (an edge);
//   - the spurious wake-up budget (Options::max_spurious per execution) is shared: a wait that
//     woke spuriously writes it, any other wait reads it (only with spurious wake-ups on);
//   - anything else (operation kinds or value-choice kinds this file does not know, e.g. a
//     scheduling policy's choices) is dependent with every step: sound first.
#include "strategies/dpor.hpp"

namespace weft::dpor {

inline KeyHistory& DporStrategy::key(std::int32_t k) {
  if (static_cast<std::size_t>(k) >= keys_.size()) keys_.resize(static_cast<std::size_t>(k) + 1);
  KeyHistory& h = keys_[static_cast<std::size_t>(k)];
  if (!h.touched) {
    h.touched = true;
    touched_.push_back(k);
  }
  return h;
}

// Adds what event e does to the step's footprint; keeps the condition variables' waiter sets.
[[gnu::always_inline]] inline void DporStrategy::add_event(Step& s, std::size_t pos, const Event& e) {
  Footprint& fp = s.fp;
  const bool thread_op = e.op == OpKind::kSpawn || e.op == OpKind::kJoin || e.op == OpKind::kExit;
  if (thread_op && (e.object < 0 || e.object >= kMaxThreads)) {
    fp.global = true;
    return;
  }
  switch (e.op) {
    case OpKind::kSpawn:
      fp.add({kKeySpawn, Mode::kWrite});
      fp.spawned = e.object;
      if (e.object < kMaxThreads) spawn_step_[static_cast<std::size_t>(e.object)] = static_cast<std::int32_t>(pos);
      break;
    case OpKind::kJoin:
      fp.add({kKeyThread0 + e.object, Mode::kRead, true});
      break;
    case OpKind::kExit:
      fp.add({kKeyThread0 + e.object, Mode::kWrite, false, false});
      break;
    case OpKind::kLock:
      fp.add({object_key(e.object), Mode::kWrite, true, true});
      break;
    case OpKind::kTryLock:
      fp.add({object_key(e.object), Mode::kWrite, false, e.value != 0});
      break;
    case OpKind::kUnlock:
      fp.add({object_key(e.object), Mode::kWrite, false, false});
      break;
    case OpKind::kAtomicLoad:
    case OpKind::kVarRead:
      fp.add({object_key(e.object), Mode::kRead});
      break;
    case OpKind::kAtomicStore:
    case OpKind::kAtomicRmw:
    case OpKind::kVarWrite:
      fp.add({object_key(e.object), Mode::kWrite});
      break;
    case OpKind::kAtomicCas:
      fp.add({object_key(e.object), Mode::kWrite});
      break;
    case OpKind::kCvWait: {
      fp.add({object_key(e.object), Mode::kAdd});
      fp.add({object_key(e.aux), Mode::kWrite, false, false});  // releases the mutex
      if (spurious_) fp.add({kKeyBudget, e.value != 0 ? Mode::kWrite : Mode::kRead});
      KeyHistory& h = key(object_key(e.object));
      if (e.value == 0 && e.thread < kMaxThreads) h.waiters |= bit(e.thread);
      break;
    }
    case OpKind::kCvWake: {
      fp.add({object_key(e.aux), Mode::kWrite, true, true});  // re-acquires the mutex
      fp.wake = true;
      if (e.thread < kMaxThreads) key(object_key(e.object)).waiters &= ~bit(e.thread);  // e.g. a timeout
      break;
    }
    case OpKind::kCvNotifyOne:
    case OpKind::kCvNotifyAll: {
      fp.add({object_key(e.object), Mode::kWrite});
      KeyHistory& h = key(object_key(e.object));
      std::uint64_t woken = 0;
      if (e.op == OpKind::kCvNotifyAll) {
        woken = h.waiters;
      } else if (e.value >= 0 && e.value < kMaxThreads) {
        woken = bit(static_cast<int>(e.value));
      }
      h.waiters &= ~woken;
      fp.wakes |= woken;
      for (int t = 0; t < kMaxThreads; ++t) {
        if ((woken & bit(t)) != 0) notify_step_[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(pos);
      }
      break;
    }
    case OpKind::kSemAcquire:
      fp.add({object_key(e.object), Mode::kWrite, true, true});
      break;
    case OpKind::kSemTryAcquire:
      fp.add({object_key(e.object), Mode::kWrite, false, e.aux + e.value > 0});
      break;
    case OpKind::kSemRelease:
      fp.add({object_key(e.object), Mode::kWrite, false, e.aux - e.value > 0});
      break;
    case OpKind::kYield:
    case OpKind::kChoose:  // the value is a ValueNode of this step
    case OpKind::kAssert:  // ends the execution: see on_execution
      break;
    default:
      fp.global = true;  // an operation kind this strategy does not model
      break;
  }
}

// The footprint of a pending operation whose step logged nothing (it failed before logging).
inline void DporStrategy::add_pending(Footprint& fp, const PendingOp& p) {
  switch (p.op) {
    case OpKind::kLock:
    case OpKind::kTryLock:
    case OpKind::kUnlock:
    case OpKind::kSemAcquire:
    case OpKind::kSemTryAcquire:
    case OpKind::kSemRelease:
    case OpKind::kAtomicStore:
    case OpKind::kAtomicRmw:
    case OpKind::kAtomicCas:
    case OpKind::kVarWrite:
    case OpKind::kCvNotifyOne:
    case OpKind::kCvNotifyAll:
      fp.add({object_key(p.object), Mode::kWrite});
      break;
    case OpKind::kAtomicLoad:
    case OpKind::kVarRead:
      fp.add({object_key(p.object), Mode::kRead});
      break;
    case OpKind::kSpawn:
      fp.add({kKeySpawn, Mode::kWrite});
      break;
    case OpKind::kJoin:
      fp.add({kKeyThread0 + p.object, Mode::kRead});
      break;
    case OpKind::kYield:
      break;
    default:
      fp.global = true;
      break;
  }
}

// Completes step `pos` (its events are [first_event, end)): footprint, vector clock, races
// with earlier steps (recorded for on_execution), key histories.
void DporStrategy::finish_step(std::size_t pos, std::uint32_t end, std::span<const Event> events) {
  Step& s = steps_[pos];
  const int t = s.thread;
  s.fp.clear(t);
  bool logged_own_op = false;
  for (std::uint32_t i = s.first_event; i < end; ++i) {
    const Event& e = events[i];
    if (i == s.first_event && e.thread == t && e.op == s.pending.op) logged_own_op = true;
    if (e.thread >= kMaxThreads) s.fp.global = true;
    add_event(s, pos, e);
  }
  if (pos > 0 && !logged_own_op) add_pending(s.fp, s.pending);
  for (const ValueNode& v : s.values) s.fp.global = s.fp.global || v.global;
  s.explored.merge(s.fp);
  Footprint& fp = s.fp;

  // Vector clock: program order (or the spawn), then every direct predecessor.
  preds_.clear();
  const std::int32_t po = last_step_[static_cast<std::size_t>(t)];
  const std::int32_t origin = po >= 0 ? po : (t == 0 ? -1 : spawn_step_[static_cast<std::size_t>(t)]);
  if (origin >= 0) {
    s.clock = steps_[static_cast<std::size_t>(origin)].clock;
    preds_.push_back({origin, kProgramOrder});
  } else {
    s.clock.clear();
  }
  if (last_global_ >= 0) pred(s, last_global_, -1);
  if (fp.global) {
    for (int u = 0; u < kMaxThreads; ++u) {
      if (u != t && last_step_[static_cast<std::size_t>(u)] >= 0) pred(s, last_step_[static_cast<std::size_t>(u)], -1);
    }
  }
  if (fp.wake && notify_step_[static_cast<std::size_t>(t)] >= 0) {
    pred(s, notify_step_[static_cast<std::size_t>(t)], -1);  // the notify that ended the wait
    notify_step_[static_cast<std::size_t>(t)] = -1;
  }
  for (std::uint8_t i = 0; i < fp.n; ++i) {
    const Access& a = fp.a[i];
    KeyHistory& h = key(a.key);
    s.prev_w[i] = h.last_w;
    // Predecessors on this key: the conflicting accesses since the last write, else the last
    // write (it happens before them).
    bool any = false;
    if (a.mode != Mode::kRead) {
      for (const std::int32_t r : h.reads) {
        pred(s, r, a.key);
        any = true;
      }
    }
    if (a.mode != Mode::kAdd) {
      for (const std::int32_t d : h.adds) {
        pred(s, d, a.key);
        any = true;
      }
    }
    if (!any && h.last_w >= 0) pred(s, h.last_w, a.key);
  }
  s.local = s.clock.tick(static_cast<std::size_t>(t));

  // Races: only for steps this execution is the first to run (earlier ones were analysed).
  if (pos >= new_from_ && pos < blocked_at_) {
    if (fp.global) {
      for (int u = 0; u < kMaxThreads; ++u) {
        const std::int32_t c = last_step_[static_cast<std::size_t>(u)];
        if (u != t && c >= 0) race(pos, c, -2);
      }
    } else if (last_global_ >= 0 && steps_[static_cast<std::size_t>(last_global_)].thread != t) {
      race(pos, last_global_, -2);
    }
    for (std::uint8_t i = 0; i < fp.n; ++i) {
      const Access& a = fp.a[i];
      const KeyHistory& h = keys_[static_cast<std::size_t>(a.key)];
      if (a.blocking) {
        // The latest earlier write this step could have preceded (skipping the releases that
        // enabled it), unless this thread's own.
        std::int32_t x = h.last_w;
        while (x >= 0) {
          const Step& w = steps_[static_cast<std::size_t>(x)];
          if (w.thread == t) break;
          std::uint8_t j = 0;
          while (j < w.fp.n && !(w.fp.a[j].key == a.key && w.fp.a[j].mode == Mode::kWrite)) ++j;
          if (j == w.fp.n) break;
          if (w.fp.a[j].open_before) {
            race(pos, x, a.key);
            break;
          }
          x = w.prev_w[j];
        }
        continue;
      }
      bool any = false;
      if (a.mode != Mode::kRead) {
        for (const std::int32_t r : h.reads) {
          race(pos, r, -1);
          any = true;
        }
      }
      if (a.mode != Mode::kAdd) {
        for (const std::int32_t d : h.adds) {
          race(pos, d, -1);
          any = true;
        }
      }
      if (!any && h.last_w >= 0) race(pos, h.last_w, -1);
    }
  }

  for (std::uint8_t i = 0; i < fp.n; ++i) {
    const Access& a = fp.a[i];
    KeyHistory& h = keys_[static_cast<std::size_t>(a.key)];
    const auto p = static_cast<std::int32_t>(pos);
    if (a.mode == Mode::kWrite) {
      h.last_w = p;
      h.reads.clear();
      h.adds.clear();
    } else if (a.mode == Mode::kRead) {
      if (h.reads.empty() || h.reads.back() != p) h.reads.push_back(p);
    } else {
      if (h.adds.empty() || h.adds.back() != p) h.adds.push_back(p);
    }
  }
  last_step_[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(pos);
  if (fp.global) last_global_ = static_cast<std::int32_t>(pos);
}

inline void DporStrategy::pred(Step& s, std::int32_t d, std::int32_t key) {
  s.clock.join(steps_[static_cast<std::size_t>(d)].clock);
  preds_.push_back({d, key});
}

// Records the race (c, pos) if c is by another thread and happens before step pos only
// directly: through no other direct predecessor of pos. For a blocked access (skip_key >= 0)
// the predecessors on that key are the releases that enabled it: they do not count.
inline void DporStrategy::race(std::size_t pos, std::int32_t c, std::int32_t skip_key) {
  const auto cu = static_cast<std::size_t>(c);
  if (steps_[cu].thread == steps_[pos].thread) return;
  for (const auto& [d, k] : preds_) {
    if (k == kProgramOrder && d == c) return;  // the spawn of this thread: ordered, not a race
  }
  for (const auto& [d, k] : preds_) {
    if (d == c || (skip_key >= 0 && k == skip_key)) continue;
    if (hb_incl(cu, static_cast<std::size_t>(d))) return;
  }
  for (const auto& [e, e2] : races_) {
    if (e == c && e2 == static_cast<std::int32_t>(pos)) return;
  }
  races_.push_back({c, static_cast<std::int32_t>(pos)});
}

// The race of thread q's blocked operation `p` (as a step after the last one), if any.
void DporStrategy::blocked_race(int q, const PendingOp& p) {
  std::int32_t k;
  switch (p.op) {
    case OpKind::kLock:
    case OpKind::kSemAcquire:
      k = object_key(p.object);
      break;
    case OpKind::kCvWake:  // notified (else its races are the notify's and the wait's) but the mutex is held
      if (p.aux < 0 || p.object < 0) return;
      if (static_cast<std::size_t>(object_key(p.object)) < keys_.size() &&
          (keys_[static_cast<std::size_t>(object_key(p.object))].waiters & bit(q)) != 0) {
        return;
      }
      k = object_key(p.aux);
      break;
    default:
      return;
  }
  if (p.object < 0 || static_cast<std::size_t>(k) >= keys_.size()) return;
  const std::int32_t origin = last_step_[static_cast<std::size_t>(q)] >= 0 ? last_step_[static_cast<std::size_t>(q)]
                                                                           : spawn_step_[static_cast<std::size_t>(q)];
  std::int32_t c = keys_[static_cast<std::size_t>(k)].last_w;
  while (c >= 0) {
    const Step& w = steps_[static_cast<std::size_t>(c)];
    if (w.thread == q) return;
    std::uint8_t j = 0;
    while (j < w.fp.n && !(w.fp.a[j].key == k && w.fp.a[j].mode == Mode::kWrite)) ++j;
    if (j == w.fp.n) return;
    if (w.fp.a[j].open_before) break;
    c = w.prev_w[j];
  }
  if (c < 0) return;
  if (origin >= 0 && hb_incl(static_cast<std::size_t>(c), static_cast<std::size_t>(origin))) return;
  const std::int32_t notify = notify_step_[static_cast<std::size_t>(q)];
  if (p.op == OpKind::kCvWake && notify >= 0 &&
      hb_incl(static_cast<std::size_t>(c), static_cast<std::size_t>(notify))) {
    return;
  }
  const std::size_t pos = len_;
  if (pos >= steps_.size()) steps_.emplace_back();
  Step& v = steps_[pos];
  v.thread = q;
  v.values.clear();
  v.fp.clear(q);
  v.fp.add({k, Mode::kWrite, true, true});
  v.fp.wake = p.op == OpKind::kCvWake;
  reverse(static_cast<std::size_t>(c), pos, pos + 1);
}

}  // namespace weft::dpor
