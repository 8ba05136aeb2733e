// Test support: run a command line (or the weft binary) and capture its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>

namespace weft_test {

struct CliRun {
  int code = -1;    // exit status; -1 when the process did not exit normally
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` through the shell (the caller quotes it). stderr goes to a file of this process:
// ctest runs test cases as parallel processes.
inline CliRun run_command(const std::string& command) {
  const std::string err_file = ::testing::TempDir() + "weft_test_stderr_" + std::to_string(::getpid()) + ".txt";
  CliRun r;
  FILE* p = ::popen((command + " 2>" + err_file).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* e = std::fopen(err_file.c_str(), "r")) {
    while ((n = std::fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    std::fclose(e);
  }
  std::remove(err_file.c_str());
  return r;
}

#ifdef WEFT_BINARY
// The weft binary under test with `args`.
inline CliRun run_weft(const std::string& args) { return run_command(std::string(WEFT_BINARY) + " " + args); }
#endif

// A usage or input error: exit code 2 and exactly one line on stderr, "weft: error: ...",
// containing `needle`.
inline void expect_one_line_error(const CliRun& r, std::string_view needle) {
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

}  // namespace weft_test
