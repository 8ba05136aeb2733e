// weft-relacy: the scenario catalog built against Relacy. `weft explore --engine relacy` and
// `weft check` drive it as a subprocess and parse its output; run it directly to see Relacy's
// raw report.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "relacy/relacy_runner.hpp"
#include "weft/scenario.hpp"

namespace {

constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "weft-relacy: error: %s\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "weft-relacy: weft's scenario catalog under the Relacy race detector.\n"
      "Normally driven by 'weft explore --engine relacy' and 'weft check'.\n"
      "Exit codes: 0 ran (whatever Relacy found), 2 usage or input error."};
  app.require_subcommand(1);

  auto* list = app.add_subcommand("list", "Print the scenario names, one per line");
  list->callback([] {
    for (const weft::Scenario* s : weft::scenarios()) std::cout << s->name << "\n";
  });

  std::string name;
  std::string search;
  std::vector<std::string> sets;
  weft::relacy::RunConfig config;
  bool raw = false;
  auto* run = app.add_subcommand("run", "Run a scenario under Relacy; print one JSON object on stdout");
  run->add_option("scenario", name, "Scenario name, family/variant")->required();
  auto* search_opt = run->add_option("--search", search,
                                     "Relacy search: full, bound (context bound) or random "
                                     "(default: the scenario's)")
                         ->check(CLI::IsMember({"full", "bound", "random"}));
  auto* bound_opt = run->add_option("--context-bound", config.context_bound,
                                    "bound: preemptions per iteration (default: the scenario's)")
                        ->check(CLI::Range(0u, 1000u));
  auto* iterations_opt =
      run->add_option("--iterations", config.iterations, "random: iterations (default: the scenario's)")
          ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  run->add_option("--max-steps", config.max_steps, "Scheduling points per iteration (beyond: LIVELOCK)")
      ->check(CLI::Range(1u, 100000000u));
  run->add_flag("--track-heap", config.track_heap, "Track the scenario's heap in Relacy (leaks, double frees)");
  run->add_option("--set", sets, "Override a scenario parameter, NAME=VALUE (repeatable)");
  run->add_flag("--raw", raw, "Print Relacy's report as is instead of the JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage_error(e.what());
  }
  if (!run->parsed()) return 0;

  const weft::Scenario* s = weft::find_scenario(name);
  if (s == nullptr) return usage_error("unknown scenario '" + name + "'");
  weft::Params params = s->default_params();
  for (const std::string& set : sets) {
    const std::string err = params.set(set);
    if (!err.empty()) return usage_error(err);
  }
  config.search = search_opt->count() == 0 ? s->relacy_explore.search
                  : search == "bound"      ? weft::RelacySearch::kBound
                  : search == "random"     ? weft::RelacySearch::kRandom
                                           : weft::RelacySearch::kFull;
  if (bound_opt->count() == 0) config.context_bound = s->relacy_explore.context_bound;
  if (iterations_opt->count() == 0) config.iterations = s->relacy_explore.iterations;

  const weft::relacy::RunOutcome out = weft::relacy::run_scenario(*s, params, config);
  if (raw) {
    if (out.skipped) std::cout << "skipped: " << out.skip_reason << "\n";
    std::cout << out.report;
    return 0;
  }
  nlohmann::json j;
  j["scenario"] = s->name;
  j["search"] = weft::relacy::search_name(config.search);
  j["context_bound"] = config.context_bound;
  j["iterations_limit"] = config.iterations;
  j["track_heap"] = config.track_heap;
  j["skipped"] = out.skipped;
  j["skip_reason"] = out.skip_reason;
  j["skip_file"] = out.skip_at.known() ? out.skip_at.file : "";
  j["skip_line"] = out.skip_at.line;
  j["threads"] = out.threads;
  j["result"] = out.result;
  j["iterations"] = out.iterations;
  j["seconds"] = out.seconds;
  j["weak_order"] = out.weak_order;
  j["weak_order_file"] = out.weak_order_at.known() ? out.weak_order_at.file : "";
  j["weak_order_line"] = out.weak_order_at.line;
  j["report"] = out.report;
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}
