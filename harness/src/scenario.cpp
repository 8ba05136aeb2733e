// The scenario registry, filled at static-initialization time.
#include "weft/scenario.hpp"

#include <algorithm>

namespace weft {

namespace {
std::vector<const Scenario*>& registry() {
  static std::vector<const Scenario*> all;
  return all;
}
}  // namespace

ScenarioRegistrar::ScenarioRegistrar(const Scenario& scenario) {
  auto& all = registry();
  const auto pos = std::lower_bound(all.begin(), all.end(), &scenario,
                                    [](const Scenario* a, const Scenario* b) { return a->name < b->name; });
  all.insert(pos, &scenario);
}

const std::vector<const Scenario*>& scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario* s : registry()) {
    if (s->name == name) return s;
  }
  return nullptr;
}

std::uint32_t scenario_hash(std::string_view name) {
  std::uint32_t h = 2166136261u;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

}  // namespace weft
