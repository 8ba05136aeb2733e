// weft-native: the scenario catalog built for real threads under ThreadSanitizer. `weft native`
// and `weft check` drive it as a subprocess (watchdog, TSan report parsing); run it directly to
// see TSan's raw output.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "native/native_runtime.hpp"
#include "weft/scenario.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "weft-native: weft's scenario catalog on real threads under ThreadSanitizer.\n"
      "Normally driven by 'weft native' and 'weft check'. Exit codes: 0 ran, 2 usage error\n"
      "(TSan's exitcode option applies when it reported something)."};
  app.require_subcommand(1);

  auto* list = app.add_subcommand("list", "Print the scenario names, one per line");
  list->callback([] {
    for (const weft::Scenario* s : weft::scenarios()) std::cout << s->name << "\n";
  });

  std::string name;
  std::vector<std::string> sets;
  weft::native::RunConfig config;
  auto* run = app.add_subcommand("run", "Run a scenario's body several times (protocol on stderr)");
  run->add_option("scenario", name, "Scenario name, family/variant")->required();
  run->add_option("--runs", config.runs, "Number of runs")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  run->add_option("--first-run", config.first_run, "Index of the first run (1-based)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  run->add_option("--seed", config.seed, "Seed of the perturbation and of weft::choose");
  run->add_flag("--perturb", config.perturb, "Random yields and short sleeps at synchronization points");
  run->add_option("--set", sets, "Override a scenario parameter, NAME=VALUE (repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "weft-native: error: %s\n", e.what());
    return 2;
  }
  if (!run->parsed()) return 0;
  const weft::Scenario* s = weft::find_scenario(name);
  if (s == nullptr) {
    std::fprintf(stderr, "weft-native: error: unknown scenario '%s'\n", name.c_str());
    return 2;
  }
  weft::Params params = s->default_params();
  for (const std::string& set : sets) {
    const std::string err = params.set(set);
    if (!err.empty()) {
      std::fprintf(stderr, "weft-native: error: %s\n", err.c_str());
      return 2;
    }
  }
  weft::native::run_scenario(*s, params, config);
  return 0;
}
