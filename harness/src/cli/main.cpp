// weft's command line: list, explore, replay, check, native, rt.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/report.hpp"

int main(int argc, char** argv) {
  CLI::App app{"weft: deterministic concurrency testing for C++20.\n"
               "Exit codes: 0 no finding, 1 finding, 2 usage or input error."};
  app.require_subcommand(1);
  int exit_code = weft::cli::kExitClean;
  weft::cli::add_list_command(app, exit_code);
  weft::cli::add_explore_commands(app, exit_code);
  weft::cli::add_check_commands(app, exit_code);
  weft::cli::add_rt_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::string msg = e.what();
    if (msg.empty()) msg = e.get_name();
    std::fprintf(stderr, "weft: error: %s (see --help)\n", msg.c_str());
    return weft::cli::kExitUsage;
  } catch (const weft::cli::InputError& e) {
    std::fprintf(stderr, "weft: error: %s\n", e.what());
    return weft::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft: internal error: %s\n", e.what());
    return 3;
  }
  return exit_code;
}
