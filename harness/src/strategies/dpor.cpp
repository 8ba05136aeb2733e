// Optimal dynamic partial-order reduction: one execution per Mazurkiewicz trace of the visible operations.
//
// Algorithm: Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order reduction", POPL 2014
// (Algorithm 2, Optimal-DPOR: races reversed through wake-up trees, redundancy cut by sleep sets),
// run statelessly: every execution replays a prefix of the previous one, and the tree state of the
// current path (sleep sets, wake-up trees, value choices) lives in `steps_`. Blocking operations
// follow Flanagan & Godefroid, "Dynamic partial-order reduction for model checking software",
// POPL 2005: a blocked operation (lock, a wait's re-lock, semaphore acquire, join) races with the
// latest earlier operation it could have run before (the two were co-enabled), not with the release
// that enabled it.
//
// The model. A step is what one thread does from one scheduling point to the next: one visible
// operation, then its invisible code (which may end the thread, fail an assertion, call
// weft::choose, and for a spawn includes the child's invisible prefix). Each step has a footprint:
// the shared keys it touches, read, write, or "add" (condition-variable waits: two waits commute,
// a wait and a notify do not). Two steps of different threads are dependent when their footprints
// conflict on a key (at least one write; reads commute, adds commute):
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
// Data choices (notify_one's waiter, spurious wake-up, weft::choose) are explored exhaustively,
// as DFS does, at their point inside the step; the wake-up trees and sleep sets treat a thread's
// step together with its values.
// Assumption (as for every DPOR): all shared state that threads access concurrently goes through
// visible operations. Untracked memory shared without synchronization is invisible to the
// dependency relation, and interleavings of it may be missed.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "strategies/strategies.hpp"
#include "weft/vector_clock.hpp"

namespace weft {

namespace {

constexpr int kMaxThreads = 64;  // thread sets are 64-bit masks
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Keys: shared state a step touches. Pseudo keys first, then one per thread ("t finished"), then
// the execution's objects.
constexpr std::int32_t kKeyBudget = 0;  // spurious wake-up budget
constexpr std::int32_t kKeySpawn = 1;   // thread-id allocator
constexpr std::int32_t kKeyThread0 = 2;
constexpr std::int32_t kKeyObject0 = kKeyThread0 + kMaxThreads;
constexpr std::int32_t kProgramOrder = -3;  // marks the program-order (or spawn) predecessor

enum class Mode : std::uint8_t { kRead, kWrite, kAdd };

bool conflict(Mode a, Mode b) { return !((a == Mode::kRead && b == Mode::kRead) || (a == Mode::kAdd && b == Mode::kAdd)); }

struct Access {
  std::int32_t key = 0;
  Mode mode = Mode::kRead;
  bool blocking = false;     // the step waited for this key (lock, re-lock, semaphore acquire, join)
  bool open_before = true;   // a blocked acquire of this key could have run just before this write
};

constexpr std::size_t kMaxAccesses = 6;

struct Footprint {
  std::array<Access, kMaxAccesses> a{};
  std::uint8_t n = 0;
  bool global = false;      // dependent with every step
  bool wake = false;        // contains this thread's re-lock after a condition-variable wait
  int thread = -1;
  int spawned = -1;         // child spawned by this step
  std::uint64_t wakes = 0;  // threads whose condition-variable wait this step's notify ended

  void clear(int t) {
    n = 0;
    global = false;
    wake = false;
    thread = t;
    spawned = -1;
    wakes = 0;
  }
  void add(Access x) {
    for (std::uint8_t i = 0; i < n; ++i) {
      if (a[i].key == x.key && a[i].mode == x.mode) {
        a[i].blocking = a[i].blocking || x.blocking;
        return;
      }
    }
    if (n == kMaxAccesses) {
      global = true;  // out of room: over-approximate
      return;
    }
    a[n++] = x;
  }
  // Union, for a thread's step over all its explored values.
  void merge(const Footprint& o) {
    for (std::uint8_t i = 0; i < o.n; ++i) add(o.a[i]);
    global = global || o.global;
    wake = wake || o.wake;
    wakes |= o.wakes;
    if (spawned < 0) spawned = o.spawned;
  }
};

bool dependent(const Footprint& x, const Footprint& y) {
  if (x.global || y.global) return true;
  for (std::uint8_t i = 0; i < x.n; ++i) {
    for (std::uint8_t j = 0; j < y.n; ++j) {
      if (x.a[i].key == y.a[j].key && conflict(x.a[i].mode, y.a[j].mode)) return true;
    }
  }
  if (x.wake && y.thread >= 0 && ((y.wakes >> x.thread) & 1) != 0) return true;
  if (y.wake && x.thread >= 0 && ((x.wakes >> y.thread) & 1) != 0) return true;
  if (x.spawned >= 0 && x.spawned == y.thread) return true;
  if (y.spawned >= 0 && y.spawned == x.thread) return true;
  return false;
}

std::uint64_t bit(int t) { return std::uint64_t{1} << t; }

struct ValueNode {
  std::uint32_t n = 0;      // values offered
  std::uint32_t value = 0;  // value taken in the current execution
  bool global = false;      // a choice kind this file does not know
  bool dead = false;        // in a redundant (sleep-set blocked) continuation: no alternatives
};

struct SleepEntry {
  int thread = -1;
  Footprint fp;  // its next step (all values)
};

// A node of a wake-up tree: a step of `thread` (with the values it took, when known) to run next.
struct WNode {
  int thread = -1;
  int first_child = -1;
  int last_child = -1;
  int next = -1;
  std::uint32_t values_begin = 0;
  std::uint32_t values_count = 0;
  bool values_known = false;  // leaves added by default choices or after an abort do not know them
  Footprint fp;               // unknown: global
};

struct KeyHistory {
  std::int32_t last_w = -1;    // step index of the last write
  std::vector<std::int32_t> reads;  // reads since it
  std::vector<std::int32_t> adds;   // adds since it
  std::uint64_t waiters = 0;   // condition variables: threads waiting (not yet notified)
  bool touched = false;
};

// One position of the current path.
struct Step {
  // Tree state (kept while the position is on the replayed prefix).
  int thread = -1;
  bool node = false;            // two or more threads could run: a choice point
  std::uint64_t runnable = 0;
  std::vector<SleepEntry> sleep;
  std::vector<WNode> wut;       // wut[0]: the root; its children are the steps still to explore here
  std::vector<std::uint32_t> wut_values;
  int wut_free = -1;            // free list of WNodes (through `next`)
  std::vector<ValueNode> values;
  Footprint explored;           // union of the footprints of the variants of `thread`'s step run here
  // Per execution.
  std::uint32_t first_event = 0;
  std::uint32_t value_cursor = 0;
  PendingOp pending;            // what `thread` was about to do (for steps that logged no event)
  Footprint fp;
  std::array<std::int32_t, kMaxAccesses> prev_w{};  // per access: the key's previous write
  VectorClock clock;
  std::uint32_t local = 0;      // clock[thread] including this step
};

class DporStrategy final : public Strategy {
 public:
  explicit DporStrategy(bool spurious) : spurious_(spurious) {
    steps_.reserve(256);
    races_.reserve(256);
    preds_.reserve(64);
    scratch_.reserve(256);
    keys_.reserve(256);
    touched_.reserve(256);
  }

  bool begin_execution() override {
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

  bool wants_detail() const override { return true; }

  int pick_next(const PickContext& ctx) override {
    if (!divergence_.empty()) return ctx.runnable[0];
    finish_step(len_ - 1, ctx.step, ctx.events);
    std::uint64_t mask = 0;
    for (const int t : ctx.runnable) {
      if (t >= kMaxThreads) {
        divergence_ = fmt::format("dpor supports at most {} threads (thread t{} was spawned); use dfs", kMaxThreads, t);
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

  std::uint32_t pick_value(std::uint32_t n, ValueChoice kind, std::uint32_t step) override {
    if (!divergence_.empty()) return 0;
    Step& s = steps_[len_ - 1];
    const std::uint32_t k = s.value_cursor++;
    if (k < s.values.size()) {
      if (s.values[k].n != n) {
        divergence_ = fmt::format(
            "the scenario is nondeterministic: at step {} the same schedule prefix offered {} values, before {}", step,
            n, s.values[k].n);
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

  void on_execution(const ExecutionEnd& end) override {
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

  void end_execution() override {
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

  bool complete() const override { return exhausted_ && divergence_.empty(); }
  std::string divergence() const override { return divergence_; }
  std::uint64_t redundant_executions() const override { return redundant_; }
  std::uint64_t conservative_backtracks() const override { return conservative_; }
  std::string name() const override { return "dpor"; }

 private:
  static std::string mask_text(std::uint64_t mask) {
    std::string out;
    for (int t = 0; t < kMaxThreads; ++t) {
      if ((mask & bit(t)) != 0) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
    }
    return out;
  }

  Step& fresh(std::size_t pos) {
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

  static bool asleep(const Step& s, int q) {
    for (const SleepEntry& e : s.sleep) {
      if (e.thread == q) return true;
    }
    return false;
  }

  // Opens a position the previous execution did not reach (or reached differently): its sleep
  // set, its wake-up tree (handed down from the previous position's), and the thread to run.
  int open(std::size_t pos, const PickContext& ctx, std::uint64_t mask, bool node) {
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
  static int default_choice(const Step& s, const PickContext& ctx) {
    const int cur = ctx.current;
    const bool cur_ok = cur >= 0 && (s.runnable & bit(cur)) != 0 && !asleep(s, cur);
    if (cur_ok && !ctx.yielded) return cur;
    for (const int t : ctx.runnable) {
      if (t != cur && !asleep(s, t)) return t;
    }
    return cur_ok ? cur : -1;
  }

  // ---------------------------------------------------------------------------------------
  // Wake-up trees

  int alloc_node(Step& s) {
    if (s.wut_free >= 0) {
      const int i = s.wut_free;
      s.wut_free = s.wut[static_cast<std::size_t>(i)].next;
      s.wut[static_cast<std::size_t>(i)] = WNode{};
      return i;
    }
    s.wut.emplace_back();
    return static_cast<int>(s.wut.size() - 1);
  }

  static void link_child(Step& s, int parent, int child) {
    WNode& p = s.wut[static_cast<std::size_t>(parent)];
    s.wut[static_cast<std::size_t>(child)].next = -1;
    if (p.last_child < 0) {
      p.first_child = child;
    } else {
      s.wut[static_cast<std::size_t>(p.last_child)].next = child;
    }
    p.last_child = child;
  }

  void free_subtree(Step& s, int root) {
    scratch_nodes_.clear();
    scratch_nodes_.push_back(root);
    while (!scratch_nodes_.empty()) {
      const int i = scratch_nodes_.back();
      scratch_nodes_.pop_back();
      for (int c = s.wut[static_cast<std::size_t>(i)].first_child; c >= 0; c = s.wut[static_cast<std::size_t>(c)].next) {
        scratch_nodes_.push_back(c);
      }
      s.wut[static_cast<std::size_t>(i)].next = s.wut_free;
      s.wut[static_cast<std::size_t>(i)].first_child = -1;
      s.wut_free = i;
    }
  }

  // Removes every root child for thread q (with its subtree).
  void remove_children(Step& s, int q) {
    WNode& root = s.wut[0];
    int prev = -1;
    int c = root.first_child;
    while (c >= 0) {
      const int nxt = s.wut[static_cast<std::size_t>(c)].next;
      if (s.wut[static_cast<std::size_t>(c)].thread == q) {
        if (prev < 0) {
          s.wut[0].first_child = nxt;
        } else {
          s.wut[static_cast<std::size_t>(prev)].next = nxt;
        }
        if (s.wut[0].last_child == c) s.wut[0].last_child = prev;
        free_subtree(s, c);
      } else {
        prev = c;
      }
      c = nxt;
    }
  }

  // A single-step leaf for q at the root (no-op if the root has a child for q).
  void add_leaf(Step& s, int q) {
    for (int c = s.wut[0].first_child; c >= 0; c = s.wut[static_cast<std::size_t>(c)].next) {
      if (s.wut[static_cast<std::size_t>(c)].thread == q) return;
    }
    const int i = alloc_node(s);
    WNode& w = s.wut[static_cast<std::size_t>(i)];
    w.thread = q;
    w.values_known = false;
    w.fp.clear(q);
    w.fp.global = true;  // its step is not known yet
    link_child(s, 0, i);
  }

  bool same_values(const Step& s, const WNode& w, const Step& step) const {
    if (!w.values_known || w.values_count != step.values.size()) return false;
    for (std::uint32_t i = 0; i < w.values_count; ++i) {
      if (s.wut_values[w.values_begin + i] != step.values[i].value) return false;
    }
    return true;
  }

  // The next position's tree: the subtree under the child the previous position ran.
  void hand_down(const Step& prev, Step& s) {
    int from = -1;
    for (int c = prev.wut[0].first_child; c >= 0; c = prev.wut[static_cast<std::size_t>(c)].next) {
      const WNode& w = prev.wut[static_cast<std::size_t>(c)];
      if (w.thread == prev.thread && w.first_child >= 0 && same_values(prev, w, prev)) {
        from = c;
        break;
      }
    }
    if (from < 0) return;
    copy_stack_.clear();
    for (int c = prev.wut[static_cast<std::size_t>(from)].first_child; c >= 0; c = prev.wut[static_cast<std::size_t>(c)].next) {
      copy_stack_.push_back({c, 0});
    }
    // Children are pushed in order and popped in reverse: reverse first to keep the order.
    std::reverse(copy_stack_.begin(), copy_stack_.end());
    while (!copy_stack_.empty()) {
      const auto [src, parent] = copy_stack_.back();
      copy_stack_.pop_back();
      const WNode& w = prev.wut[static_cast<std::size_t>(src)];
      const int i = alloc_node(s);
      WNode& d = s.wut[static_cast<std::size_t>(i)];
      d.thread = w.thread;
      d.values_known = w.values_known;
      d.fp = w.fp;
      d.values_begin = static_cast<std::uint32_t>(s.wut_values.size());
      d.values_count = w.values_count;
      for (std::uint32_t k = 0; k < w.values_count; ++k) s.wut_values.push_back(prev.wut_values[w.values_begin + k]);
      link_child(s, parent, i);
      const std::size_t mark = copy_stack_.size();
      for (int c = w.first_child; c >= 0; c = prev.wut[static_cast<std::size_t>(c)].next) copy_stack_.push_back({c, i});
      std::reverse(copy_stack_.begin() + static_cast<std::ptrdiff_t>(mark), copy_stack_.end());
    }
  }

  // ---------------------------------------------------------------------------------------
  // Happens-before and races

  bool hb_incl(std::size_t c, std::size_t d) const {
    return c == d || steps_[d].clock.get(static_cast<std::size_t>(steps_[c].thread)) >= steps_[c].local;
  }

  KeyHistory& key(std::int32_t k) {
    if (static_cast<std::size_t>(k) >= keys_.size()) keys_.resize(static_cast<std::size_t>(k) + 1);
    KeyHistory& h = keys_[static_cast<std::size_t>(k)];
    if (!h.touched) {
      h.touched = true;
      touched_.push_back(k);
    }
    return h;
  }

  static std::int32_t object_key(std::int64_t object) { return kKeyObject0 + static_cast<std::int32_t>(object); }

  // Adds what event e does to the step's footprint; keeps the condition variables' waiter sets.
  void add_event(Step& s, std::size_t pos, const Event& e) {
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
  static void add_pending(Footprint& fp, const PendingOp& p) {
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
  void finish_step(std::size_t pos, std::uint32_t end, std::span<const Event> events) {
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

  void pred(Step& s, std::int32_t d, std::int32_t key) {
    s.clock.join(steps_[static_cast<std::size_t>(d)].clock);
    preds_.push_back({d, key});
  }

  // Records the race (c, pos) if c is by another thread and happens before step pos only
  // directly: through no other direct predecessor of pos. For a blocked access (skip_key >= 0)
  // the predecessors on that key are the releases that enabled it: they do not count.
  void race(std::size_t pos, std::int32_t c, std::int32_t skip_key) {
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

  // ---------------------------------------------------------------------------------------
  // Reversing a race: the wake-up sequence notdep(e).e2 goes into the tree at e's position.

  // w[idx] has no happens-before predecessor among w's earlier steps, in the execution that runs
  // w: a direct one suffices (same thread, or dependent). Not E's clocks: E's happens-before
  // also goes through steps that are not in w.
  bool initial(const std::vector<std::int32_t>& w, std::size_t idx) const {
    const Step& x = steps_[static_cast<std::size_t>(w[idx])];
    for (std::size_t j = 0; j < idx; ++j) {
      const Step& y = steps_[static_cast<std::size_t>(w[j])];
      if (y.thread == x.thread || dependent(y.fp, x.fp)) return false;
    }
    return true;
  }

  static std::size_t find_thread(const std::vector<std::int32_t>& w, const std::vector<Step>& steps, int q) {
    for (std::size_t j = 0; j < w.size(); ++j) {
      if (steps[static_cast<std::size_t>(w[j])].thread == q) return j;
    }
    return kNone;
  }

  bool independent_of_all(const Footprint& fp, const std::vector<std::int32_t>& w) const {
    for (const std::int32_t x : w) {
      if (dependent(fp, steps_[static_cast<std::size_t>(x)].fp)) return false;
    }
    return true;
  }

  // q is a weak initial of w: it can start a sequence equivalent to (a prefix of) w.
  bool weak_initial(int q, const Footprint& fp, const std::vector<std::int32_t>& w) const {
    const std::size_t idx = find_thread(w, steps_, q);
    if (idx != kNone) return initial(w, idx);
    return !fp.global && independent_of_all(fp, w);
  }

  // The race of thread q's blocked operation `p` (as a step after the last one), if any.
  void blocked_race(int q, const PendingOp& p) {
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
    if (p.op == OpKind::kCvWake && notify >= 0 && hb_incl(static_cast<std::size_t>(c), static_cast<std::size_t>(notify))) {
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

  void reverse(std::size_t e, std::size_t e2, std::size_t limit) {
    if (e2 >= limit) return;
    Step& s = steps_[e];
    if (!s.node) {
      ++conservative_;  // cannot happen when every enabling is a dependency; nothing else could run here
      return;
    }
    std::vector<std::int32_t>& v = scratch_;
    v.clear();
    for (std::size_t x = e + 1; x < limit; ++x) {
      if (x != e2 && !hb_incl(e, x)) v.push_back(static_cast<std::int32_t>(x));
    }
    v.push_back(static_cast<std::int32_t>(e2));
    const int first = steps_[static_cast<std::size_t>(v[0])].thread;
    if ((s.runnable & bit(first)) == 0) {
      // Not expected: the reversal starts with a thread that could not run here. Explore every
      // thread that could (classic DPOR's fallback).
      ++conservative_;
      for (int q = 0; q < kMaxThreads; ++q) {
        if ((s.runnable & bit(q)) != 0 && !asleep(s, q)) add_leaf(s, q);
      }
      return;
    }
    for (const SleepEntry& z : s.sleep) {
      if (weak_initial(z.thread, z.fp, v)) return;  // already explored from here
    }
    insert(s, v);
  }

  // Whether the child c of a tree node can start (a sequence equivalent to a prefix of) w; if so
  // `idx` is the position of c's step in w (kNone: c is independent of all of w).
  bool child_matches(const Step& s, const WNode& c, const std::vector<std::int32_t>& w, std::size_t& idx) const {
    idx = find_thread(w, steps_, c.thread);
    if (idx != kNone) {
      if (!initial(w, idx)) return false;
      // A leaf explores every value of its step; an inner node's subtree is for its values.
      return c.first_child < 0 || same_values(s, c, steps_[static_cast<std::size_t>(w[idx])]);
    }
    return !c.fp.global && independent_of_all(c.fp, w);
  }

  // Some leaf below `node` (reached along steps that are weak initials of w, in turn) covers w.
  bool covered(const Step& s, int node, const std::vector<std::int32_t>& w) const {
    for (int c = s.wut[static_cast<std::size_t>(node)].first_child; c >= 0; c = s.wut[static_cast<std::size_t>(c)].next) {
      const WNode& n = s.wut[static_cast<std::size_t>(c)];
      std::size_t idx = kNone;
      if (!child_matches(s, n, w, idx)) continue;
      if (n.first_child < 0) return true;
      if (idx == kNone) {
        if (covered(s, c, w)) return true;
      } else {
        std::vector<std::int32_t> rest = w;  // rare and short: trees stay small
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(idx));
        if (rest.empty() || covered(s, c, rest)) return true;
      }
    }
    return false;
  }

  // insert[E](w, wut(E)) of the paper: unless some leaf already starts a sequence equivalent to
  // a prefix of w, adds w below its longest prefix in the tree.
  void insert(Step& s, std::vector<std::int32_t>& w) {
    if (covered(s, 0, w)) return;
    int cur = 0;
    for (;;) {
      if (cur != 0 && s.wut[static_cast<std::size_t>(cur)].first_child < 0) return;  // a leaf covers it
      if (w.empty()) return;
      int matched = -1;
      for (int c = s.wut[static_cast<std::size_t>(cur)].first_child; c >= 0; c = s.wut[static_cast<std::size_t>(c)].next) {
        std::size_t idx = kNone;
        if (!child_matches(s, s.wut[static_cast<std::size_t>(c)], w, idx)) continue;
        if (idx != kNone) w.erase(w.begin() + static_cast<std::ptrdiff_t>(idx));
        matched = c;
        break;
      }
      if (matched < 0) break;
      cur = matched;
    }
    for (std::size_t k = 0; k < w.size(); ++k) {
      const Step& st = steps_[static_cast<std::size_t>(w[k])];
      const int i = alloc_node(s);
      WNode& n = s.wut[static_cast<std::size_t>(i)];
      n.thread = st.thread;
      n.fp = st.fp;
      // The race's later step runs before the earlier one now: same operation (footprints do
      // not depend on values read), but what its invisible code does next may differ: it may
      // end the thread.
      if (k + 1 == w.size() && st.thread < kMaxThreads) n.fp.add({kKeyThread0 + st.thread, Mode::kWrite, false, false});
      n.values_known = true;
      n.values_begin = static_cast<std::uint32_t>(s.wut_values.size());
      n.values_count = static_cast<std::uint32_t>(st.values.size());
      for (const ValueNode& val : st.values) s.wut_values.push_back(val.value);
      link_child(s, cur, i);
      cur = i;
    }
  }

  const bool spurious_;
  std::vector<Step> steps_;
  std::size_t len_ = 0;        // positions of the current execution so far
  std::size_t fixed_ = 0;      // positions [0, fixed_) keep their tree state and thread
  std::size_t new_from_ = 0;   // first position whose step is new in this execution
  std::size_t blocked_at_ = kNone;
  std::int32_t last_global_ = -1;
  std::array<std::int32_t, kMaxThreads> last_step_{};
  std::array<std::int32_t, kMaxThreads> spawn_step_{};
  std::array<std::int32_t, kMaxThreads> notify_step_{};
  std::vector<KeyHistory> keys_;
  std::vector<std::int32_t> touched_;
  std::vector<std::pair<std::int32_t, std::int32_t>> preds_;  // (step, key or -1)
  std::vector<std::pair<std::int32_t, std::int32_t>> races_;  // (earlier, later)
  std::vector<std::int32_t> scratch_;
  std::vector<int> scratch_nodes_;
  std::vector<std::pair<int, int>> copy_stack_;
  bool exhausted_ = false;
  std::uint64_t redundant_ = 0;
  std::uint64_t conservative_ = 0;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<Strategy> make_dpor_strategy(bool spurious_wakeups) {
  return std::make_unique<DporStrategy>(spurious_wakeups);
}

}  // namespace weft
