// The lock-ordering family: lock-order inversions that deadlock, their ordered fixes, the
// dining philosophers, a polite livelock and a bank transfer.
#include <deque>
#include <utility>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using Lock = weft::lock_guard<weft::mutex>;

// Two threads each update `shared` under both mutexes, taking them in the given orders.
void two_locks(bool same_order) {
  weft::mutex a;
  weft::mutex b;
  weft::var<int> shared(0);
  weft::thread t1([&] {
    Lock first(a);
    Lock second(b);
    shared.store(shared.load() + 1);
  });
  weft::thread t2([&] {
    weft::mutex& x = same_order ? a : b;
    weft::mutex& y = same_order ? b : a;
    Lock first(x);
    Lock second(y);
    shared.store(shared.load() + 1);
  });
  t1.join();
  t2.join();
  WEFT_ASSERT(shared.load() == 2);
}

void abba(const weft::Params&) { two_locks(false); }
void ordered(const weft::Params&) { two_locks(true); }

// N philosophers around a table; philosopher i eats with fork i (left) and fork i+1 mod N
// (right). Every fork is declared at the same line: the lock-order checker tells them apart by
// their ordinal.
void dine(const weft::Params& p, bool hierarchy) {
  const int n = p.get_int("n");
  std::deque<weft::mutex> forks;
  for (int i = 0; i < n; ++i) forks.emplace_back(weft::SourceLoc::current());
  weft::var<int> meals(0);  // guarded by fork 0, which philosophers 0 and n-1 share
  std::vector<weft::thread> philosophers;
  philosophers.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    philosophers.push_back(weft::thread([&, i] {
      int left = i;
      int right = (i + 1) % n;
      if (hierarchy && right < left) std::swap(left, right);  // lower-numbered fork first
      Lock first(forks[static_cast<std::size_t>(left)]);
      Lock second(forks[static_cast<std::size_t>(right)]);
      if (left == 0 || right == 0) meals.store(meals.load() + 1);
    }));
  }
  for (weft::thread& t : philosophers) t.join();
  WEFT_ASSERT(meals.load() == 2);
}

void philosophers(const weft::Params& p) { dine(p, false); }
void philosophers_ordered(const weft::Params& p) { dine(p, true); }

// "After you": each thread takes its first lock, tries the other, and on failure backs off and
// retries. The yields are the politeness; in lockstep both threads fail forever.
void polite_livelock(const weft::Params&) {
  weft::mutex left;
  weft::mutex right;
  weft::var<int> done(0);
  auto polite = [&done](weft::mutex& mine, weft::mutex& other) {
    for (;;) {
      mine.lock();
      weft::yield();  // let the other go first
      if (other.try_lock()) break;
      weft::yield();  // still "after you"
      mine.unlock();
      weft::yield();
    }
    done.store(done.load() + 1);
    other.unlock();
    mine.unlock();
  };
  weft::thread t1([&] { polite(left, right); });
  weft::thread t2([&] { polite(right, left); });
  t1.join();
  t2.join();
  WEFT_ASSERT(done.load() == 2);
}

// A bank account: its balance is guarded by its own mutex.
struct Account {
  Account(int id_, int balance_, weft::SourceLoc decl = weft::SourceLoc::current())
      : id(id_), m(decl), balance(balance_, decl) {}
  int id;
  weft::mutex m;
  weft::var<int> balance;
};

// Locks `from` then `to`: two opposite transfers deadlock.
void transfer_naive(Account& from, Account& to, int amount) {
  Lock first(from.m);
  Lock second(to.m);
  from.balance.store(from.balance.load() - amount);
  to.balance.store(to.balance.load() + amount);
}

// Locks the account with the lower id first: one global order, no cycle.
void transfer_by_id(Account& from, Account& to, int amount) {
  Account& low = from.id < to.id ? from : to;
  Account& high = from.id < to.id ? to : from;
  Lock first(low.m);
  Lock second(high.m);
  from.balance.store(from.balance.load() - amount);
  to.balance.store(to.balance.load() + amount);
}

template <void (*Transfer)(Account&, Account&, int)>
void bank(const weft::Params&) {
  Account alice(1, 100);
  Account bob(2, 100);
  weft::thread t1([&] { Transfer(alice, bob, 30); });
  weft::thread t2([&] { Transfer(bob, alice, 20); });
  t1.join();
  t2.join();
  WEFT_ASSERT(alice.balance.load() + bob.balance.load() == 200);
  WEFT_ASSERT(alice.balance.load() == 90);
}

const std::vector<weft::ParamSpec> kPhilosophers = {{"n", 3, 2, 6, "philosophers (and forks)"}};

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/abba",
    .description = "two threads take two mutexes in opposite orders: deadlock, lock-order inversion",
    .model = {.kinds = {FindingKind::kDeadlock, FindingKind::kLockOrderInversion}},
    .native = {.kinds = {FindingKind::kLockOrderInversion, FindingKind::kHang}},  // TSan's report, or a real deadlock
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &abba,
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/ordered",
    .description = "two threads take two mutexes in one global order: correct",
    .body = &ordered,
    .dfs_executions = 50,  // see tests/model/lock_ordering_test.cpp: an independent oracle
    .dpor_executions = 2,  // the two orders of the threads' critical sections on the first lock
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/philosophers",
    .description = "N dining philosophers, each takes the left fork then the right: deadlock",
    .params = kPhilosophers,
    .model = {.kinds = {FindingKind::kDeadlock, FindingKind::kLockOrderInversion}},
    .native = {.kinds = {FindingKind::kLockOrderInversion, FindingKind::kHang}},  // TSan's report, or a real deadlock
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &philosophers,
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/philosophers-ordered",
    .description = "dining philosophers with the resource hierarchy (lower fork first): correct",
    .params = kPhilosophers,
    .body = &philosophers_ordered,
    .dfs_executions = 90885,
    .dpor_executions = 6,  // per shared fork, who takes it first: 2^3 orders minus the 2 cyclic ones
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/polite-livelock",
    .description = "lock one, try the other, back off and retry symmetrically (\"after you\"): livelock",
    .model = {.kinds = {FindingKind::kLivelock}},
    .native = {.skip_reason = "a livelock needs the lockstep schedule; real threads break the symmetry"},
    .relacy = {.kinds = {FindingKind::kLivelock}},
    .body = &polite_livelock,
    .explore = {.fair = true},
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/transfer",
    .description = "bank transfer locking `from` then `to`: two opposite transfers deadlock",
    .model = {.kinds = {FindingKind::kDeadlock, FindingKind::kLockOrderInversion}},
    .native = {.kinds = {FindingKind::kLockOrderInversion, FindingKind::kHang}},  // TSan's report, or a real deadlock
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &bank<&transfer_naive>,
});

WEFT_REGISTER_SCENARIO({
    .name = "lock-ordering/transfer-ordered",
    .description = "bank transfer locking the lower account id first: correct",
    .body = &bank<&transfer_by_id>,
    .dfs_executions = 82,
    .dpor_executions = 2,
});

}  // namespace
