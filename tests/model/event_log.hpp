// Test helper: hand-written event logs (ExecutionView) for the checkers' unit tests.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "weft/checker.hpp"
#include "weft/event.hpp"

namespace weft::test {

inline constexpr const char* kLogFile = "hand_written.cpp";

// Builds one execution's log: objects are declared at kLogFile:line, events get consecutive
// steps, and the object kind of each event follows from its operation.
class EventLog {
 public:
  explicit EventLog(int threads = 1) : threads_(threads) {}

  int object(ObjectKind kind, int declared_line) {
    objects_.push_back(ObjectInfo{kind, SourceLoc{kLogFile, declared_line}});
    return static_cast<int>(objects_.size()) - 1;
  }
  int mutex(int line) { return object(ObjectKind::kMutex, line); }
  int var(int line) { return object(ObjectKind::kVar, line); }
  int atomic(int line) { return object(ObjectKind::kAtomic, line); }
  int semaphore(int line) { return object(ObjectKind::kSemaphore, line); }
  int condvar(int line) { return object(ObjectKind::kCondVar, line); }

  // Appends an event by `thread` at kLogFile:line; returns its step.
  std::uint32_t add(int thread, OpKind op, int object = -1, int line = 1, std::int64_t value = 0, std::int64_t aux = 0,
                    std::memory_order order = std::memory_order_seq_cst) {
    Event e;
    e.step = static_cast<std::uint32_t>(events_.size());
    e.thread = thread;
    e.op = op;
    e.object_kind = kind_of(op);
    e.order = order;
    e.object = object;
    e.value = value;
    e.aux = aux;
    e.location = SourceLoc{kLogFile, line};
    events_.push_back(e);
    if (op == OpKind::kSpawn && object + 1 > threads_) threads_ = object + 1;
    return e.step;
  }
  std::uint32_t spawn(int parent, int child, int line = 1) { return add(parent, OpKind::kSpawn, child, line); }
  std::uint32_t join(int joiner, int child, int line = 1) { return add(joiner, OpKind::kJoin, child, line); }
  std::uint32_t exit(int thread) { return add(thread, OpKind::kExit, thread); }
  std::uint32_t lock(int thread, int m, int line = 1) { return add(thread, OpKind::kLock, m, line); }
  std::uint32_t unlock(int thread, int m, int line = 1) { return add(thread, OpKind::kUnlock, m, line); }
  std::uint32_t try_lock(int thread, int m, bool ok, int line = 1) {
    return add(thread, OpKind::kTryLock, m, line, ok ? 1 : 0);
  }
  std::uint32_t read(int thread, int v, int line) { return add(thread, OpKind::kVarRead, v, line); }
  std::uint32_t write(int thread, int v, int line) { return add(thread, OpKind::kVarWrite, v, line); }
  std::uint32_t load(int thread, int a, std::memory_order mo, int line = 1) {
    return add(thread, OpKind::kAtomicLoad, a, line, 0, 0, mo);
  }
  std::uint32_t store(int thread, int a, std::memory_order mo, int line = 1) {
    return add(thread, OpKind::kAtomicStore, a, line, 0, 0, mo);
  }
  std::uint32_t rmw(int thread, int a, std::memory_order mo, int line = 1) {
    return add(thread, OpKind::kAtomicRmw, a, line, 0, 0, mo);
  }
  std::uint32_t yield(int thread, int line = 1) { return add(thread, OpKind::kYield, -1, line); }

  ExecutionView view(std::uint64_t execution = 1) const {
    ExecutionView v;
    v.events = events_;
    v.objects = objects_;
    v.thread_count = threads_;
    v.execution = execution;
    v.fair = fair;
    v.starvation_bound = starvation_bound;
    return v;
  }
  const std::vector<Event>& events() const { return events_; }

  bool fair = false;
  std::uint32_t starvation_bound = 0;

 private:
  static ObjectKind kind_of(OpKind op) {
    switch (op) {
      case OpKind::kSpawn:
      case OpKind::kJoin:
      case OpKind::kExit:
        return ObjectKind::kThread;
      case OpKind::kLock:
      case OpKind::kTryLock:
      case OpKind::kUnlock:
        return ObjectKind::kMutex;
      case OpKind::kAtomicLoad:
      case OpKind::kAtomicStore:
      case OpKind::kAtomicRmw:
      case OpKind::kAtomicCas:
        return ObjectKind::kAtomic;
      case OpKind::kVarRead:
      case OpKind::kVarWrite:
        return ObjectKind::kVar;
      case OpKind::kCvWait:
      case OpKind::kCvWake:
      case OpKind::kCvNotifyOne:
      case OpKind::kCvNotifyAll:
        return ObjectKind::kCondVar;
      case OpKind::kSemAcquire:
      case OpKind::kSemTryAcquire:
      case OpKind::kSemRelease:
        return ObjectKind::kSemaphore;
      default:
        return ObjectKind::kNone;
    }
  }

  int threads_;
  std::vector<Event> events_;
  std::vector<ObjectInfo> objects_;
};

// Runs `checker` (fresh state unless `keep`) over `view` with `in` as the runtime's findings.
inline std::vector<Finding> run_checker(Checker& checker, const ExecutionView& view, std::vector<Finding> in = {},
                                        bool keep = false) {
  if (!keep) checker.reset();
  checker.check(view, in);
  return in;
}

// "hand_written.cpp:12"
inline std::string at(int line) { return std::string(kLogFile) + ":" + std::to_string(line); }

}  // namespace weft::test
