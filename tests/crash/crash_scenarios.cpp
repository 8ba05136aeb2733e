// Test-only scenarios that crash, linked only into weft_crash_cli (never the shipped catalog).
#include <signal.h>

#include <cstdlib>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

// A null dereference only when t2 reads the flag between t1's two stores.
void null_deref(const weft::Params&) {
  weft::atomic<int> flag(0);
  weft::thread t1([&] {
    flag.store(1);
    flag.store(0);
  });
  weft::thread t2([&] {
    if (flag.load() == 1) {  // crash-test: the load
      volatile int* q = nullptr;
      *q = 1;
    }
  });
  t1.join();
  t2.join();
}

// The process is killed outright under one interleaving: nothing in process can report it.
void killed(const weft::Params&) {
  weft::atomic<int> flag(0);
  weft::thread t1([&] {
    flag.store(1);
    flag.store(0);
  });
  weft::thread t2([&] {
    if (flag.load() == 1) raise(SIGKILL);  // crash-test: the kill
  });
  t1.join();
  t2.join();
}

// A loop with no visible operation in its second thread.
void spin(const weft::Params&) {
  weft::atomic<int> a(0);
  weft::thread t([&] {
    a.store(1);  // crash-test: before the spin
    volatile bool go = true;
    while (go) {
    }
  });
  t.join();
}

WEFT_REGISTER_SCENARIO({
    .name = "crash-test/null-deref",
    .description = "test only: a null dereference under one interleaving",
    .native = {.skip_reason = "test only"},
    .relacy = {.skip_reason = "test only"},
    .body = &null_deref,
});

WEFT_REGISTER_SCENARIO({
    .name = "crash-test/killed",
    .description = "test only: SIGKILL under one interleaving",
    .native = {.skip_reason = "test only"},
    .relacy = {.skip_reason = "test only"},
    .body = &killed,
});

WEFT_REGISTER_SCENARIO({
    .name = "crash-test/spin",
    .description = "test only: a loop with no visible operation",
    .native = {.skip_reason = "test only"},
    .relacy = {.skip_reason = "test only"},
    .body = &spin,
});

}  // namespace
