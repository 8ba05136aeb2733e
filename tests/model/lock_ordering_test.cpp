// The lock-ordering family: the specific findings of each failing variant, exact exhaustive
// counts of the correct ones, no false positives across the catalog, replay round-trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

using weft::FindingKind;
using weft::test::all_of;
using weft::test::describe;
using weft::test::find_kind;

constexpr const char* kFile = "scenarios/lock_ordering.cpp";

const weft::Scenario& scenario(std::string_view name) {
  const weft::Scenario* s = weft::find_scenario(name);
  if (s == nullptr) throw std::logic_error("no scenario " + std::string(name));
  return *s;
}

// The options `weft explore NAME` uses: the scenario's declared defaults.
weft::Options defaults_of(const weft::Scenario& s) { return weft::scenario_options(s); }

weft::Result explore(std::string_view name, weft::Params params = {}) {
  const weft::Scenario& s = scenario(name);
  if (params.specs().empty()) params = s.default_params();
  return weft::explore_scenario(s, params, defaults_of(s));
}

// A line of scenarios/lock_ordering.cpp (next to this file's tests/model/), found by its text.
int line(std::string_view text) {
  static const std::string path = [] {
    const std::string self = __FILE__;
    return self.substr(0, self.rfind("tests/model/")) + kFile;
  }();
  const int n = weft::test::line_of(path.c_str(), text);
  EXPECT_GT(n, 0) << text;
  return n;
}
std::string at(std::string_view text) { return std::string(kFile) + ":" + std::to_string(line(text)); }

std::set<FindingKind> kinds(const weft::Result& r) {
  std::set<FindingKind> out;
  for (const weft::Finding& f : r.findings) out.insert(f.kind);
  return out;
}

// --- the failing variants: the specific findings -----------------------------------------

TEST(LockOrdering, AbbaDeadlocksAndInvertsTheLockOrder) {
  const weft::Result r = explore("lock-ordering/abba");
  EXPECT_EQ(kinds(r), (std::set<FindingKind>{FindingKind::kDeadlock, FindingKind::kLockOrderInversion})) << describe(r);
  const std::string a = "mutex#0 (" + at("weft::mutex a;") + ")";
  const std::string b = "mutex#1 (" + at("weft::mutex b;") + ")";

  // The inversion shows in the very first execution, which does not deadlock.
  const weft::Finding* inv = find_kind(r, FindingKind::kLockOrderInversion);
  ASSERT_NE(inv, nullptr);
  EXPECT_EQ(inv->execution, 1u);
  EXPECT_EQ(inv->threads, (std::vector<int>{1, 2}));
  ASSERT_EQ(inv->sites.size(), 2u);
  EXPECT_EQ(inv->sites[0].thread, 1);
  EXPECT_EQ(inv->sites[0].object, b);
  EXPECT_EQ(inv->sites[0].location.line, line("Lock second(b);"));
  EXPECT_EQ(inv->sites[1].thread, 2);
  EXPECT_EQ(inv->sites[1].object, a);
  EXPECT_EQ(inv->sites[1].location.line, line("Lock second(y);"));
  EXPECT_EQ(weft::format_location(inv->location), at("Lock second(y);"));
  EXPECT_NE(inv->message.find(a + " -> " + b + " -> " + a), std::string::npos) << inv->message;

  const weft::Finding* dl = find_kind(r, FindingKind::kDeadlock);
  ASSERT_NE(dl, nullptr);
  EXPECT_GT(dl->execution, 1u);
  EXPECT_EQ(dl->threads, (std::vector<int>{0, 1, 2}));
  EXPECT_NE(
      dl->message.find("t1 holds " + a + " and waits to lock " + b + " at " + at("Lock second(b);") + ", held by t2"),
      std::string::npos)
      << dl->message;
  EXPECT_NE(
      dl->message.find("t2 holds " + b + " and waits to lock " + a + " at " + at("Lock second(y);") + ", held by t1"),
      std::string::npos)
      << dl->message;
  EXPECT_EQ(r.bounded_by, "finding");
}

TEST(LockOrdering, PhilosophersDeadlockInAThreeCycleOfForksFromOneDeclaration) {
  const weft::Result r = explore("lock-ordering/philosophers");
  EXPECT_EQ(kinds(r), (std::set<FindingKind>{FindingKind::kDeadlock, FindingKind::kLockOrderInversion})) << describe(r);
  const std::string fork_decl = at("forks.emplace_back(weft::SourceLoc::current());");
  // Forks are objects 0, 1, 2 (the meals counter is object 3).
  const weft::Finding* inv = find_kind(r, FindingKind::kLockOrderInversion);
  ASSERT_NE(inv, nullptr);
  EXPECT_EQ(inv->threads, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(inv->sites.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(inv->sites[i].object, "mutex#" + std::to_string((i + 1) % 3) + " (" + fork_decl + ")");
    EXPECT_EQ(inv->sites[i].location.line, line("Lock second(forks[static_cast<std::size_t>(right)]);"));
  }
  const weft::Finding* dl = find_kind(r, FindingKind::kDeadlock);
  ASSERT_NE(dl, nullptr);
  EXPECT_EQ(dl->threads, (std::vector<int>{0, 1, 2, 3}));
  ASSERT_FALSE(dl->details.empty());
  const std::set<std::string> rotations = {"wait-for cycle: t1 -> t2 -> t3 -> t1",
                                           "wait-for cycle: t2 -> t3 -> t1 -> t2",
                                           "wait-for cycle: t3 -> t1 -> t2 -> t3"};
  EXPECT_EQ(rotations.count(dl->details[0]), 1u) << dl->details[0];
  EXPECT_EQ(dl->sites.size(), 3u);
  for (const weft::FindingSite& s : dl->sites) {
    EXPECT_EQ(s.operation, "mutex.lock");
    EXPECT_EQ(s.object, "mutex#" + std::to_string(s.thread % 3) + " (" + fork_decl + ")");  // its right fork
  }
}

// Larger tables by random exploration (a DFS reaches the n early preemptions the deadlock
// needs only after exhausting the late ones: millions of executions from n = 5 on).
TEST(LockOrdering, PhilosophersDeadlockForOtherTableSizes) {
  for (const int n : {2, 4, 6}) {
    const weft::Scenario& s = scenario("lock-ordering/philosophers");
    weft::Params p = s.default_params();
    ASSERT_EQ(p.set("n", n), "");
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kRandom;
    o.seed = 1;
    o.max_executions = 20000;
    const weft::Result r = weft::explore_scenario(s, p, o);
    const weft::Finding* dl = find_kind(r, FindingKind::kDeadlock);
    ASSERT_NE(dl, nullptr) << n << ": " << describe(r);
    EXPECT_EQ(dl->sites.size(), static_cast<std::size_t>(n));
    const weft::Finding* inv = find_kind(r, FindingKind::kLockOrderInversion);
    ASSERT_NE(inv, nullptr) << n;
    EXPECT_EQ(inv->threads.size(), static_cast<std::size_t>(n));
  }
}

TEST(LockOrdering, TransferDeadlocksOnTheTwoAccounts) {
  const weft::Result r = explore("lock-ordering/transfer");
  EXPECT_EQ(kinds(r), (std::set<FindingKind>{FindingKind::kDeadlock, FindingKind::kLockOrderInversion})) << describe(r);
  // Each account's mutex is declared where the account is.
  const std::string alice = "mutex#0 (" + at("Account alice(1, 100);") + ")";
  const std::string bob = "mutex#2 (" + at("Account bob(2, 100);") + ")";
  const int nested = line("Lock second(to.m);");
  const weft::Finding* inv = find_kind(r, FindingKind::kLockOrderInversion);
  ASSERT_NE(inv, nullptr);
  ASSERT_EQ(inv->sites.size(), 2u);
  EXPECT_EQ(inv->sites[0].object, bob);  // t1 (alice -> bob) takes bob while holding alice
  EXPECT_EQ(inv->sites[1].object, alice);
  EXPECT_EQ(inv->sites[0].location.line, nested);
  EXPECT_EQ(inv->sites[1].location.line, nested);
  const weft::Finding* dl = find_kind(r, FindingKind::kDeadlock);
  ASSERT_NE(dl, nullptr);
  EXPECT_NE(dl->message.find("t1 holds " + alice + " and waits to lock " + bob), std::string::npos) << dl->message;
  EXPECT_NE(dl->message.find("t2 holds " + bob + " and waits to lock " + alice), std::string::npos) << dl->message;
}

// Explored in the fair mode (the scenario's default): the lockstep "after you" cycle.
TEST(LockOrdering, PoliteLivelockIsALivelockUnderFairness) {
  const weft::Scenario& s = scenario("lock-ordering/polite-livelock");
  EXPECT_TRUE(s.explore.fair);
  const weft::Result r = explore("lock-ordering/polite-livelock");
  EXPECT_TRUE(r.fair);
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);  // replaces the step_bound; no inversion
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLivelock);
  EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
  EXPECT_EQ(f.operation, "mutex.try_lock");
  EXPECT_EQ(weft::format_location(f.location), at("if (other.try_lock()) break;"));
  EXPECT_NE(f.message.find("12-step cycle"), std::string::npos) << f.message;
  int try_sites = 0;
  for (const weft::FindingSite& site : f.sites) {
    if (site.operation != "mutex.try_lock") continue;
    ++try_sites;
    EXPECT_EQ(site.location.line, line("if (other.try_lock()) break;"));
    EXPECT_EQ(site.object, site.thread == 1 ? "mutex#1 (" + at("weft::mutex right;") + ")"
                                            : "mutex#0 (" + at("weft::mutex left;") + ")");
  }
  EXPECT_EQ(try_sites, 2);

  // Without fairness the same lockstep execution only exceeds the step bound: the checker
  // cannot rule out an unfair schedule, says so, and keeps step_bound.
  weft::Options unfair{.strategy = weft::StrategyKind::kDfs};
  const weft::Result u = weft::explore_scenario(s, s.default_params(), unfair);
  const weft::Finding* bound = find_kind(u, FindingKind::kStepBound);
  ASSERT_NE(bound, nullptr) << describe(u);
  EXPECT_EQ(find_kind(u, FindingKind::kLivelock), nullptr);
  ASSERT_FALSE(bound->details.empty());
  EXPECT_NE(bound->details.back().find("12-step cycle of retries"), std::string::npos) << bound->details.back();
}

// --- the correct variants: exact exhaustive counts -----------------------------------------

// Independent oracle for a complete DFS count: the number of distinct schedules, i.e. paths
// through the product of the threads' operation sequences where a step is possible when its
// thread exists (spawned), has not finished, and its operation is enabled (a lock whose mutex
// nobody else holds, a join of a finished thread). weft makes every visible operation a
// scheduling point, runs a new thread's invisible prefix at once, and merges a thread's exit
// with its last operation; a DFS execution is exactly one such path.
struct Op {
  enum Kind { kOther, kAcquire, kRelease, kSpawn, kJoin } kind = kOther;
  int arg = -1;  // the mutex (acquire, release) or thread (spawn, join)
};
using Program = std::vector<std::vector<Op>>;  // thread 0 is the main thread

std::uint64_t count_paths(const Program& p, std::vector<int>& pos, std::map<std::vector<int>, std::uint64_t>& memo) {
  if (const auto it = memo.find(pos); it != memo.end()) return it->second;
  const auto n = p.size();
  std::vector<bool> spawned(n, false);
  spawned[0] = true;
  std::map<int, int> holder;  // mutex -> thread holding it
  for (std::size_t t = 0; t < n; ++t) {
    for (int i = 0; i < pos[t]; ++i) {
      const Op& op = p[t][static_cast<std::size_t>(i)];
      if (op.kind == Op::kSpawn) spawned[static_cast<std::size_t>(op.arg)] = true;
      if (op.kind == Op::kAcquire) holder[op.arg] = static_cast<int>(t);
      if (op.kind == Op::kRelease) holder.erase(op.arg);
    }
  }
  std::uint64_t total = 0;
  bool any = false;
  for (std::size_t t = 0; t < n; ++t) {
    if (static_cast<std::size_t>(pos[t]) == p[t].size() || !spawned[t]) continue;
    const Op& op = p[t][static_cast<std::size_t>(pos[t])];
    if (op.kind == Op::kAcquire && holder.count(op.arg) != 0) continue;
    if (op.kind == Op::kJoin &&
        static_cast<std::size_t>(pos[static_cast<std::size_t>(op.arg)]) != p[static_cast<std::size_t>(op.arg)].size())
      continue;
    any = true;
    ++pos[t];
    total += count_paths(p, pos, memo);
    --pos[t];
  }
  if (!any) total = 1;  // finished, or a deadlock: one execution either way
  memo[pos] = total;
  return total;
}

std::uint64_t oracle(const Program& p) {
  std::vector<int> pos(p.size(), 0);
  std::map<std::vector<int>, std::uint64_t> memo;
  return count_paths(p, pos, memo);
}

Op acq(int m) { return {Op::kAcquire, m}; }
Op rel(int m) { return {Op::kRelease, m}; }
Op other() { return {}; }
Op spawn(int t) { return {Op::kSpawn, t}; }
Op join(int t) { return {Op::kJoin, t}; }

std::uint64_t complete_count(std::string_view name) {
  const weft::Result r = explore(name);
  EXPECT_TRUE(r.complete) << name;
  EXPECT_TRUE(r.findings.empty()) << name << ": " << describe(r);
  return r.executions;
}

// ordered: each thread locks a, locks b, reads and writes `shared`, unlocks b, unlocks a; the
// main thread spawns both, joins both, then reads `shared` alone.
TEST(LockOrdering, OrderedCountIsExact) {
  const Program p = {
      {spawn(1), spawn(2), join(1), join(2), other()},
      {acq(0), acq(1), other(), other(), rel(1), rel(0)},
      {acq(0), acq(1), other(), other(), rel(1), rel(0)},
  };
  const std::uint64_t expected = oracle(p);
  EXPECT_EQ(expected, 50u);
  EXPECT_EQ(complete_count("lock-ordering/ordered"), expected);
  EXPECT_EQ(scenario("lock-ordering/ordered").dfs_executions, expected);
}

// transfer-ordered: both transfers lock alice (id 1) then bob, then read and write both
// balances (4 operations), then unlock bob and alice.
TEST(LockOrdering, TransferOrderedCountIsExact) {
  const std::vector<Op> transfer = {acq(0), acq(1), other(), other(), other(), other(), rel(1), rel(0)};
  const Program p = {{spawn(1), spawn(2), join(1), join(2), other(), other(), other()}, transfer, transfer};
  const std::uint64_t expected = oracle(p);
  EXPECT_EQ(expected, 82u);
  EXPECT_EQ(complete_count("lock-ordering/transfer-ordered"), expected);
  EXPECT_EQ(scenario("lock-ordering/transfer-ordered").dfs_executions, expected);
}

// philosophers-ordered, n = 3: philosopher 0 takes forks 0, 1 and updates `meals` (fork 0 is
// its fork); philosopher 1 takes forks 1, 2; philosopher 2 takes fork 0 before fork 2 (the
// hierarchy) and updates `meals`.
TEST(LockOrdering, PhilosophersOrderedCountIsExact) {
  const Program p = {
      {spawn(1), spawn(2), spawn(3), join(1), join(2), join(3), other()},
      {acq(0), acq(1), other(), other(), rel(1), rel(0)},
      {acq(1), acq(2), rel(2), rel(1)},
      {acq(0), acq(2), other(), other(), rel(2), rel(0)},
  };
  const std::uint64_t expected = oracle(p);
  EXPECT_EQ(expected, 90885u);
  EXPECT_EQ(complete_count("lock-ordering/philosophers-ordered"), expected);
  EXPECT_EQ(scenario("lock-ordering/philosophers-ordered").dfs_executions, expected);
}

// --- the catalog ---------------------------------------------------------------------------

// Every correct variant of the whole catalog under exhaustive DFS with its declared defaults
// (fair or not as declared, or forced fair): no finding at all (no race, no inversion, no
// livelock, no starvation).
void expect_catalog_clean(bool force_fair) {
  int checked = 0;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (!s->model.clean()) continue;
    weft::Options o = defaults_of(*s);
    o.fair = o.fair || force_fair;
    o.stop_on_first = false;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
    EXPECT_TRUE(r.findings.empty()) << s->name << (o.fair ? " (fair)" : "") << ": " << describe(r);
    // A declared bound makes the search incomplete: only an unbounded search must finish.
    if (s->explore.preemption_bound < 0 && s->explore.max_executions == 0) {
      EXPECT_TRUE(r.complete) << s->name << (o.fair ? " (fair)" : "") << ": " << r.bounded_by;
    }
    ++checked;
  }
  EXPECT_GE(checked, 5);  // counter/atomic, counter/mutex, and the three ordered variants at least
}

TEST(Catalog, NoFalsePositivesOnCorrectVariants) { expect_catalog_clean(false); }
TEST(Catalog, NoFalsePositivesOnCorrectVariantsInTheFairMode) { expect_catalog_clean(true); }

// Every failing variant of the families these checkers changed (lock-ordering, counter): the
// kinds found are the declared ones, and each finding's token replays to the same kind at the
// same step. (Each family's own tests cover its variants; `weft check` covers the catalog.)
TEST(Catalog, FailingVariantsReplayFromTheirTokens) {
  int checked = 0;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (s->family() != "lock-ordering" && s->family() != "counter") continue;
    if (s->model.kinds.empty()) continue;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), defaults_of(*s));
    const std::set<FindingKind> declared(s->model.kinds.begin(), s->model.kinds.end());
    EXPECT_EQ(kinds(r), declared) << s->name << ": " << describe(r);
    ASSERT_FALSE(r.findings.empty()) << s->name;
    for (const weft::Finding& f : r.findings) {
      ASSERT_TRUE(f.replayable) << s->name << ": " << f.message;
      const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
      ASSERT_TRUE(parsed.schedule.has_value()) << s->name << ": " << parsed.error;
      const weft::Result again = weft::replay_scenario(*s, *parsed.schedule);
      EXPECT_EQ(again.divergence, "") << s->name;
      bool same = false;
      for (const weft::Finding& g : again.findings) same = same || (g.kind == f.kind && g.step == f.step);
      EXPECT_TRUE(same) << s->name << ": " << weft::kind_name(f.kind) << " at step " << f.step << " not replayed; got "
                        << describe(again);
    }
    ++checked;
  }
  EXPECT_GE(checked, 6);  // counter/racy, counter/lost-update, abba, philosophers, polite-livelock, transfer
}

}  // namespace
