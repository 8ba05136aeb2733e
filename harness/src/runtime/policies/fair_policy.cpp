// Fair scheduling: the priority relation of Musuvathi & Qadeer, "Fair stateless model
// checking", PLDI 2008 (Figure 4's update rules), on bit masks.
#include "runtime/policies/fair_policy.hpp"

#include "runtime/execution.hpp"

namespace weft::detail {

namespace {
constexpr std::uint64_t bit(int thread) { return std::uint64_t{1} << thread; }
}  // namespace

void FairScheduler::reset() {
  known_ = 0;
  prev_enabled_ = 0;
  schedulable_ = 0;
  seen_ = 0;
}

void FairScheduler::ensure(int thread) {
  WEFT_CHECK(thread >= 0 && thread < kMaxThreads);
  while (known_ <= thread) {
    // A new thread has yielded nothing yet: everything counts as continuously enabled until
    // the first scheduling point narrows it.
    threads_[static_cast<std::size_t>(known_++)] = PerThread{0, ~std::uint64_t{0}, 0, 0};
  }
}

int FairScheduler::filter(std::span<const Event> events, int* runnable, int count) {
  std::uint64_t enabled = 0;
  for (int i = 0; i < count; ++i) {
    ensure(runnable[i]);
    enabled |= bit(runnable[i]);
  }
  // The transitions executed since the last scheduling point (normally one operation).
  int last = -1;
  bool yielded = false;
  for (; seen_ < events.size(); ++seen_) {
    const Event& e = events[seen_];
    ensure(e.thread);
    if (e.op == OpKind::kSpawn) ensure(e.object);
    if (e.thread != last && last >= 0) yielded = false;
    last = e.thread;
    yielded = yielded || is_retry(e);
    const std::uint64_t b = bit(e.thread);
    for (int u = 0; u < known_; ++u) {
      PerThread& p = threads_[static_cast<std::size_t>(u)];
      p.scheduled |= b;  // S(u) := S(u) + {t}
      p.below &= ~b;     // P := P \ (Tid x {t})
    }
  }
  for (int u = 0; u < known_; ++u) threads_[static_cast<std::size_t>(u)].enabled &= enabled;
  if (last >= 0) {
    PerThread& t = threads_[static_cast<std::size_t>(last)];
    t.disabled |= prev_enabled_ & ~enabled & ~bit(last);
    if (yielded) {  // P := P + {t} x ((E(t) + D(t)) \ S(t)); then E, D, S restart
      t.below = (t.enabled | t.disabled) & ~t.scheduled & ~bit(last);
      t.enabled = enabled;
      t.disabled = 0;
      t.scheduled = 0;
    }
  }
  prev_enabled_ = enabled;
  int k = 0;
  schedulable_ = 0;
  for (int i = 0; i < count; ++i) {
    const int tid = runnable[i];
    if ((threads_[static_cast<std::size_t>(tid)].below & enabled) != 0) continue;
    runnable[k++] = tid;
    schedulable_ |= bit(tid);
  }
  WEFT_CHECK(k > 0 || count == 0);
  return k;
}

}  // namespace weft::detail
