// Whether a command's output reached its destination (a full disk, a closed pipe, /dev/full).
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace weft {

// Flushes std::cout and stdout; returns why writing failed, empty when everything was written.
inline std::string stdout_write_error() {
  errno = 0;
  std::cout.flush();
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || !std::cout;
  if (!failed) return {};
  return errno != 0 ? std::strerror(errno) : "write error";
}

}  // namespace weft
