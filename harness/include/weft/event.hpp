// The event model: one record per visible operation of an execution, fed to checkers.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "weft/source_loc.hpp"

namespace weft {

struct PriorityLog;  // weft/priority.hpp

enum class OpKind : std::uint8_t {
  kSpawn,          // object = spawned thread id
  kJoin,           // object = joined thread id
  kExit,           // the thread finished
  kLock,           // mutex acquired
  kTryLock,        // value = 1 on success, 0 on failure; aux = 1 for try_lock_for / _until
  kUnlock,
  kAtomicLoad,     // value = value read
  kAtomicStore,    // value = value written
  kAtomicRmw,      // exchange / fetch_op; value = value written, aux = value read
  kAtomicCas,      // value = 1 on success; aux = value read
  kVarRead,
  kVarWrite,
  kCvWait,         // releases the mutex (aux = mutex id); value = 1 when woken spuriously
  kCvWake,         // re-acquired the mutex after a wait (aux = mutex id)
  kCvNotifyOne,    // value = woken thread id, -1 when no thread waited (lost notify)
  kCvNotifyAll,    // value = number of threads woken
  kSemAcquire,     // value = aux = count after
  kSemTryAcquire,  // value = 1 on success; aux = count after
  kSemRelease,     // value = count released; aux = count after
  kYield,
  kChoose,         // value = chosen value (weft::choose)
  kAssert,         // a failed assertion
  kSleep,          // sleep or arrival ended (value = virtual time now, aux = 1 for an arrival)
  kWork,           // weft::work finished (value = the virtual CPU time it consumed)
  kSetPriority,    // value = new base priority, aux = old
};
inline constexpr int kOpKindCount = 25;

// Dotted operation name, e.g. "mutex.lock".
std::string_view op_name(OpKind kind);

enum class ObjectKind : std::uint8_t { kNone, kThread, kMutex, kAtomic, kVar, kCondVar, kSemaphore };
std::string_view object_kind_name(ObjectKind kind);

// One visible operation, as executed. Trivially copyable; recorded into a preallocated log.
struct Event {
  std::uint32_t step = 0;    // index in the execution's log
  std::int32_t thread = 0;   // thread that executed it
  OpKind op = OpKind::kYield;
  ObjectKind object_kind = ObjectKind::kNone;
  std::memory_order order = std::memory_order_seq_cst;  // atomics only
  std::int32_t object = -1;  // object id within the execution (threads: thread id)
  std::int64_t value = 0;    // see OpKind
  std::int64_t aux = 0;      // see OpKind
  SourceLoc location;
};

// A failed attempt that its thread is expected to retry: weft::yield, a failed try_lock,
// try_acquire or compare-exchange. The fair mode treats it as yielding the processor; the
// livelock checker looks for cycles of them.
inline bool is_retry(const Event& e) {
  switch (e.op) {
    case OpKind::kYield:
      return true;
    case OpKind::kTryLock:
    case OpKind::kSemTryAcquire:
    case OpKind::kAtomicCas:
      return e.value == 0;
    default:
      return false;
  }
}

// Identity of a synchronization object or tracked variable of one execution.
struct ObjectInfo {
  ObjectKind kind = ObjectKind::kNone;
  SourceLoc declared;  // where it was constructed
};

// A read-only view of a finished (or aborted) execution, handed to checkers.
struct ExecutionView {
  std::span<const Event> events;
  std::span<const ObjectInfo> objects;  // indexed by Event::object for non-thread objects
  int thread_count = 0;
  std::uint64_t execution = 0;          // 1-based execution index within the run
  bool fair = false;                    // explored in the fair mode (Options::fair)
  std::uint32_t starvation_bound = 0;   // Options::starvation_bound (used when fair)
  const PriorityLog* priority = nullptr;  // priority policy: blocking, deadlines, timeline
  // choice_steps[k]: the number of events recorded when the execution made its k-th choice
  // (exhaustive DFS only; empty otherwise).
  std::span<const std::uint32_t> choice_steps;
  // The exhaustive DFS replays a prefix of the previous execution (number `execution - 1`): its
  // first `kept_choices` choices were made at the same steps as there, after the same events, so
  // events [0, choice_steps[kept_choices - 1]) equal that execution's. 0: nothing known.
  std::uint32_t kept_choices = 0;
};

}  // namespace weft
