// lock_order_inversion: the lock-order graph accumulated across the executions of one
// exploration and its cycles, after the GoodLock algorithm (Havelund, "Using runtime analysis
// to guide model checking of Java programs", SPIN 2000) with the thread and gate-lock
// conditions of Bensalem & Havelund, "Dynamic deadlock analysis of multi-threaded programs",
// HVC 2005.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "checkers.hpp"

namespace weft {

namespace {

// A mutex's identity across executions (object ids are per execution): its declaration site
// and its ordinal among the mutexes declared at that site in the execution (a vector of
// forks: one site, ordinals 0..n-1). Stable as long as the scenario creates its mutexes in
// the same order in every execution.
struct NodeKey {
  SourceLoc declared;
  int ordinal = 0;
};

// One observation of an edge from -> to: `thread` acquired `to` (blocking: mutex.lock or
// cv.wake) while holding `from` and the gate locks `gates` (sorted node ids).
struct Witness {
  int thread = -1;
  std::vector<int> gates;
  std::uint64_t execution = 0;
  OpKind op = OpKind::kLock;
  std::uint32_t step = 0;       // the nested acquisition
  std::uint32_t held_step = 0;  // where `from` was acquired
  SourceLoc at;                 // the nested acquisition's location
  SourceLoc held_at;
  std::string label;  // `to` as named in that execution
  std::string held_label;
};

struct Edge {
  int from = -1;
  int to = -1;
  std::vector<Witness> witnesses;  // distinct (thread, gates)
  std::size_t fresh_from = 0;      // witnesses[fresh_from..] were added by this execution
};

struct Held {
  int node = -1;
  int object = -1;
  std::uint32_t step = 0;
};

// Longest cycle searched and the most cycles enumerated per execution (the graph of a
// realistic scenario has a handful of nodes; the caps bound pathological ones).
constexpr std::size_t kMaxCycle = 8;
constexpr int kMaxCyclesPerCheck = 10000;

class LockOrderChecker final : public Checker {
 public:
  std::string_view name() const override { return "lock_order_inversion"; }

  void reset() override {
    nodes_.clear();
    edges_.clear();
    adjacency_.clear();
    matrix_.clear();
    matrix_size_ = 0;
    reported_.clear();
    cached_objects_.clear();
    node_of_.clear();
    mutexes_ = 0;
  }

  void check(const ExecutionView& view, std::vector<Finding>& out) override {
    map_objects(view);
    if (mutexes_ < 2) return;  // no edge without two mutexes
    const auto n = static_cast<std::size_t>(std::max(view.thread_count, 1));
    if (held_.size() < n) held_.resize(n);
    for (std::size_t t = 0; t < n; ++t) held_[t].clear();
    fresh_.clear();

    for (const Event& e : view.events) {
      const auto t = static_cast<std::size_t>(e.thread);
      if (t >= n) continue;
      switch (e.op) {
        case OpKind::kLock:
          acquired(view, e, e.object, true);
          break;
        case OpKind::kCvWake:
          acquired(view, e, static_cast<int>(e.aux), true);
          break;
        case OpKind::kTryLock:
          if (e.value != 0) acquired(view, e, e.object, false);  // cannot block: no edge
          break;
        case OpKind::kUnlock:
          released(t, e.object);
          break;
        case OpKind::kCvWait:
          released(t, static_cast<int>(e.aux));
          break;
        default:
          break;
      }
    }
    if (!fresh_.empty()) find_cycles(view, out);
    for (const int id : fresh_)
      edges_[static_cast<std::size_t>(id)].fresh_from = edges_[static_cast<std::size_t>(id)].witnesses.size();
  }

 private:
  // Fills node_of_ (object id -> node id, -1 for non-mutexes); reuses the previous mapping when
  // the execution declared the same objects (the common case).
  void map_objects(const ExecutionView& view) {
    const std::size_t nobj = view.objects.size();
    bool same = cached_objects_.size() == nobj;
    for (std::size_t i = 0; same && i < nobj; ++i) {
      const ObjectInfo& a = cached_objects_[i];
      const ObjectInfo& b = view.objects[i];
      same = a.kind == b.kind && a.declared.line == b.declared.line &&
             (a.declared.file == b.declared.file || checkers::same_location(a.declared, b.declared));
    }
    if (same) return;
    cached_objects_.assign(view.objects.begin(), view.objects.end());
    node_of_.assign(nobj, -1);
    mutexes_ = 0;
    for (std::size_t i = 0; i < nobj; ++i) {
      const ObjectInfo& o = view.objects[i];
      if (o.kind != ObjectKind::kMutex) continue;
      ++mutexes_;
      int ordinal = 0;
      for (std::size_t j = 0; j < i; ++j) {
        const ObjectInfo& p = view.objects[j];
        if (p.kind == ObjectKind::kMutex && checkers::same_location(p.declared, o.declared)) ++ordinal;
      }
      int id = -1;
      for (std::size_t k = 0; k < nodes_.size() && id < 0; ++k) {
        if (nodes_[k].ordinal == ordinal && checkers::same_location(nodes_[k].declared, o.declared)) {
          id = static_cast<int>(k);
        }
      }
      if (id < 0) {
        id = static_cast<int>(nodes_.size());
        nodes_.push_back(NodeKey{o.declared, ordinal});
      }
      node_of_[i] = id;
    }
  }

  int node(int object) const {
    return object >= 0 && static_cast<std::size_t>(object) < node_of_.size()
               ? node_of_[static_cast<std::size_t>(object)]
               : -1;
  }

  int edge_id(int from, int to) {
    const std::size_t n = nodes_.size();
    if (matrix_size_ < n) {  // grow the index, keeping the edges
      const std::size_t m = std::max<std::size_t>(n, 2 * matrix_size_);
      matrix_.assign(m * m, -1);
      matrix_size_ = m;
      for (std::size_t i = 0; i < edges_.size(); ++i) {
        matrix_[static_cast<std::size_t>(edges_[i].from) * m + static_cast<std::size_t>(edges_[i].to)] =
            static_cast<int>(i);
      }
    }
    int& slot = matrix_[static_cast<std::size_t>(from) * matrix_size_ + static_cast<std::size_t>(to)];
    if (slot < 0) {
      slot = static_cast<int>(edges_.size());
      Edge& e = edges_.emplace_back();
      e.from = from;
      e.to = to;
      adjacency_.resize(nodes_.size());
      adjacency_[static_cast<std::size_t>(from)].push_back(to);
    }
    return slot;
  }

  void acquired(const ExecutionView& view, const Event& e, int object, bool blocking) {
    const int v = node(object);
    if (v < 0) return;
    std::vector<Held>& held = held_[static_cast<std::size_t>(e.thread)];
    if (blocking) {
      for (const Held& h : held) {
        if (h.node == v) continue;
        gates_.clear();
        for (const Held& g : held) {
          if (g.node != h.node && g.node != v) gates_.push_back(g.node);
        }
        std::sort(gates_.begin(), gates_.end());
        const int id = edge_id(h.node, v);
        Edge& edge = edges_[static_cast<std::size_t>(id)];
        bool known = false;
        for (const Witness& w : edge.witnesses) known = known || (w.thread == e.thread && w.gates == gates_);
        if (known) continue;
        Witness& w = edge.witnesses.emplace_back();
        w.thread = e.thread;
        w.gates = gates_;
        w.execution = view.execution;
        w.op = e.op;
        w.step = e.step;
        w.held_step = h.step;
        w.at = e.location;
        w.held_at = view.events[h.step].location;
        w.label = checkers::object_label(view, object);
        w.held_label = checkers::object_label(view, h.object);
        if (std::find(fresh_.begin(), fresh_.end(), id) == fresh_.end()) fresh_.push_back(id);
      }
    }
    held.push_back(Held{v, object, e.step});
  }

  void released(std::size_t thread, int object) {
    std::vector<Held>& held = held_[thread];
    for (std::size_t i = held.size(); i-- > 0;) {
      if (held[i].object == object) {
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }

  // Every simple cycle through a fresh edge, each checked for a feasible choice of witnesses.
  void find_cycles(const ExecutionView& view, std::vector<Finding>& out) {
    budget_ = kMaxCyclesPerCheck;
    for (const int id : fresh_) {
      const Edge& closing = edges_[static_cast<std::size_t>(id)];
      path_.assign(1, closing.from);
      on_path_.assign(nodes_.size(), 0);
      on_path_[static_cast<std::size_t>(closing.from)] = 1;
      extend(view, id, closing.to, out);
    }
  }

  // path_ = [closing.from, ...]; tries to continue it with `next` and close it back.
  void extend(const ExecutionView& view, int closing, int next, std::vector<Finding>& out) {
    if (budget_ <= 0) return;
    const int start = path_.front();
    if (next == start) {
      --budget_;
      consider(view, closing, out);
      return;
    }
    if (on_path_[static_cast<std::size_t>(next)] != 0 || path_.size() >= kMaxCycle) return;
    path_.push_back(next);
    on_path_[static_cast<std::size_t>(next)] = 1;
    for (const int succ : adjacency_[static_cast<std::size_t>(next)]) extend(view, closing, succ, out);
    on_path_[static_cast<std::size_t>(next)] = 0;
    path_.pop_back();
  }

  // path_ is a cycle path_[0] -> path_[1] -> ... -> path_[0].
  void consider(const ExecutionView& view, int closing, std::vector<Finding>& out) {
    // Canonical form: rotated to start at its smallest node.
    std::vector<int> canon = path_;
    std::rotate(canon.begin(), std::min_element(canon.begin(), canon.end()), canon.end());
    if (std::find(reported_.begin(), reported_.end(), canon) != reported_.end()) return;
    const std::size_t k = path_.size();
    cycle_edges_.resize(k);
    for (std::size_t i = 0; i < k; ++i) {
      cycle_edges_[i] =
          matrix_[static_cast<std::size_t>(path_[i]) * matrix_size_ + static_cast<std::size_t>(path_[(i + 1) % k])];
    }
    chosen_.assign(k, nullptr);
    if (!choose(0, closing, view.execution)) return;
    reported_.push_back(std::move(canon));
    report(view, out);
  }

  // Picks one witness per cycle edge: threads pairwise distinct (one thread cannot wait for
  // itself) and gate sets pairwise disjoint (a common gate lock serializes the acquisitions).
  // The closing edge uses a witness of this execution (any other choice was seen before);
  // witnesses of this execution are preferred so that the finding replays from its token.
  bool choose(std::size_t i, int closing, std::uint64_t execution) {
    if (i == cycle_edges_.size()) return true;
    const Edge& edge = edges_[static_cast<std::size_t>(cycle_edges_[i])];
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t w = 0; w < edge.witnesses.size(); ++w) {
        const Witness& cand = edge.witnesses[w];
        const bool current = cand.execution == execution;
        if ((pass == 0) != current) continue;
        if (cycle_edges_[i] == closing && w < edge.fresh_from) continue;
        bool ok = true;
        for (std::size_t j = 0; j < i && ok; ++j) {
          ok = chosen_[j]->thread != cand.thread && disjoint(chosen_[j]->gates, cand.gates);
        }
        if (!ok) continue;
        chosen_[i] = &cand;
        if (choose(i + 1, closing, execution)) return true;
      }
    }
    chosen_[i] = nullptr;
    return false;
  }

  static bool disjoint(const std::vector<int>& a, const std::vector<int>& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (a[i] == b[j]) return false;
      if (a[i] < b[j])
        ++i;
      else
        ++j;
    }
    return true;
  }

  void report(const ExecutionView& view, std::vector<Finding>& out) {
    const std::size_t k = chosen_.size();
    Finding& f = out.emplace_back();
    f.kind = FindingKind::kLockOrderInversion;
    f.execution = view.execution;
    // Primary: the latest acquisition of this execution in the cycle (it closed the cycle).
    const Witness* primary = nullptr;
    for (const Witness* w : chosen_) {
      if (w->execution == view.execution && (primary == nullptr || w->step > primary->step)) primary = w;
    }
    f.location = primary->at;
    f.step = primary->step;
    f.operation = std::string(op_name(primary->op));
    std::string chain = chosen_[0]->held_label;
    std::string edges;
    bool single_execution = true;
    for (std::size_t i = 0; i < k; ++i) {
      const Witness& w = *chosen_[i];
      chain += " -> " + w.label;
      f.threads.push_back(w.thread);
      FindingSite s;
      s.thread = w.thread;
      s.operation = std::string(op_name(w.op));
      s.object = w.label;
      s.location = w.at;
      s.step = w.step;
      f.sites.push_back(std::move(s));
      const std::string edge =
          fmt::format("{} locks {} at {} while holding {} (locked at {})", checkers::thread_label(w.thread), w.label,
                      format_location(w.at), w.held_label, format_location(w.held_at));
      edges += (i == 0 ? "" : "; ") + edge;
      std::string where = fmt::format("execution {}, steps {} and {}", w.execution, w.held_step, w.step);
      if (!w.gates.empty()) where += fmt::format(", also holding {} other lock(s)", w.gates.size());
      f.details.push_back(fmt::format("{} ({})", edge, where));
      single_execution = single_execution && w.execution == view.execution;
    }
    f.message = fmt::format("lock-order inversion (potential deadlock): {}: {}", chain, edges);
    if (!single_execution) {
      f.replayable = false;
      f.details.push_back(
          "the cycle combines acquisitions from several executions: the schedule token replays the last one, "
          "which shows only its own part of the cycle");
    }
  }

  // Across the exploration.
  std::vector<NodeKey> nodes_;
  std::vector<Edge> edges_;
  std::vector<std::vector<int>> adjacency_;  // node -> successor nodes
  std::vector<int> matrix_;                  // [from * matrix_size_ + to] -> edge id, -1 if none
  std::size_t matrix_size_ = 0;
  std::vector<std::vector<int>> reported_;  // canonical cycles already reported
  std::vector<ObjectInfo> cached_objects_;  // the objects node_of_ was computed for

  // Per execution (buffers reused).
  std::vector<int> node_of_;  // for cached_objects_
  int mutexes_ = 0;           // mutexes among cached_objects_
  std::vector<std::vector<Held>> held_;
  std::vector<int> fresh_;  // edges that got a witness in this execution
  std::vector<int> gates_;
  std::vector<int> path_;
  std::vector<char> on_path_;
  std::vector<int> cycle_edges_;
  std::vector<const Witness*> chosen_;
  int budget_ = 0;
};

}  // namespace

std::unique_ptr<Checker> make_lock_order_checker() { return std::make_unique<LockOrderChecker>(); }

}  // namespace weft
