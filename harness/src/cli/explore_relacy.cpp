// `weft explore --engine relacy`: the engine option, the Relacy search options, and the Relacy run.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "relacy/relacy_driver.hpp"

namespace weft::cli {

namespace {

// Options of the model engine only: rejected with --engine relacy.
constexpr const char* kModelOnly[] = {
    "--strategy",   "--depth", "--preemption-bound", "--max-executions", "--seed", "--no-spurious", "--max-spurious",
    "--keep-going", "--fair",  "--starvation-bound", "--policy",         "--cpus", "--max-blocking"};
constexpr const char* kRelacyOnly[] = {"--relacy-search", "--context-bound", "--iterations", "--relacy-track-heap"};

std::size_t count(CLI::App* cmd, const char* name) {
  CLI::Option* opt = cmd->get_option_no_throw(name);
  return opt == nullptr ? 0 : opt->count();
}

}  // namespace

void add_engine_options(CLI::App* explore, EngineOptions& e) {
  explore->add_option("--engine", e.engine, "model (weft's scheduler, default) or relacy (the Relacy race detector)")
      ->check(CLI::IsMember({"model", "relacy"}));
  explore
      ->add_option("--relacy-search", e.relacy_search,
                   "relacy: full (every interleaving), bound (--context-bound) or random (--iterations); "
                   "default: the scenario's")
      ->check(CLI::IsMember({"full", "bound", "random"}));
  explore->add_option("--context-bound", e.context_bound, "relacy bound search: preemptions per iteration")
      ->check(CLI::Range(0u, 1000u));
  explore->add_option("--iterations", e.iterations, "relacy random search: iterations")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  explore->add_flag("--relacy-track-heap", e.track_heap,
                    "relacy: track the scenario's heap in Relacy (memory leaks, double frees; every free becomes "
                    "a choice of the search)");
}

std::optional<int> explore_relacy(CLI::App* explore, const EngineOptions& e, const Scenario& s,
                                  const std::vector<std::string>& sets, std::uint32_t max_steps, bool json,
                                  bool no_trace) {
  if (e.engine != "relacy") {
    for (const char* name : kRelacyOnly) {
      if (count(explore, name) > 0) throw InputError(fmt::format("{} applies to --engine relacy", name));
    }
    return std::nullopt;
  }
  for (const char* name : kModelOnly) {
    if (count(explore, name) > 0)
      throw InputError(fmt::format("{} applies to the model engine, not --engine relacy", name));
  }
  Params params = s.default_params();
  for (const std::string& set : sets) {
    const std::string err = params.set(set);
    if (!err.empty()) throw InputError(err);
  }
  relacy::RelacyOptions o = relacy::default_options(s);
  if (!e.relacy_search.empty()) {
    o.search = e.relacy_search == "bound"    ? RelacySearch::kBound
               : e.relacy_search == "random" ? RelacySearch::kRandom
                                             : RelacySearch::kFull;
  }
  if (count(explore, "--context-bound") > 0) {
    if (o.search != RelacySearch::kBound) throw InputError("--context-bound applies to --relacy-search bound");
    o.context_bound = e.context_bound;
  }
  if (count(explore, "--iterations") > 0) {
    if (o.search != RelacySearch::kRandom) throw InputError("--iterations applies to --relacy-search random");
    o.iterations = e.iterations;
  }
  o.max_steps = max_steps;
  o.track_heap = e.track_heap;
  relacy::RelacyResult r;
  if (!s.relacy.skip_reason.empty()) {
    // Declared by the scenario: not run.
    r.skipped = true;
    r.skip_reason = std::string(s.relacy.skip_reason);
    r.result.strategy = std::string(relacy::search_name(o.search));
    r.result.bounded_by = "skipped";
    r.rerun = relacy::rerun_command(s, params, o);
  } else {
    r = relacy::run_relacy(s, params, o);
  }
  if (!r.error.empty()) throw std::runtime_error("relacy engine: " + r.error);

  if (json) {
    nlohmann::json j = result_json(s, params, r.result, "relacy");
    for (std::size_t i = 0; i < r.result.findings.size(); ++i) j["findings"][i]["trace"] = r.result.findings[i].trace;
    j["skipped"] = r.skipped ? nlohmann::json(r.skip_reason) : nlohmann::json(nullptr);
    j["relacy"] = {{"search", r.result.strategy},
                   {"context_bound", o.context_bound},
                   {"iterations", o.iterations},
                   {"max_steps", o.max_steps},
                   {"track_heap", o.track_heap},
                   {"threads", r.threads},
                   {"rerun", r.rerun}};
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (r.skipped) {
    std::cout << fmt::format("{}  {}\nrelacy: skipped: {}{}\n", s.name, params.to_string(), r.skip_reason,
                             r.skip_at.known() ? fmt::format(" (at {})", format_location(r.skip_at)) : std::string());
  } else {
    std::string text = result_text(s, params, r.result, !no_trace);
    // result_text names the strategy; say which engine ran it.
    text.insert(text.find('\n') + 1,
                fmt::format("engine relacy ({} dynamic thread{})\n", r.threads, r.threads == 1 ? "" : "s"));
    std::cout << text;
  }
  if (r.skipped) return kExitSkipped;
  return r.result.findings.empty() ? kExitClean : kExitFinding;
}

}  // namespace weft::cli
