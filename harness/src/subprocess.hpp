// Starting a helper process (weft-native, weft-relacy) with its output on pipes, in its own
// process group so that a watchdog can kill it with everything it started.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace weft {

struct Spawned {
  pid_t pid = -1;
  int out_fd = -1;    // read end of the child's stdout (and stderr when merged); close it when done
  int err_fd = -1;    // read end of the child's stderr; -1 when merged into out_fd
  std::string error;  // set when the process could not be started (then pid is -1, no fd is open)
};

// Starts `binary` with argv `args` (args[0] included), stdin from /dev/null, stdout and stderr on
// pipes (one pipe when `merge_stderr`), in a new process group. `env`: the environment as
// NAME=VALUE strings; empty: this process's environment.
Spawned spawn_captured(const std::string& binary, std::vector<std::string> args, bool merge_stderr,
                       std::vector<std::string> env = {});

// Kills the child's process group with SIGKILL (the watchdog).
void kill_group(pid_t pid);

// Waits for the child (retrying on EINTR) and returns its wait status.
int wait_for_exit(pid_t pid);

// `s` quoted for a POSIX shell where it needs quoting (for the rerun commands weft prints).
std::string shell_quote(const std::string& s);

}  // namespace weft
