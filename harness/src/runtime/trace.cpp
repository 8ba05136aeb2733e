// Readable traces: one line per visible operation, objects named by kind, id and declaration.
#include "runtime/trace.hpp"

#include <fmt/format.h>

#include "runtime/policies/priority_state.hpp"
#include "weft/finding.hpp"

namespace weft::detail {

namespace {

std::string object_label(const ExecutionView& v, const Event& e) {
  if (e.object_kind == ObjectKind::kThread) return fmt::format("t{}", e.object);
  if (e.object < 0 || e.object >= static_cast<int>(v.objects.size())) return "";
  return fmt::format("{}#{}", object_kind_name(v.objects[e.object].kind), e.object);
}

std::string_view order_name(std::memory_order mo) {
  switch (mo) {
    case std::memory_order_relaxed: return "relaxed";
    case std::memory_order_consume: return "consume";
    case std::memory_order_acquire: return "acquire";
    case std::memory_order_release: return "release";
    case std::memory_order_acq_rel: return "acq_rel";
    case std::memory_order_seq_cst: return "seq_cst";
  }
  return "?";
}

std::string value_text(const Event& e) {
  switch (e.op) {
    case OpKind::kAtomicLoad:
      return fmt::format("read {} ({})", e.value, order_name(e.order));
    case OpKind::kAtomicStore:
      return fmt::format("wrote {} ({})", e.value, order_name(e.order));
    case OpKind::kAtomicRmw:
      return fmt::format("{} -> {} ({})", e.aux, e.value, order_name(e.order));
    case OpKind::kAtomicCas:
      return fmt::format("{} (saw {}, {})", e.value != 0 ? "succeeded" : "failed", e.aux, order_name(e.order));
    case OpKind::kVarRead:
      return fmt::format("read {}", e.value);
    case OpKind::kVarWrite:
      return fmt::format("wrote {}", e.value);
    case OpKind::kTryLock:
    case OpKind::kSemTryAcquire:
      if (e.op == OpKind::kTryLock && e.aux == 1 && e.value == 0) return "timed out";  // try_lock_for
      return e.value != 0 ? "succeeded" : "failed";
    case OpKind::kCvWait:
      return e.value != 0 ? fmt::format("released mutex#{}; SPURIOUS WAKE-UP", e.aux)
                          : fmt::format("released mutex#{}", e.aux);
    case OpKind::kCvWake:
      return e.value == 1 ? fmt::format("timed out; re-locked mutex#{}", e.aux)
                          : fmt::format("re-locked mutex#{}", e.aux);
    case OpKind::kCvNotifyOne:
      return e.value < 0 ? std::string("no waiter: lost") : fmt::format("woke t{}", e.value);
    case OpKind::kCvNotifyAll:
      return fmt::format("woke {}", e.value);
    case OpKind::kSemAcquire:
      return fmt::format("count now {}", e.value);
    case OpKind::kSemRelease:
      return fmt::format("+{}", e.value);
    case OpKind::kChoose:
      return fmt::format("chose {}", e.value);
    case OpKind::kSleep:
      return fmt::format("{} at {}", e.aux == 1 ? "arrived" : "woke", format_vtime(e.value));
    case OpKind::kWork:
      return fmt::format("{} of CPU", format_vtime(e.value));
    case OpKind::kSetPriority:
      return fmt::format("priority {} -> {}", e.aux, e.value);
    default:
      return "";
  }
}

}  // namespace

std::string format_trace(const ExecutionView& v) {
  std::string out;
  if (!v.objects.empty()) {
    out += "  objects:\n";
    for (std::size_t i = 0; i < v.objects.size(); ++i) {
      out += fmt::format("    {}#{} declared at {}\n", object_kind_name(v.objects[i].kind), i,
                         format_location(v.objects[i].declared));
    }
  }
  out += fmt::format("  {:>5}  {:<6} {:<22} {:<22} {:<28} {}\n", "step", "thread", "operation", "object", "value",
                     "location");
  std::size_t mark = 0;  // priority policy: timeline marks go before the event they precede
  for (const Event& e : v.events) {
    if (v.priority != nullptr) out += format_priority_marks(v, mark, e.step);
    out += fmt::format("  {:>5}  t{:<5} {:<22} {:<22} {:<28} {}\n", e.step, e.thread, op_name(e.op),
                       object_label(v, e), value_text(e), format_location(e.location));
  }
  if (v.priority != nullptr) out += format_priority_marks(v, mark, UINT32_MAX);
  return out;
}

}  // namespace weft::detail
