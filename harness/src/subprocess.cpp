// Child processes: posix_spawn with pipes and a process group, and the poll(2) wait loop.
#include "subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
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

ChildExit wait_child(const Spawned& child, double timeout_seconds, const LineHook& on_line) {
  using Clock = std::chrono::steady_clock;
  ChildExit e;
  const bool timed = timeout_seconds > 0;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{child.out_fd, POLLIN, 0}, {child.err_fd, POLLIN, 0}};
  const nfds_t nfds = child.err_fd >= 0 ? 2 : 1;
  std::string* sinks[2] = {&e.out, &e.err};
  std::string pending;  // out_fd's unterminated line, with a hook
  int open = static_cast<int>(nfds);
  char buf[65536];
  while (open > 0) {
    int wait_ms = -1;
    if (timed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (Clock::now() >= deadline) {
        e.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left) + 1;
    }
    const int ready = ::poll(fds, nfds, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < nfds; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // end of file (or a broken pipe): the child closed this output
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (i != 0 || !on_line) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
        continue;
      }
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t from = 0;
      std::size_t nl;
      while ((nl = pending.find('\n', from)) != std::string::npos) {
        if (on_line(std::string_view(pending).substr(from, nl - from))) deadline = Clock::now() + timeout;
        from = nl + 1;
      }
      pending.erase(0, from);
    }
  }
  if (e.timed_out) {
    if (child.own_group) {
      kill_group(child.pid);
    } else {
      ::kill(child.pid, SIGKILL);
    }
  }
  for (nfds_t i = 0; i < nfds; ++i) {
    if (fds[i].fd >= 0) ::close(fds[i].fd);
  }
  e.status = wait_for_exit(child.pid);
  if (on_line && !pending.empty()) on_line(pending);
  return e;
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
