// Report-time symbolization of return-address locations with llvm-symbolizer (never on the hot path).
#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "state.hpp"
#include "weft/intercept.hpp"

#ifndef WEFT_LLVM_SYMBOLIZER
#define WEFT_LLVM_SYMBOLIZER "llvm-symbolizer"
#endif

namespace weft::intercept {

namespace {

struct Frame {
  std::string function;
  std::string file;
  int line = 0;
};

std::map<const void*, std::vector<Frame>> g_frames;  // by return address, inline frames innermost first
std::map<int, SourceLoc> g_resolved;                 // by location record
std::deque<std::string> g_files;                     // storage of resolved file names

const char* intern(const std::string& s) {
  for (const std::string& f : g_files) {
    if (f == s) return f.c_str();
  }
  return g_files.emplace_back(s).c_str();
}

std::string module_of(const void* pc, std::uintptr_t& offset) {
  Dl_info info{};
  if (dladdr(pc, &info) == 0 || info.dli_fbase == nullptr) return {};
  Dl_info self{};
  dladdr(reinterpret_cast<const void*>(&module_of), &self);
  offset = reinterpret_cast<std::uintptr_t>(pc) - 1 - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  if (info.dli_fbase == self.dli_fbase) {  // the executable weft_intercept is linked into
    char path[4096];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string();
  }
  return info.dli_fname != nullptr ? info.dli_fname : "";
}

// Symbolizes `pcs` of one module into g_frames.
void run_symbolizer(const std::string& module, const std::vector<std::pair<const void*, std::uintptr_t>>& pcs) {
  const char* env = std::getenv("WEFT_SYMBOLIZER");
  const std::string tool = env != nullptr && *env != '\0' ? env : WEFT_LLVM_SYMBOLIZER;
  for (std::size_t begin = 0; begin < pcs.size(); begin += 200) {
    std::string cmd = fmt::format("'{}' --inlines --functions=short --obj='{}'", tool, module);
    const std::size_t end = std::min(pcs.size(), begin + 200);
    for (std::size_t i = begin; i < end; ++i) cmd += fmt::format(" 0x{:x}", pcs[i].second);
    cmd += " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return;
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
    // Blocks separated by a blank line, one per address: function / file:line:column pairs.
    std::size_t pos = 0;
    std::size_t i = begin;
    std::vector<std::string> lines;
    while (pos <= out.size() && i < end) {
      const std::size_t nl = out.find('\n', pos);
      std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? out.size() + 1 : nl + 1;
      if (!line.empty()) {
        lines.push_back(std::move(line));
        continue;
      }
      if (lines.empty()) continue;
      std::vector<Frame>& frames = g_frames[pcs[i].first];
      for (std::size_t k = 0; k + 1 < lines.size(); k += 2) {
        Frame f;
        f.function = lines[k];
        const std::string& loc = lines[k + 1];
        const std::size_t c2 = loc.rfind(':');
        const std::size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : loc.rfind(':', c2 - 1);
        if (c1 != std::string::npos) {
          f.file = loc.substr(0, c1);
          f.line = std::atoi(loc.c_str() + c1 + 1);
        }
        frames.push_back(std::move(f));
      }
      lines.clear();
      ++i;
    }
  }
}

bool system_file(const std::string& file) { return file.rfind("/usr/", 0) == 0; }

SourceLoc resolve(int index) {
  if (const auto it = g_resolved.find(index); it != g_resolved.end()) return it->second;
  const LocRecord* r = location_record(index);
  SourceLoc out{"<unknown>", 0};
  if (r != nullptr) {
    const Frame* first = nullptr;
    const Frame* chosen = nullptr;
    for (int k = 0; k < r->count && chosen == nullptr; ++k) {
      for (const Frame& f : g_frames[r->pcs[k]]) {
        if (f.line <= 0 || f.file.empty() || f.file == "??") continue;
        if (first == nullptr) first = &f;
        if (!system_file(f.file)) {
          chosen = &f;
          break;
        }
      }
    }
    if (chosen == nullptr) chosen = first;
    if (chosen != nullptr) {
      out = SourceLoc{intern(std::filesystem::path(chosen->file).lexically_normal().string()), chosen->line};
    } else if (r->count > 0) {
      std::uintptr_t off = 0;
      const std::string m = module_of(r->pcs[0], off);
      out = SourceLoc{intern(fmt::format("{}+0x{:x}", m.empty() ? "?" : m, off + 1)), 0};
    }
  }
  g_resolved[index] = out;
  return out;
}

bool is_pc(SourceLoc loc) { return loc.file == kPcFile || (loc.file != nullptr && std::string(loc.file) == kPcFile); }

const std::string kMarker = std::string(kPcFile) + ":";

void collect(const std::string& s, std::set<int>& out) {
  for (std::size_t p = s.find(kMarker); p != std::string::npos; p = s.find(kMarker, p + 1)) {
    out.insert(std::atoi(s.c_str() + p + kMarker.size()));
  }
}

std::string rewrite(const std::string& s) {
  if (s.find(kMarker) == std::string::npos) return s;
  std::string out;
  std::size_t p = 0;
  for (std::size_t q; (q = s.find(kMarker, p)) != std::string::npos;) {
    out.append(s, p, q - p);
    std::size_t d = q + kMarker.size();
    int index = 0;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') index = index * 10 + (s[d++] - '0');
    const SourceLoc loc = resolve(index);
    out += loc.line > 0 ? format_location(loc) : std::string(loc.file);
    p = d;
  }
  out.append(s, p, std::string::npos);
  return out;
}

}  // namespace

void symbolize(Result& r) {
  std::set<int> indices;
  for (const Finding& f : r.findings) {
    if (is_pc(f.location)) indices.insert(f.location.line);
    for (const FindingSite& s : f.sites) {
      if (is_pc(s.location)) indices.insert(s.location.line);
      collect(s.object, indices);
    }
    collect(f.message, indices);
    for (const std::string& d : f.details) collect(d, indices);
    collect(f.trace, indices);
  }
  if (indices.empty()) return;
  std::map<std::string, std::vector<std::pair<const void*, std::uintptr_t>>> by_module;
  for (const int i : indices) {
    if (g_resolved.count(i) != 0) continue;
    const LocRecord* rec = location_record(i);
    if (rec == nullptr) continue;
    for (int k = 0; k < rec->count; ++k) {
      if (g_frames.count(rec->pcs[k]) != 0) continue;
      std::uintptr_t off = 0;
      const std::string m = module_of(rec->pcs[k], off);
      g_frames[rec->pcs[k]];  // attempted once
      if (!m.empty()) by_module[m].emplace_back(rec->pcs[k], off);
    }
  }
  for (const auto& [module, pcs] : by_module) run_symbolizer(module, pcs);
  const auto fix = [](SourceLoc& loc) {
    if (is_pc(loc)) loc = resolve(loc.line);
  };
  for (Finding& f : r.findings) {
    fix(f.location);
    for (FindingSite& s : f.sites) {
      fix(s.location);
      s.object = rewrite(s.object);
    }
    f.message = rewrite(f.message);
    for (std::string& d : f.details) d = rewrite(d);
    f.trace = rewrite(f.trace);
  }
}

}  // namespace weft::intercept
