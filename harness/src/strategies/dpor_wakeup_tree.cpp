// DPOR's wake-up trees and race reversal: per position, the ordered tree of step sequences still
// to explore from it (its root's children are the next steps to try), and the reversal of a race
// (e, e'): the wake-up sequence notdep(e).e' inserted at e's position unless a sleeping thread or
// a leaf already covers it.
//
// Paper: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014,
// section "Wakeup Trees" (the ordered trees, weak initials, the insertion insert[E](w, wut)) and
// Algorithm 2 (the race reversal and the sleep-set test before it); JACM 2017 ("Source Sets: A
// Foundation for Optimal Dynamic Partial Order Reduction"), the same in its wakeup-tree and
// Optimal-DPOR sections, with the proofs of optimality.
#include <algorithm>

#include "strategies/dpor.hpp"

namespace weft::dpor {

[[gnu::always_inline]] inline int DporStrategy::alloc_node(Step& s) {
  if (s.wut_free >= 0) {
    const int i = s.wut_free;
    s.wut_free = s.wut[static_cast<std::size_t>(i)].next;
    s.wut[static_cast<std::size_t>(i)] = WNode{};
    return i;
  }
  s.wut.emplace_back();
  return static_cast<int>(s.wut.size() - 1);
}

inline void DporStrategy::link_child(Step& s, int parent, int child) {
  WNode& p = s.wut[static_cast<std::size_t>(parent)];
  s.wut[static_cast<std::size_t>(child)].next = -1;
  if (p.last_child < 0) {
    p.first_child = child;
  } else {
    s.wut[static_cast<std::size_t>(p.last_child)].next = child;
  }
  p.last_child = child;
}

inline void DporStrategy::free_subtree(Step& s, int root) {
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
void DporStrategy::remove_children(Step& s, int q) {
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
void DporStrategy::add_leaf(Step& s, int q) {
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

inline bool DporStrategy::same_values(const Step& s, const WNode& w, const Step& step) const {
  if (!w.values_known || w.values_count != step.values.size()) return false;
  for (std::uint32_t i = 0; i < w.values_count; ++i) {
    if (s.wut_values[w.values_begin + i] != step.values[i].value) return false;
  }
  return true;
}

// The next position's tree: the subtree under the child the previous position ran.
void DporStrategy::hand_down(const Step& prev, Step& s) {
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
  for (int c = prev.wut[static_cast<std::size_t>(from)].first_child; c >= 0;
       c = prev.wut[static_cast<std::size_t>(c)].next) {
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

// w[idx] has no happens-before predecessor among w's earlier steps, in the execution that runs
// w: a direct one suffices (same thread, or dependent). Not E's clocks: E's happens-before
// also goes through steps that are not in w.
inline bool DporStrategy::initial(const std::vector<std::int32_t>& w, std::size_t idx) const {
  const Step& x = steps_[static_cast<std::size_t>(w[idx])];
  for (std::size_t j = 0; j < idx; ++j) {
    const Step& y = steps_[static_cast<std::size_t>(w[j])];
    if (y.thread == x.thread || dependent(y.fp, x.fp)) return false;
  }
  return true;
}

inline std::size_t DporStrategy::find_thread(const std::vector<std::int32_t>& w, const std::vector<Step>& steps, int q) {
  for (std::size_t j = 0; j < w.size(); ++j) {
    if (steps[static_cast<std::size_t>(w[j])].thread == q) return j;
  }
  return kNone;
}

inline bool DporStrategy::independent_of_all(const Footprint& fp, const std::vector<std::int32_t>& w) const {
  for (const std::int32_t x : w) {
    if (dependent(fp, steps_[static_cast<std::size_t>(x)].fp)) return false;
  }
  return true;
}

// q is a weak initial of w: it can start a sequence equivalent to (a prefix of) w.
inline bool DporStrategy::weak_initial(int q, const Footprint& fp, const std::vector<std::int32_t>& w) const {
  const std::size_t idx = find_thread(w, steps_, q);
  if (idx != kNone) return initial(w, idx);
  return !fp.global && independent_of_all(fp, w);
}

void DporStrategy::reverse(std::size_t e, std::size_t e2, std::size_t limit) {
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
inline bool DporStrategy::child_matches(const Step& s, const WNode& c, const std::vector<std::int32_t>& w,
                                 std::size_t& idx) const {
  idx = find_thread(w, steps_, c.thread);
  if (idx != kNone) {
    if (!initial(w, idx)) return false;
    // A leaf explores every value of its step; an inner node's subtree is for its values.
    return c.first_child < 0 || same_values(s, c, steps_[static_cast<std::size_t>(w[idx])]);
  }
  return !c.fp.global && independent_of_all(c.fp, w);
}

// Some leaf below `node` (reached along steps that are weak initials of w, in turn) covers w.
bool DporStrategy::covered(const Step& s, int node, const std::vector<std::int32_t>& w) const {
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
void DporStrategy::insert(Step& s, std::vector<std::int32_t>& w) {
  if (covered(s, 0, w)) return;
  int cur = 0;
  for (;;) {
    if (cur != 0 && s.wut[static_cast<std::size_t>(cur)].first_child < 0) return;  // a leaf covers it
    if (w.empty()) return;
    int matched = -1;
    for (int c = s.wut[static_cast<std::size_t>(cur)].first_child; c >= 0;
         c = s.wut[static_cast<std::size_t>(c)].next) {
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

}  // namespace weft::dpor
