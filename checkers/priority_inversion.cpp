// priority_inversion and deadline_miss: judges the blocking episodes and deadline misses that the
// priority policy records (weft/priority.hpp) and explains them (who blocked whom, for how long).
//
// Unbounded priority inversion as defined by Sha, Rajkumar and Lehoczky, "Priority inheritance
// protocols: an approach to real-time synchronization", IEEE ToC 39(9), 1990: a job H blocked by
// a lower-priority job L holding a shared resource, while jobs of intermediate priority that do
// not need the resource preempt L and so prolong H's blocking without bound. Blocking by L's
// critical section alone is bounded and normal; it becomes a finding only above
// Options::max_blocking.
#include <fmt/format.h>

#include <algorithm>

#include "checkers.hpp"
#include "weft/priority.hpp"

namespace weft {

namespace {

class PriorityInversionChecker final : public Checker {
 public:
  std::string_view name() const override { return "priority_inversion"; }

  void check(const ExecutionView& view, std::vector<Finding>& out) override {
    if (view.priority == nullptr || !view.priority->active) return;
    const PriorityLog& log = *view.priority;
    check_inversions(view, log, out);
    check_deadlines(view, log, out);
  }

 private:
  static std::string label(const PriorityLog& log, int t) {
    const char* name = t >= 0 && t < static_cast<int>(log.threads.size()) ? log.threads[static_cast<std::size_t>(t)].name
                                                                          : nullptr;
    return name != nullptr ? fmt::format("t{} ({})", t, name) : fmt::format("t{}", t);
  }
  static std::string labelp(const PriorityLog& log, int t, int priority) {
    const char* name = t >= 0 && t < static_cast<int>(log.threads.size()) ? log.threads[static_cast<std::size_t>(t)].name
                                                                          : nullptr;
    return name != nullptr ? fmt::format("t{} ({}, priority {})", t, name, priority)
                           : fmt::format("t{} (priority {})", t, priority);
  }
  static std::uint64_t clamp_step(const ExecutionView& view, std::uint32_t step) {
    if (view.events.empty()) return 0;
    return std::min<std::uint64_t>(step, view.events.size() - 1);
  }
  static bool acquires(const Event& e, int mutex) {
    switch (e.op) {
      case OpKind::kLock:
        return e.object == mutex;
      case OpKind::kTryLock:
        return e.object == mutex && e.value == 1;
      case OpKind::kCvWake:
        return e.aux == mutex;
      default:
        return false;
    }
  }

  static void add_sites(const ExecutionView& view, const BlockingEpisode& e, Finding& f) {
    FindingSite h;
    h.thread = e.high;
    h.operation = "mutex.lock";
    h.object = checkers::object_label(view, e.mutex);
    h.location = e.location;
    h.step = e.start_step;
    f.sites.push_back(h);
    // Where L acquired the mutex: its last acquisition before H started waiting.
    for (std::size_t i = std::min<std::size_t>(e.start_step, view.events.size()); i-- > 0;) {
      const Event& ev = view.events[i];
      if (ev.thread == e.low && acquires(ev, e.mutex)) {
        f.sites.push_back(checkers::site_of(view, ev));
        break;
      }
    }
    // M's first operation from the start of the inversion.
    if (e.medium >= 0) {
      for (std::size_t i = e.inversion_start_step; i < view.events.size(); ++i) {
        const Event& ev = view.events[i];
        if (ev.thread != e.medium) continue;
        FindingSite m = checkers::site_of(view, ev);
        if (ev.object_kind == ObjectKind::kNone) m.object.clear();  // work, sleep: no object
        f.sites.push_back(m);
        break;
      }
    }
  }

  void check_inversions(const ExecutionView& view, const PriorityLog& log, std::vector<Finding>& out) {
    const BlockingEpisode* first = nullptr;
    int unbounded = 0;
    const BlockingEpisode* over = nullptr;  // the longest bounded wait above max_blocking
    for (const BlockingEpisode& e : log.episodes) {
      if (e.unbounded()) {
        ++unbounded;
        if (first == nullptr) first = &e;
      } else if (log.max_blocking >= 0 && e.inverted_time > log.max_blocking &&
                 (over == nullptr || e.inverted_time > over->inverted_time)) {
        over = &e;
      }
    }
    if (first != nullptr) {
      const BlockingEpisode& e = *first;
      Finding f;
      f.kind = FindingKind::kPriorityInversion;
      f.threads = {e.high, e.low, e.medium};
      f.operation = "mutex.lock";
      f.location = e.location;
      f.step = clamp_step(view, e.inversion_start_step);
      const std::string mutex = checkers::object_label(view, e.mutex);
      const std::string via = e.blocker >= 0 && e.blocker != e.low
                                  ? fmt::format(" (itself waiting behind {})", label(log, e.blocker))
                                  : std::string();
      f.message = fmt::format(
          "unbounded priority inversion: {} waited {} for {} held by {}{} while {} ran {} of it ({} step{})",
          labelp(log, e.high, e.high_priority), format_vtime(e.blocked()), mutex, labelp(log, e.low, e.low_priority),
          via, labelp(log, e.medium, e.medium_priority), format_vtime(e.medium_time), e.medium_steps,
          e.medium_steps == 1 ? "" : "s");
      if (e.blocker >= 0 && e.blocker != e.low) f.threads.push_back(e.blocker);
      f.details.push_back(fmt::format("{} started waiting for {} at {} (step {}), held by {}", label(log, e.high), mutex,
                                      format_vtime(e.start), e.start_step, label(log, e.low)));
      f.details.push_back(fmt::format(
          "inversion from {} (step {}): {}, of priority between {} and {} and not holding {}, ran while {} was ready "
          "but preempted",
          format_vtime(e.inversion_start), e.inversion_start_step, labelp(log, e.medium, e.medium_priority),
          label(log, e.blocker), label(log, e.high), mutex, label(log, e.blocker)));
      f.details.push_back(fmt::format("length: {} waited {} ({} steps){}; lower-priority threads ran {} of it, "
                                      "medium-priority ones {} ({} steps)",
                                      label(log, e.high), format_vtime(e.blocked()), e.blocked_steps(),
                                      e.ended ? "" : " and was still waiting when the execution ended",
                                      format_vtime(e.inverted_time), format_vtime(e.medium_time), e.medium_steps));
      if (unbounded > 1) {
        f.details.push_back(fmt::format("{} more unbounded inversion{} in this execution", unbounded - 1,
                                        unbounded == 2 ? "" : "s"));
      }
      f.details.push_back(
          "a priority-inheriting or priority-ceiling mutex (weft::mutex_protocol::inherit / ceiling) bounds the wait "
          "by the holder's critical section");
      add_sites(view, e, f);
      out.push_back(std::move(f));
    } else if (over != nullptr) {
      const BlockingEpisode& e = *over;
      Finding f;
      f.kind = FindingKind::kPriorityInversion;
      f.threads = {e.high, e.low};
      f.operation = "mutex.lock";
      f.location = e.location;
      f.step = clamp_step(view, e.end_step);
      const std::string mutex = checkers::object_label(view, e.mutex);
      f.message = fmt::format(
          "priority inversion above --max-blocking {}: lower-priority threads ran {} while {} waited for {} held by {}",
          format_vtime(log.max_blocking), format_vtime(e.inverted_time), labelp(log, e.high, e.high_priority), mutex,
          labelp(log, e.low, e.low_priority));
      f.details.push_back(fmt::format("{} waited from {} (step {}) to {} (step {}); bounded: no medium-priority "
                                      "thread ran meanwhile, only the holder's chain",
                                      label(log, e.high), format_vtime(e.start), e.start_step, format_vtime(e.end),
                                      e.end_step));
      add_sites(view, e, f);
      out.push_back(std::move(f));
    }
  }

  static std::string_view state_text(ChainState s) {
    switch (s) {
      case ChainState::kRunning: return "is running";
      case ChainState::kPreempted: return "is ready but preempted";
      case ChainState::kBlockedMutex: return "waits for";
      case ChainState::kSleeping: return "is sleeping";
      case ChainState::kBlockedOther: return "waits for a join, condition variable or semaphore";
    }
    return "?";
  }

  void check_deadlines(const ExecutionView& view, const PriorityLog& log, std::vector<Finding>& out) {
    if (log.misses.empty()) return;
    const DeadlineMiss& d = log.misses.front();
    Finding f;
    f.kind = FindingKind::kDeadlineMiss;
    f.operation = "deadline";
    f.location = d.location;
    f.step = clamp_step(view, d.step);
    const auto add_thread = [&f](int t) {
      if (t >= 0 && std::find(f.threads.begin(), f.threads.end(), t) == f.threads.end()) f.threads.push_back(t);
    };
    std::string chain;
    for (int i = 0; i < d.chain_length; ++i) {
      const ChainLink& c = d.chain[static_cast<std::size_t>(i)];
      add_thread(c.thread);
      std::string line = fmt::format("{} {}", labelp(log, c.thread, c.priority), state_text(c.state));
      if (c.state == ChainState::kBlockedMutex && i + 1 < d.chain_length) {
        line += fmt::format(" {}, held by {}", checkers::object_label(view, c.mutex),
                            label(log, d.chain[static_cast<std::size_t>(i + 1)].thread));
      }
      f.details.push_back(line);
      chain += (i == 0 ? "" : " -> ") + label(log, c.thread);
    }
    std::string running;
    for (int i = 0; i < d.running_count; ++i) {
      const int r = d.running[static_cast<std::size_t>(i)];
      add_thread(r);
      running += (i == 0 ? "" : ", ") + label(log, r);
    }
    const ChainLink& last = d.chain[static_cast<std::size_t>(std::max(0, d.chain_length - 1))];
    std::string why;
    if (d.chain_length > 1) {
      why = fmt::format("; blocked: {}", chain);
      if (last.state == ChainState::kPreempted && !running.empty()) why += fmt::format(", preempted by {}", running);
    } else if (last.state == ChainState::kPreempted && !running.empty()) {
      why = fmt::format("; preempted by {}", running);
    }
    const VTime deadline = d.due - d.release;
    f.message = fmt::format("deadline miss: {} did not finish its job within {} of becoming ready at {} (due {}){}",
                            label(log, d.thread), format_vtime(deadline), format_vtime(d.release),
                            format_vtime(d.due), why);
    if (!running.empty()) f.details.push_back(fmt::format("holding the CPUs at {}: {}", format_vtime(d.due), running));
    std::string interference;
    for (int i = 0; i < d.interferer_count; ++i) {
      interference += fmt::format("{}{} ran {}", i == 0 ? "" : ", ", label(log, d.interferers[static_cast<std::size_t>(i)]),
                                  format_vtime(d.interference[static_cast<std::size_t>(i)]));
    }
    f.details.push_back(fmt::format("during the job: waited {} for mutexes{}{}", format_vtime(d.blocked),
                                    interference.empty() ? "" : "; while it did not run, ", interference));
    if (log.misses.size() > 1) {
      f.details.push_back(fmt::format("{} more deadline miss{} in this execution", log.misses.size() - 1,
                                      log.misses.size() == 2 ? "" : "es"));
    }
    out.push_back(std::move(f));
  }
};

}  // namespace

std::unique_ptr<Checker> make_priority_inversion_checker() { return std::make_unique<PriorityInversionChecker>(); }

}  // namespace weft
