// The CLI's subcommands; each registers itself on the app and sets the exit code it decides.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <stdexcept>
#include <string>

#include "weft/explore.hpp"

namespace weft::cli {

// Bad input (unknown scenario, malformed token, unreadable file): one line, exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Validators for numeric options, on the text before CLI11 converts it (CLI11 wraps "-1" to
// 2^64 - 1 for unsigned options and saturates beyond, and accepts "nan" where a range is checked).
// decimal_u64: decimal digits only, at most `max`. finite_number: a finite floating-point number.
CLI::Validator decimal_u64(std::uint64_t max = UINT64_MAX);
CLI::Validator finite_number();

void add_list_command(CLI::App& app, int& exit_code);
void add_explore_commands(CLI::App& app, int& exit_code);  // explore, replay
void add_check_commands(CLI::App& app, int& exit_code);    // check, native

// Priorities (cli/priority.cpp): `weft rt` (the native SCHED_FIFO rerun, run by weft-rt), and
// the explore options --policy, --cpus, --max-blocking applied to `o` over the scenario's
// defaults (empty / 0: keep them). Throws InputError on a bad value or combination.
void add_rt_command(CLI::App& app, int& exit_code);
void apply_priority_options(const Scenario& s, const std::string& policy, int cpus, const std::string& max_blocking,
                            Options& o);
// "2ms", "500us", "1.5ms", "3s", "100ns" as nanoseconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration(std::string_view text);

// `weft explore --engine` (cli/explore_relacy.cpp): add_engine_options registers --engine and the
// Relacy search options; explore_relacy returns nullopt for the model engine (after rejecting
// Relacy-only options), else runs the scenario under Relacy, prints the result and returns the
// exit code (InputError for model-only options or a bad --set).
struct EngineOptions {
  std::string engine = "model";
  std::string relacy_search;  // empty: the scenario's
  unsigned context_bound = 0;
  std::uint64_t iterations = 0;
  bool track_heap = false;
};
void add_engine_options(CLI::App* explore, EngineOptions& e);
std::optional<int> explore_relacy(CLI::App* explore, const EngineOptions& e, const Scenario& s,
                                  const std::vector<std::string>& sets, std::uint32_t max_steps, bool json,
                                  bool no_trace);

}  // namespace weft::cli
