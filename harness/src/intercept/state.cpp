// The unmodified-code runtime's state: the address table, shadow stacks and the location table.
#include "state.hpp"

#include <link.h>
#include <unwind.h>

#include <cstring>

namespace weft::intercept {

namespace {

// Address table: per execution, at most kMaxLive objects (half the slots, so probes stay short).
constexpr std::size_t kSlots = std::size_t{1} << 16;
constexpr std::size_t kMaxLive = kSlots / 2;
Entry g_table[kSlots];
std::uint64_t g_live_serial = 0;  // the execution g_live counts
std::size_t g_live = 0;

std::size_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}

ObjectKind kind_of(Use use) {
  switch (use) {
    case Use::kMutex:
      return ObjectKind::kMutex;
    case Use::kCondVar:
      return ObjectKind::kCondVar;
    case Use::kAtomic:
      return ObjectKind::kAtomic;
    case Use::kPlain:
      break;
  }
  return ObjectKind::kVar;
}

// Location table, process-wide and append-only (tokens replayed in the same process find the
// same indices): record i (1-based) at g_records[i]; g_loc_index hashes records to indices.
constexpr std::size_t kRecords = std::size_t{1} << 15;
constexpr std::size_t kLocSlots = kRecords * 2;
LocRecord g_records[kRecords];
std::int32_t g_loc_index[kLocSlots];
std::size_t g_record_count = 0;
constexpr const char* kLocFull = "<weft: location table full>";

// A new object of the current execution at e's address.
void renew(Entry& e, Use use, SourceLoc decl) {
  e.freed = false;
  e.mutex = detail::MutexState{};
  e.cv = detail::CondVarState{};
  InRuntime in;
  if (use == Use::kCondVar) {
    detail::register_object(e.cv.slot, kind_of(use), decl);
  } else {
    detail::register_object(e.mutex.slot, kind_of(use), decl);
  }
}

}  // namespace

Shadow g_shadow[kMaxShadowThreads];
thread_local std::uint64_t g_runtime_serial = 0;

Entry* lookup(const void* addr, Use use, const detail::SimContext& ctx, SourceLoc decl) {
  const std::uintptr_t key = (reinterpret_cast<std::uintptr_t>(addr) << 3) | static_cast<std::uintptr_t>(use);
  std::size_t i = mix(key) & (kSlots - 1);
  for (;;) {
    Entry& e = g_table[i];
    if (e.serial != ctx.serial) break;  // free (never used, or left by an older execution)
    if (e.key == key) [[likely]] {
      if (e.freed) [[unlikely]]
        renew(e, use, decl);
      return &e;
    }
    i = (i + 1) & (kSlots - 1);
  }
  if (g_live_serial != ctx.serial) {
    g_live_serial = ctx.serial;
    g_live = 0;
  }
  if (g_live >= kMaxLive) [[unlikely]] {
    if (g_live == kMaxLive) {
      ++g_live;  // report once per execution
      InRuntime in;
      detail::report_misuse("weft intercept: more than 32768 addresses in one execution; the rest are not tracked",
                            decl);
    }
    return nullptr;
  }
  ++g_live;
  Entry& e = g_table[i];
  e.key = key;
  e.serial = ctx.serial;
  renew(e, use, decl);
  return &e;
}

void forget(const void* addr, std::size_t size, const detail::SimContext& ctx) {
  const auto base = reinterpret_cast<std::uintptr_t>(addr);
  for (std::uintptr_t a = base; a < base + size; ++a) {
    for (const Use use : {Use::kMutex, Use::kCondVar, Use::kAtomic, Use::kPlain}) {
      const std::uintptr_t key = (a << 3) | static_cast<std::uintptr_t>(use);
      for (std::size_t i = mix(key) & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
        Entry& e = g_table[i];
        if (e.serial != ctx.serial) break;
        if (e.key != key) continue;
        e.freed = true;
        break;
      }
    }
  }
}

void reset_thread(int thread) {
  if (thread >= 0 && thread < kMaxShadowThreads) g_shadow[thread].depth = 0;
}

SourceLoc here(const void* pc, int thread) {
  LocRecord r;
  r.pcs[0] = pc;
  r.count = 1;
  if (thread >= 0 && thread < kMaxShadowThreads) {
    const Shadow& s = g_shadow[thread];
    const int depth = s.serial == detail::sim_context().serial ? s.depth : 0;
    for (int d = (depth < kShadowDepth ? depth : kShadowDepth) - 1; d >= 0 && r.count < kLocFrames; --d) {
      r.pcs[r.count++] = s.pcs[d];
    }
  }
  std::uint64_t h = 0;
  for (int k = 0; k < r.count; ++k) h = (h ^ reinterpret_cast<std::uintptr_t>(r.pcs[k])) * 0x9e3779b97f4a7c15ull;
  std::size_t i = mix(h) & (kLocSlots - 1);
  for (;;) {
    const std::int32_t idx = g_loc_index[i];
    if (idx == 0) break;
    const LocRecord& o = g_records[idx];
    if (o.count == r.count && std::memcmp(o.pcs, r.pcs, sizeof(void*) * static_cast<std::size_t>(r.count)) == 0) {
      return SourceLoc{kPcFile, idx};
    }
    i = (i + 1) & (kLocSlots - 1);
  }
  if (g_record_count + 1 >= kRecords) [[unlikely]]
    return SourceLoc{kLocFull, 1};
  const auto idx = static_cast<std::int32_t>(++g_record_count);
  g_records[idx] = r;
  g_loc_index[i] = idx;
  return SourceLoc{kPcFile, idx};
}

namespace {

// The executable's code: [g_exe_begin, g_exe_end) covers its executable PT_LOAD segments.
std::uintptr_t g_exe_begin = 0;
std::uintptr_t g_exe_end = 0;

int find_exe(dl_phdr_info* info, std::size_t, void*) {
  for (int k = 0; k < info->dlpi_phnum; ++k) {  // the first object reported is the executable
    const ElfW(Phdr)& ph = info->dlpi_phdr[k];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    const std::uintptr_t b = info->dlpi_addr + ph.p_vaddr;
    if (g_exe_begin == 0 || b < g_exe_begin) g_exe_begin = b;
    if (b + ph.p_memsz > g_exe_end) g_exe_end = b + ph.p_memsz;
  }
  return 1;
}

bool in_exe(const void* pc) {
  if (g_exe_end == 0) [[unlikely]] {
    InRuntime in;
    dl_iterate_phdr(&find_exe, nullptr);
  }
  const auto p = reinterpret_cast<std::uintptr_t>(pc);
  return p >= g_exe_begin && p < g_exe_end;
}

}  // namespace

namespace {

// Unwinds only up to the first frame in the executable above `pc`.
struct CallerSearch {
  const void* pc;
  bool passed = false;
  const void* found = nullptr;
  int frames = 0;
};

_Unwind_Reason_Code caller_step(_Unwind_Context* ctx, void* arg) {
  auto* s = static_cast<CallerSearch*>(arg);
  const auto ip = reinterpret_cast<const void*>(_Unwind_GetIP(ctx));
  if (++s->frames > 16) return _URC_END_OF_STACK;
  if (!s->passed) {
    s->passed = ip == s->pc;
    return _URC_NO_REASON;
  }
  if (in_exe(ip)) {
    s->found = ip;
    return _URC_END_OF_STACK;
  }
  return _URC_NO_REASON;
}

}  // namespace

SourceLoc here_sync(const void* pc, int thread) {
  if (in_exe(pc)) [[likely]]
    return here(pc, thread);
  CallerSearch search{pc};
  {
    InRuntime in;
    _Unwind_Backtrace(&caller_step, &search);
  }
  return here(search.found != nullptr ? search.found : pc, thread);
}

const LocRecord* location_record(int index) {
  if (index <= 0 || static_cast<std::size_t>(index) > g_record_count) return nullptr;
  return &g_records[index];
}

}  // namespace weft::intercept
