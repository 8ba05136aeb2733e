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

void add_list_command(CLI::App& app, int& exit_code);
void add_explore_commands(CLI::App& app, int& exit_code);  // explore, replay

// Priorities (cli/priority.cpp): `weft rt` (the native SCHED_FIFO rerun, run by weft-rt), and
// the explore options --policy, --cpus, --max-blocking applied to `o` over the scenario's
// defaults (empty / 0: keep them). Throws InputError on a bad value or combination.
void add_rt_command(CLI::App& app, int& exit_code);
void apply_priority_options(const Scenario& s, const std::string& policy, int cpus, const std::string& max_blocking,
                            Options& o);
// "2ms", "500us", "1.5ms", "3s", "100ns" as nanoseconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration(std::string_view text);

}  // namespace weft::cli
