// Driving weft-relacy: spawn it, read its JSON object, turn Relacy's report into a weft result.
#include "relacy/relacy_driver.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "relacy/relacy_report.hpp"
#include "subprocess.hpp"

namespace weft::relacy {

namespace {

using Clock = std::chrono::steady_clock;

struct Output {
  ChildExit exit;
  std::string error;  // could not run it
};

// Runs `argv` with stdout and stderr captured, in its own process group (killed on timeout).
Output run_process(const std::string& binary, std::vector<std::string> args, double timeout_seconds) {
  Output o;
  const Spawned child = spawn_captured(binary, std::move(args), /*merge_stderr=*/false);
  if (!child.error.empty()) {
    o.error = child.error;
    return o;
  }
  o.exit = wait_child(child, timeout_seconds);
  return o;
}

std::string first_line(const std::string& text) {
  const std::size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

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

RelacyOptions default_options(const Scenario& scenario) {
  RelacyOptions o;
  o.search = scenario.relacy_explore.search;
  o.context_bound = scenario.relacy_explore.context_bound;
  o.iterations = scenario.relacy_explore.iterations;
  return o;
}

std::string default_relacy_binary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path candidate = self.parent_path() / "weft-relacy";
  return std::filesystem::exists(candidate, ec) ? candidate.string() : std::string();
}

std::string rerun_command(const Scenario& scenario, const Params& params, const RelacyOptions& options) {
  std::string cmd =
      fmt::format("weft explore {} --engine relacy --relacy-search {}", scenario.name, search_name(options.search));
  if (options.search == RelacySearch::kBound) cmd += fmt::format(" --context-bound {}", options.context_bound);
  if (options.search == RelacySearch::kRandom) cmd += fmt::format(" --iterations {}", options.iterations);
  if (options.max_steps != RelacyOptions{}.max_steps) cmd += fmt::format(" --max-steps {}", options.max_steps);
  if (options.track_heap) cmd += " --relacy-track-heap";
  for (std::size_t i = 0; i < params.specs().size(); ++i) {
    if (params.values()[i] == params.specs()[i].default_value) continue;
    cmd += " --set " + shell_quote(fmt::format("{}={}", params.specs()[i].name, params.values()[i]));
  }
  return cmd;
}

RelacyResult parse_relacy_output(std::string_view json_text, const Scenario& scenario, const Params& params,
                                 const RelacyOptions& options) {
  RelacyResult out;
  out.rerun = rerun_command(scenario, params, options);
  Result& r = out.result;
  r.strategy = std::string(search_name(options.search));
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("result") || !j.contains("report")) {
    out.error =
        fmt::format("unreadable output from weft-relacy: {}", first_line(std::string(json_text)).substr(0, 200));
    return out;
  }
  r.seconds = j.value("seconds", 0.0);
  out.search_seconds = r.seconds;
  out.threads = j.value("threads", 0);
  out.weak_order = j.value("weak_order", "");
  const std::string weak_file = j.value("weak_order_file", "");
  if (!weak_file.empty()) out.weak_order_at = SourceLoc{intern_file(weak_file), j.value("weak_order_line", 0)};
  if (j.value("skipped", false)) {
    out.skipped = true;
    out.skip_reason = j.value("skip_reason", "");
    const std::string file = j.value("skip_file", "");
    if (!file.empty()) out.skip_at = SourceLoc{intern_file(file), j.value("skip_line", 0)};
    r.bounded_by = "skipped";
    return out;
  }
  const ReportParse parsed = parse_report(j.value("report", ""));
  if (!parsed.report) {
    out.error = "cannot read Relacy's report: " + parsed.error;
    return out;
  }
  const Report& report = *parsed.report;
  r.executions = report.iteration;
  if (!report.failed) {
    r.complete = options.search == RelacySearch::kFull;
    if (options.search == RelacySearch::kBound) r.bounded_by = fmt::format("context_bound={}", options.context_bound);
    if (options.search == RelacySearch::kRandom) r.bounded_by = fmt::format("iterations={}", options.iterations);
    return out;
  }
  if (!finding_kind(report)) {
    out.error = fmt::format("Relacy stopped with '{}{}', which weft does not map to a finding", report.result,
                            report.detail.empty() ? "" : " (" + report.detail + ")");
    return out;
  }
  r.bounded_by = "finding";
  Finding f = to_finding(report, out.threads);
  f.details.push_back(
      fmt::format("no schedule token: Relacy's {} search is deterministic, `{}` finds iteration {} again",
                  search_name(options.search), out.rerun, report.iteration));
  r.findings.push_back(std::move(f));
  return out;
}

RelacyResult run_relacy(const Scenario& scenario, const Params& params, const RelacyOptions& options) {
  const auto start = Clock::now();
  const std::string binary = options.binary.empty() ? default_relacy_binary() : options.binary;
  if (binary.empty() || ::access(binary.c_str(), X_OK) != 0) {
    RelacyResult out;
    out.rerun = rerun_command(scenario, params, options);
    out.result.strategy = std::string(search_name(options.search));
    out.error = binary.empty() ? "the Relacy backend is not built (no weft-relacy next to weft)"
                               : fmt::format("the Relacy backend is not built ({} is missing)", binary);
    return out;
  }
  std::vector<std::string> args = {"weft-relacy",
                                   "run",
                                   std::string(scenario.name),
                                   "--search",
                                   std::string(search_name(options.search)),
                                   "--context-bound",
                                   std::to_string(options.context_bound),
                                   "--iterations",
                                   std::to_string(options.iterations),
                                   "--max-steps",
                                   std::to_string(options.max_steps)};
  if (options.track_heap) args.push_back("--track-heap");
  for (std::size_t i = 0; i < params.specs().size(); ++i) {
    args.push_back("--set");
    args.push_back(fmt::format("{}={}", params.specs()[i].name, params.values()[i]));
  }
  const Output o = run_process(binary, std::move(args), options.timeout_seconds);
  RelacyResult out;
  if (!o.error.empty()) {
    out.error = o.error;
  } else if (o.exit.timed_out) {
    out.error = fmt::format("weft-relacy did not finish within {:g} s (a search too large for its bound)",
                            options.timeout_seconds);
  } else if (WIFSIGNALED(o.exit.status)) {
    const char* name = sigabbrev_np(WTERMSIG(o.exit.status));
    out.error = fmt::format("weft-relacy was killed by signal {}{}", WTERMSIG(o.exit.status),
                            name != nullptr ? fmt::format(" (SIG{})", name) : std::string());
  } else if (!WIFEXITED(o.exit.status) || WEXITSTATUS(o.exit.status) != 0) {
    const std::string why = first_line(o.exit.err);
    out.error =
        fmt::format("weft-relacy exited with status {}{}", WEXITSTATUS(o.exit.status), why.empty() ? "" : ": " + why);
  } else {
    out = parse_relacy_output(o.exit.out, scenario, params, options);
  }
  if (out.rerun.empty()) out.rerun = rerun_command(scenario, params, options);
  if (out.result.strategy.empty()) out.result.strategy = std::string(search_name(options.search));
  out.result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

}  // namespace weft::relacy
