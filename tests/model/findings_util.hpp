// Test helper: finding lookups and source-line lookups for asserting file:line without
// hard-coding line numbers.
#pragma once

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "weft/explore.hpp"

namespace weft::test {

// The line of the first occurrence of `needle` in `file` (1-based), -1 if absent.
inline int line_of(const char* file, std::string_view needle) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return -1;
}

inline std::string_view basename_of(const char* path) {
  std::string_view p = path;
  return p.substr(p.rfind('/') + 1);
}

inline std::vector<const Finding*> all_of(const Result& r, FindingKind kind) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings) {
    if (f.kind == kind) out.push_back(&f);
  }
  return out;
}

inline const Finding* find_kind(const Result& r, FindingKind kind) {
  const auto all = all_of(r, kind);
  return all.empty() ? nullptr : all.front();
}

// "kind: message" lines of every finding, for failure messages.
inline std::string describe(const Result& r) {
  std::string out;
  for (const Finding& f : r.findings) out += std::string(kind_name(f.kind)) + ": " + f.message + "\n";
  return out.empty() ? "no finding" : out;
}

}  // namespace weft::test
