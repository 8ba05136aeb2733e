// Reporting over a priority-policy run's PriorityLog: thread labels, timeline marks in traces,
// the worst blocking of an exploration.
#include <fmt/format.h>

#include "runtime/policies/priority_state.hpp"
#include "weft/finding.hpp"

namespace weft::detail {

std::string priority_thread_label(const PriorityLog& log, int thread) {
  const char* name = thread >= 0 && thread < static_cast<int>(log.threads.size()) ? log.threads[thread].name : nullptr;
  return name != nullptr ? fmt::format("t{} ({})", thread, name) : fmt::format("t{}", thread);
}

std::string format_priority_marks(const ExecutionView& view, std::size_t& next, std::uint32_t before_step) {
  const PriorityLog& log = *view.priority;
  std::string out;
  for (; next < log.marks.size() && log.marks[next].step <= before_step; ++next) {
    const TimelineMark& m = log.marks[next];
    const bool more_time = next + 1 < log.marks.size() && log.marks[next + 1].step == m.step &&
                           log.marks[next + 1].kind == MarkKind::kTime;
    switch (m.kind) {
      case MarkKind::kTime:
        if (!more_time) out += fmt::format("         -- time {} --\n", format_vtime(m.time));
        break;
      case MarkKind::kRelease:
        out +=
            fmt::format("         -- {} ready at {} --\n", priority_thread_label(log, m.thread), format_vtime(m.time));
        break;
      case MarkKind::kTimeout:
        out += fmt::format("         -- {} timed out at {} --\n", priority_thread_label(log, m.thread),
                           format_vtime(m.time));
        break;
      case MarkKind::kPriority:
        out += fmt::format("         -- {} runs at priority {} --\n", priority_thread_label(log, m.thread), m.value);
        break;
      case MarkKind::kBlocked:
        out += fmt::format("         -- {} waits for mutex#{}, held by a lower-priority thread --\n",
                           priority_thread_label(log, m.thread), m.value);
        break;
    }
  }
  return out;
}

bool note_blocking(BlockingSummary& summary, const ExecutionView& view) {
  if (view.priority == nullptr || !view.priority->active) return false;
  const BlockingEpisode* worst = nullptr;
  for (const BlockingEpisode& e : view.priority->episodes) {
    if (worst == nullptr || e.inverted_time > worst->inverted_time) worst = &e;
  }
  if (worst == nullptr || (summary.measured && worst->inverted_time <= summary.time)) return false;
  summary.measured = true;
  summary.time = worst->inverted_time;
  summary.waited = worst->blocked();
  summary.steps = worst->blocked_steps();
  summary.high = worst->high;
  summary.low = worst->low;
  summary.high_name = priority_thread_label(*view.priority, worst->high);
  summary.low_name = priority_thread_label(*view.priority, worst->low);
  summary.mutex = worst->mutex >= 0 && worst->mutex < static_cast<int>(view.objects.size())
                      ? fmt::format("mutex#{} ({})", worst->mutex, format_location(view.objects[worst->mutex].declared))
                      : fmt::format("mutex#{}", worst->mutex);
  summary.execution = view.execution;
  return true;
}

}  // namespace weft::detail
