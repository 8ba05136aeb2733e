// DPOR's dependency relation: the footprint of a step (the shared keys it reads, writes or adds
// to) and when two steps of different threads are dependent (they do not commute).
//
// Paper: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014,
// Section 3 (the dependency relation and happens-before of an execution sequence); JACM 2017
// ("Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction"), Section 3. The relation
// must be a valid independence: two independent steps commute in every state, so a footprint
// may not depend on the values a step reads (when a race is reversed, it runs in another state).
//
// The model. A step is what one thread does from one scheduling point to the next: one visible
// operation, then its invisible code (which may end the thread, fail an assertion, call
// weft::choose, and for a spawn includes the child's invisible prefix). Two steps of different
// threads are dependent when their footprints conflict on a key (at least one write; reads
// commute, adds commute). How each operation maps to accesses is in dpor_races.cpp (add_event).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace weft::dpor {

inline constexpr int kMaxThreads = 64;  // thread sets are 64-bit masks
inline constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Keys: shared state a step touches. Pseudo keys first, then one per thread ("t finished"), then
// the execution's objects.
inline constexpr std::int32_t kKeyBudget = 0;  // spurious wake-up budget
inline constexpr std::int32_t kKeySpawn = 1;   // thread-id allocator
inline constexpr std::int32_t kKeyThread0 = 2;
inline constexpr std::int32_t kKeyObject0 = kKeyThread0 + kMaxThreads;
inline constexpr std::int32_t kProgramOrder = -3;  // marks the program-order (or spawn) predecessor

enum class Mode : std::uint8_t { kRead, kWrite, kAdd };

inline bool conflict(Mode a, Mode b) {
  return !((a == Mode::kRead && b == Mode::kRead) || (a == Mode::kAdd && b == Mode::kAdd));
}

struct Access {
  std::int32_t key = 0;
  Mode mode = Mode::kRead;
  bool blocking = false;    // the step waited for this key (lock, re-lock, semaphore acquire, join)
  bool open_before = true;  // a blocked acquire of this key could have run just before this write
};

inline constexpr std::size_t kMaxAccesses = 6;

struct Footprint {
  std::array<Access, kMaxAccesses> a{};
  std::uint8_t n = 0;
  bool global = false;  // dependent with every step
  bool wake = false;    // contains this thread's re-lock after a condition-variable wait
  int thread = -1;
  int spawned = -1;         // child spawned by this step
  std::uint64_t wakes = 0;  // threads whose condition-variable wait this step's notify ended

  void clear(int t) {
    n = 0;
    global = false;
    wake = false;
    thread = t;
    spawned = -1;
    wakes = 0;
  }
  [[gnu::always_inline]] void add(Access x) {
    for (std::uint8_t i = 0; i < n; ++i) {
      if (a[i].key == x.key && a[i].mode == x.mode) {
        a[i].blocking = a[i].blocking || x.blocking;
        return;
      }
    }
    if (n == kMaxAccesses) {
      global = true;  // out of room: over-approximate
      return;
    }
    a[n++] = x;
  }
  // Union, for a thread's step over all its explored values.
  [[gnu::always_inline]] void merge(const Footprint& o) {
    for (std::uint8_t i = 0; i < o.n; ++i) add(o.a[i]);
    global = global || o.global;
    wake = wake || o.wake;
    wakes |= o.wakes;
    if (spawned < 0) spawned = o.spawned;
  }
};

inline bool dependent(const Footprint& x, const Footprint& y) {
  if (x.global || y.global) return true;
  for (std::uint8_t i = 0; i < x.n; ++i) {
    for (std::uint8_t j = 0; j < y.n; ++j) {
      if (x.a[i].key == y.a[j].key && conflict(x.a[i].mode, y.a[j].mode)) return true;
    }
  }
  if (x.wake && y.thread >= 0 && ((y.wakes >> x.thread) & 1) != 0) return true;
  if (y.wake && x.thread >= 0 && ((x.wakes >> y.thread) & 1) != 0) return true;
  if (x.spawned >= 0 && x.spawned == y.thread) return true;
  if (y.spawned >= 0 && y.spawned == x.thread) return true;
  return false;
}

inline std::uint64_t bit(int t) { return std::uint64_t{1} << t; }

}  // namespace weft::dpor
