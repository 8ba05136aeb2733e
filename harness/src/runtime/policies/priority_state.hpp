// Per-execution state of the priority policy and its virtual clock (PriorityPolicy::ps_), and the
// reporting helpers over its PriorityLog (priority_report.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/event.hpp"
#include "weft/model/runtime_api.hpp"
#include "weft/priority.hpp"
#include "weft/source_loc.hpp"

namespace weft::detail {

inline constexpr VTime kNever = INT64_MAX;

// A priority-ceiling mutex held by a thread (the ceiling applies while it is held).
struct HeldCeiling {
  std::int32_t mutex = -1;
  std::int32_t ceiling = 0;
};

// Priority and timing state of one simulated thread. Trivially copyable: the per-thread vector
// is cleared and refilled each execution without allocating.
struct PrioThread {
  static constexpr int kMaxHeldCeilings = 8;
  int base = 0;          // base priority (thread_options, set_priority)
  bool dormant = false;  // pending kSleep: sleeping or not yet arrived
  int eff = 0;           // effective: base raised by inheritance and ceilings
  const char* name = nullptr;
  VTime spawned = 0;
  VTime work_left = 0;  // pending kWork: virtual CPU time still to consume
  VTime deadline = 0;   // relative job deadline, 0 none
  // A pending release: the end of a sleep or an arrival (the thread is dormant), or the timeout
  // of a timed wait. It becomes due at `earliest` and is forced at `latest`; in between the
  // explorer decides at each scheduling point (see PriorityPolicy::offer_releases).
  bool release_pending = false;
  bool release_is_timeout = false;
  VTime earliest = 0;
  VTime latest = 0;
  std::uint32_t offered_step = UINT32_MAX;  // the scheduling point (step, time) it was last deferred at
  VTime offered_time = -1;
  // The current job (threads with a deadline).
  bool job_active = false;
  bool job_missed = false;
  VTime job_release = 0;
  VTime job_blocked = 0;
  int episode = -1;  // open BlockingEpisode (index), -1 none
  int held_count = 0;
  std::array<HeldCeiling, kMaxHeldCeilings> held{};
  const SpawnAttr* spawn_attr = nullptr;  // while in spawn_with: the child's attributes
};

struct PriorityState {
  VTime now = 0;
  std::vector<PrioThread> threads;
  std::vector<PriorityThread> info;  // PriorityLog::threads
  std::vector<BlockingEpisode> episodes;
  std::vector<DeadlineMiss> misses;
  std::vector<TimelineMark> marks;
  std::vector<VTime> interference;  // [h * stride + x]: time x ran while h's job waited
  int stride = 0;
  std::vector<int> order;     // ready threads by effective priority (scratch)
  std::vector<int> cand;      // threads that may hold a CPU now
  std::vector<int> running;   // threads that hold a CPU while time advances
  std::vector<int> prev_eff;  // effective priorities at the last recomputation
  std::vector<int> own;       // base raised by held ceilings (scratch)
  int threshold = 0;          // lowest effective priority that may hold a CPU
  int admit = 0;              // ...that one more ready thread would need to hold one
  PriorityLog log;
};

// Folds one execution's blocking episodes into an exploration's worst case; true when this
// execution holds the new worst (the caller then records its schedule token).
bool note_blocking(BlockingSummary& summary, const ExecutionView& view);

// The timeline marks of view.priority from index `next` up to those placed before event
// `before_step`, one line each ("-- t=4 ms --"); advances `next`.
std::string format_priority_marks(const ExecutionView& view, std::size_t& next, std::uint32_t before_step);

// "t3 (H)" from the execution's PriorityLog (plain "t3" without a name).
std::string priority_thread_label(const PriorityLog& log, int thread);

}  // namespace weft::detail
