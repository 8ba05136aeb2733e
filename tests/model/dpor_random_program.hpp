// A seeded generator of small concurrent programs and their interpreter under weft, for DPOR's differential tests.
//
// A program: shared atomics, tracked variables, mutexes, condition variables and semaphores, and
// 2-4 threads (spawned by the main thread, joined at the end), each a short list of blocks:
// atomic load / store / fetch_add / compare-exchange, variable read / write, a critical section
// (lock, a few blocks, possibly a condition-variable wait or a nested lock, unlock), a try_lock
// section, notify_one / notify_all, semaphore acquire / try_acquire / release, weft::choose,
// an assertion on the last value read, yield, and (thread 1 only) spawning a grandchild that is
// joined at the thread's end. Every value a thread reads is appended to its registers.
// The outcome of an execution that ends normally: the final values of the atomics and variables
// and every thread's registers, one vector. Executions that a finding cut short (assertion,
// deadlock, misuse) have no outcome; their findings are compared as kinds.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "weft/sync.hpp"

namespace weft::testing {

enum class OpCode : std::uint8_t {
  kLoad,
  kStore,
  kFetchAdd,
  kCas,
  kVarRead,
  kVarWrite,
  kLock,      // body runs under the mutex
  kTryLock,   // body runs if the try_lock succeeded
  kWait,      // inside a kLock of mutex `arg`: waits on cv `obj` (may wake spuriously)
  kNotifyOne,
  kNotifyAll,
  kSemAcquire,
  kSemTryAcquire,
  kSemRelease,
  kChoose,    // a value in [0, arg)
  kCheck,     // WEFT_ASSERT(last value read != arg)
  kYield,
  kSpawn,     // thread 1 only: spawns the grandchild (joined at the thread's end)
};

struct Block {
  OpCode op = OpCode::kYield;
  int obj = 0;
  int arg = 0;
  std::vector<Block> body;
};

struct Program {
  int atomics = 2;
  int vars = 1;
  int mutexes = 1;
  int cvs = 0;
  int sems = 0;
  std::vector<int> sem_initial;
  std::vector<std::vector<Block>> threads;  // user threads
  std::vector<Block> grandchild;            // empty: none
};

// What the generator may use (each off makes the programs simpler).
struct Features {
  bool condvars = true;
  bool semaphores = true;
  bool choose = true;
  bool checks = true;
  bool spawn = true;
};

inline const char* op_text(OpCode op) {
  switch (op) {
    case OpCode::kLoad: return "load";
    case OpCode::kStore: return "store";
    case OpCode::kFetchAdd: return "fetch_add";
    case OpCode::kCas: return "cas";
    case OpCode::kVarRead: return "var.read";
    case OpCode::kVarWrite: return "var.write";
    case OpCode::kLock: return "lock";
    case OpCode::kTryLock: return "try_lock";
    case OpCode::kWait: return "wait";
    case OpCode::kNotifyOne: return "notify_one";
    case OpCode::kNotifyAll: return "notify_all";
    case OpCode::kSemAcquire: return "sem.acquire";
    case OpCode::kSemTryAcquire: return "sem.try_acquire";
    case OpCode::kSemRelease: return "sem.release";
    case OpCode::kChoose: return "choose";
    case OpCode::kCheck: return "check";
    case OpCode::kYield: return "yield";
    case OpCode::kSpawn: return "spawn";
  }
  return "?";
}

inline void describe_blocks(const std::vector<Block>& blocks, std::string& out) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    out += (i == 0 ? "" : "; ");
    out += op_text(b.op);
    out += "(" + std::to_string(b.obj) + "," + std::to_string(b.arg) + ")";
    if (!b.body.empty()) {
      out += " { ";
      describe_blocks(b.body, out);
      out += " }";
    }
  }
}

inline std::string describe(const Program& p) {
  std::string out = "atomics=" + std::to_string(p.atomics) + " vars=" + std::to_string(p.vars) +
                    " mutexes=" + std::to_string(p.mutexes) + " cvs=" + std::to_string(p.cvs) +
                    " sems=" + std::to_string(p.sems) + "\n";
  for (std::size_t t = 0; t < p.threads.size(); ++t) {
    out += "  t" + std::to_string(t + 1) + ": ";
    describe_blocks(p.threads[t], out);
    out += "\n";
  }
  if (!p.grandchild.empty()) {
    out += "  grandchild: ";
    describe_blocks(p.grandchild, out);
    out += "\n";
  }
  return out;
}

class Generator {
 public:
  Generator(std::uint64_t seed, Features f) : rng_(seed), f_(f) {}

  Program make() {
    Program p;
    const int threads = 2 + below(3);  // 2..4
    // Fewer operations with more threads keeps exhaustive DFS (the reference) affordable.
    const int max_blocks = threads == 2 ? 3 : threads == 3 ? 2 : 1;
    p.atomics = 1 + below(2);
    p.vars = below(2);
    p.mutexes = below(3);
    p.cvs = f_.condvars && p.mutexes > 0 ? below(2) : 0;
    p.sems = f_.semaphores ? below(2) : 0;
    for (int s = 0; s < p.sems; ++s) p.sem_initial.push_back(below(2));
    p_ = &p;
    for (int t = 0; t < threads; ++t) {
      std::vector<Block> blocks;
      const int n = 1 + below(max_blocks);
      for (int i = 0; i < n; ++i) blocks.push_back(block(0, t == 0));
      p.threads.push_back(std::move(blocks));
    }
    if (f_.spawn && threads <= 3 && below(4) == 0) {
      p.threads[0].push_back(Block{OpCode::kSpawn, 0, 0, {}});
      p.grandchild.push_back(block(0, false));
    }
    return p;
  }

 private:
  int below(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  Block simple() {
    for (;;) {
      const int k = below(16);
      Block b;
      switch (k) {
        case 0: case 1: b = {OpCode::kLoad, below(p_->atomics), 0, {}}; return b;
        case 2: case 3: b = {OpCode::kStore, below(p_->atomics), 1 + below(2), {}}; return b;
        case 4: case 5: b = {OpCode::kFetchAdd, below(p_->atomics), 1, {}}; return b;
        case 6: b = {OpCode::kCas, below(p_->atomics), below(2), {}}; return b;
        case 7: case 8:
          if (p_->vars == 0) continue;
          b = {OpCode::kVarRead, below(p_->vars), 0, {}};
          return b;
        case 9:
          if (p_->vars == 0) continue;
          b = {OpCode::kVarWrite, below(p_->vars), 1 + below(2), {}};
          return b;
        case 10:
          if (p_->cvs == 0) continue;
          b = {below(3) == 0 ? OpCode::kNotifyAll : OpCode::kNotifyOne, below(p_->cvs), 0, {}};
          return b;
        case 11:
          if (p_->sems == 0) continue;
          b = {OpCode::kSemAcquire, below(p_->sems), 0, {}};
          return b;
        case 12:
          if (p_->sems == 0) continue;
          b = {below(2) == 0 ? OpCode::kSemTryAcquire : OpCode::kSemRelease, below(p_->sems), 0, {}};
          return b;
        case 13:
          if (!f_.choose) continue;
          b = {OpCode::kChoose, 0, 2, {}};
          return b;
        case 14:
          if (!f_.checks) continue;
          b = {OpCode::kCheck, 0, below(3), {}};
          return b;
        default:
          b = {OpCode::kYield, 0, 0, {}};
          return b;
      }
    }
  }

  Block block(int depth, bool first_thread) {
    (void)first_thread;
    if (p_->mutexes > 0 && depth < 2 && below(3) == 0) {
      Block b;
      b.obj = below(p_->mutexes);
      b.op = below(4) == 0 ? OpCode::kTryLock : OpCode::kLock;
      const int n = 1 + below(2);
      for (int i = 0; i < n; ++i) {
        if (b.op == OpCode::kLock && p_->cvs > 0 && below(3) == 0) {
          b.body.push_back(Block{OpCode::kWait, below(p_->cvs), b.obj, {}});
        } else if (depth == 0 && p_->mutexes > 1 && below(3) == 0) {
          Block inner = block(depth + 1, false);
          if ((inner.op == OpCode::kLock || inner.op == OpCode::kTryLock) && inner.obj == b.obj) {
            inner.obj = (b.obj + 1) % p_->mutexes;  // never re-lock the held mutex
          }
          b.body.push_back(std::move(inner));
        } else {
          b.body.push_back(simple());
        }
      }
      return b;
    }
    return simple();
  }

  std::mt19937_64 rng_;
  Features f_;
  Program* p_ = nullptr;
};

// Runs `p` as the body of one execution; on a normal end, inserts the outcome into `outcomes`.
// (Plain memory outside the model: each thread writes its own registers; the main thread reads
// them after joining, so they never race.)
class Interpreter {
 public:
  Interpreter(const Program& p, std::set<std::vector<std::int64_t>>& outcomes) : p_(p), outcomes_(outcomes) {}

  void operator()() const {
    State st(p_);
    const int n = static_cast<int>(p_.threads.size());
    st.regs.resize(static_cast<std::size_t>(n + 1));
    std::vector<weft::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) {
      threads.emplace_back([this, &st, t] {
        std::vector<std::int64_t>& regs = st.regs[static_cast<std::size_t>(t)];
        weft::thread child;
        run(st, p_.threads[static_cast<std::size_t>(t)], regs, nullptr, &child);
        if (child.joinable()) child.join();
      });
    }
    for (weft::thread& t : threads) t.join();
    std::vector<std::int64_t> out;
    for (auto& a : st.atomics) out.push_back(a->load());
    out.push_back(-100);
    for (auto& v : st.vars) out.push_back(v->load());
    for (const auto& r : st.regs) {
      out.push_back(-100);
      out.insert(out.end(), r.begin(), r.end());
    }
    outcomes_.insert(std::move(out));
  }

 private:
  struct State {
    explicit State(const Program& p) {
      for (int i = 0; i < p.atomics; ++i) atomics.push_back(std::make_unique<weft::atomic<int>>(0));
      for (int i = 0; i < p.vars; ++i) vars.push_back(std::make_unique<weft::var<int>>(0));
      for (int i = 0; i < p.mutexes; ++i) mutexes.push_back(std::make_unique<weft::mutex>());
      for (int i = 0; i < p.cvs; ++i) cvs.push_back(std::make_unique<weft::condition_variable>());
      for (int i = 0; i < p.sems; ++i) {
        sems.push_back(std::make_unique<weft::counting_semaphore<2>>(p.sem_initial[static_cast<std::size_t>(i)]));
      }
    }
    std::vector<std::unique_ptr<weft::atomic<int>>> atomics;
    std::vector<std::unique_ptr<weft::var<int>>> vars;
    std::vector<std::unique_ptr<weft::mutex>> mutexes;
    std::vector<std::unique_ptr<weft::condition_variable>> cvs;
    std::vector<std::unique_ptr<weft::counting_semaphore<2>>> sems;
    std::vector<std::vector<std::int64_t>> regs;
  };

  void run(State& st, const std::vector<Block>& blocks, std::vector<std::int64_t>& regs,
           weft::unique_lock<weft::mutex>* held, weft::thread* child) const {
    for (const Block& b : blocks) {
      switch (b.op) {
        case OpCode::kLoad:
          regs.push_back(st.atomics[static_cast<std::size_t>(b.obj)]->load());
          break;
        case OpCode::kStore:
          st.atomics[static_cast<std::size_t>(b.obj)]->store(b.arg);
          break;
        case OpCode::kFetchAdd:
          regs.push_back(st.atomics[static_cast<std::size_t>(b.obj)]->fetch_add(b.arg));
          break;
        case OpCode::kCas: {
          int expected = b.arg;
          const bool ok = st.atomics[static_cast<std::size_t>(b.obj)]->compare_exchange_strong(expected, b.arg + 5);
          regs.push_back(ok ? 1000 : expected);
          break;
        }
        case OpCode::kVarRead:
          regs.push_back(st.vars[static_cast<std::size_t>(b.obj)]->load());
          break;
        case OpCode::kVarWrite:
          st.vars[static_cast<std::size_t>(b.obj)]->store(b.arg);
          break;
        case OpCode::kLock: {
          weft::unique_lock<weft::mutex> lock(*st.mutexes[static_cast<std::size_t>(b.obj)]);
          run(st, b.body, regs, &lock, child);
          break;
        }
        case OpCode::kTryLock: {
          weft::mutex& m = *st.mutexes[static_cast<std::size_t>(b.obj)];
          const bool ok = m.try_lock();
          regs.push_back(ok ? 1 : 0);
          if (ok) {
            run(st, b.body, regs, nullptr, child);
            m.unlock();
          }
          break;
        }
        case OpCode::kWait:
          if (held != nullptr) st.cvs[static_cast<std::size_t>(b.obj)]->wait(*held);
          break;
        case OpCode::kNotifyOne:
          st.cvs[static_cast<std::size_t>(b.obj)]->notify_one();
          break;
        case OpCode::kNotifyAll:
          st.cvs[static_cast<std::size_t>(b.obj)]->notify_all();
          break;
        case OpCode::kSemAcquire:
          st.sems[static_cast<std::size_t>(b.obj)]->acquire();
          break;
        case OpCode::kSemTryAcquire:
          regs.push_back(st.sems[static_cast<std::size_t>(b.obj)]->try_acquire() ? 1 : 0);
          break;
        case OpCode::kSemRelease:
          st.sems[static_cast<std::size_t>(b.obj)]->release();
          break;
        case OpCode::kChoose:
          regs.push_back(weft::choose(static_cast<std::uint32_t>(b.arg)));
          break;
        case OpCode::kCheck:
          WEFT_ASSERT((regs.empty() ? 0 : regs.back()) != b.arg);
          break;
        case OpCode::kYield:
          weft::yield();
          break;
        case OpCode::kSpawn: {
          std::vector<std::int64_t>& cregs = st.regs.back();
          *child = weft::thread([this, &st, &cregs] { run(st, p_.grandchild, cregs, nullptr, nullptr); });
          break;
        }
      }
    }
  }

  const Program& p_;
  std::set<std::vector<std::int64_t>>& outcomes_;
};

}  // namespace weft::testing
