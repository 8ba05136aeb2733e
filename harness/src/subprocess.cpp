// Starting a helper process with its output on pipes (see subprocess.hpp).
#include "subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace weft {

Spawned spawn_captured(const std::string& binary, std::vector<std::string> args, bool merge_stderr,
                       std::vector<std::string> env) {
  Spawned s;
  int out_fds[2];
  int err_fds[2] = {-1, -1};
  if (::pipe2(out_fds, O_CLOEXEC) != 0) {
    s.error = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return s;
  }
  if (!merge_stderr && ::pipe2(err_fds, O_CLOEXEC) != 0) {
    s.error = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    ::close(out_fds[0]);
    ::close(out_fds[1]);
    return s;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, merge_stderr ? out_fds[1] : err_fds[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const int spawn_error =
      ::posix_spawn(&s.pid, binary.c_str(), &actions, &attr, argv.data(), env.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_fds[1]);
  if (!merge_stderr) ::close(err_fds[1]);
  if (spawn_error != 0) {
    ::close(out_fds[0]);
    if (!merge_stderr) ::close(err_fds[0]);
    s.pid = -1;
    s.error = fmt::format("cannot start {}: {}", binary, std::strerror(spawn_error));
    return s;
  }
  s.out_fd = out_fds[0];
  s.err_fd = merge_stderr ? -1 : err_fds[0];
  return s;
}

void kill_group(pid_t pid) { ::kill(-pid, SIGKILL); }

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.=:") ==
                        std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace weft
