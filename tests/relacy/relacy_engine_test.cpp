// The Relacy engine end to end: catalog families and test-only probes under weft-relacy, the
// memory-order family's split between the SC model and Relacy, and `weft explore --engine relacy`.
//
// Locations are asserted by the [marker] comments on scenario lines (found in the sources), so
// the tests do not depend on line numbers.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "relacy/relacy_driver.hpp"
#include "support/cli_run.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace weft::relacy {
namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

// Line of the first line of `file` (relative to the source tree) containing `marker`, after
// the first line containing `after` when given.
int marker_line(const std::string& file, const std::string& marker, const std::string& after = "") {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/" + file);
  std::string line;
  bool armed = after.empty();
  for (int n = 1; std::getline(in, line); ++n) {
    if (!armed) {
      armed = line.find(after) != std::string::npos;
      continue;
    }
    if (line.find(marker) != std::string::npos) return n;
  }
  ADD_FAILURE() << "marker " << marker << " not found in " << file;
  return -1;
}

std::string where(SourceLoc loc) { return loc.known() ? format_location(loc) : std::string("?"); }
std::string at(const std::string& file, const std::string& marker) {
  return file + ":" + std::to_string(marker_line(file, marker));
}

const Scenario& catalog(const std::string& name) {
  const Scenario* s = find_scenario(name);
  if (s == nullptr) throw std::runtime_error("no scenario " + name);
  return *s;
}

RelacyResult run(const Scenario& s, RelacyOptions o) {
  if (o.binary.empty()) o.binary = WEFT_RELACY_BINARY;
  RelacyResult r = run_relacy(s, s.default_params(), o);
  EXPECT_TRUE(r.error.empty()) << s.name << ": " << r.error;
  return r;
}
RelacyResult run(const Scenario& s) { return run(s, default_options(s)); }

// A probe (tests/relacy/relacy_probes.cpp) only exists in weft_relacy_probes.
RelacyResult probe(const char* name, RelacyOptions o = {}) {
  static std::vector<std::unique_ptr<Scenario>> keep;
  keep.push_back(std::make_unique<Scenario>());
  keep.back()->name = name;
  o.binary = WEFT_RELACY_PROBES;
  return run(*keep.back(), o);
}

std::set<int> threads_of(const Finding& f) { return {f.threads.begin(), f.threads.end()}; }

Result model(const std::string& name) {
  const Scenario& s = catalog(name);
  Options o{.strategy = weft::StrategyKind::kDfs};
  o.preemption_bound = s.explore.preemption_bound;
  o.stop_on_first = false;
  o.trace = false;
  return explore_scenario(s, s.default_params(), o);
}

constexpr const char* kCounter = "scenarios/counter.cpp";
constexpr const char* kMemoryOrder = "scenarios/memory_order.cpp";
constexpr const char* kProducerConsumer = "scenarios/producer_consumer.cpp";
constexpr const char* kProbes = "tests/relacy/relacy_probes.cpp";

// ---------------------------------------------------------------------------------------------
// The counter family

TEST(RelacyCounter, RacyIsADataRaceBetweenTheTwoIncrementers) {
  const RelacyResult r = run(catalog("counter/racy"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(where(f.location), at(kCounter, "counter.store(counter.load() + 1)"));
  EXPECT_EQ(threads_of(f), (std::set<int>{1, 2}));
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_NE(f.sites[0].thread, f.sites[1].thread);
  EXPECT_EQ(r.result.strategy, "full");
  EXPECT_FALSE(r.result.complete);
  EXPECT_EQ(r.result.bounded_by, "finding");
  EXPECT_EQ(r.threads, 2);
  EXPECT_TRUE(f.schedule.empty());
  EXPECT_NE(f.trace.find("DATA RACE (data race detected)"), std::string::npos);
}

TEST(RelacyCounter, LostUpdateFailsTheFinalCheckOnTheMainThread) {
  const RelacyResult r = run(catalog("counter/lost-update"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(where(f.location),
            std::string(kCounter) + ":" +
                std::to_string(
                    marker_line(kCounter, "WEFT_ASSERT(counter.load() == threads * iterations)", "void lost_update")));
  EXPECT_EQ(f.threads, (std::vector<int>{0}));
}

TEST(RelacyCounter, AtomicAndMutexAreCleanUnderTheFullSearch) {
  for (const char* name : {"counter/atomic", "counter/mutex"}) {
    const RelacyResult r = run(catalog(name));
    EXPECT_TRUE(r.result.findings.empty()) << name << ": " << r.result.findings[0].message;
    EXPECT_TRUE(r.result.complete) << name;
    EXPECT_TRUE(r.result.bounded_by.empty()) << name;
    EXPECT_GT(r.result.executions, 1u) << name;
  }
}

// The suite has exactly as many dynamic threads as the scenario spawns.
TEST(RelacyCounter, ThreadsParameterSizesTheSuite) {
  const Scenario& s = catalog("counter/atomic");
  Params p = s.default_params();
  ASSERT_EQ(p.set("threads=3"), "");
  ASSERT_EQ(p.set("iterations=1"), "");
  RelacyOptions o = default_options(s);
  o.binary = WEFT_RELACY_BINARY;
  const RelacyResult r = run_relacy(s, p, o);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.threads, 3);
  EXPECT_TRUE(r.result.findings.empty());
  EXPECT_TRUE(r.result.complete);
}

// Bounded and random searches are never a proof.
TEST(RelacyCounter, BoundAndRandomSearchesAreNotComplete) {
  const Scenario& s = catalog("counter/mutex");
  RelacyOptions bound = default_options(s);
  bound.search = RelacySearch::kBound;
  bound.context_bound = 1;
  const RelacyResult b = run(s, bound);
  EXPECT_TRUE(b.result.findings.empty());
  EXPECT_FALSE(b.result.complete);
  EXPECT_EQ(b.result.bounded_by, "context_bound=1");
  EXPECT_EQ(b.result.strategy, "bound");
  RelacyOptions random = default_options(s);
  random.search = RelacySearch::kRandom;
  random.iterations = 50;
  const RelacyResult r = run(s, random);
  EXPECT_TRUE(r.result.findings.empty());
  EXPECT_FALSE(r.result.complete);
  EXPECT_EQ(r.result.bounded_by, "iterations=50");
  EXPECT_EQ(r.result.executions, 50u);
}

// ---------------------------------------------------------------------------------------------
// The memory-order family: what the SC model sees and what Relacy sees.

TEST(RelacyMemoryOrder, RelaxedMessagePassingRacesOnBothEngines) {
  const RelacyResult r = run(catalog("memory-order/message-passing-relaxed"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(where(f.location), at(kMemoryOrder, "[mo:mp-read]"));
  EXPECT_EQ(f.threads, (std::vector<int>{2, 1}));  // the consumer's read, the producer's write
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(where(f.sites[0].location), at(kMemoryOrder, "[mo:mp-write]"));
  EXPECT_EQ(f.sites[0].thread, 1);
  const Result m = model("memory-order/message-passing-relaxed");
  EXPECT_TRUE(m.has(FindingKind::kDataRace));
  EXPECT_FALSE(m.has(FindingKind::kAssertionFailure));  // SC: the consumer always reads 42
}

TEST(RelacyMemoryOrder, ReleaseAcquireMessagePassingIsCleanOnBothEngines) {
  const RelacyResult r = run(catalog("memory-order/message-passing-release-acquire"));
  EXPECT_TRUE(r.result.findings.empty());
  EXPECT_TRUE(r.result.complete);
  const Result m = model("memory-order/message-passing-release-acquire");
  EXPECT_TRUE(m.findings.empty());
  EXPECT_TRUE(m.complete);
}

// The stale read: Relacy lets the consumer read the old payload ("[NOT CURRENT]") after it saw
// the flag; the SC model's complete search never does.
TEST(RelacyMemoryOrder, StaleReadOnlyUnderRelacy) {
  const RelacyResult r = run(catalog("memory-order/message-passing-relaxed-atomic"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(where(f.location), at(kMemoryOrder, "[mo:mpa-read]"));
  EXPECT_EQ(f.threads, (std::vector<int>{2}));
  EXPECT_NE(f.trace.find("[NOT CURRENT]"), std::string::npos) << f.trace;
  const Result m = model("memory-order/message-passing-relaxed-atomic");
  EXPECT_TRUE(m.findings.empty());
  EXPECT_TRUE(m.complete);
}

// Store buffering: both threads read the other's flag as 0 and enter.
TEST(RelacyMemoryOrder, ReleaseAcquireDekkerBreaksMutualExclusionOnlyUnderRelacy) {
  const RelacyResult r = run(catalog("memory-order/dekker-release-acquire"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(where(f.location), at(kMemoryOrder, "[mo:dekker-cs]"));
  EXPECT_EQ(f.threads.size(), 1u);
  EXPECT_NE(f.trace.find("[NOT CURRENT], order=acquire"), std::string::npos) << f.trace;
  const Result m = model("memory-order/dekker-release-acquire");
  EXPECT_TRUE(m.findings.empty());
  EXPECT_TRUE(m.complete);
}

TEST(RelacyMemoryOrder, SeqCstDekkerIsCleanOnBothEngines) {
  const RelacyResult r = run(catalog("memory-order/dekker-seq-cst"));
  EXPECT_TRUE(r.result.findings.empty());
  EXPECT_TRUE(r.result.complete);
  EXPECT_TRUE(r.weak_order.empty());  // all seq_cst, as declared (weak_orders = false)
  const Result m = model("memory-order/dekker-seq-cst");
  EXPECT_TRUE(m.findings.empty());
  EXPECT_TRUE(m.complete);
}

TEST(RelacyMemoryOrder, SpscRingIsCleanAndItsRelaxedPublishRaces) {
  const RelacyResult ok = run(catalog("memory-order/spsc-ring"));
  EXPECT_TRUE(ok.result.findings.empty());
  EXPECT_TRUE(ok.result.complete);
  EXPECT_EQ(ok.weak_order, "relaxed");
  EXPECT_TRUE(model("memory-order/spsc-ring").findings.empty());

  const RelacyResult bad = run(catalog("memory-order/spsc-ring-relaxed-publish"));
  ASSERT_EQ(bad.result.findings.size(), 1u);
  const Finding& f = bad.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(where(f.location), at(kMemoryOrder, "[mo:ring-read]"));
  EXPECT_EQ(f.threads, (std::vector<int>{2, 1}));
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(where(f.sites[0].location), at(kMemoryOrder, "[mo:ring-write]"));
  EXPECT_TRUE(model("memory-order/spsc-ring-relaxed-publish").has(FindingKind::kDataRace));
}

// Every memory-order scenario: Relacy's verdict is the declared one.
TEST(RelacyMemoryOrder, DeclaredRelacyVerdictsHold) {
  int checked = 0;
  for (const Scenario* s : scenarios()) {
    if (s->family() != "memory-order") continue;
    const RelacyResult r = run(*s);
    if (s->relacy.kinds.empty()) {
      EXPECT_TRUE(r.result.findings.empty()) << s->name;
    } else {
      ASSERT_EQ(r.result.findings.size(), 1u) << s->name;
      EXPECT_NE(std::find(s->relacy.kinds.begin(), s->relacy.kinds.end(), r.result.findings[0].kind),
                s->relacy.kinds.end())
          << s->name;
    }
    EXPECT_EQ(!r.weak_order.empty(), s->weak_orders) << s->name << " declares weak_orders=" << s->weak_orders;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// ---------------------------------------------------------------------------------------------
// Producer-consumer and lock-ordering families (whichever scenarios exist): the declared
// verdict, with the finding inside the scenario's own source file.

void check_family(const std::string& family, const std::string& file) {
  int checked = 0;
  for (const Scenario* s : scenarios()) {
    if (s->family() != family || !s->relacy.skip_reason.empty()) continue;
    const RelacyResult r = run(*s);
    if (r.skipped) {
      ADD_FAILURE() << s->name << " skipped at run time: " << r.skip_reason;
      continue;
    }
    if (s->relacy.kinds.empty()) {
      EXPECT_TRUE(r.result.findings.empty())
          << s->name << ": " << (r.result.findings.empty() ? "" : r.result.findings[0].message);
    } else if (r.result.findings.size() != 1u) {
      ADD_FAILURE() << s->name << ": expected one of the declared kinds, found nothing in " << r.result.executions
                    << " iterations (" << r.result.strategy << ")";
    } else {
      const Finding& f = r.result.findings[0];
      EXPECT_NE(std::find(s->relacy.kinds.begin(), s->relacy.kinds.end(), f.kind), s->relacy.kinds.end())
          << s->name << ": " << kind_name(f.kind) << ": " << f.message;
      EXPECT_EQ(where(f.location).substr(0, file.size()), file) << s->name << ": " << f.message;
      EXPECT_FALSE(f.threads.empty()) << s->name;
    }
    ++checked;
  }
  std::printf("%s: %d scenarios checked under Relacy\n", family.c_str(), checked);
}

TEST(RelacyFamilies, ProducerConsumerDeclaredVerdicts) { check_family("producer-consumer", kProducerConsumer); }
TEST(RelacyFamilies, LockOrderingDeclaredVerdicts) { check_family("lock-ordering", "scenarios/lock_ordering.cpp"); }

// if-not-while: a woken consumer takes from an empty buffer.
TEST(RelacyFamilies, IfNotWhileUnderflows) {
  const RelacyResult r = run(catalog("producer-consumer/if-not-while"));
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(where(f.location), at(kProducerConsumer, "[pc:underflow]"));
  ASSERT_EQ(f.threads.size(), 1u);
  EXPECT_GE(f.threads[0], 2);  // a consumer (t2 or t3)
}

// ---------------------------------------------------------------------------------------------
// Probes: what the catalog does not exercise.

TEST(RelacyProbes, SpinOnAFlagNobodySetsIsALivelock) {
  RelacyOptions o;
  o.max_steps = 200;
  const RelacyResult r = probe("relacy-probe/livelock", o);
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLivelock);
  EXPECT_EQ(where(f.location), at(kProbes, "[probe:spin]"));
  EXPECT_EQ(f.threads, (std::vector<int>{1}));
}

TEST(RelacyProbes, LeakIsFoundOnlyWhenTheHeapIsTracked) {
  RelacyOptions o;
  o.track_heap = true;
  const RelacyResult r = probe("relacy-probe/leak", o);
  ASSERT_EQ(r.result.findings.size(), 1u);
  EXPECT_EQ(r.result.findings[0].kind, FindingKind::kMemoryLeak);
  EXPECT_EQ(where(r.result.findings[0].location), at(kProbes, "[probe:leak]"));
  // By default the scenario's heap bypasses Relacy's (documented): no leak report.
  EXPECT_TRUE(probe("relacy-probe/leak").result.findings.empty());
}

TEST(RelacyProbes, DeadlockNamesTheBlockedThreads) {
  const RelacyResult r = probe("relacy-probe/deadlock");
  ASSERT_EQ(r.result.findings.size(), 1u);
  const Finding& f = r.result.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDeadlock);
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1, 2}));
  ASSERT_EQ(f.sites.size(), 3u);
  EXPECT_EQ(where(f.sites[1].location), at(kProbes, "[probe:t1-second]"));
  EXPECT_EQ(where(f.sites[2].location), at(kProbes, "[probe:t2-second]"));
}

TEST(RelacyProbes, EscapedExceptionAndThreadMisuse) {
  const RelacyResult e = probe("relacy-probe/exception");
  ASSERT_EQ(e.result.findings.size(), 1u);
  EXPECT_EQ(e.result.findings[0].kind, FindingKind::kUncaughtException);
  EXPECT_EQ(e.result.findings[0].message, "exception escaped thread t1: boom");
  EXPECT_EQ(where(e.result.findings[0].location), at(kProbes, "[probe:throw]"));
  const RelacyResult u = probe("relacy-probe/unjoined");
  ASSERT_EQ(u.result.findings.size(), 1u);
  EXPECT_EQ(u.result.findings[0].kind, FindingKind::kApiMisuse);
  EXPECT_EQ(where(u.result.findings[0].location), at(kProbes, "[probe:unjoined]"));
  const RelacyResult b = probe("relacy-probe/bad-unlock");
  ASSERT_EQ(b.result.findings.size(), 1u);
  EXPECT_EQ(b.result.findings[0].kind, FindingKind::kApiMisuse);
  EXPECT_EQ(where(b.result.findings[0].location), at(kProbes, "[probe:bad-unlock]"));
}

// What Relacy cannot model is skipped with the reason, never passed.
TEST(RelacyProbes, UnsupportedUsesAreSkippedWithTheReason) {
  const RelacyResult many = probe("relacy-probe/many-threads");
  EXPECT_TRUE(many.skipped);
  EXPECT_EQ(many.skip_reason, "spawns 17 threads; the Relacy backend supports at most 16");
  EXPECT_TRUE(many.result.findings.empty());
  EXPECT_FALSE(many.result.complete);
  const RelacyResult sleeps = probe("relacy-probe/sleeps");
  EXPECT_TRUE(sleeps.skipped);
  EXPECT_EQ(sleeps.skip_reason,
            "needs virtual time (Relacy has no clock: sleeps, timed waits and work cannot be modeled)");
  EXPECT_EQ(where(sleeps.skip_at), at(kProbes, "[probe:sleep]"));
}

TEST(RelacyProbes, WeakOrdersAreReportedWithTheirLocation) {
  const RelacyResult r = probe("relacy-probe/undeclared-relaxed");
  EXPECT_TRUE(r.result.findings.empty());
  EXPECT_EQ(r.weak_order, "relaxed");
  EXPECT_EQ(where(r.weak_order_at), at(kProbes, "[probe:relaxed]"));
}

TEST(RelacyDriver, MissingBinaryIsAnErrorNotAVerdict) {
  RelacyOptions o = default_options(catalog("counter/racy"));
  o.binary = "/nonexistent/weft-relacy";
  const RelacyResult r = run_relacy(catalog("counter/racy"), catalog("counter/racy").default_params(), o);
  EXPECT_EQ(r.error, "the Relacy backend is not built (/nonexistent/weft-relacy is missing)");
  EXPECT_TRUE(r.result.findings.empty());
}

// ---------------------------------------------------------------------------------------------
// `weft explore --engine relacy`

CliRun weft(const std::string& args) { return weft_test::run_weft(args); }

TEST(RelacyCli, ExploreJsonHasTheModelsFieldsWithEngineRelacy) {
  const CliRun r = weft("explore memory-order/dekker-release-acquire --engine relacy --json");
  EXPECT_EQ(r.code, 1) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scenario"], "memory-order/dekker-release-acquire");
  EXPECT_EQ(j["engine"], "relacy");
  EXPECT_EQ(j["strategy"], "full");
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["bounded_by"], "finding");
  ASSERT_EQ(j["findings"].size(), 1u);
  const nlohmann::json& f = j["findings"][0];
  EXPECT_EQ(f["kind"], "assertion_failure");
  EXPECT_EQ(f["location"]["file"], kMemoryOrder);
  EXPECT_EQ(f["location"]["line"], marker_line(kMemoryOrder, "[mo:dekker-cs]"));
  EXPECT_EQ(f["execution"], j["executions"]);  // Relacy stops at the failing iteration
  EXPECT_EQ(f["schedule"], "");
  EXPECT_NE(f["trace"].get<std::string>().find("[NOT CURRENT]"), std::string::npos);
  EXPECT_EQ(j["skipped"], nullptr);
  EXPECT_EQ(j["relacy"]["threads"], 2);
}

TEST(RelacyCli, CleanFullSearchIsCompleteAndExitsZero) {
  const CliRun r = weft("explore memory-order/dekker-seq-cst --engine relacy --json");
  EXPECT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["bounded_by"], nullptr);
  EXPECT_TRUE(j["findings"].empty());
  const CliRun b = weft("explore counter/mutex --engine relacy --relacy-search bound --context-bound 1 --json");
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(b.out)["bounded_by"], "context_bound=1");
  const CliRun t = weft("explore counter/racy --engine relacy");
  EXPECT_EQ(t.code, 1);
  EXPECT_NE(t.out.find("engine relacy (2 dynamic threads)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("[data_race]"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("no schedule token"), std::string::npos) << t.out;
}

// A scenario Relacy cannot model is skipped with the reason and exit code 3: never a pass.
TEST(RelacyCli, UnsupportedScenarioIsSkippedWithExitThree) {
  const CliRun r = weft("explore priority-inversion/unbounded --engine relacy");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("relacy: skipped: Relacy has no thread priorities or virtual time"), std::string::npos) << r.out;
  const CliRun j = weft("explore priority-inversion/unbounded --engine relacy --json");
  EXPECT_EQ(j.code, 3) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["skipped"], "Relacy has no thread priorities or virtual time");
}

TEST(RelacyCli, BadCombinationsAreUsageErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"explore counter/racy --engine relacy --strategy dfs",
       "weft: error: --strategy applies to the model engine, not --engine relacy\n"},
      {"explore counter/racy --engine relacy --context-bound 2",
       "weft: error: --context-bound applies to --relacy-search bound\n"},
      {"explore counter/racy --iterations 5", "weft: error: --iterations applies to --engine relacy\n"},
      {"explore counter/racy --engine relacy --set threads=99", nullptr},  // the parameter's range error, one line
  };
  for (const auto& [args, err] : cases) {
    const CliRun r = weft(args);
    EXPECT_EQ(r.code, 2) << args;
    if (err != nullptr) EXPECT_EQ(r.err, err) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
  }
  const CliRun bad = weft("explore counter/racy --engine bogus");
  EXPECT_EQ(bad.code, 2);
}

}  // namespace
}  // namespace weft::relacy
