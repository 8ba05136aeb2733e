// starvation: under fair exploration, a thread ready to take a mutex or semaphore waits while
// the other threads acquire it more than K times in a row (K = ExecutionView::starvation_bound).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "checkers.hpp"

namespace weft {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxListed = 20;

// A thread waits for resource r from `start` until it acquires r:
//   blocked in mutex.lock / semaphore.acquire: from right after its previous event (it reached
//     the operation at once: everything between two visible operations is invisible);
//   woken from cv.wait (notified, or spuriously): from the wake-up on, until cv.wake re-locks;
//   spinning: from its first failed try_lock / try_acquire of r until it gets r.
// Every acquisition of r by another thread in that interval passed it over while it was ready
// (r was free, so its lock was enabled; a spinning thread is always enabled). Waits that never
// end (the execution hit its step bound or deadlocked) are not judged here: livelock,
// step_bound and deadlock report those executions.
class StarvationChecker final : public Checker {
 public:
  std::string_view name() const override { return "starvation"; }
  void reset() override { reported_.clear(); }

  void check(const ExecutionView& view, std::vector<Finding>& out) override {
    if (!view.fair) return;  // unfair schedules starve anyone: the verdict needs fairness
    const auto n = static_cast<std::size_t>(std::max(view.thread_count, 1));
    const std::size_t nobj = view.objects.size();
    if (acquisitions_.size() < nobj) acquisitions_.resize(nobj);
    for (std::size_t o = 0; o < nobj; ++o) acquisitions_[o].clear();
    last_.assign(n, kNone);
    spin_object_.assign(n, -1);
    spin_start_.assign(n, 0);
    ready_.assign(n, kNone);
    waiting_cv_.assign(n, -1);

    for (const Event& e : view.events) {
      const auto t = static_cast<std::size_t>(e.thread);
      if (t >= n) continue;
      const std::uint32_t after_last = last_[t] == kNone ? 0 : last_[t] + 1;
      switch (e.op) {
        case OpKind::kSpawn:
          if (static_cast<std::size_t>(e.object) < n) last_[static_cast<std::size_t>(e.object)] = e.step;
          break;
        case OpKind::kLock:
        case OpKind::kSemAcquire:
          acquired(view, e, e.object, spin_object_[t] == e.object ? spin_start_[t] : after_last, out);
          break;
        case OpKind::kTryLock:
        case OpKind::kSemTryAcquire:
          if (e.value != 0) {
            acquired(view, e, e.object, spin_object_[t] == e.object ? spin_start_[t] : kNone, out);
          } else if (spin_object_[t] != e.object) {
            spin_object_[t] = e.object;
            spin_start_[t] = e.step;
          }
          break;
        case OpKind::kCvWait:
          waiting_cv_[t] = e.value != 0 ? -1 : e.object;  // value 1: woke spuriously at once
          ready_[t] = e.value != 0 ? e.step + 1 : kNone;
          break;
        case OpKind::kCvNotifyOne:
          if (e.value >= 0 && static_cast<std::size_t>(e.value) < n) {
            ready_[static_cast<std::size_t>(e.value)] = e.step + 1;
            waiting_cv_[static_cast<std::size_t>(e.value)] = -1;
          }
          break;
        case OpKind::kCvNotifyAll:
          for (std::size_t u = 0; u < n; ++u) {
            if (waiting_cv_[u] != e.object) continue;
            ready_[u] = e.step + 1;
            waiting_cv_[u] = -1;
          }
          break;
        case OpKind::kCvWake:
          acquired(view, e, static_cast<int>(e.aux), ready_[t], out);
          break;
        default:
          break;
      }
      last_[t] = e.step;
    }
  }

 private:
  // Thread e.thread acquires `object` at e.step after waiting since `start` (kNone: no wait).
  void acquired(const ExecutionView& view, const Event& e, int object, std::uint32_t start, std::vector<Finding>& out) {
    if (object < 0 || static_cast<std::size_t>(object) >= acquisitions_.size()) return;
    std::vector<std::uint32_t>& steps = acquisitions_[static_cast<std::size_t>(object)];
    const auto t = static_cast<std::size_t>(e.thread);
    const bool spun = spin_object_[t] == object;
    if (start != kNone) {
      const auto from = std::lower_bound(steps.begin(), steps.end(), start);
      const auto bypasses = static_cast<std::size_t>(steps.end() - from);
      if (bypasses > view.starvation_bound) {
        report(view, e, object, start, spun, {&*from, bypasses}, out);
      }
    }
    steps.push_back(e.step);
    if (spun) spin_object_[t] = -1;
  }

  void report(const ExecutionView& view, const Event& e, int object, std::uint32_t start, bool spun,
              std::span<const std::uint32_t> bypasses, std::vector<Finding>& out) {
    const Event& wait = spun ? view.events[start] : e;  // the operation the thread waited in
    for (const auto& [at, declared] : reported_) {
      if (checkers::same_location(at, wait.location) &&
          checkers::same_location(declared, view.objects[static_cast<std::size_t>(object)].declared)) {
        return;  // one report per waiting site and resource
      }
    }
    reported_.emplace_back(wait.location, view.objects[static_cast<std::size_t>(object)].declared);
    const std::uint32_t bound = view.starvation_bound;
    const Event& exceeded = view.events[bypasses[bound]];  // the (K+1)-th acquisition passing it over
    std::vector<int> others;
    for (const std::uint32_t s : bypasses) {
      const int u = view.events[s].thread;
      if (std::find(others.begin(), others.end(), u) == others.end()) others.push_back(u);
    }
    std::sort(others.begin(), others.end());
    const std::string resource = checkers::object_label(view, object);
    const std::string who = checkers::thread_label(e.thread);
    Finding& f = out.emplace_back();
    f.kind = FindingKind::kStarvation;
    f.message = fmt::format(
        "starvation: {} waited {} steps (steps {}-{}) for {} at {} ({}), while {} acquired it {} times in a row "
        "(bound {})",
        who, e.step - start, start, e.step, resource, format_location(wait.location),
        spun ? fmt::format("retrying {}", op_name(wait.op)) : fmt::format("blocked in {}", op_name(wait.op)),
        checkers::thread_list(others), bypasses.size(), bound);
    f.threads.push_back(e.thread);
    f.threads.insert(f.threads.end(), others.begin(), others.end());
    f.operation = std::string(op_name(wait.op));
    f.location = wait.location;
    f.step = exceeded.step;
    f.execution = view.execution;
    FindingSite waiter = checkers::site_of(view, wait);
    waiter.object = resource;
    f.sites.push_back(std::move(waiter));
    f.sites.push_back(checkers::site_of(view, exceeded));
    std::string listed;
    for (std::size_t i = 0; i < bypasses.size() && i < kMaxListed; ++i) {
      const Event& b = view.events[bypasses[i]];
      listed += fmt::format("{}{} at step {}", i == 0 ? "" : ", ", checkers::thread_label(b.thread), b.step);
    }
    if (bypasses.size() > kMaxListed) listed += fmt::format(", ... ({} more)", bypasses.size() - kMaxListed);
    f.details.push_back(fmt::format("{} was passed over by: {}", who, listed));
    f.details.push_back(
        fmt::format("{} finally acquired {} at step {} ({})", who, resource, e.step, format_location(e.location)));
  }

  std::vector<std::vector<std::uint32_t>> acquisitions_;  // per object: steps of its acquisitions
  std::vector<std::uint32_t> last_;                       // per thread: its previous event
  std::vector<int> spin_object_;                          // per thread: what it retries, -1 none
  std::vector<std::uint32_t> spin_start_;
  std::vector<std::uint32_t> ready_;                       // per thread: woken from cv.wait at
  std::vector<int> waiting_cv_;                            // per thread: cv it waits on, not notified
  std::vector<std::pair<SourceLoc, SourceLoc>> reported_;  // (waiting site, resource declaration)
};

}  // namespace

std::unique_ptr<Checker> make_starvation_checker() { return std::make_unique<StarvationChecker>(); }

}  // namespace weft
