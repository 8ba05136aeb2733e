// A tally written once against weft's facade: bump() is a read-modify-write, unlocked or locked.
#pragma once

#include "weft/sync.hpp"

struct Tally {
  weft::mutex m;
  weft::var<int> n{0};
  void bump_unlocked() { n.store(n.load() + 1); }
  void bump() {
    weft::lock_guard<weft::mutex> g(m);
    n.store(n.load() + 1);
  }
};
