// weft/gtest.hpp: the failure text of findings for GoogleTest, and WEFT_TEST's exploration.
#include "weft/gtest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace weft::gtest {

namespace {

std::string self_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("./test");
}

std::string thread_list(const std::vector<int>& threads) {
  std::string out;
  for (int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  return out.empty() ? "none" : out;
}

std::string indent(const std::string& text, const char* prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::size_t stop = end == std::string::npos ? text.size() : end;
    out += prefix + text.substr(start, stop - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string current_test_identity() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return {};
  return fmt::format("gtest:{}.{}", info->test_suite_name(), info->name());
}

std::string replay_command(const std::string& token) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string line = fmt::format("WEFT_REPLAY={} {}", token, self_path());
  if (info != nullptr) line += fmt::format(" --gtest_filter={}.{}", info->test_suite_name(), info->name());
  return line;
}

std::string describe(const Result& r) {
  std::string out = fmt::format("weft: {} finding{} after {} execution{} (strategy {}{})\n", r.findings.size(),
                                r.findings.size() == 1 ? "" : "s", r.executions, r.executions == 1 ? "" : "s",
                                r.strategy, r.complete ? ", complete" : "");
  if (!r.divergence.empty()) out += fmt::format("weft: {}\n", r.divergence);
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    out += fmt::format("finding {}: {}: {}\n", i + 1, kind_name(f.kind), f.message);
    out += fmt::format("  threads: {}\n", thread_list(f.threads));
    out += fmt::format("  at: {}{}, step {} of execution {}\n", format_location(f.location),
                       f.operation.empty() ? "" : " (" + f.operation + ")", f.step, f.execution);
    for (const FindingSite& s : f.sites) {
      out += fmt::format("  site: t{} {} {} at {}\n", s.thread, s.operation, s.object, format_location(s.location));
    }
    for (const std::string& d : f.details) out += indent(d, "  ");
    if (!f.trace.empty()) out += "  trace:\n" + indent(f.trace, "    ");
    if (!f.schedule.empty()) out += fmt::format("  replay: {}\n", replay_command(f.schedule));
  }
  return out;
}

::testing::AssertionResult no_findings(const char* expression, const Result& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expression << " has findings\n" << describe(result);
}

Result explore_test(const std::function<void()>& body, Options options, const char* file, int line) {
  if (options.identity.empty()) options.identity = current_test_identity();
  try {
    Result r = explore(body, options);
    if (!r.ok()) ADD_FAILURE_AT(file, line) << describe(r);
    return r;
  } catch (const std::invalid_argument& e) {
    ADD_FAILURE_AT(file, line) << "weft: " << e.what();
    return Result{};
  }
}

}  // namespace weft::gtest
