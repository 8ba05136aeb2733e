// The unmodified-code runtime's state: objects keyed by address, shadow call stacks, interned locations.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/event.hpp"
#include "weft/model/runtime_api.hpp"
#include "weft/source_loc.hpp"

namespace weft::intercept {

// The serial of the execution whose runtime the running fiber is inside (a seam call made by this
// library, or a simulated thread's stack before its body starts and after it ends); 0: none.
// Invariant: every fiber switch happens inside a seam call, so one value per OS thread is right
// for every fiber, and a new execution (a new serial) starts outside. Callbacks and pthread calls
// made inside are weft's own (inline std:: code that the linker took from an instrumented object:
// one copy of each inline function serves the whole program) and run natively, so that the
// runtime's accesses are never events.
extern thread_local std::uint64_t g_runtime_serial;

// The simulated context of instrumented code: none inside the runtime (see g_runtime_serial).
inline detail::SimContext sim() noexcept {
  const detail::SimContext ctx = detail::sim_context();
  if (ctx.serial == g_runtime_serial) [[unlikely]]
    return {};
  return ctx;
}

// Marks a call into the runtime (restores the previous state on return).
struct InRuntime {
  std::uint64_t saved = g_runtime_serial;
  InRuntime() { g_runtime_serial = detail::sim_context().serial; }
  ~InRuntime() { g_runtime_serial = saved; }
  InRuntime(const InRuntime&) = delete;
  InRuntime& operator=(const InRuntime&) = delete;
};

// The body of a simulated thread runs outside the runtime (and returns into it).
inline void enter_body() { g_runtime_serial = 0; }
inline void leave_body() { g_runtime_serial = detail::sim_context().serial; }

// The file of a location that is a return address still to be symbolized: line N names record
// N of the location table (see symbolize.cpp). Compared by pointer and by content.
inline constexpr const char* kPcFile = "<weft-pc>";

// What an address is used as; one address may be several (an atomic initialized by a plain store).
enum class Use : std::uint8_t { kMutex = 1, kCondVar = 2, kAtomic = 3, kPlain = 4 };

// One object of the current execution, keyed by (address, use).
struct Entry {
  std::uintptr_t key = 0;
  std::uint64_t serial = 0;  // the execution it belongs to (detail::SimContext::serial)
  detail::MutexState mutex;  // kMutex; its slot serves every use
  detail::CondVarState cv;   // kCondVar
  bool freed = false;        // its block was freed: the next use registers it as a new object
};

// The entry of `addr` as `use` in execution `ctx.serial`, registered with the runtime (kind from
// the use, declared at `decl`) the first time the execution sees it. nullptr when the table is
// full (reported once per execution as api_misuse). Fixed capacity, open addressing, no
// allocation; entries of older executions count as free. Precondition: ctx.thread >= 0.
Entry* lookup(const void* addr, Use use, const detail::SimContext& ctx, SourceLoc decl);

// Forgets the objects of execution `ctx.serial` at addresses [addr, addr + size): each becomes a
// new object at its next use (a freed block's reuse must not race with its previous life; lazily,
// so that object ids keep following the threads' own program order). Cost: 4 probes per byte.
void forget(const void* addr, std::size_t size, const detail::SimContext& ctx);

// Per simulated thread: the return addresses __tsan_func_entry reported, innermost last.
inline constexpr int kShadowDepth = 32;
inline constexpr int kMaxShadowThreads = 256;
struct Shadow {
  std::uint64_t serial = 0;  // the execution `depth` belongs to (a new one starts empty)
  int depth = 0;             // may exceed kShadowDepth: only the outermost kShadowDepth are kept
  const void* pcs[kShadowDepth] = {};
};
extern Shadow g_shadow[kMaxShadowThreads];
void reset_thread(int thread);

// The location of an operation at return address `pc` of `thread`: the address and the innermost
// frames of its shadow stack, interned (no symbolization here). Returns {kPcFile, index}.
SourceLoc here(const void* pc, int thread);

// here() for a pthread call: when `pc` is in a shared library (libstdc++'s std::thread start,
// join, condition_variable::wait: uninstrumented code), the innermost return address in the
// executable from a short backtrace takes its place (a few microseconds, at such calls only).
SourceLoc here_sync(const void* pc, int thread);

// A located record: `count` return addresses, innermost first.
inline constexpr int kLocFrames = 5;
struct LocRecord {
  const void* pcs[kLocFrames] = {};
  int count = 0;
};
// Record `index` (from here()); nullptr when unknown.
const LocRecord* location_record(int index);

// Runs f() (which calls into the runtime); when the execution aborts meanwhile, the current
// simulated thread is abandoned where it stands (detail::abandon_thread) instead of unwinding
// (g_runtime_serial stays set: the fiber switches away inside the runtime, never to return).
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  bool abandon = false;
  InRuntime in;
  try {
    return f();
  } catch (const detail::AbortExecution&) {
    abandon = true;
  }
  if (abandon) detail::abandon_thread();
  __builtin_unreachable();
}

// The fake pthread_t of simulated thread `thread` of execution `serial`: never 0, never a real
// pthread_t (those are addresses of thread control blocks).
inline unsigned long fake_pthread(std::uint64_t serial, int thread) {
  return 0xfeed000000000000ul | ((serial & 0xffffffffu) << 16) | static_cast<unsigned long>(thread + 1);
}
// The simulated thread of a fake pthread_t of execution `serial`, -1 if it is not one.
inline int fake_thread(unsigned long handle, std::uint64_t serial) {
  if ((handle & 0xffff000000000000ul) != 0xfeed000000000000ul) return -1;
  if (((handle >> 16) & 0xffffffffu) != (serial & 0xffffffffu)) return -1;
  return static_cast<int>(handle & 0xffffu) - 1;
}

}  // namespace weft::intercept
