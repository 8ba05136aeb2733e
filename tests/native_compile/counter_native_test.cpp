// The counter family compiled for the native backend (std types, real threads): same source.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

// Minimal native runtime for this test: assertions are recorded, perturbation is off,
// choose() draws from a seeded generator.
namespace weft::detail {
namespace {
std::mutex g_mutex;
std::vector<std::string> g_failures;
std::mt19937 g_rng(1);
}  // namespace
void native_perturb() {}
void native_assert_failed(const char* expr, SourceLoc loc) {
  std::lock_guard<std::mutex> g(g_mutex);
  g_failures.push_back(std::string(expr) + " at line " + std::to_string(loc.line));
}
std::uint32_t native_choose(std::uint32_t n) {
  std::lock_guard<std::mutex> g(g_mutex);
  return static_cast<std::uint32_t>(g_rng() % n);
}
}  // namespace weft::detail

namespace {

static_assert(std::string_view(weft::kBackendName) == "native");

// Correct variants never fail an end check on real threads.
TEST(NativeCompile, CorrectCountersRunCleanOnRealThreads) {
  for (const char* name : {"counter/atomic", "counter/mutex"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr) << name;
    weft::Params p = s->default_params();
    ASSERT_EQ(p.set("threads", 4), "");
    ASSERT_EQ(p.set("iterations", 1000), "");
    weft::detail::g_failures.clear();
    for (int run = 0; run < 20; ++run) s->body(p);
    EXPECT_TRUE(weft::detail::g_failures.empty()) << name << ": " << weft::detail::g_failures.front();
  }
}

// The racy variants compile and run from the same source; whether a run loses an update
// depends on the real interleaving, so only that it ran is asserted here (the native engine's
// TSan verdict is the native backend's job).
TEST(NativeCompile, BuggyCountersRunFromTheSameSource) {
  for (const char* name : {"counter/racy", "counter/lost-update"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr) << name;
    s->body(s->default_params());
  }
  EXPECT_EQ(weft::scenarios().size(), 4u);  // only the counter family is compiled here
}

}  // namespace
