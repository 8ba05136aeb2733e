// Seeded uniformly random exploration: each choice drawn from one 64-bit generator stream.
#include <random>

#include "strategies/strategies.hpp"

namespace weft {

namespace {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : rng_(seed) {}

  bool begin_execution() override { return true; }
  int pick_next(const PickContext& ctx) override {
    return ctx.runnable[below(static_cast<std::uint32_t>(ctx.runnable.size()))];
  }
  std::uint32_t pick_value(std::uint32_t n, ValueChoice, std::uint32_t) override { return below(n); }
  std::string name() const override { return "random"; }

 private:
  // Lemire's multiply-shift reduction: same result on every standard library, unlike
  // std::uniform_int_distribution.
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(rng_()) * n) >> 64);
  }

  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed) { return std::make_unique<RandomStrategy>(seed); }

}  // namespace weft
