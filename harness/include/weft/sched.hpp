// Scheduling attributes shared by every backend's facade: thread priorities and options, mutex
// protocols, and the model explorer's scheduling policy.
#pragma once

#include <chrono>
#include <cstdint>

namespace weft {

// The model explorer's scheduling policy (Options::policy, `--policy`).
enum class SchedPolicy : std::uint8_t {
  kAny,       // any interleaving: priorities are recorded, not enforced; time only orders a thread's own view
  kPriority,  // fixed-priority preemptive scheduling on Options::cpus simulated CPUs, on a virtual clock
};

// Thread priorities: a higher number runs first (as with SCHED_FIFO). Threads start at
// kDefaultPriority unless their thread_options say otherwise; the scenario's main thread runs at
// kMainPriority, above the 1..99 range scenarios normally use, so that it spawns its threads
// before any of them runs (it may lower itself with this_thread::set_priority).
inline constexpr int kDefaultPriority = 0;
inline constexpr int kMainPriority = 100;

// Per-mutex protocol, as POSIX PTHREAD_PRIO_NONE / PTHREAD_PRIO_INHERIT / PTHREAD_PRIO_PROTECT.
enum class mutex_protocol : std::uint8_t {
  none = 0,
  inherit = 1,         // priority inheritance, transitive through chains of mutexes
  ceiling = 2,         // immediate priority ceiling: the holder runs at the mutex's ceiling
  inherit_direct = 3,  // one-level inheritance only (deliberately incomplete: shows why chains need
                       // transitivity; the native backend maps it to PTHREAD_PRIO_INHERIT)
};

// Attributes of a thread at spawn: `weft::thread t(weft::thread_options{.priority = 3}, fn);`.
// Durations are virtual time under the model's priority policy and real time natively.
struct thread_options {
  int priority = kDefaultPriority;
  const char* name = nullptr;             // static string shown in findings, e.g. "H"
  std::chrono::nanoseconds arrival{0};    // the thread becomes ready this long after its spawn...
  std::chrono::nanoseconds jitter{0};     // ...or later, up to arrival + jitter: the explorer picks
                                          // the moment (natively: arrival + jitter)
  std::chrono::nanoseconds deadline{0};   // > 0: each job (from becoming ready, at arrival or at the
                                          // end of a sleep, to its next sleep or its exit) must
                                          // finish within it; a miss is a deadline_miss finding
};

}  // namespace weft
