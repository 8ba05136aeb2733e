// The any-interleaving policy: priorities as attributes, a clock that only orders each thread's
// own view (see any_policy.hpp).
#include "runtime/policies/any_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/execution.hpp"

namespace weft::detail {

void AnyPolicy::reset() {
  now_ = 0;
  threads_.clear();
  tracks_threads_ = false;  // untracked until the execution's first priority operation
}

void AnyPolicy::thread_created(int tid, int parent) {
  PerThread t;
  t.base = parent < 0 ? kMainPriority : kDefaultPriority;
  t.name = parent < 0 ? "main" : nullptr;
  if (parent >= 0 && threads_[parent].spawn_attr != nullptr) {
    const SpawnAttr& a = *threads_[parent].spawn_attr;
    threads_[parent].spawn_attr = nullptr;
    t.base = a.priority;
    t.name = a.name;
    t.arrival = now_ + std::max<std::int64_t>(a.arrival, 0);
  }
  WEFT_CHECK(tid == static_cast<int>(threads_.size()));
  threads_.push_back(t);
}

AnyPolicy::PerThread& AnyPolicy::track(int tid) {
  if (!tracks_threads_) [[unlikely]] {
    tracks_threads_ = true;
    // The threads so far were spawned without attributes: defaults.
    for (int i = static_cast<int>(threads_.size()); i < x_.thread_count(); ++i) thread_created(i, x_.thread(i).parent);
  }
  return threads_[tid];
}

void AnyPolicy::set_spawn_attr(int tid, const SpawnAttr* attr) { track(tid).spawn_attr = attr; }

int AnyPolicy::priority(int tid) { return track(tid).base; }

int AnyPolicy::effective_priority(int tid) {
  const PerThread& p = track(tid);
  int e = p.base;
  for (int k = 0; k < p.held_count; ++k) e = std::max(e, p.held_ceiling[static_cast<std::size_t>(k)]);
  return e;
}

int AnyPolicy::set_priority(int tid, int priority) { return std::exchange(track(tid).base, priority); }

void AnyPolicy::mutex_acquired(int tid, MutexState& m, SourceLoc loc) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  PerThread& t = track(tid);
  const std::string name = t.name != nullptr ? fmt::format("t{} ({})", tid, t.name) : fmt::format("t{}", tid);
  if (t.base > m.ceiling) {
    x_.fail_misuse(fmt::format("{} (priority {}) locks {} whose priority ceiling is {}: a thread may not lock a "
                               "ceiling mutex above its ceiling (POSIX: EINVAL)",
                               name, t.base, x_.object_name(m.slot.id), m.ceiling),
                   loc);
    return;
  }
  if (t.held_count >= kMaxHeldCeilings) {
    x_.fail_misuse(fmt::format("{} holds more than {} priority-ceiling mutexes at once", name, kMaxHeldCeilings), loc);
    return;
  }
  t.held_mutex[static_cast<std::size_t>(t.held_count)] = m.slot.id;
  t.held_ceiling[static_cast<std::size_t>(t.held_count++)] = m.ceiling;
}

void AnyPolicy::mutex_released(int tid, MutexState& m) {
  if (m.protocol != static_cast<std::uint8_t>(mutex_protocol::ceiling)) return;
  PerThread& t = track(tid);
  for (int i = 0; i < t.held_count; ++i) {
    if (t.held_mutex[static_cast<std::size_t>(i)] == m.slot.id) {
      --t.held_count;
      t.held_mutex[static_cast<std::size_t>(i)] = t.held_mutex[static_cast<std::size_t>(t.held_count)];
      t.held_ceiling[static_cast<std::size_t>(i)] = t.held_ceiling[static_cast<std::size_t>(t.held_count)];
      return;
    }
  }
}

void AnyPolicy::begin_delay(int, Delay, VTime) {}

void AnyPolicy::end_delay(int tid, Delay kind, VTime amount, bool took_effect) {
  if (!took_effect) return;
  switch (kind) {
    case Delay::kArrival:
      if (tracks_threads_) now_ = std::max(now_, threads_[tid].arrival);  // untracked: no arrival window
      break;
    case Delay::kSleep:
      now_ = std::max(now_, amount);
      break;
    case Delay::kWork:
      now_ += amount;
      break;
  }
}

TimeoutArm AnyPolicy::arm_timeout(int, VTime) { return TimeoutArm::kAnyPoint; }

void AnyPolicy::timed_out(int, VTime deadline) { now_ = std::max(now_, deadline); }

}  // namespace weft::detail
