// The Relacy runner: one rl::test_suite per dynamic thread count, whose thread 0 runs the scenario body.
#include "relacy/relacy_runner.hpp"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "weft/relacy/sync.hpp"  // includes <relacy/relacy.hpp> last among the standard headers

namespace weft::relacy {

namespace {

// What the suites run; set before rl::simulate (Relacy constructs the suite itself).
const Scenario* g_scenario = nullptr;
const Params* g_params = nullptr;
bool g_track_heap = false;

// Relacy's allocation switch (rl::context::disable_alloc_, protected): while non-zero, the
// replaced global operator new/delete forward to malloc/free instead of Relacy's heap.
struct HeapGate : rl::context {
  static void bypass(rl::context& c) { c.*(&HeapGate::disable_alloc_) = 1; }
};

// Start of every iteration, on thread 0 before the body: Relacy requires each iteration to start
// from the same state.
void begin_iteration() {
  detail::RelacyState& st = detail::g_relacy;
  st.spawned = 0;
  for (detail::RelacyThreadSlot& slot : st.slots) {
    if (slot.heap != nullptr) std::free(slot.heap);  // a callable left by an abandoned iteration
    slot = detail::RelacyThreadSlot{};
  }
  if (!g_track_heap) HeapGate::bypass(rl::ctx());
  // Relacy's `new` proxy logs the size of the last allocation from its heap; none happened yet
  // in this iteration (and none ever does while the heap is bypassed).
  rl::ctx().prev_alloc_size();
}

template <int kThreads>
struct ScenarioSuite : rl::test_suite<ScenarioSuite<kThreads>, 1> {
  static rl::thread_id_t const dynamic_thread_count = kThreads;

  void thread(unsigned /*index*/) {
    begin_iteration();
    detail::relacy_guarded([] { g_scenario->body(*g_params); }, SourceLoc{});
  }
};

// A stream that swallows everything without allocating (null streambuf: writes are no-ops).
std::ostream& null_stream() {
  static std::ostream stream(nullptr);
  return stream;
}

rl::scheduler_type_e to_rl(RelacySearch search) {
  switch (search) {
    case RelacySearch::kFull:
      return rl::sched_full;
    case RelacySearch::kBound:
      return rl::sched_bound;
    case RelacySearch::kRandom:
      return rl::sched_random;
  }
  return rl::sched_full;
}

const char* result_name(rl::test_result_e r) {
  switch (r) {
    case rl::test_result_success:
      return "success";
    case rl::test_result_until_condition_hit:
      return "until_condition_hit";
    case rl::test_result_inconsistent_test_suite:
      return "inconsistent_test_suite";
    case rl::test_result_user_assert_failed:
      return "user_assert_failed";
    case rl::test_result_user_invariant_failed:
      return "user_invariant_failed";
    case rl::test_result_data_race:
      return "data_race";
    case rl::test_result_access_to_freed_memory:
      return "access_to_freed_memory";
    case rl::test_result_double_free:
      return "double_free";
    case rl::test_result_memory_leak:
      return "memory_leak";
    case rl::test_result_resource_leak:
      return "resource_leak";
    case rl::test_result_unitialized_access:
      return "uninitialized_access";
    case rl::test_result_deadlock:
      return "deadlock";
    case rl::test_result_livelock:
      return "livelock";
    case rl::test_result_recursion_on_nonrecursive_mutex:
      return "recursion_on_nonrecursive_mutex";
    case rl::test_result_unlocking_mutex_wo_ownership:
      return "unlocking_mutex_wo_ownership";
    case rl::test_result_destroying_owned_mutex:
      return "destroying_owned_mutex";
    case rl::test_result_double_initialization_of_mutex:
      return "double_initialization_of_mutex";
    case rl::test_result_usage_of_non_initialized_mutex:
      return "usage_of_non_initialized_mutex";
    case rl::test_result_mutex_write_to_read_upgrade:
      return "mutex_write_to_read_upgrade";
    case rl::test_result_mutex_read_to_write_upgrade:
      return "mutex_read_to_write_upgrade";
    case rl::test_result_double_initialization_of_condvar:
      return "double_initialization_of_condvar";
    case rl::test_result_usage_of_non_initialized_condvar:
      return "usage_of_non_initialized_condvar";
    case rl::test_result_double_initialization_of_semaphore:
      return "double_initialization_of_semaphore";
    case rl::test_result_usage_of_non_initialized_semaphore:
      return "usage_of_non_initialized_semaphore";
    case rl::test_result_double_initialization_of_event:
      return "double_initialization_of_event";
    case rl::test_result_usage_of_non_initialized_event:
      return "usage_of_non_initialized_event";
    case rl::test_result_thread_signal:
      return "thread_signal";
  }
  return "unknown";
}

struct Simulation {
  rl::test_result_e result = rl::test_result_success;
  std::uint64_t iterations = 0;
  std::string report;
};

template <int kThreads>
Simulation simulate_with(const RunConfig& config, rl::scheduler_type_e search, std::uint64_t iterations) {
  detail::RelacyState& st = detail::g_relacy;
  st.capacity = kThreads;
  // rl::ostringstream allocates with ::malloc directly, never from Relacy's simulated heap.
  rl::ostringstream report;
  rl::test_params p;  // fresh every run: a failing simulate() mutates it to replay the failure
  p.search_type = search;
  p.context_bound = config.context_bound;
  p.iteration_count = iterations;
  p.execution_depth_limit = config.max_steps;
  p.output_stream = &report;
  p.progress_stream = &null_stream();
  rl::simulate<ScenarioSuite<kThreads>>(p);
  Simulation sim;
  sim.result = p.test_result;
  sim.iterations = p.stop_iteration;
  const rl::string text = report.str();
  sim.report.assign(text.data(), text.size());
  return sim;
}

using SimulateFn = Simulation (*)(const RunConfig&, rl::scheduler_type_e, std::uint64_t);

template <std::size_t... kCounts>
constexpr std::array<SimulateFn, sizeof...(kCounts)> make_table(std::index_sequence<kCounts...>) {
  return {&simulate_with<static_cast<int>(kCounts)>...};
}
// Index K: the suite with K dynamic threads.
constexpr auto kSuites = make_table(std::make_index_sequence<detail::kRelacyMaxThreads + 1>{});

}  // namespace

std::string_view search_name(RelacySearch search) {
  switch (search) {
    case RelacySearch::kFull:
      return "full";
    case RelacySearch::kBound:
      return "bound";
    case RelacySearch::kRandom:
      return "random";
  }
  return "?";
}

RunOutcome run_scenario(const Scenario& scenario, const Params& params, const RunConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  g_scenario = &scenario;
  g_params = &params;
  g_track_heap = config.track_heap;
  detail::RelacyState& st = detail::g_relacy;
  st.unsupported = nullptr;
  st.unsupported_at = SourceLoc{};
  st.wanted = 0;
  st.weak_order = nullptr;
  st.weak_order_at = SourceLoc{};

  RunOutcome out;
  auto skip_for_threads = [&](int wanted) {
    out.skipped = true;
    out.skip_reason = "spawns " + std::to_string(wanted) + " threads; the Relacy backend supports at most " +
                      std::to_string(detail::kRelacyMaxThreads);
  };

  // Probe: one random iteration with every dynamic thread available, to count the spawns.
  constexpr int kMax = detail::kRelacyMaxThreads;
  Simulation sim = kSuites[kMax](config, rl::sched_random, 1);
  int threads = st.spawned;
  if (st.wanted > kMax) skip_for_threads(st.wanted);
  while (!out.skipped && st.unsupported == nullptr) {
    st.wanted = 0;
    sim = kSuites[static_cast<std::size_t>(threads)](config, to_rl(config.search), config.iterations);
    if (st.wanted <= threads) break;
    if (st.wanted > kMax) {
      skip_for_threads(st.wanted);
    } else {
      threads = st.wanted;  // an iteration spawned more than the probe did: rerun with more
    }
  }
  if (st.unsupported != nullptr) {
    out.skipped = true;
    out.skip_reason = st.unsupported;
    out.skip_at = st.unsupported_at;
  }
  out.threads = threads;
  if (st.weak_order != nullptr) {
    out.weak_order = st.weak_order;
    out.weak_order_at = st.weak_order_at;
  }
  if (!out.skipped) {
    out.result_code = static_cast<int>(sim.result);
    out.result = result_name(sim.result);
    out.iterations = sim.iterations;
    out.report = std::move(sim.report);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_scenario = nullptr;
  g_params = nullptr;
  return out;
}

}  // namespace weft::relacy
