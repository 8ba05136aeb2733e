// The scenario catalog: named scenarios (family/variant) with parameters and declared verdicts.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "weft/finding.hpp"
#include "weft/params.hpp"
#include "weft/sched.hpp"

namespace weft {

enum class Engine : std::uint8_t { kModel, kNative, kRelacy };
std::string_view engine_name(Engine engine);

// What one engine is expected to report. `kinds` empty means "clean"; a non-empty
// `skip_reason` means the engine cannot run the scenario (reported as skipped, never passed).
struct Expectation {
  std::vector<FindingKind> kinds;
  std::string_view skip_reason;
  bool clean() const { return kinds.empty() && skip_reason.empty(); }
};

// How `weft check` (and a plain `weft explore` without options) explores the scenario: with DPOR
// where it applies (then without `preemption_bound`), see weft::default_search_options.
struct ExploreDefaults {
  int preemption_bound = -1;           // DFS only; -1: unbounded
  std::uint64_t max_executions = 0;    // 0: the runner's default
  bool fair = false;                   // explore in the fair mode (Options::fair)
  SchedPolicy policy = SchedPolicy::kAny;  // scenarios about priorities need kPriority
  int cpus = 1;                        // simulated CPUs of the priority policy
};

// Relacy's search for a scenario: full (every interleaving and every store a load may read: a
// proof within Relacy's model), bound (at most `context_bound` preemptions per iteration) or
// random (`iterations` iterations).
enum class RelacySearch : std::uint8_t { kFull, kBound, kRandom };
struct RelacyExplore {
  RelacySearch search = RelacySearch::kFull;
  unsigned context_bound = 2;        // kBound
  std::uint64_t iterations = 10000;  // kRandom
};

struct Scenario {
  std::string_view name;         // "family/variant"
  std::string_view description;  // one line
  std::vector<ParamSpec> params;
  Expectation model;             // verdict under weft's own scheduler
  Expectation native;            // verdict on real threads under ThreadSanitizer
  Expectation relacy;            // verdict under Relacy
  void (*body)(const Params&) = nullptr;  // the scenario's main thread
  ExploreDefaults explore;
  // Executions of a complete exhaustive DFS at default parameters (0: not recorded).
  // Tests pin it so that an explorer change that prunes or duplicates executions shows.
  std::uint64_t dfs_executions = 0;
  // Executions of a complete DPOR search (--strategy dpor) at default parameters and options
  // (0: not recorded): one per Mazurkiewicz trace, plus the redundant ones. Pinned the same way.
  std::uint64_t dpor_executions = 0;
  // True when some atomic operation uses an order weaker than seq_cst. Otherwise the scenario
  // means the same under weft's sequentially consistent model and under Relacy, and `weft check`
  // fails when the two disagree (weft-relacy also verifies the declaration as it runs).
  bool weak_orders = false;
  // How `weft check` (and `weft explore --engine relacy` without search options) runs it under Relacy.
  RelacyExplore relacy_explore;

  std::string_view family() const { return name.substr(0, name.find('/')); }
  Params default_params() const { return Params(params); }
};

// All registered scenarios, sorted by name.
const std::vector<const Scenario*>& scenarios();
// nullptr when unknown.
const Scenario* find_scenario(std::string_view name);

// Registers a scenario at static-initialization time.
// Precondition: `scenario` has static storage duration (the registry keeps its address); use
// WEFT_REGISTER_SCENARIO. A temporary is rejected at compile time.
class ScenarioRegistrar {
 public:
  explicit ScenarioRegistrar(const Scenario& scenario);
  explicit ScenarioRegistrar(Scenario&&) = delete;
};

// 32-bit FNV-1a of the scenario name: ties a schedule token to its scenario.
std::uint32_t scenario_hash(std::string_view name);

}  // namespace weft

#define WEFT_SCENARIO_CAT2(a, b) a##b
#define WEFT_SCENARIO_CAT(a, b) WEFT_SCENARIO_CAT2(a, b)
// WEFT_REGISTER_SCENARIO({.name = "family/variant", ...});
#define WEFT_REGISTER_SCENARIO(...)                                         \
  static const ::weft::Scenario WEFT_SCENARIO_CAT(weft_scenario_, __LINE__) \
      __VA_ARGS__;                                                          \
  static const ::weft::ScenarioRegistrar WEFT_SCENARIO_CAT(weft_registrar_, __LINE__)( \
      WEFT_SCENARIO_CAT(weft_scenario_, __LINE__))
