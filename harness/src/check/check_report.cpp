// Rendering `weft check` results: the verdict table, JSON and JUnit XML.
#include "check/check_report.hpp"

#include <fmt/format.h>

#include "cli/report.hpp"

namespace weft::check {

namespace {

constexpr int kScenarioWidth = 30;
constexpr int kEngineWidth = 7;
constexpr int kExpectedWidth = 30;
constexpr int kVerdictWidth = 34;
constexpr int kMatchWidth = 6;
constexpr int kWorkWidth = 20;
constexpr std::size_t kTraceLines = 40;

std::string kinds_text(const std::vector<FindingKind>& kinds) {
  std::string out;
  for (FindingKind k : kinds) out += (out.empty() ? "" : "+") + std::string(kind_name(k));
  return out;
}

std::string expected_text(const Expectation& e) {
  if (!e.skip_reason.empty()) return "skipped";
  return e.kinds.empty() ? "clean" : kinds_text(e.kinds);
}

std::string clip(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  return s;
}

// The table's verdict column: the verdict in full, except a skip's reason (listed below the
// table) and an error's reason (clipped; the mismatch section prints it in full).
std::string verdict_cell(const EngineVerdict& v) {
  if (v.state == VerdictState::kSkipped) return "skipped (reason below)";
  const std::string text = verdict_text(v);
  return v.state == VerdictState::kError ? clip(text, 60) : text;
}

std::string match_text(const Judgement& j) {
  if (!j.counted) return "-";
  if (!j.matches) return "NO";
  return j.reproduced ? "yes" : "yes*";
}

std::string work_text(const EngineVerdict& v) {
  if (v.state == VerdictState::kSkipped) return "-";
  if (v.engine == Engine::kModel || v.engine == Engine::kRelacy) {
    const char* how = v.complete ? ", complete" : v.bounded_by == "finding" ? ", stopped" : ", bounded";
    return fmt::format("{} exec{}", v.executions, how);
  }
  if (v.engine == Engine::kNative) return fmt::format("{}/{} runs", v.executions, v.runs_requested);
  return fmt::format("{} exec", v.executions);
}

std::string threads_text(const std::vector<int>& threads) {
  std::string out;
  for (int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  return out.empty() ? std::string("-") : out;
}

// Keeps the first (native: TSan report) or last (model: the failing end) lines of a trace.
std::string short_trace(const std::string& trace, bool keep_head) {
  std::vector<std::string_view> lines;
  std::string_view t = trace;
  while (!t.empty()) {
    const std::size_t nl = t.find('\n');
    lines.push_back(t.substr(0, nl));
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
  }
  std::string out;
  if (lines.size() <= kTraceLines) {
    for (std::string_view l : lines) out += fmt::format("{}\n", l);
    return out;
  }
  if (keep_head) {
    for (std::size_t i = 0; i < kTraceLines; ++i) out += fmt::format("{}\n", lines[i]);
    out += fmt::format("... ({} more lines)\n", lines.size() - kTraceLines);
  } else {
    out += fmt::format("... ({} earlier lines)\n", lines.size() - kTraceLines);
    for (std::size_t i = lines.size() - kTraceLines; i < lines.size(); ++i) out += fmt::format("{}\n", lines[i]);
  }
  return out;
}

// One finding as text: kind and message, where, sites, details, replay or rerun.
std::string finding_text(const Scenario& s, const EngineVerdict& v, const Finding& f, const std::string& indent) {
  std::string out = fmt::format("{}[{}] {}\n", indent, kind_name(f.kind), f.message);
  const char* unit = v.engine == Engine::kNative ? "run" : "execution";
  out += fmt::format("{}  at {}, {} {}, threads {}\n", indent, format_location(f.location), unit, f.execution,
                     threads_text(f.threads));
  for (const FindingSite& site : f.sites) {
    out += fmt::format("{}  - t{} {}{} at {}\n", indent, site.thread, site.operation,
                       site.object.empty() ? "" : " " + site.object, format_location(site.location));
  }
  for (const std::string& d : f.details) out += fmt::format("{}  - {}\n", indent, d);
  if (!f.schedule.empty()) {
    out += fmt::format("{}  replay: weft replay {} {}\n", indent, s.name, f.schedule);
  } else if (!v.rerun.empty()) {
    out += fmt::format("{}  rerun:  {}\n", indent, v.rerun);
  }
  return out;
}

bool is_valid_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

std::string verdict_text(const EngineVerdict& v) {
  switch (v.state) {
    case VerdictState::kSkipped:
      return "skipped: " + v.reason;
    case VerdictState::kError:
      return "error: " + v.reason;
    case VerdictState::kRan:
      break;
  }
  const std::vector<FindingKind> kinds = v.kinds();
  return kinds.empty() ? std::string("clean") : kinds_text(kinds);
}

std::string table_header() {
  std::string h = fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:<{}} {:<{}} {}\n", "scenario", kScenarioWidth, "engine",
                              kEngineWidth, "expected", kExpectedWidth, "verdict", kVerdictWidth, "match", kMatchWidth,
                              "executions/runs", kWorkWidth, "time");
  return h + std::string(h.size() - 1, '-') + "\n";
}

std::string table_rows(const ScenarioCheck& check) {
  std::string out;
  bool first = true;
  for (const EngineCheck& ec : check.engines) {
    const std::string time =
        ec.verdict.state == VerdictState::kSkipped ? std::string("-") : fmt::format("{:.2f}s", ec.verdict.seconds);
    out += fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:<{}} {:<{}} {}\n",
                       first ? clip(std::string(check.scenario->name), kScenarioWidth) : std::string(), kScenarioWidth,
                       engine_name(ec.verdict.engine), kEngineWidth, clip(expected_text(ec.expected), kExpectedWidth),
                       kExpectedWidth, verdict_cell(ec.verdict), kVerdictWidth, match_text(ec.judgement), kMatchWidth,
                       work_text(ec.verdict), kWorkWidth, time);
    first = false;
  }
  return out;
}

std::string table_footer(const std::vector<ScenarioCheck>& checks, double seconds) {
  std::string out;
  std::string mismatches;
  std::string notes;
  std::string correlation;
  std::string skips;
  for (const ScenarioCheck& sc : checks) {
    for (const EngineCheck& ec : sc.engines) {
      const std::string label = fmt::format("{} [{}]", sc.scenario->name, engine_name(ec.verdict.engine));
      if (ec.verdict.state == VerdictState::kSkipped)
        skips += fmt::format("  {}: {}\n", label, verdict_text(ec.verdict));
      if (ec.judgement.counted && !ec.judgement.matches) {
        mismatches += fmt::format("  {}: expected {}; {}\n", label, expected_text(ec.expected), ec.judgement.note);
        for (const Finding& f : ec.verdict.findings) mismatches += finding_text(*sc.scenario, ec.verdict, f, "    ");
        if (ec.verdict.findings.empty() && !ec.verdict.rerun.empty()) {
          mismatches += fmt::format("    rerun: {}\n", ec.verdict.rerun);
        }
      } else if (ec.judgement.counted && !ec.judgement.note.empty()) {
        notes += fmt::format("  {}: {}\n", label, ec.judgement.note);
      }
    }
    for (const Correlation& c : sc.correlation) {
      correlation += fmt::format("  {}{}: {}\n", c.status == CorrelationStatus::kWeftBug ? "!! " : "",
                                 sc.scenario->name, c.message);
    }
  }
  if (!mismatches.empty()) out += "\nverdicts that do not match their expectation:\n" + mismatches;
  if (!skips.empty()) out += "\nskipped (not run, not judged, never a pass):\n" + skips;
  if (!notes.empty()) out += "\nnotes (yes* = matched without reproducing the expected kinds):\n" + notes;
  if (!correlation.empty()) out += "\nmodel vs native:\n" + correlation;
  const CheckSummary s = summarize(checks);
  out += fmt::format("\nsummary: {} match, {} mismatch, {} skipped{} ({} scenario{}, {:.2f} s)\n", s.matched,
                     s.mismatched, s.skipped,
                     s.weft_bugs > 0 ? fmt::format("; {} WEFT BUG{} flagged", s.weft_bugs, s.weft_bugs == 1 ? "" : "S")
                                     : std::string(),
                     checks.size(), checks.size() == 1 ? "" : "s", seconds);
  return out;
}

nlohmann::json check_json(const std::vector<ScenarioCheck>& checks, const CheckSettings& settings, double seconds,
                          int exit_code) {
  nlohmann::json j;
  j["format"] = "weft-check-1";
  j["exit_code"] = exit_code;
  j["seconds"] = seconds;
  j["settings"] = {{"native_runs", settings.native_runs},
                   {"seed", settings.seed},
                   {"perturb", settings.perturb},
                   {"native_timeout", settings.native_timeout}};
  const CheckSummary s = summarize(checks);
  j["summary"] = {
      {"matched", s.matched}, {"mismatched", s.mismatched}, {"skipped", s.skipped}, {"weft_bugs", s.weft_bugs}};
  nlohmann::json scenarios = nlohmann::json::array();
  for (const ScenarioCheck& sc : checks) {
    nlohmann::json js;
    js["scenario"] = sc.scenario->name;
    nlohmann::json params = nlohmann::json::object();
    for (std::size_t i = 0; i < sc.params.specs().size(); ++i) {
      params[std::string(sc.params.specs()[i].name)] = sc.params.values()[i];
    }
    js["params"] = params;
    nlohmann::json engines = nlohmann::json::array();
    for (const EngineCheck& ec : sc.engines) {
      const EngineVerdict& v = ec.verdict;
      nlohmann::json je;
      je["engine"] = engine_name(v.engine);
      nlohmann::json kinds = nlohmann::json::array();
      for (FindingKind k : ec.expected.kinds) kinds.push_back(kind_name(k));
      je["expected"] = {{"kinds", kinds},
                        {"skip_reason", ec.expected.skip_reason.empty() ? nlohmann::json(nullptr)
                                                                        : nlohmann::json(ec.expected.skip_reason)}};
      je["state"] = v.state == VerdictState::kRan ? "ran" : v.state == VerdictState::kSkipped ? "skipped" : "error";
      je["verdict"] = verdict_text(v);
      je["reason"] = v.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.reason);
      je["matches"] = ec.judgement.counted ? nlohmann::json(ec.judgement.matches) : nlohmann::json(nullptr);
      je["reproduced"] = ec.judgement.counted && ec.judgement.matches ? nlohmann::json(ec.judgement.reproduced)
                                                                      : nlohmann::json(nullptr);
      je["note"] = ec.judgement.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(ec.judgement.note);
      nlohmann::json found = nlohmann::json::array();
      for (FindingKind k : v.kinds()) found.push_back(kind_name(k));
      je["kinds"] = found;
      je["executions"] = v.executions;
      je["runs_requested"] = v.engine == Engine::kNative ? nlohmann::json(v.runs_requested) : nlohmann::json(nullptr);
      je["complete"] = v.complete;
      je["bounded_by"] = v.bounded_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.bounded_by);
      je["seconds"] = v.seconds;
      je["rerun"] = v.rerun.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.rerun);
      nlohmann::json findings = nlohmann::json::array();
      for (const Finding& f : v.findings) {
        nlohmann::json jf = cli::finding_json(f);
        jf["trace"] = f.trace;
        findings.push_back(std::move(jf));
      }
      je["findings"] = findings;
      engines.push_back(std::move(je));
    }
    js["engines"] = engines;
    nlohmann::json corr = nlohmann::json::array();
    for (const Correlation& c : sc.correlation) {
      corr.push_back({{"status", correlation_name(c.status)},
                      {"kind", kind_name(c.kind)},
                      {"location", c.location},
                      {"message", c.message}});
    }
    js["correlation"] = corr;
    scenarios.push_back(std::move(js));
  }
  j["scenarios"] = scenarios;
  j["version"] = WEFT_VERSION;  // weft's version (CMake's project(VERSION))
  return j;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          out += is_valid_xml_char(c) ? static_cast<char>(c) : '?';
          break;
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: copied when well formed and allowed in XML, '?' otherwise.
    const int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    std::uint32_t cp = len == 4 ? (c & 0x07u) : len == 3 ? (c & 0x0Fu) : (c & 0x1Fu);
    bool ok = len != 0 && i + static_cast<std::size_t>(len) <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      ok = (cc & 0xC0u) == 0x80u;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    ok = ok && is_valid_xml_char(cp) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000);
    if (ok) {
      out.append(text.substr(i, static_cast<std::size_t>(len)));
      i += static_cast<std::size_t>(len);
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string junit_xml(const std::vector<ScenarioCheck>& checks, double seconds) {
  struct Suite {
    Engine engine;
    std::string body;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
  };
  std::vector<Suite> suites;
  auto suite_for = [&](Engine e) -> Suite& {
    for (Suite& s : suites) {
      if (s.engine == e) return s;
    }
    suites.push_back(Suite{e, {}});
    return suites.back();
  };
  for (const ScenarioCheck& sc : checks) {
    std::string correlation;
    for (const Correlation& c : sc.correlation) correlation += c.message + "\n";
    for (const EngineCheck& ec : sc.engines) {
      const EngineVerdict& v = ec.verdict;
      Suite& suite = suite_for(v.engine);
      ++suite.tests;
      suite.time += v.seconds;
      std::string tc = fmt::format("    <testcase classname=\"weft.{}\" name=\"{}\" time=\"{:.3f}\">\n",
                                   engine_name(v.engine), xml_escape(sc.scenario->name), v.seconds);
      std::string findings;
      for (const Finding& f : v.findings) {
        findings += finding_text(*sc.scenario, v, f, "");
        if (!f.trace.empty()) {
          findings += v.engine == Engine::kNative ? "ThreadSanitizer report:\n" : "trace:\n";
          findings += short_trace(f.trace, v.engine == Engine::kNative);
        }
      }
      if (!ec.judgement.counted) {
        ++suite.skipped;
        tc += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(v.reason));
      } else if (!ec.judgement.matches) {
        const bool error = v.state == VerdictState::kError;
        ++(error ? suite.errors : suite.failures);
        std::string message =
            fmt::format("expected {}, got {}: {}", expected_text(ec.expected), verdict_text(v), ec.judgement.note);
        if (!v.findings.empty()) {
          message +=
              fmt::format(" | {} at {}", v.findings.front().message, format_location(v.findings.front().location));
          if (!v.findings.front().schedule.empty()) message += " | replay token " + v.findings.front().schedule;
        }
        const char* tag = error ? "error" : "failure";
        tc += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", tag, xml_escape(message),
                          error ? "engine_error" : "expectation_mismatch",
                          xml_escape(findings.empty() ? v.rerun : findings), tag);
      }
      std::string out = fmt::format("verdict: {}\nexpected: {}\n{}", verdict_text(v), expected_text(ec.expected),
                                    ec.judgement.note.empty() ? std::string() : "note: " + ec.judgement.note + "\n");
      if (ec.judgement.counted && ec.judgement.matches) out += findings;
      if (!correlation.empty() && (v.engine == Engine::kModel || v.engine == Engine::kNative)) {
        out += "model vs native:\n" + correlation;
      }
      tc += fmt::format("      <system-out>{}</system-out>\n", xml_escape(out));
      tc += "    </testcase>\n";
      suite.body += tc;
    }
  }
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string body;
  for (const Suite& s : suites) {
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
    body += fmt::format(
        "  <testsuite name=\"weft.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}"
        "  </testsuite>\n",
        engine_name(s.engine), s.tests, s.failures, s.errors, s.skipped, s.time, s.body);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"weft check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n"
      "{}</testsuites>\n",
      tests, failures, errors, skipped, seconds, body);
}

}  // namespace weft::check
