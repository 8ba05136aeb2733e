// What the model records about priorities and virtual time in one execution (priority policy):
// blocking episodes, deadline misses and timeline marks, read by the priority checker, traces
// and the runner's worst-case blocking summary.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "weft/sched.hpp"
#include "weft/source_loc.hpp"

namespace weft {

// Virtual time, in nanoseconds since the start of the execution.
using VTime = std::int64_t;

// "4 ms", "2.5 ms", "750 us", "12 ns".
std::string format_vtime(VTime t);

struct PriorityThread {
  const char* name = nullptr;  // thread_options::name, or nullptr
  int priority = 0;            // base priority at the end of the execution
  VTime deadline = 0;          // relative job deadline, 0 when none
};

// A thread H waiting for a mutex held by a lower-priority thread L (by base priorities). The
// time lower-priority threads hold a CPU while H waits is priority inversion (`inverted_time`):
// bounded while only L (or the chain of holders L waits behind) runs, which is normal; unbounded
// when a thread M with base(end) < priority(M) < base(H), not in H's chain of holders, runs while
// the chain's last holder `end` is ready but preempted. With a chain (H waits for L2, which waits
// for L1), `low` is the holder H waited for and `blocker` the chain's end (L1).
struct BlockingEpisode {
  int high = -1;
  int low = -1;
  int medium = -1;               // first M that ran during the inversion; -1: bounded
  int blocker = -1;              // the chain's preempted end when M first ran (L, or L1 in a chain)
  int mutex = -1;                // object id of the mutex H waits for
  int high_priority = 0;         // base priorities when the episode started / M first ran
  int low_priority = 0;
  int medium_priority = 0;
  SourceLoc location;            // H's lock call
  VTime start = 0;               // H starts waiting
  std::uint32_t start_step = 0;  // index of the next event when it started
  VTime end = 0;                 // H acquired, timed out, or the execution ended
  std::uint32_t end_step = 0;
  bool ended = false;            // false: H still waited when the execution ended
  VTime inversion_start = 0;     // when M first ran
  std::uint32_t inversion_start_step = 0;
  VTime medium_time = 0;         // virtual time medium threads ran while H waited
  std::uint32_t medium_steps = 0;  // their visible operations meanwhile
  VTime inverted_time = 0;       // time threads of lower base priority than H held a CPU meanwhile
  std::uint32_t inverted_steps = 0;  // their visible operations meanwhile

  VTime blocked() const { return end - start; }
  std::uint32_t blocked_steps() const { return end_step - start_step; }
  bool unbounded() const { return medium >= 0; }
};

// The state of one thread in a "who blocked whom" chain.
enum class ChainState : std::uint8_t {
  kRunning,        // on a CPU
  kPreempted,      // ready, but higher-priority threads hold every CPU
  kBlockedMutex,   // waits for `mutex`, held by the next link
  kSleeping,       // sleeping or not yet arrived
  kBlockedOther,   // waits for a join, a condition variable or a semaphore
};

struct ChainLink {
  int thread = -1;
  ChainState state = ChainState::kRunning;
  int mutex = -1;      // kBlockedMutex
  int priority = 0;    // effective priority at the time
};

// A job that had not finished when its deadline passed.
struct DeadlineMiss {
  static constexpr int kMaxChain = 8;
  static constexpr int kMaxRunning = 8;
  static constexpr int kMaxInterferers = 4;
  int thread = -1;
  VTime release = 0;            // the job became ready
  VTime due = 0;                // release + deadline
  std::uint32_t step = 0;       // index of the next event when it was detected
  SourceLoc location;           // where the thread was at the miss
  VTime blocked = 0;            // time the job spent waiting for mutexes
  int chain_length = 0;         // chain[0] is the thread itself
  std::array<ChainLink, kMaxChain> chain{};
  int running_count = 0;        // the threads on the CPUs at the miss
  std::array<int, kMaxRunning> running{};
  int interferer_count = 0;     // the threads that ran longest while the job was not running
  std::array<int, kMaxInterferers> interferers{};
  std::array<VTime, kMaxInterferers> interference{};
};

enum class MarkKind : std::uint8_t {
  kTime,      // virtual time advanced to `time`
  kRelease,   // `thread` became ready (arrival or end of a sleep)
  kTimeout,   // `thread`'s timed wait timed out
  kPriority,  // `thread`'s effective priority became `value` (inheritance or ceiling)
  kBlocked,   // `thread` waits for mutex `value`, held by a lower-priority thread
};

// An annotation of the timeline, placed before event `step`.
struct TimelineMark {
  std::uint32_t step = 0;
  VTime time = 0;
  MarkKind kind = MarkKind::kTime;
  int thread = -1;
  int value = 0;
};

// The priority records of one execution (ExecutionView::priority).
struct PriorityLog {
  bool active = false;       // the execution ran under the priority policy
  int cpus = 1;
  VTime max_blocking = -1;   // Options::max_blocking in ns; negative: no bound
  VTime end_time = 0;
  std::span<const PriorityThread> threads;
  std::span<const BlockingEpisode> episodes;
  std::span<const DeadlineMiss> misses;
  std::span<const TimelineMark> marks;
};

// The worst priority inversion over an exploration (Result::max_blocking): the longest time
// lower-priority threads held a CPU while a thread waited for a mutex held by a lower-priority
// thread (its BlockingEpisode::inverted_time). Bounded inversion is normal; its worst case is
// worth knowing, and Options::max_blocking turns it into a finding.
struct BlockingSummary {
  bool measured = false;     // the priority policy ran and some thread waited for a lower-priority holder
  VTime time = 0;            // inverted_time
  VTime waited = 0;          // that thread's whole wait (blocked())
  std::uint32_t steps = 0;   // events during the wait
  int high = -1;
  int low = -1;
  std::string high_name;     // "t3 (H)"
  std::string low_name;
  std::string mutex;         // "mutex#0 (scenarios/priority_inversion.cpp:40)"
  std::uint64_t execution = 0;
  std::string schedule;      // replay token of that execution
};

}  // namespace weft
