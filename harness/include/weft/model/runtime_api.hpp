// The model runtime's entry points used by the facade; not for direct use by scenarios.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/event.hpp"
#include "weft/source_loc.hpp"

namespace weft::detail {

// Slot flags (ObjectSlot::flags).
inline constexpr std::uint8_t kSlotNoRestore = 1;  // its construction-time state cannot be restored
inline constexpr std::uint8_t kSlotDirty = 2;      // kSlotNoRestore and modified since its construction

// Embedded in every model sync object (first member of the *State structs): its id within the
// execution it is registered in (epoch), and what is needed to register it again.
//
// Static storage: an object whose epoch is not the running execution's (a global, class static or
// function-local static, or any object constructed outside the explored body) is registered again
// at its first use in each execution, after its construction-time state is restored: the runtime
// frees a mutex (owner -1) and resets a semaphore to `initial`; `restore(restore_arg)`, when set,
// restores the rest (an atomic's or var's value, a composite's counters). A kSlotNoRestore object
// that is kSlotDirty is reported instead (api_misuse naming it and its declaration).
struct ObjectSlot {
  std::int32_t id = -1;
  std::uint32_t epoch = 0;  // 0: never registered; executions' epochs are unique in the process
  ObjectKind kind = ObjectKind::kNone;
  std::uint8_t flags = 0;
  SourceLoc declared;
  void (*restore)(void*) = nullptr;
  void* restore_arg = nullptr;
};

struct MutexState {
  ObjectSlot slot;
  std::int32_t owner = -1;  // thread id, -1 when free
  std::uint8_t protocol = 0;  // weft::mutex_protocol
  std::int32_t ceiling = 0;   // mutex_protocol::ceiling: the holder runs at least at this priority
};

struct CondVarState {
  ObjectSlot slot;
};

struct SemaphoreState {
  ObjectSlot slot;
  std::int64_t count = 0;
  std::int64_t max = 0;
  std::int64_t initial = 0;  // count at construction (restored for static storage)
};

// A type-erased thread body that the runtime relocates onto the new thread's own stack
// (no heap allocation per spawn).
struct ThreadBody {
  void* object = nullptr;
  std::size_t size = 0;
  std::size_t align = 0;
  void (*relocate)(void* dst, void* src) = nullptr;  // move-constructs at dst
  void (*run)(void* obj) = nullptr;
  void (*destroy)(void* obj) = nullptr;
};

// Thrown through a simulated thread to unwind it when its execution is aborted. It does not
// derive from std::exception; a scenario's catch (...) must rethrow it.
struct AbortExecution {};

// Records kind and declaration in the slot and, inside a running execution, registers it there.
// Outside one (static storage) the slot is registered at its first use in each execution.
void register_object(ObjectSlot& slot, ObjectKind kind, SourceLoc declared);
// All functions below require a running execution (they throw std::logic_error otherwise)
// and are called on the current simulated thread. Blocking ones return when the operation
// has taken effect.
// Scheduling point, then logs an access; the caller performs it and may fill in the
// returned event's value/aux before its next runtime call.
Event& access(OpKind op, ObjectSlot& slot, ObjectKind kind, std::memory_order order, SourceLoc loc);
void mutex_lock(MutexState& m, SourceLoc loc);
bool mutex_try_lock(MutexState& m, SourceLoc loc);
void mutex_unlock(MutexState& m, SourceLoc loc);
void cv_wait(CondVarState& cv, MutexState& m, SourceLoc loc);
void cv_notify_one(CondVarState& cv, SourceLoc loc);
void cv_notify_all(CondVarState& cv, SourceLoc loc);
void sem_acquire(SemaphoreState& s, SourceLoc loc);
bool sem_try_acquire(SemaphoreState& s, SourceLoc loc);
void sem_release(SemaphoreState& s, std::int64_t update, SourceLoc loc);
int spawn(const ThreadBody& body, SourceLoc loc);
void join(int thread, SourceLoc loc);
void detach(int thread);
void yield(SourceLoc loc);
std::uint32_t choose(std::uint32_t n, SourceLoc loc);
void assert_fail(const char* expression, SourceLoc loc);
// Reports misuse detected in a destructor (cannot throw): recorded as an api_misuse finding.
void report_misuse(const char* what, SourceLoc loc) noexcept;
int current_thread();

// Priorities and virtual time (runtime/priority.cpp). Times are virtual nanoseconds; deadlines
// are absolute (virtual clock). Under the any-interleaving policy time only orders each thread's
// own view: a timed wait may time out at any point, and sleeps and work end at once.
struct SpawnAttr {
  int priority = 0;
  const char* name = nullptr;
  std::int64_t arrival = 0;   // relative to the spawn
  std::int64_t jitter = 0;
  std::int64_t deadline = 0;  // relative job deadline, 0 none
};
int spawn_with(const ThreadBody& body, const SpawnAttr& attr, SourceLoc loc);
// The first operation of a thread spawned with an arrival window: it becomes ready in it.
void arrive(SourceLoc loc);
void set_priority(int priority, SourceLoc loc);
int priority();            // the calling thread's base priority
int effective_priority();  // including inheritance and ceilings
std::int64_t now();
void sleep_until(std::int64_t time, SourceLoc loc);
void work(std::int64_t amount, SourceLoc loc);
bool mutex_try_lock_until(MutexState& m, std::int64_t deadline, SourceLoc loc);
bool cv_wait_until(CondVarState& cv, MutexState& m, std::int64_t deadline, SourceLoc loc);  // false: timed out
bool sem_try_acquire_until(SemaphoreState& s, std::int64_t deadline, SourceLoc loc);

template <class T>
std::int64_t to_event_value(const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return static_cast<std::int64_t>(v);
  } else if constexpr (std::is_pointer_v<T>) {
    return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(v));
  } else {
    return 0;
  }
}

}  // namespace weft::detail
