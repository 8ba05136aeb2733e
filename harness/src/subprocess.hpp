// Child processes of weft (weft-native, weft-relacy, weft-rt's forked runs): starting one with its
// output on pipes, in its own process group, and the one wait loop (deadline, output capture,
// kill of the process group) that every driver uses.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Spawned {
  pid_t pid = -1;
  int out_fd = -1;        // read end of the child's stdout (and stderr when merged); close it when done
  int err_fd = -1;        // read end of the child's stderr; -1 when merged into out_fd
  bool own_group = true;  // the child leads its own process group (the watchdog kills the group)
  std::string error;      // set when the process could not be started (then pid is -1, no fd is open)
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

// What wait_child saw of a child.
struct ChildExit {
  std::string out;         // everything read from out_fd, unless a line hook consumed it
  std::string err;         // everything read from err_fd
  int status = 0;          // the wait status (waitpid)
  bool timed_out = false;  // the deadline passed: the child was killed with SIGKILL
};

// Called with each complete line of out_fd (without its '\n'), and at the end with an unterminated
// last line; returns true to restart the deadline from now (a watchdog per unit of work).
using LineHook = std::function<bool(std::string_view line)>;

// Reads the child's pipes (both at once: neither can fill up and block the child) until every one
// reaches end of file, or until `timeout_seconds` pass without the line hook restarting the
// deadline (<= 0: no deadline). On the deadline, kills the child with SIGKILL: its whole process
// group when `child.own_group`, else the process alone. Then closes the pipes and reaps the child.
// With `on_line`, lines of out_fd go to the hook instead of ChildExit::out.
// Precondition: `child` was started (pid > 0, out_fd open); this call owns its descriptors.
ChildExit wait_child(const Spawned& child, double timeout_seconds, const LineHook& on_line = {});

// `s` quoted for a POSIX shell where it needs quoting (for the rerun commands weft prints).
std::string shell_quote(const std::string& s);

}  // namespace weft
