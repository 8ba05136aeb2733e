// Stable names of finding kinds, operations, object kinds and engines.
#include <array>
#include <cstring>

#include "weft/event.hpp"
#include "weft/finding.hpp"
#include "weft/scenario.hpp"

namespace weft {

namespace {
constexpr std::array<std::string_view, kFindingKindCount> kKindNames = {
    "assertion_failure", "uncaught_exception", "deadlock",          "step_bound",   "api_misuse",
    "data_race",         "lock_order_inversion", "livelock",        "starvation",   "priority_inversion",
    "deadline_miss",     "memory_leak",        "hang",
    "crash"};

constexpr std::array<std::string_view, kOpKindCount> kOpNames = {
    "thread.spawn", "thread.join", "thread.exit",   "mutex.lock",     "mutex.try_lock",   "mutex.unlock",
    "atomic.load",  "atomic.store", "atomic.rmw",   "atomic.cas",     "var.read",         "var.write",
    "cv.wait",      "cv.wake",      "cv.notify_one", "cv.notify_all", "semaphore.acquire", "semaphore.try_acquire",
    "semaphore.release", "yield",   "choose",       "assert",
    "thread.sleep",      "thread.work", "thread.set_priority"};
}  // namespace

std::string_view kind_name(FindingKind kind) { return kKindNames[static_cast<std::size_t>(kind)]; }

std::optional<FindingKind> kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<FindingKind>(i);
  }
  return std::nullopt;
}

bool is_potential(FindingKind kind) {
  return kind == FindingKind::kDataRace || kind == FindingKind::kLockOrderInversion;
}

std::string_view op_name(OpKind kind) { return kOpNames[static_cast<std::size_t>(kind)]; }

std::string_view object_kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNone: return "none";
    case ObjectKind::kThread: return "thread";
    case ObjectKind::kMutex: return "mutex";
    case ObjectKind::kAtomic: return "atomic";
    case ObjectKind::kVar: return "var";
    case ObjectKind::kCondVar: return "condition_variable";
    case ObjectKind::kSemaphore: return "semaphore";
  }
  return "?";
}

std::string_view engine_name(Engine engine) {
  switch (engine) {
    case Engine::kModel: return "model";
    case Engine::kNative: return "native";
    case Engine::kRelacy: return "relacy";
  }
  return "?";
}

std::string format_location(SourceLoc loc) {
  if (!loc.known()) return "?";
  std::string_view file = loc.file;
#ifdef WEFT_SOURCE_ROOT
  constexpr std::string_view kRoot = WEFT_SOURCE_ROOT;
  if (file.substr(0, kRoot.size()) == kRoot) file.remove_prefix(kRoot.size());
#endif
  return std::string(file) + ":" + std::to_string(loc.line);
}

}  // namespace weft
