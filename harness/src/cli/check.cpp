// `weft check` (every engine over scenarios, one verdict table, JUnit/JSON) and `weft native`
// (only the native ThreadSanitizer run of one scenario).
#include "check/check.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "check/check_report.hpp"
#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "native/native_driver.hpp"
#include "untrusted.hpp"
#include "weft/scenario.hpp"

namespace weft::cli {

namespace {

const Scenario& lookup(const std::string& name) {
  const Scenario* s = find_scenario(name);
  if (s == nullptr) throw InputError(fmt::format("unknown scenario {} (see 'weft list')", quote_untrusted(name)));
  return *s;
}

// Opens an output file before any work, so a bad path fails fast (exit 2).
std::unique_ptr<std::ofstream> open_output(const std::string& path, const char* what) {
  if (path.empty()) return nullptr;
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) throw InputError(fmt::format("cannot write the {} file {}", what, quote_untrusted(path, 200)));
  return out;
}

std::string dump(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

struct CheckArgs {
  std::vector<std::string> scenarios;
  bool all = false;
  std::vector<std::string> engines;
  check::CheckSettings settings;
  std::string junit;
  std::string json;
  bool no_isolate = false;
};

struct NativeArgs {
  std::string scenario;
  std::vector<std::string> sets;
  native::NativeOptions options;
  bool json = false;
  bool no_trace = false;
};

int run_check(const CheckArgs& a) {
  if (a.all && !a.scenarios.empty()) throw InputError("give scenario names or --all, not both");
  if (!a.all && a.scenarios.empty()) throw InputError("give scenario names or --all (see 'weft list')");
  std::vector<const Scenario*> selected;
  if (a.all) {
    selected = scenarios();
  } else {
    for (const std::string& name : a.scenarios) selected.push_back(&lookup(name));
  }
  std::vector<std::unique_ptr<check::CheckEngine>> all_engines = check::make_engines(a.settings);
  std::vector<check::CheckEngine*> engines;
  for (auto& e : all_engines) {
    const std::string name(engine_name(e->engine()));
    if (!a.engines.empty() && std::find(a.engines.begin(), a.engines.end(), name) == a.engines.end()) continue;
    // An engine asked for by name must be able to run: a missing native backend is an error.
    if (!a.engines.empty() && e->engine() == Engine::kNative && !e->unavailable_reason().empty()) {
      throw InputError(e->unavailable_reason());
    }
    engines.push_back(e.get());
  }
  auto junit = open_output(a.junit, "JUnit");
  auto json = open_output(a.json, "JSON");

  const auto start = std::chrono::steady_clock::now();
  std::cout << check::table_header() << std::flush;
  std::vector<check::ScenarioCheck> checks;
  for (const Scenario* s : selected) {
    checks.push_back(check::check_scenario(*s, engines));
    std::cout << check::table_rows(checks.back()) << std::flush;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << check::table_footer(checks, seconds) << std::flush;
  const check::CheckSummary summary = check::summarize(checks);
  for (const check::ScenarioCheck& sc : checks) {
    for (const check::Correlation& c : sc.correlation) {
      if (c.status == check::CorrelationStatus::kWeftBug)
        std::fprintf(stderr, "weft: %s: %s\n", std::string(sc.scenario->name).c_str(), c.message.c_str());
    }
  }
  // Every verdict skipped: nothing was judged, which is not a pass.
  const int exit_code = summary.mismatched != 0                       ? kExitFinding
                        : summary.matched == 0 && summary.skipped > 0 ? kExitSkipped
                                                                      : kExitClean;
  if (junit) *junit << check::junit_xml(checks, seconds);
  if (json) *json << dump(check::check_json(checks, a.settings, seconds, exit_code)) << "\n";
  if (junit) junit->close();  // a write error (a full disk) shows only once flushed
  if (json) json->close();
  if ((junit && !*junit) || (json && !*json)) throw InputError("could not finish writing the report files");
  return exit_code;
}

std::string native_text(const Scenario& s, const Params& params, const native::NativeOptions& o,
                        const native::NativeResult& r, bool with_trace) {
  std::string out = fmt::format("{}  {}\n", s.name, params.to_string());
  out += fmt::format("native (ThreadSanitizer): {} of {} run{} in {:.3f} s, seed {}, perturbation {}{}\n",
                     r.runs_completed, r.runs_requested, r.runs_requested == 1 ? "" : "s", r.seconds, o.seed,
                     o.perturb ? "on" : "off",
                     r.hang ? fmt::format(", stopped by the watchdog in run {}", r.hang_run) : "");
  if (r.findings.empty()) {
    out += "no finding\n";
    return out;
  }
  out += fmt::format("{} finding{}:\n", r.findings.size(), r.findings.size() == 1 ? "" : "s");
  for (const Finding& f : r.findings) {
    out += fmt::format("\n[{}] {}\n", kind_name(f.kind), f.message);
    std::string threads;
    for (int t : f.threads) threads += fmt::format("{}t{}", threads.empty() ? "" : ", ", t);
    out += fmt::format("  at {}, run {}, threads {}\n", format_location(f.location), f.execution,
                       threads.empty() ? "-" : threads);
    for (const FindingSite& site : f.sites) {
      out += fmt::format("  - t{} {}{} at {}\n", site.thread, site.operation,
                         site.object.empty() ? "" : " " + site.object, format_location(site.location));
    }
    for (const std::string& d : f.details) out += fmt::format("  - {}\n", d);
    if (with_trace && !f.trace.empty()) out += "  ThreadSanitizer report:\n" + f.trace;
  }
  out += fmt::format("\nrerun: {}\n", r.rerun);
  return out;
}

int run_native_command(const NativeArgs& a) {
  const Scenario& s = lookup(a.scenario);
  if (!s.native.skip_reason.empty()) {
    std::cout << fmt::format("{}: skipped on the native engine: {}\n", s.name, s.native.skip_reason);
    return kExitSkipped;
  }
  Params params = s.default_params();
  for (const std::string& set : a.sets) {
    const std::string err = params.set(set);
    if (!err.empty()) throw InputError(err);
  }
  const native::NativeResult r = native::run_native(s, params, a.options);
  if (!r.error.empty() && r.runs_completed == 0 && r.findings.empty()) throw InputError(r.error);
  if (a.json) {
    Result as_result;
    as_result.strategy = "native";
    as_result.seed = a.options.seed;
    as_result.executions = r.runs_completed;
    as_result.seconds = r.seconds;
    as_result.bounded_by = r.hang ? "hang" : "";
    as_result.findings = r.findings;
    nlohmann::json j = result_json(s, params, as_result, "native");
    j["runs"] = r.runs_requested;
    j["perturb"] = a.options.perturb;
    j["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
    j["rerun"] = r.rerun;
    for (std::size_t i = 0; i < r.findings.size(); ++i) j["findings"][i]["trace"] = r.findings[i].trace;
    std::cout << dump(j) << "\n";
  } else {
    std::cout << native_text(s, params, a.options, r, !a.no_trace);
  }
  if (!r.error.empty()) throw InputError("native run failed: " + r.error);
  return r.findings.empty() ? kExitClean : kExitFinding;
}

void add_native_options(CLI::App* cmd, std::uint64_t& runs, std::uint64_t& seed, bool& perturb, double& timeout,
                        std::string& binary) {
  cmd->add_option("--native-binary", binary, "Path of weft-native (default: next to weft)");
  cmd->add_option("--runs", runs, "Native runs of the scenario (default 20)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
  cmd->add_option("--seed", seed, "Seed of the native perturbation and of weft::choose, 0 to 2^64-1")
      ->check(decimal_u64());
  cmd->add_flag("--perturb", perturb, "Native: random yields and short sleeps at synchronization points");
  cmd->add_option("--timeout", timeout, "Native watchdog: seconds a run may take before it is a hang (default 10)")
      ->check(finite_number())
      ->check(CLI::Range(0.1, 3600.0));
}

}  // namespace

void add_check_commands(CLI::App& app, int& exit_code) {
  auto c = std::make_shared<CheckArgs>();
  auto* check = app.add_subcommand("check", "Run every engine over scenarios and compare with their expected verdicts");
  check->add_option("scenario", c->scenarios, "Scenario names, family/variant (see 'weft list')");
  check->add_flag("--all", c->all, "The whole catalog");
  check->add_option("--engine", c->engines, "Only these engines (repeatable): model, native, relacy")
      ->check(CLI::IsMember({"model", "native", "relacy"}));
  add_native_options(check, c->settings.native_runs, c->settings.seed, c->settings.perturb, c->settings.native_timeout,
                     c->settings.native_binary);
  check->add_option("--junit", c->junit, "Also write JUnit XML to FILE (one test case per scenario and engine)");
  check->add_option("--json", c->json, "Also write the results as JSON to FILE");
  check->add_option("--stack-size", c->settings.stack_size, "Model: bytes per simulated thread stack (default 65536)")
      ->check(CLI::Range(std::size_t{16 * 1024}, std::size_t{1} << 30));
  check->add_option("--max-seconds", c->settings.max_seconds, "Model: wall-time budget of each scenario's search");
  check->add_option("--exec-timeout", c->settings.exec_timeout,
                    "Model: seconds without a visible operation before an execution is a hang (default 10; 0: off)");
  check->add_flag("--no-isolate", c->no_isolate,
                  "Model: explore in this process, not in a supervised child per scenario");
  check->callback([c, &exit_code] {
    if (!(c->settings.max_seconds >= 0 && c->settings.max_seconds <= 1e9))
      throw InputError(fmt::format("--max-seconds must be 0 to 1000000000 seconds (got {})", c->settings.max_seconds));
    if (!(c->settings.exec_timeout >= 0 && c->settings.exec_timeout <= 1e6))
      throw InputError(fmt::format("--exec-timeout must be 0 to 1000000 seconds (got {})", c->settings.exec_timeout));
    c->settings.isolate = !c->no_isolate;
    exit_code = run_check(*c);
  });

  auto n = std::make_shared<NativeArgs>();
  auto* native = app.add_subcommand("native", "Run a scenario on real threads under ThreadSanitizer (weft-native)");
  native->add_option("scenario", n->scenario, "Scenario name, family/variant (see 'weft list')")->required();
  add_native_options(native, n->options.runs, n->options.seed, n->options.perturb, n->options.timeout_seconds,
                     n->options.binary);
  native->add_option("--set", n->sets, "Override a scenario parameter, NAME=VALUE (repeatable)");
  native->add_flag("--json", n->json, "Print one JSON object (the --json contract, engine \"native\")");
  native->add_flag("--no-trace", n->no_trace, "Do not print ThreadSanitizer's reports");
  native->callback([n, &exit_code] { exit_code = run_native_command(*n); });
}

}  // namespace weft::cli
