// The WEFT_* environment knobs of explore() and WEFT_TEST (README, "Environment knobs"): parsed
// strictly, a bad value is a one-line std::invalid_argument naming the variable, never a default.
#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "weft/explore.hpp"

namespace weft {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

[[noreturn]] void bad(const char* name, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(fmt::format("{}='{}': expected {}", name, value, expected));
}

template <class Int>
Int parse_int(const char* name, std::string_view v, Int lo, Int hi, std::string_view expected) {
  Int out{};
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || out < lo || out > hi) bad(name, v, expected);
  return out;
}

bool parse_bool(const char* name, std::string_view v) {
  if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "off" || v == "no") return false;
  bad(name, v, "0 or 1");
}

StrategyKind parse_strategy(std::string_view v) {
  if (v == "default") return StrategyKind::kDefault;
  if (v == "dfs") return StrategyKind::kDfs;
  if (v == "dpor") return StrategyKind::kDpor;
  if (v == "random") return StrategyKind::kRandom;
  if (v == "pct") return StrategyKind::kPct;
  bad("WEFT_STRATEGY", v, "one of default, dfs, dpor, random, pct");
}

}  // namespace

Options options_from_env(const Options& options) {
  Options o = options;
  if (!o.from_env) return o;
  constexpr auto kU64Max = ~std::uint64_t{0};
  if (const char* v = env("WEFT_STRATEGY")) o.strategy = parse_strategy(v);
  if (const char* v = env("WEFT_MAX_EXECUTIONS")) {
    o.max_executions = parse_int<std::uint64_t>("WEFT_MAX_EXECUTIONS", v, 1, kU64Max, "a positive integer");
  }
  if (const char* v = env("WEFT_MAX_SECONDS")) {
    char* end = nullptr;
    errno = 0;
    const double s = std::strtod(v, &end);
    if (*v == '\0' || *end != '\0' || errno != 0 || !(s > 0) || s > 1e9) {
      bad("WEFT_MAX_SECONDS", v, "a number of seconds > 0");
    }
    o.max_seconds = s;
  }
  if (const char* v = env("WEFT_PREEMPTION_BOUND")) {
    o.preemption_bound = parse_int<int>("WEFT_PREEMPTION_BOUND", v, -1, 1000000, "an integer >= -1 (-1: unbounded)");
  }
  if (const char* v = env("WEFT_SEED")) {
    o.seed = parse_int<std::uint64_t>("WEFT_SEED", v, 0, kU64Max, "a non-negative integer");
  }
  if (const char* v = env("WEFT_TRACE")) o.trace = parse_bool("WEFT_TRACE", v);
  if (const char* v = env("WEFT_BREAK_STEP")) {
    o.break_step = parse_int<std::uint64_t>("WEFT_BREAK_STEP", v, 1, kU64Max, "a step number >= 1");
  }
  return o;
}

std::string env_replay_token() {
  const char* v = env("WEFT_REPLAY");
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace weft
