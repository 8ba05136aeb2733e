// Rendering exploration results: human-readable text and the public --json schema.
#include "cli/report.hpp"

#include <fmt/format.h>

namespace weft::cli {

namespace {
nlohmann::json location_json(SourceLoc loc) {
  if (!loc.known()) return nullptr;
  const std::string text = format_location(loc);
  return {{"file", text.substr(0, text.rfind(':'))}, {"line", loc.line}};
}

std::string threads_text(const std::vector<int>& threads) {
  std::string out;
  for (int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  return out;
}
}  // namespace

std::string expectation_text(const Expectation& e) {
  if (!e.skip_reason.empty()) return "skipped";
  if (e.kinds.empty()) return "clean";
  std::string out;
  for (FindingKind k : e.kinds) out += (out.empty() ? "" : "+") + std::string(kind_name(k));
  return out;
}

nlohmann::json finding_json(const Finding& f) {
  nlohmann::json j;
  j["kind"] = kind_name(f.kind);
  j["message"] = f.message;
  j["threads"] = f.threads;
  j["operation"] = f.operation;
  j["location"] = location_json(f.location);
  j["step"] = f.step;
  j["execution"] = f.execution;
  j["schedule"] = f.schedule;
  j["details"] = f.details;
  nlohmann::json sites = nlohmann::json::array();
  for (const FindingSite& s : f.sites) {
    sites.push_back({{"thread", s.thread},
                     {"operation", s.operation},
                     {"object", s.object},
                     {"location", location_json(s.location)},
                     {"step", s.step}});
  }
  j["sites"] = sites;
  return j;
}

nlohmann::json result_json(const Scenario& scenario, const Params& params, const Result& r, std::string_view engine) {
  nlohmann::json j;
  j["scenario"] = scenario.name;
  nlohmann::json p = nlohmann::json::object();
  for (std::size_t i = 0; i < params.specs().size(); ++i) p[std::string(params.specs()[i].name)] = params.values()[i];
  j["params"] = p;
  j["engine"] = engine;
  j["strategy"] = r.strategy;
  j["seed"] = r.seed;
  j["redundant_executions"] = r.redundant_executions;
  j["fair"] = r.fair;
  j["starvation_bound"] = r.fair ? nlohmann::json(r.starvation_bound) : nlohmann::json(nullptr);
  j["executions"] = r.executions;
  j["complete"] = r.complete;
  j["bounded_by"] = r.bounded_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.bounded_by);
  j["seconds"] = r.seconds;
  j["max_steps_seen"] = r.max_steps_seen;
  j["spurious_bound"] = r.spurious_bound.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.spurious_bound);
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& f : r.findings) findings.push_back(finding_json(f));
  j["findings"] = findings;
  j["divergence"] = r.divergence.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.divergence);
  j["policy"] = r.policy == SchedPolicy::kPriority ? "priority" : "any";
  j["cpus"] = r.policy == SchedPolicy::kPriority ? nlohmann::json(r.cpus) : nlohmann::json(nullptr);
  j["strategy_fallback"] = r.strategy_fallback.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.strategy_fallback);
  j["max_blocking"] = nlohmann::json(nullptr);
  if (r.max_blocking.measured) {
    const BlockingSummary& b = r.max_blocking;
    j["max_blocking"] = {{"time_ns", b.time},     {"time", format_vtime(b.time)}, {"waited_ns", b.waited},
                         {"steps", b.steps},      {"thread", b.high},             {"holder", b.low},
                         {"mutex", b.mutex},      {"execution", b.execution},     {"schedule", b.schedule}};
  }
  return j;
}

std::string result_text(const Scenario& scenario, const Params& params, const Result& r, bool with_trace) {
  std::string out = fmt::format("{}  {}\n", scenario.name, params.to_string());
  std::string status;
  if (!r.divergence.empty()) {
    status = r.divergence;
  } else if (r.strategy == "replay") {
    status = r.findings.empty() ? "replayed the recorded schedule"
                                : "replayed the recorded schedule: same finding at the same step";
  } else if (r.complete) {
    status = "complete: every execution explored";
    if (!r.spurious_bound.empty()) {
      status += fmt::format(" (spurious wake-ups bounded: {} per execution)", r.spurious_bound);
    }
  } else if (r.bounded_by == "finding") {
    status = "stopped at the first finding";
  } else if (!r.bounded_by.empty()) {
    status = fmt::format("NOT complete: bounded by {}", r.bounded_by);
  } else {
    status = "NOT complete";
  }
  out += fmt::format("strategy {}{}{}: {} execution{} in {:.3f} s, {}\n", r.strategy,
                     r.strategy == "random" || r.strategy == "pct" ? fmt::format(" (seed {})", r.seed) : std::string(),
                     r.fair ? fmt::format(", fair (starvation bound {})", r.starvation_bound) : std::string(),
                     r.executions,
                     r.executions == 1 ? "" : "s", r.seconds, status);
  if (!r.strategy_fallback.empty()) out += fmt::format("strategy fallback: {}\n", r.strategy_fallback);
  if (r.policy == SchedPolicy::kPriority) {
    out += fmt::format("priority policy on {} CPU{}", r.cpus, r.cpus == 1 ? "" : "s");
    if (r.max_blocking.measured) {
      const BlockingSummary& b = r.max_blocking;
      out += fmt::format("; worst priority inversion: lower-priority threads ran {} while {} waited {} ({} steps) "
                         "for {} held by {} (execution {})",
                         format_vtime(b.time), b.high_name, format_vtime(b.waited), b.steps, b.mutex, b.low_name,
                         b.execution);
    } else {
      out += "; no thread waited for a lower-priority holder";
    }
    out += "\n";
  }
  if (r.findings.empty()) {
    out += "no finding\n";
    return out;
  }
  out += fmt::format("{} finding{}:\n", r.findings.size(), r.findings.size() == 1 ? "" : "s");
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    out += fmt::format("\n[{}] {}\n", kind_name(f.kind), f.message);
    out += fmt::format("  at {}, step {}, execution {}, threads {}\n", format_location(f.location), f.step,
                       f.execution, threads_text(f.threads));
    for (const FindingSite& s : f.sites) {
      out += fmt::format("  - t{} {} {} at {} (step {})\n", s.thread, s.operation, s.object,
                         format_location(s.location), s.step);
    }
    for (const std::string& d : f.details) out += fmt::format("  - {}\n", d);
    if (!f.schedule.empty()) {
      out += fmt::format("  schedule: {}\n  replay:   weft replay {} {}\n", f.schedule, scenario.name, f.schedule);
    }
    if (with_trace && !f.trace.empty() && (i == 0 || f.trace != r.findings[i - 1].trace)) {
      out += "  trace:\n" + f.trace;
    }
  }
  return out;
}

}  // namespace weft::cli
