// GoogleTest integration (target weft::gtest): WEFT_TEST explores its body as a gtest test, and
// WEFT_EXPECT_NO_FINDINGS / WEFT_ASSERT_NO_FINDINGS fail with each finding (kind, threads,
// location), its trace and the command line that replays it. See README, "Writing your own test".
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "weft/explore.hpp"

namespace weft::gtest {

// "gtest:Suite.Name" for the running gtest test; empty outside one. WEFT_TEST stores it in
// Options::identity, so its tokens replay only in that test.
std::string current_test_identity();

// The shell line that replays `token` in the running test:
// "WEFT_REPLAY=<token> <this executable> --gtest_filter=Suite.Name".
std::string replay_command(const std::string& token);

// The failure text of a Result: what was explored, then per finding its kind and message, threads,
// location, sites, details, trace and replay_command(); a replay's divergence.
std::string describe(const Result& result);

// A gtest predicate formatter: success when `result.ok()`, otherwise describe(result).
::testing::AssertionResult no_findings(const char* expression, const Result& result);

// WEFT_TEST's body: explores `body` with `options` (Options::identity set to the test's, the
// WEFT_* knobs applied) and records a gtest failure for each problem: a finding, a divergence, or
// a bad knob / foreign token (std::invalid_argument, one line). Returns the result (empty on
// such an error).
// Failures are reported at `file`:`line` (the WEFT_TEST line).
Result explore_test(const std::function<void()>& body, Options options = {}, const char* file = __builtin_FILE(),
                    int line = __builtin_LINE());

}  // namespace weft::gtest

#define WEFT_EXPECT_NO_FINDINGS(result) EXPECT_PRED_FORMAT1(::weft::gtest::no_findings, result)
#define WEFT_ASSERT_NO_FINDINGS(result) ASSERT_PRED_FORMAT1(::weft::gtest::no_findings, result)

// WEFT_TEST(Suite, Name) { body }: a gtest test whose body is explored by weft (every execution of
// the default search: DPOR where it applies); inside it use weft's facade and WEFT_ASSERT, not
// gtest's assertions. WEFT_TEST_WITH(Suite, Name, options) starts from the given weft::Options.
#define WEFT_TEST_WITH(suite, name, options)                                                      \
  static void weft_test_body_##suite##_##name();                                                  \
  TEST(suite, name) { ::weft::gtest::explore_test(&weft_test_body_##suite##_##name, (options)); } \
  static void weft_test_body_##suite##_##name()
#define WEFT_TEST(suite, name) WEFT_TEST_WITH(suite, name, ::weft::Options{})
