// weft's command line: list, explore, replay, check, native, rt.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "untrusted.hpp"
#include "write_check.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "weft: deterministic concurrency testing for C++20.\n"
      "Exit codes: 0 no finding, 1 finding, 2 usage or input error (also an unwritable output or an "
      "internal error), 3 skipped (nothing judged, never a pass)."};
  app.set_version_flag("--version", "weft " WEFT_VERSION, "Print weft's version and exit");
  app.require_subcommand(1);
  int exit_code = weft::cli::kExitClean;
  weft::cli::add_list_command(app, exit_code);
  weft::cli::add_explore_commands(app, exit_code);
  weft::cli::add_check_commands(app, exit_code);
  weft::cli::add_rt_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string msg = e.what();
    if (msg.empty()) msg = e.get_name();
    std::fprintf(stderr, "weft: error: %s (see --help)\n", weft::one_line(msg).c_str());
    return weft::cli::kExitUsage;
  } catch (const weft::cli::InputError& e) {
    std::fprintf(stderr, "weft: error: %s\n", weft::one_line(e.what()).c_str());
    return weft::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft: internal error: %s\n", weft::one_line(e.what()).c_str());
    return weft::cli::kExitUsage;
  }
  // The result is the output: when it did not reach stdout, the command failed.
  if (const std::string why = weft::stdout_write_error(); !why.empty()) {
    std::fprintf(stderr, "weft: error: cannot write the output to stdout: %s\n", why.c_str());
    return weft::cli::kExitUsage;
  }
  return exit_code;
}
