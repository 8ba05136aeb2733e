// data_race: happens-before race detection over one execution's events with vector clocks, in
// the style of DJIT+ (Pozniansky & Schuster, "Efficient on-the-fly data race detection in
// multithreaded C++ programs", PPoPP 2003), with C++11 synchronizes-with for atomics.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "checkers.hpp"

namespace weft {

namespace {

// Happens-before edges (the model runs sequentially consistently, but only these order
// accesses, as on real hardware and in ThreadSanitizer):
//   spawn: parent before child; exit before join;
//   mutex: unlock (and cv.wait, which releases) before the next lock, successful try_lock
//          or cv.wake (which re-acquires) of the same mutex;
//   semaphore: every release before every later acquire / successful try_acquire;
//   atomics: a release (release, acq_rel, seq_cst) store or RMW before an acquire (acquire,
//          consume, acq_rel, seq_cst) load, RMW or failed CAS reading from it or from a later
//          RMW of its release sequence (C++20: RMWs continue it, a plain store ends it).
//          Relaxed operations do not synchronize.
// Invariant: clock(t)[t] is thread t's current epoch; each release copies the clock out
// and then ticks, so accesses after a release are not covered by what it published.
bool acquires(std::memory_order mo) {
  return mo == std::memory_order_acquire || mo == std::memory_order_consume || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}
bool releases(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}

// The last read and the last write of one variable by one thread: epoch and event step.
struct Access {
  std::uint32_t read_clock = 0;  // 0: none (epochs start at 1)
  std::uint32_t read_step = 0;
  std::uint32_t write_clock = 0;
  std::uint32_t write_step = 0;
};

// One access site: where, and whether it writes. A race is keyed by its unordered pair.
struct SiteKey {
  SourceLoc loc;
  bool write = false;
  bool operator==(const SiteKey& o) const { return write == o.write && checkers::same_location(loc, o.loc); }
};

class DataRaceChecker final : public Checker {
 public:
  std::string_view name() const override { return "data_race"; }
  void reset() override {
    reported_.clear();
    saved_ = 0;
  }

  void check(const ExecutionView& view, std::vector<Finding>& out) override {
    const std::size_t nobj = view.objects.size();
    if (var_slot_.size() < nobj) var_slot_.resize(nobj);
    int vars = 0;
    for (std::size_t i = 0; i < nobj; ++i) {
      const bool var = view.objects[i].kind == ObjectKind::kVar;
      var_slot_[i] = var ? vars : -1;
      vars += var ? 1 : 0;
    }
    if (vars == 0) return;  // nothing can race
    objects_ = nobj;
    vars_ = vars;
    const std::size_t n = static_cast<std::size_t>(std::max(view.thread_count, 1));
    // Clock width: a constant for the common small thread counts (unrolled loops).
    if (n <= 4) {
      scan<4>(view, n, out);
    } else if (n <= 8) {
      scan<8>(view, n, out);
    } else {
      scan<0>(view, n, out);
    }
  }

 private:
  // The happens-before pass over the view's events with clocks of width W (0: n at run time).
  // The state after the events before each choice is saved; when the DFS replays a prefix of
  // the previous execution (ExecutionView::kept_choices), the pass resumes from the state saved
  // at the last kept choice. Exact: that state depends only on those events (the same) and the
  // layout (compared), and races among them were reported then (reported_ is per exploration).
  template <std::size_t W>
  void scan(const ExecutionView& view, std::size_t n, std::vector<Finding>& out) {
    width_ = W != 0 ? W : n;
    const Layout layout{n, view.objects.size(), static_cast<std::size_t>(vars_)};
    const std::size_t nevents = view.events.size();
    const std::size_t nchoices = view.choice_steps.size();
    const std::size_t kept = std::min<std::size_t>(view.kept_choices, nchoices);
    std::size_t k = 0;    // the next choice whose state is saved
    std::size_t pos = 0;  // the next event to process
    if (kept > 0 && kept <= saved_ && view.execution == saved_execution_ + 1 && layout == saved_layout_) {
      restore(kept - 1, layout);
      k = kept;
      pos = std::min<std::size_t>(view.choice_steps[kept - 1], nevents);
    } else {
      zero(clocks_, n * width_);
      zero(sync_, layout.objects * width_);
      zero(accesses_, layout.vars * width_);
      clock(0)[0] = 1;
    }
    saved_ = 0;  // until this pass completes
    for (;; ++k) {
      const std::size_t end = k < nchoices ? std::clamp<std::size_t>(view.choice_steps[k], pos, nevents) : nevents;
      scan_events<W>(view, n, pos, end, out);
      pos = end;
      if (k >= nchoices) break;
      save(k, layout);
    }
    saved_ = nchoices;
    saved_execution_ = view.execution;
    saved_layout_ = layout;
  }

  // What the saved states' sizes depend on.
  struct Layout {
    std::size_t threads = 0;
    std::size_t objects = 0;
    std::size_t vars = 0;
    bool operator==(const Layout&) const = default;
  };
  std::size_t state_size(const Layout& l) const {  // in uint32 words
    return (l.threads + l.objects + l.vars * (sizeof(Access) / sizeof(std::uint32_t))) * width_;
  }
  // Saves / restores the state (clocks, sync, accesses) as it is before choice k.
  void save(std::size_t k, const Layout& l) {
    const std::size_t size = state_size(l);
    if (saves_.size() < (k + 1) * size) saves_.resize(std::max((k + 1) * size, saves_.size() * 2));
    std::uint32_t* s = &saves_[k * size];
    s = std::copy_n(clocks_.data(), l.threads * width_, s);
    s = std::copy_n(sync_.data(), l.objects * width_, s);
    std::memcpy(s, accesses_.data(), l.vars * width_ * sizeof(Access));
  }
  void restore(std::size_t k, const Layout& l) {
    const std::size_t size = state_size(l);
    const std::uint32_t* s = &saves_[k * size];
    std::copy_n(s, l.threads * width_, clocks_.data());
    s += l.threads * width_;
    std::copy_n(s, l.objects * width_, sync_.data());
    s += l.objects * width_;
    std::memcpy(accesses_.data(), s, l.vars * width_ * sizeof(Access));
  }

  // Events [from, to) of the happens-before pass.
  template <std::size_t W>
  void scan_events(const ExecutionView& view, std::size_t n, std::size_t from, std::size_t to,
                   std::vector<Finding>& out) {
    for (const Event& e : view.events.subspan(from, to - from)) {
      const auto t = static_cast<std::size_t>(e.thread);
      if (t >= n) continue;  // malformed view: not a thread of it
      std::uint32_t* c = clock(t);
      switch (e.op) {
        case OpKind::kSpawn: {
          const auto child = static_cast<std::size_t>(e.object);
          if (child >= n) break;
          std::uint32_t* cc = clock(child);
          std::copy_n(c, width<W>(), cc);
          cc[child] = 1;
          ++c[t];
          break;
        }
        case OpKind::kJoin:
          if (static_cast<std::size_t>(e.object) < n) join<W>(c, clock(static_cast<std::size_t>(e.object)));
          break;
        case OpKind::kLock:
          acquire<W>(c, e.object);
          break;
        case OpKind::kTryLock:
          if (e.value != 0) acquire<W>(c, e.object);
          break;
        case OpKind::kUnlock:
          release_to<W>(c, t, e.object);
          break;
        case OpKind::kCvWait:
          release_to<W>(c, t, static_cast<int>(e.aux));
          break;
        case OpKind::kCvWake:
          acquire<W>(c, static_cast<int>(e.aux));
          break;
        case OpKind::kSemAcquire:
          acquire<W>(c, e.object);
          break;
        case OpKind::kSemTryAcquire:
          if (e.value != 0) acquire<W>(c, e.object);
          break;
        case OpKind::kSemRelease:
          if (valid(e.object)) {
            join<W>(sync(e.object), c);
            ++c[t];
          }
          break;
        case OpKind::kAtomicLoad:
          if (acquires(e.order)) acquire<W>(c, e.object);
          break;
        case OpKind::kAtomicStore:
          if (releases(e.order)) {
            release_to<W>(c, t, e.object);
          } else if (valid(e.object)) {
            std::fill_n(sync(e.object), width<W>(), 0);  // a plain store ends the release sequence
          }
          break;
        case OpKind::kAtomicRmw:
          rmw<W>(c, t, e.object, e.order);
          break;
        case OpKind::kAtomicCas:
          if (e.value != 0) {
            rmw<W>(c, t, e.object, e.order);
          } else if (acquires(e.order)) {
            acquire<W>(c, e.object);  // a failed CAS is a load
          }
          break;
        case OpKind::kVarRead:
        case OpKind::kVarWrite:
          access<W>(view, e, n, out);
          break;
        default:
          break;
      }
    }
  }

  // v := `size` value-initialized entries (keeps capacity; no reallocation once warm).
  template <class T>
  static void zero(std::vector<T>& v, std::size_t size) {
    if (v.size() < size) v.resize(size);
    std::fill_n(v.begin(), size, T{});
  }
  // Clocks of the current view: width_ entries each (>= its thread count; entries of threads
  // beyond it stay zero), so no entry is ever missing.
  template <std::size_t W>
  std::size_t width() const {
    return W != 0 ? W : width_;
  }
  std::uint32_t* clock(std::size_t thread) { return &clocks_[thread * width_]; }
  std::uint32_t* sync(int object) { return &sync_[static_cast<std::size_t>(object) * width_]; }
  // into := into ⊔ from.
  template <std::size_t W>
  void join(std::uint32_t* __restrict into, const std::uint32_t* __restrict from) const {
    for (std::size_t i = 0; i < width<W>(); ++i) into[i] = std::max(into[i], from[i]);
  }
  bool valid(int object) const { return static_cast<std::size_t>(static_cast<unsigned>(object)) < objects_; }
  template <std::size_t W>
  void acquire(std::uint32_t* c, int object) {
    if (valid(object)) join<W>(c, sync(object));
  }
  template <std::size_t W>
  void release_to(std::uint32_t* c, std::size_t t, int object) {
    if (!valid(object)) return;
    std::copy_n(c, width<W>(), sync(object));
    ++c[t];
  }
  template <std::size_t W>
  void rmw(std::uint32_t* c, std::size_t t, int object, std::memory_order mo) {
    if (!valid(object)) return;
    std::uint32_t* s = sync(object);
    if (acquires(mo)) join<W>(c, s);
    if (releases(mo)) {
      join<W>(s, c);  // continues the release sequence and heads its own
      ++c[t];
    }
  }

  // Row entries of t itself never exceed t's clock (its own accesses recorded its clock, which
  // only grows), and entries past the view's threads are zero: a race exists iff some entry of
  // the whole row exceeds the clock, which is checked without branches first.
  template <std::size_t W>
  [[gnu::always_inline]] void access(const ExecutionView& view, const Event& e, std::size_t n,
                                     std::vector<Finding>& out) {
    if (!valid(e.object) || var_slot_[static_cast<std::size_t>(e.object)] < 0) return;
    const auto t = static_cast<std::size_t>(e.thread);
    const std::uint32_t* c = clock(t);
    Access* row = &accesses_[static_cast<std::size_t>(var_slot_[static_cast<std::size_t>(e.object)]) * width<W>()];
    const bool write = e.op == OpKind::kVarWrite;
    bool racy = false;
    for (std::size_t u = 0; u < width<W>(); ++u) {
      racy |= (row[u].write_clock > c[u]) | (write & (row[u].read_clock > c[u]));
    }
    if (racy) [[unlikely]]
      report_row(view, e, row, c, n, out);
    Access& mine = row[t];
    if (write) {
      mine.write_clock = c[t];
      mine.write_step = e.step;
    } else {
      mine.read_clock = c[t];
      mine.read_step = e.step;
    }
  }
  // The races of access e against the row of its variable, in thread order.
  [[gnu::cold, gnu::noinline]] void report_row(const ExecutionView& view, const Event& e, const Access* row,
                                               const std::uint32_t* c, std::size_t n, std::vector<Finding>& out) {
    const auto t = static_cast<std::size_t>(e.thread);
    const bool write = e.op == OpKind::kVarWrite;
    for (std::size_t u = 0; u < n; ++u) {
      if (u == t) continue;
      const Access& a = row[u];
      if (a.write_clock > c[u]) report(view, view.events[a.write_step], e, out);
      if (write && a.read_clock > c[u]) report(view, view.events[a.read_step], e, out);
    }
  }

  // `first` and `second` access the same variable, at least one writes, unordered.
  [[gnu::cold, gnu::noinline]] void report(const ExecutionView& view, const Event& first, const Event& second,
                                           std::vector<Finding>& out) {
    const SiteKey a{first.location, first.op == OpKind::kVarWrite};
    const SiteKey b{second.location, second.op == OpKind::kVarWrite};
    for (const auto& [x, y] : reported_) {
      if ((x == a && y == b) || (x == b && y == a)) return;  // one report per pair of sites
    }
    reported_.emplace_back(a, b);
    Finding& f = out.emplace_back();
    f.kind = FindingKind::kDataRace;
    const std::string object = checkers::object_label(view, second.object);
    f.message = fmt::format(
        "data race on {}: {} {} at {} (step {}) and {} {} at {} (step {}) are not ordered by happens-before", object,
        checkers::thread_label(first.thread), op_name(first.op), format_location(first.location), first.step,
        checkers::thread_label(second.thread), op_name(second.op), format_location(second.location), second.step);
    f.threads = {first.thread, second.thread};
    f.operation = std::string(op_name(second.op));
    f.location = second.location;
    f.step = second.step;
    f.execution = view.execution;
    f.sites = {checkers::site_of(view, first), checkers::site_of(view, second)};
    f.details.push_back("no lock, join, semaphore or release/acquire atomic orders the first access before the second");
  }

  std::vector<int> var_slot_;                          // object id -> index among the view's variables, -1 if none
  std::size_t objects_ = 0;                            // objects of the current view (entries of var_slot_ in use)
  int vars_ = 0;                                       // variables of the current view
  std::size_t width_ = 0;                              // entries per clock in the current view
  std::vector<std::uint32_t> clocks_;                  // [thread * width_ + i]: per thread
  std::vector<std::uint32_t> sync_;                    // [object * width_ + i]: what its next acquirer learns
  std::vector<Access> accesses_;                       // [variable * width_ + thread]
  std::vector<std::pair<SiteKey, SiteKey>> reported_;  // across the exploration
  // saves_[k * state_size(saved_layout_) ...]: the state before choice k of execution
  // saved_execution_, for k < saved_ (0: none valid).
  std::vector<std::uint32_t> saves_;
  std::size_t saved_ = 0;
  std::uint64_t saved_execution_ = 0;
  Layout saved_layout_;
};

}  // namespace

std::unique_ptr<Checker> make_data_race_checker() { return std::make_unique<DataRaceChecker>(); }

}  // namespace weft
