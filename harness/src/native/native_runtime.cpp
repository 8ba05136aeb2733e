// The native runner: per-run bookkeeping behind the native facade's hooks, and the run loop.
#include "native/native_runtime.hpp"

#include <pthread.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "weft/native/sync.hpp"

namespace weft {

namespace {

// Failed assertions and escaped exceptions of the current run. Slots are claimed with a relaxed
// fetch_add and written by the failing thread; the main thread reads them after joining every
// thread, so the records add no happens-before edge between scenario threads.
struct Record {
  bool exception = false;
  int thread = 0;
  SourceLoc loc;
  const char* expr = nullptr;       // assertion: static string from the WEFT_ASSERT site
  std::array<char, 240> what = {};  // exception: copied message
};
constexpr int kMaxRecords = 64;
std::array<Record, kMaxRecords> g_records;
std::atomic<int> g_record_count{0};

// Written by the main thread before a run's threads exist (thread creation orders them).
std::uint64_t g_run = 0;
std::uint64_t g_seed = 1;
bool g_perturb = false;
std::atomic<int> g_next_thread{1};

struct ThreadState {
  int id = 0;
  std::uint64_t rng = 0;
};
thread_local ThreadState tl_state;

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void seed_thread(int id) {
  tl_state.id = id;
  tl_state.rng = g_seed * 0x100000001b3ull ^ (g_run << 20) ^ static_cast<std::uint64_t>(id);
  splitmix64(tl_state.rng);
}

Record* claim_record() {
  const int i = g_record_count.fetch_add(1, std::memory_order_relaxed);
  return i < kMaxRecords ? &g_records[static_cast<std::size_t>(i)] : nullptr;
}

// One protocol line, written with as few write(2) calls as the pipe allows.
void emit(const nlohmann::json& j) {
  const std::string line =
      native::kProtocolMarker + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(2, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

namespace detail {

void native_perturb() {
  if (!g_perturb) return;
  const std::uint64_t r = splitmix64(tl_state.rng);
  switch (r & 7u) {
    case 4:
    case 5:
      std::this_thread::yield();
      break;
    case 6:
    case 7:
      std::this_thread::sleep_for(std::chrono::microseconds(1 + (r >> 8) % 200));
      break;
    default:
      break;
  }
}

void native_assert_failed(const char* expr, SourceLoc loc) {
  if (Record* r = claim_record()) {
    r->exception = false;
    r->thread = tl_state.id;
    r->loc = loc;
    r->expr = expr;
  }
}

std::uint32_t native_choose(std::uint32_t n) {
  if (n <= 1) return 0;
  return static_cast<std::uint32_t>(splitmix64(tl_state.rng) % n);
}

int native_next_thread_id() { return g_next_thread.fetch_add(1, std::memory_order_relaxed); }

void native_thread_started(int id) {
  seed_thread(id);
  char name[16];
  std::snprintf(name, sizeof name, "weft-t%d", id);
  pthread_setname_np(pthread_self(), name);
}

void native_uncaught_exception(int id, const char* what, SourceLoc spawned_at) {
  if (Record* r = claim_record()) {
    r->exception = true;
    r->thread = id;
    r->loc = spawned_at;
    std::snprintf(r->what.data(), r->what.size(), "%s", what != nullptr ? what : "(not a std::exception)");
  }
}

int native_this_thread_id() { return tl_state.id; }

}  // namespace detail

namespace native {

void run_scenario(const Scenario& scenario, const Params& params, const RunConfig& config) {
  g_seed = config.seed;
  g_perturb = config.perturb;
  for (std::uint64_t run = config.first_run; run < config.first_run + config.runs; ++run) {
    g_run = run;
    g_next_thread.store(1, std::memory_order_relaxed);
    g_record_count.store(0, std::memory_order_relaxed);
    emit({{"event", "begin"}, {"run", run}});
    // The body runs on a fresh thread (weft thread 0), not on the process's main thread: TSan
    // resets a new thread's stack shadow, whereas the main thread's stack keeps stale shadow
    // entries from earlier calls that can evict the accesses a race report needs.
    std::thread main_thread([&scenario, &params] {
      detail::native_thread_started(0);
      try {
        scenario.body(params);
      } catch (const std::exception& e) {
        detail::native_uncaught_exception(0, e.what(), SourceLoc{});
      } catch (...) {
        detail::native_uncaught_exception(0, nullptr, SourceLoc{});
      }
    });
    main_thread.join();
    const int count = std::min(g_record_count.load(std::memory_order_relaxed), kMaxRecords);
    for (int i = 0; i < count; ++i) {
      const Record& r = g_records[static_cast<std::size_t>(i)];
      nlohmann::json j = {{"event", r.exception ? "exception" : "assert"},
                          {"run", run},
                          {"thread", r.thread},
                          {"file", r.loc.file != nullptr ? r.loc.file : ""},
                          {"line", r.loc.line}};
      if (r.exception) {
        j["what"] = std::string(r.what.data());
      } else {
        j["expr"] = r.expr != nullptr ? r.expr : "";
      }
      emit(j);
    }
    emit({{"event", "end"}, {"run", run}});
  }
  emit({{"event", "done"}, {"runs", config.runs}});
}

}  // namespace native

}  // namespace weft
