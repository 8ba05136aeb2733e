// Factories for the built-in strategies (each implemented in its own file).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weft/strategy.hpp"

namespace weft {

// Exhaustive depth-first search over every choice, non-preemptive alternatives first.
// preemption_bound >= 0 limits preemptions per execution (CHESS-style); complete() is true
// only when the bound never cut off an alternative.
std::unique_ptr<Strategy> make_dfs_strategy(int preemption_bound);

// Uniformly random choices from a seeded generator; never complete.
std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed);

// Optimal dynamic partial-order reduction (source sets, sleep sets and wake-up trees): one
// execution per Mazurkiewicz trace of the visible operations. `spurious_wakeups` must match
// Options::spurious_wakeups (the spurious wake-up budget is shared state of the execution).
std::unique_ptr<Strategy> make_dpor_strategy(bool spurious_wakeups);

// When `strategy` is a DPOR search that stopped because the program is beyond it (more than 64
// threads: its thread sets are 64-bit masks), why; empty otherwise and for other strategies.
// The search's result is then void: the runner explores again under DFS.
std::string dpor_unsupported(const Strategy& strategy);

// PCT: random thread priorities with depth - 1 priority change points per execution; never
// complete. Per execution (after the first, which measures n and k) a bug of depth <= `depth`
// is found with probability >= 1 / (n * k^(depth - 1)).
std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, int depth);

// Exactly the recorded choices of one execution; reports where a nondeterministic body
// diverged from them.
std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint32_t> choices);

}  // namespace weft
