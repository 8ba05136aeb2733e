// The priority-inversion family: L, M, H sharing a mutex under no protocol, inheritance and
// ceiling; the Mars Pathfinder tasks; and a chain of two mutexes that needs transitive
// inheritance. Explored under the priority policy (fixed-priority preemptive, one CPU, virtual
// time); `weft rt` reruns the unbounded and inherit variants natively under SCHED_FIFO.
#include <chrono>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using weft::FindingKind;
using weft::mutex_protocol;

constexpr int kLow = 1;
constexpr int kMedium = 2;
constexpr int kHigh = 3;

// ---------------------------------------------------------------------------------------
// L, M, H and one mutex. L takes the mutex at once; H and M arrive at moments the explorer
// picks within `window`. The inversion needs L to hold the mutex when H arrives and M to run
// while H waits: the explorer has to find that arrival order.

const std::vector<weft::ParamSpec> kInversionParams = {
    {"cs_ms", 4, 1, 20, "L's critical section (virtual ms of work holding the mutex)"},
    {"medium_ms", 20, 1, 40, "M's work (virtual ms)"},
    {"window_ms", 3, 0, 10, "H and M arrive within this many ms of the start"},
};

void inversion(const weft::Params& p, mutex_protocol protocol) {
  const milliseconds cs(p.get("cs_ms"));
  const milliseconds medium_work(p.get("medium_ms"));
  const milliseconds window(p.get("window_ms"));
  weft::mutex shared(protocol, /*ceiling=*/kHigh);
  weft::thread low({.priority = kLow, .name = "L"}, [&] {
    weft::lock_guard<weft::mutex> guard(shared);
    weft::work(cs);
  });
  weft::thread medium({.priority = kMedium, .name = "M", .jitter = window}, [&] { weft::work(medium_work); });
  weft::thread high({.priority = kHigh, .name = "H", .jitter = window}, [&] {
    weft::lock_guard<weft::mutex> guard(shared);
    weft::work(1ms);
  });
  low.join();
  medium.join();
  high.join();
}

void unbounded(const weft::Params& p) { inversion(p, mutex_protocol::none); }
void inherit(const weft::Params& p) { inversion(p, mutex_protocol::inherit); }
void ceiling(const weft::Params& p) { inversion(p, mutex_protocol::ceiling); }

// ---------------------------------------------------------------------------------------
// Mars Pathfinder (1997), after Glenn Reeves' account "What really happened on Mars?": the bus
// management task (bc_dist, high priority, every cycle, must finish within its deadline) and the
// meteorological data task (ASI/MET, low priority) share the information bus through a mutex;
// the communications task (medium priority) runs long; a watchdog (bc_sched, highest) checks at
// the end of each cycle that the bus task completed it, and resets the system otherwise. The fix
// uploaded to the spacecraft turned on priority inheritance for that mutex.

constexpr int kData = 1;
constexpr int kComms = 2;
constexpr int kBus = 4;
constexpr int kWatchdog = 5;
constexpr milliseconds kPeriod = 10ms;
constexpr int kCycles = 3;

const std::vector<weft::ParamSpec> kPathfinderParams = {
    {"comms_ms", 15, 1, 40, "the communications task's work (virtual ms)"},
    {"data_ms", 3, 1, 9, "the data task's time on the bus (virtual ms)"},
};

void pathfinder(const weft::Params& p, mutex_protocol protocol) {
  const milliseconds comms_work(p.get("comms_ms"));
  const milliseconds data_work(p.get("data_ms"));
  weft::mutex bus(protocol, /*ceiling=*/kBus);
  weft::atomic<int> cycles_done(0);
  const weft::clock::time_point start = weft::clock::now();
  weft::thread bus_task({.priority = kBus, .name = "bus", .deadline = 5ms}, [&] {
    for (int k = 0; k < kCycles; ++k) {
      {
        weft::lock_guard<weft::mutex> guard(bus);
        weft::work(1ms);
      }
      cycles_done.store(k + 1);
      weft::this_thread::sleep_until(start + (k + 1) * kPeriod);
    }
  });
  weft::thread data_task({.priority = kData, .name = "data", .jitter = kPeriod - 1ms}, [&] {
    weft::lock_guard<weft::mutex> guard(bus);
    weft::work(data_work);
  });
  weft::thread comms_task({.priority = kComms, .name = "comms", .jitter = kPeriod}, [&] { weft::work(comms_work); });
  weft::thread watchdog({.priority = kWatchdog, .name = "watchdog"}, [&] {
    for (int k = 0; k < kCycles; ++k) {
      weft::this_thread::sleep_until(start + k * kPeriod + 8ms);
      const bool cycle_completed = cycles_done.load() >= k + 1;
      WEFT_ASSERT(cycle_completed);  // otherwise the watchdog resets the spacecraft
    }
  });
  bus_task.join();
  data_task.join();
  comms_task.join();
  watchdog.join();
}

void pathfinder_flight(const weft::Params& p) { pathfinder(p, mutex_protocol::none); }
void pathfinder_fixed(const weft::Params& p) { pathfinder(p, mutex_protocol::inherit); }

// ---------------------------------------------------------------------------------------
// A chain: H waits for m2, held by L2, which waits for m1, held by L1. Only transitive
// inheritance lifts L1 above M; one-level inheritance gives L1 only L2's priority and M, which
// needs neither mutex, keeps H waiting past its deadline.

const std::vector<weft::ParamSpec> kChainParams = {
    {"cs_ms", 4, 1, 10, "L1's critical section on m1 (virtual ms)"},
    {"medium_ms", 20, 1, 40, "M's work (virtual ms)"},
};

void chain(const weft::Params& p, mutex_protocol protocol) {
  const milliseconds cs(p.get("cs_ms"));
  const milliseconds medium_work(p.get("medium_ms"));
  weft::mutex m1(protocol);
  weft::mutex m2(protocol);
  weft::thread l1({.priority = 1, .name = "L1"}, [&] {
    weft::lock_guard<weft::mutex> guard(m1);
    weft::work(cs);
  });
  weft::thread l2({.priority = 2, .name = "L2", .jitter = 2ms}, [&] {
    weft::lock_guard<weft::mutex> outer(m2);
    weft::lock_guard<weft::mutex> inner(m1);
    weft::work(1ms);
  });
  weft::thread medium({.priority = 3, .name = "M", .jitter = 3ms}, [&] { weft::work(medium_work); });
  weft::thread high({.priority = 4, .name = "H", .jitter = 3ms, .deadline = 8ms}, [&] {
    weft::lock_guard<weft::mutex> guard(m2);
    weft::work(1ms);
  });
  l1.join();
  l2.join();
  medium.join();
  high.join();
}

void chain_transitive(const weft::Params& p) { chain(p, mutex_protocol::inherit); }
void chain_direct(const weft::Params& p) { chain(p, mutex_protocol::inherit_direct); }

constexpr std::string_view kNativeSkip =
    "priorities and virtual time need the model's priority policy (`weft rt` reruns it under SCHED_FIFO)";
constexpr std::string_view kRelacySkip = "Relacy has no thread priorities or virtual time";
const weft::ExploreDefaults kPriorityPolicy = {.policy = weft::SchedPolicy::kPriority};
// dfs_executions below: complete DFS under the priority policy at default parameters. They count
// tie orders, release points inside the arrival windows, and timed-wait outcomes; pinned by
// tests/model/priority_scenarios_test.cpp and tests/model/explore_counts_test.cpp.

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/unbounded",
    .description = "L holds a plain mutex H needs while M (no mutex) runs long: unbounded inversion",
    .params = kInversionParams,
    .model = {.kinds = {FindingKind::kPriorityInversion}},
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &unbounded,
    .explore = kPriorityPolicy,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/inherit",
    .description = "the same with a priority-inheritance mutex: H waits at most L's critical section",
    .params = kInversionParams,
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &inherit,
    .explore = kPriorityPolicy,
    .dfs_executions = 13,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/ceiling",
    .description = "the same with a priority-ceiling mutex (ceiling = H): no unbounded inversion",
    .params = kInversionParams,
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &ceiling,
    .explore = kPriorityPolicy,
    .dfs_executions = 12,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/pathfinder",
    .description = "Mars Pathfinder as flown: the bus task misses its deadline behind data and comms, the watchdog resets",
    .params = kPathfinderParams,
    .model = {.kinds = {FindingKind::kAssertionFailure, FindingKind::kPriorityInversion, FindingKind::kDeadlineMiss}},
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &pathfinder_flight,
    .explore = kPriorityPolicy,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/pathfinder-inherit",
    .description = "Mars Pathfinder with the uploaded fix (priority inheritance on the bus mutex): no deadline miss",
    .params = kPathfinderParams,
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &pathfinder_fixed,
    .explore = kPriorityPolicy,
    .dfs_executions = 100,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/chain",
    .description = "H waits for L2 waiting for L1 (two mutexes): transitive inheritance keeps H's deadline",
    .params = kChainParams,
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &chain_transitive,
    .explore = kPriorityPolicy,
    .dfs_executions = 190,
});

WEFT_REGISTER_SCENARIO({
    .name = "priority-inversion/chain-direct",
    .description = "the chain with one-level inheritance: L1 stays below M, H misses its deadline",
    .params = kChainParams,
    .model = {.kinds = {FindingKind::kPriorityInversion, FindingKind::kDeadlineMiss}},
    .native = {.skip_reason = kNativeSkip},
    .relacy = {.skip_reason = kRelacySkip},
    .body = &chain_direct,
    .explore = kPriorityPolicy,
});

}  // namespace
