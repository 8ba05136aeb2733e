// livelock: a step-bound execution whose tail repeats one cycle of operations, failed retries
// among them, with no progress. Only fair exploration can tell it from an unfair schedule
// (Musuvathi & Qadeer, "Fair stateless model checking", PLDI 2008: under the fair scheduler
// an infinite execution is fair, so a repeating cycle there is a genuine livelock).
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "checkers.hpp"

namespace weft {

namespace {

// Longest cycle looked for, and how many times it must repeat back-to-back at the end of the
// log. A real livelock repeats until the step bound (thousands of times); three repetitions
// are the least that says "a cycle" rather than "a coincidence".
constexpr std::size_t kMaxPeriod = 1024;
constexpr std::size_t kMinRepeats = 3;
constexpr std::size_t kMaxDetailLines = 24;

// Same operation by the same thread on the same object at the same place, with the same
// outcome and values: the state it observed did not change.
bool same_shape(const Event& a, const Event& b) {
  return a.thread == b.thread && a.op == b.op && a.object == b.object && a.value == b.value && a.aux == b.aux &&
         checkers::same_location(a.location, b.location);
}

class LivelockChecker final : public Checker {
 public:
  std::string_view name() const override { return "livelock"; }

  void check(const ExecutionView& view, std::vector<Finding>& out) override {
    const auto bound =
        std::find_if(out.begin(), out.end(), [](const Finding& f) { return f.kind == FindingKind::kStepBound; });
    if (bound == out.end()) return;
    const std::span<const Event> ev = view.events;
    std::size_t period = 0;
    std::size_t length = 0;  // length of the periodic tail
    // The period with the longest periodic tail. A longer period must beat the best so far by
    // more than its own length, so that a multiple of the true period, whose tail may reach a
    // few events further back by coincidence, does not displace it.
    for (std::size_t p = 1; p <= kMaxPeriod && kMinRepeats * p <= ev.size(); ++p) {
      std::size_t i = ev.size() - p;  // compares ev[i - 1] with ev[i - 1 + p], going back
      while (i > 0 && same_shape(ev[i - 1], ev[i - 1 + p])) --i;
      const std::size_t tail = ev.size() - i;
      if (tail >= kMinRepeats * p && (period == 0 || tail > length + p)) {
        period = p;
        length = tail;
      }
    }
    if (period == 0) return;
    const std::size_t first = ev.size() - period;  // the last full repetition: ev[first..]
    std::vector<int> threads;
    const Event* retry = nullptr;
    for (std::size_t i = first; i < ev.size(); ++i) {
      if (std::find(threads.begin(), threads.end(), ev[i].thread) == threads.end()) threads.push_back(ev[i].thread);
      // The primary retry: the first failed attempt (try_lock, CAS, ...) or, without one, yield.
      if (is_retry(ev[i]) && (retry == nullptr || (retry->op == OpKind::kYield && ev[i].op != OpKind::kYield))) {
        retry = &ev[i];
      }
    }
    if (retry == nullptr) return;  // a loop that never retries anything: not a livelock
    std::sort(threads.begin(), threads.end());

    std::vector<std::string> cycle;
    std::string retried;
    std::vector<FindingSite> sites;
    for (std::size_t i = first; i < ev.size(); ++i) {
      const Event& e = ev[i];
      if (cycle.size() < kMaxDetailLines) {
        cycle.push_back(fmt::format("  {} {}{}{} at {}", checkers::thread_label(e.thread), op_name(e.op),
                                    e.object_kind == ObjectKind::kNone ? "" : " ",
                                    e.object_kind == ObjectKind::kNone ? std::string()
                                    : e.object_kind == ObjectKind::kThread
                                        ? checkers::thread_label(e.object)
                                        : checkers::object_label(view, checkers::acted_object(e)),
                                    format_location(e.location)) +
                        (is_retry(e) && e.op != OpKind::kYield ? " (failed)" : ""));
      }
      if (!is_retry(e)) continue;
      bool seen = false;
      for (const FindingSite& s : sites)
        seen = seen || (s.thread == e.thread && s.operation == op_name(e.op) &&
                        checkers::same_location(s.location, e.location));
      if (seen) continue;
      sites.push_back(checkers::site_of(view, e));
      if (retried.find(op_name(e.op)) == std::string::npos) {
        retried += (retried.empty() ? "" : ", ") + std::string(op_name(e.op));
      }
    }
    if (period > kMaxDetailLines) cycle.push_back(fmt::format("  ... ({} more operations)", period - kMaxDetailLines));

    if (!view.fair) {
      bound->details.push_back(fmt::format(
          "the last {} steps repeat a {}-step cycle of retries ({}) by {}; explore with the fair mode (--fair) to "
          "tell a livelock from an unfair schedule",
          length, period, retried, checkers::thread_list(threads)));
      return;
    }
    Finding f;
    f.kind = FindingKind::kLivelock;
    f.message = fmt::format(
        "livelock: {} repeat a {}-step cycle of failed retries ({}) without progress for the last {} steps, up to "
        "the step bound",
        checkers::thread_list(threads), period, retried, length);
    f.threads = threads;
    f.operation = std::string(op_name(retry->op));
    f.location = retry->location;
    f.step = retry->step;
    f.execution = view.execution;
    f.sites = std::move(sites);
    f.details.push_back(
        fmt::format("the cycle (steps {}-{}, repeated {} times back to back):", first, ev.size() - 1, length / period));
    for (std::string& line : cycle) f.details.push_back(std::move(line));
    f.details.push_back("the execution was fair (fair mode), so this cycle can repeat forever: " + bound->message);
    // The livelock explains the step bound: it replaces that finding.
    out.erase(bound);
    out.push_back(std::move(f));
  }
};

}  // namespace

std::unique_ptr<Checker> make_livelock_checker() { return std::make_unique<LivelockChecker>(); }

}  // namespace weft
