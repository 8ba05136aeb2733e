// weft::intercept::explore / replay / check: the model engine's entry points for unmodified code.
#include <cstdio>
#include <cstdlib>

#include "state.hpp"
#include "weft/intercept.hpp"

namespace weft::intercept {

namespace {
// Thread 0's shadow stack starts empty in every execution.
std::function<void()> wrap(const std::function<void()>& body) {
  return [&body] {
    reset_thread(0);
    enter_body();
    try {
      body();
    } catch (...) {
      leave_body();
      throw;
    }
    leave_body();  // back in the runtime's run_thread
  };
}
}  // namespace

Result explore(const std::function<void()>& body, const Options& options) {
  Result r = weft::explore(wrap(body), options);
  symbolize(r);
  return r;
}

Result replay(const std::function<void()>& body, const Schedule& schedule, const Options& options) {
  Result r = weft::replay(wrap(body), schedule, options);
  symbolize(r);
  return r;
}

void check(bool ok, const char* expression, SourceLoc loc) {
  if (ok) [[likely]]
    return;
  if (sim().thread < 0) {
    std::fprintf(stderr, "weft: check `%s` failed at %s:%d\n", expression, loc.file, loc.line);
    std::abort();
  }
  guarded([&] { detail::assert_fail(expression, loc); });
}

}  // namespace weft::intercept
