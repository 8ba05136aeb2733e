// DPOR's state and the Strategy class: one Step per position of the current path (its sleep
// set, wake-up tree, value choices, footprint and vector clock), shared by the files that
// implement it: dpor.cpp (the exploration), dpor_races.cpp (happens-before and races),
// dpor_wakeup_tree.cpp (wake-up trees and race reversal).
//
// Paper: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014,
// Algorithm 2 (Optimal-DPOR); JACM 2017 ("Source Sets: A Foundation for Optimal Dynamic Partial
// Order Reduction"), Algorithm 4 (Optimal-DPOR). See dpor.cpp for how it is run statelessly.
#pragma once

#include <array>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "strategies/dpor_dependency.hpp"
#include "weft/strategy.hpp"
#include "weft/vector_clock.hpp"

namespace weft::dpor {

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
  std::int32_t last_w = -1;         // step index of the last write
  std::vector<std::int32_t> reads;  // reads since it
  std::vector<std::int32_t> adds;   // adds since it
  std::uint64_t waiters = 0;        // condition variables: threads waiting (not yet notified)
  bool touched = false;
};

// One position of the current path.
struct Step {
  // Tree state (kept while the position is on the replayed prefix).
  int thread = -1;
  bool node = false;  // two or more threads could run: a choice point
  std::uint64_t runnable = 0;
  std::vector<SleepEntry> sleep;
  std::vector<WNode> wut;  // wut[0]: the root; its children are the steps still to explore here
  std::vector<std::uint32_t> wut_values;
  int wut_free = -1;  // free list of WNodes (through `next`)
  std::vector<ValueNode> values;
  Footprint explored;  // union of the footprints of the variants of `thread`'s step run here
  // Per execution.
  std::uint32_t first_event = 0;
  std::uint32_t value_cursor = 0;
  PendingOp pending;  // what `thread` was about to do (for steps that logged no event)
  Footprint fp;
  std::array<std::int32_t, kMaxAccesses> prev_w{};  // per access: the key's previous write
  VectorClock clock;
  std::uint32_t local = 0;  // clock[thread] including this step
};

class DporStrategy final : public Strategy {
 public:
  explicit DporStrategy(bool spurious);
  bool begin_execution() override;
  int pick_next(const PickContext& ctx) override;
  std::uint32_t pick_value(std::uint32_t n, ValueChoice kind, std::uint32_t step) override;
  void on_execution(const ExecutionEnd& end) override;
  void end_execution() override;
  bool wants_detail() const override { return true; }
  bool complete() const override { return exhausted_ && divergence_.empty(); }
  std::string divergence() const override { return divergence_; }
  std::uint64_t redundant_executions() const override { return redundant_; }
  std::uint64_t conservative_backtracks() const override { return conservative_; }
  std::string name() const override { return "dpor"; }
  // Why the program is beyond DPOR (more than kMaxThreads threads); empty while it is not.
  const std::string& unsupported() const { return unsupported_; }

 private:
  // ---- The exploration (dpor.cpp) ----
  static std::string mask_text(std::uint64_t mask);
  Step& fresh(std::size_t pos);

  // Opens a position the previous execution did not reach (or reached differently): its sleep
  // set, its wake-up tree (handed down from the previous position's), and the thread to run.
  int open(std::size_t pos, const PickContext& ctx, std::uint64_t mask, bool node);

  // Prefers the current thread (no preemption) unless it yielded; otherwise the lowest id; a
  // thread that just yielded comes last. Never a sleeping thread; -1 when all sleep.
  static int default_choice(const Step& s, const PickContext& ctx);
  static bool asleep(const Step& s, int q) {
    for (const SleepEntry& e : s.sleep) {
      if (e.thread == q) return true;
    }
    return false;
  }

  // ---- Happens-before and races (dpor_races.cpp) ----
  // Step c happens before step d, or is d.
  bool hb_incl(std::size_t c, std::size_t d) const {
    return c == d || steps_[d].clock.get(static_cast<std::size_t>(steps_[c].thread)) >= steps_[c].local;
  }
  static std::int32_t object_key(std::int64_t object) { return kKeyObject0 + static_cast<std::int32_t>(object); }
  KeyHistory& key(std::int32_t k);

  // Adds what event e does to the step's footprint; keeps the condition variables' waiter sets.
  void add_event(Step& s, std::size_t pos, const Event& e);

  // The footprint of a pending operation whose step logged nothing (it failed before logging).
  static void add_pending(Footprint& fp, const PendingOp& p);

  // Completes step `pos` (its events are [first_event, end)): footprint, vector clock, races
  // with earlier steps (recorded for on_execution), key histories.
  void finish_step(std::size_t pos, std::uint32_t end, std::span<const Event> events);
  void pred(Step& s, std::int32_t d, std::int32_t key);

  // Records the race (c, pos) if c is by another thread and happens before step pos only
  // directly: through no other direct predecessor of pos. For a blocked access (skip_key >= 0)
  // the predecessors on that key are the releases that enabled it: they do not count.
  void race(std::size_t pos, std::int32_t c, std::int32_t skip_key);

  // The race of thread q's blocked operation `p` (as a step after the last one), if any.
  void blocked_race(int q, const PendingOp& p);

  // ---- Wake-up trees and race reversal (dpor_wakeup_tree.cpp) ----
  int alloc_node(Step& s);
  static void link_child(Step& s, int parent, int child);
  void free_subtree(Step& s, int root);

  // Removes every root child for thread q (with its subtree).
  void remove_children(Step& s, int q);

  // A single-step leaf for q at the root (no-op if the root has a child for q).
  void add_leaf(Step& s, int q);
  bool same_values(const Step& s, const WNode& w, const Step& step) const;

  // The next position's tree: the subtree under the child the previous position ran.
  void hand_down(const Step& prev, Step& s);

  // w[idx] has no happens-before predecessor among w's earlier steps, in the execution that runs
  // w: a direct one suffices (same thread, or dependent). Not E's clocks: E's happens-before
  // also goes through steps that are not in w.
  bool initial(const std::vector<std::int32_t>& w, std::size_t idx) const;
  static std::size_t find_thread(const std::vector<std::int32_t>& w, const std::vector<Step>& steps, int q);
  bool independent_of_all(const Footprint& fp, const std::vector<std::int32_t>& w) const;

  // q is a weak initial of w: it can start a sequence equivalent to (a prefix of) w.
  bool weak_initial(int q, const Footprint& fp, const std::vector<std::int32_t>& w) const;
  void reverse(std::size_t e, std::size_t e2, std::size_t limit);

  // Whether the child c of a tree node can start (a sequence equivalent to a prefix of) w; if so
  // `idx` is the position of c's step in w (kNone: c is independent of all of w).
  bool child_matches(const Step& s, const WNode& c, const std::vector<std::int32_t>& w, std::size_t& idx) const;

  // Some leaf below `node` (reached along steps that are weak initials of w, in turn) covers w.
  bool covered(const Step& s, int node, const std::vector<std::int32_t>& w) const;

  // insert[E](w, wut(E)) of the paper: unless some leaf already starts a sequence equivalent to
  // a prefix of w, adds w below its longest prefix in the tree.
  void insert(Step& s, std::vector<std::int32_t>& w);
  const bool spurious_;
  std::vector<Step> steps_;
  std::size_t len_ = 0;       // positions of the current execution so far
  std::size_t fixed_ = 0;     // positions [0, fixed_) keep their tree state and thread
  std::size_t new_from_ = 0;  // first position whose step is new in this execution
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
  std::string unsupported_;
};

}  // namespace weft::dpor
