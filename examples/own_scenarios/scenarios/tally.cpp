// Two scenarios over include/tally.hpp with their declared verdicts on every engine.
#include "tally.hpp"
#include "weft/scenario.hpp"

namespace {

void racy(const weft::Params&) {
  Tally t;
  weft::thread a([&] { t.bump_unlocked(); });
  t.bump_unlocked();
  a.join();
}

void locked(const weft::Params&) {
  Tally t;
  weft::thread a([&] { t.bump(); });
  t.bump();
  a.join();
  WEFT_ASSERT(t.n.load() == 2);
}

WEFT_REGISTER_SCENARIO({
    .name = "tally/racy",
    .description = "two unlocked bumps: a data race",
    .model = {.kinds = {weft::FindingKind::kDataRace}},
    .native = {.kinds = {weft::FindingKind::kDataRace}},
    .relacy = {.kinds = {weft::FindingKind::kDataRace}},
    .body = &racy,
});

WEFT_REGISTER_SCENARIO({
    .name = "tally/locked",
    .description = "two bumps under the mutex: correct",
    .body = &locked,
});

}  // namespace
