// The CLI's subcommands; each registers itself on the app and sets the exit code it decides.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

namespace weft::cli {

// Bad input (unknown scenario, malformed token, unreadable file): one line, exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_list_command(CLI::App& app, int& exit_code);
void add_explore_commands(CLI::App& app, int& exit_code);  // explore, replay

}  // namespace weft::cli
