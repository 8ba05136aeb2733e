// Naming helpers shared by the checkers: threads, objects, locations and finding sites.
#include <fmt/format.h>

#include <cstring>

#include "checkers.hpp"

namespace weft::checkers {

std::string thread_label(int thread) { return fmt::format("t{}", thread); }

std::string object_label(const ExecutionView& view, int object) {
  if (object < 0 || object >= static_cast<int>(view.objects.size())) return fmt::format("object#{}", object);
  const ObjectInfo& o = view.objects[static_cast<std::size_t>(object)];
  return fmt::format("{}#{} ({})", object_kind_name(o.kind), object, format_location(o.declared));
}

bool same_location(SourceLoc a, SourceLoc b) {
  if (a.line != b.line) return false;
  if (a.file == b.file) return true;
  return a.file != nullptr && b.file != nullptr && std::strcmp(a.file, b.file) == 0;
}

int acted_object(const Event& e) {
  if (e.op == OpKind::kCvWait || e.op == OpKind::kCvWake) return static_cast<int>(e.aux);
  return e.object;
}

FindingSite site_of(const ExecutionView& view, const Event& e) {
  FindingSite s;
  s.thread = e.thread;
  s.operation = std::string(op_name(e.op));
  if (e.object_kind == ObjectKind::kThread) {
    s.object = thread_label(e.object);
  } else if (e.object_kind != ObjectKind::kNone) {
    s.object = object_label(view, acted_object(e));
  }
  s.location = e.location;
  s.step = e.step;
  return s;
}

std::string thread_list(const std::vector<int>& threads) {
  std::string out;
  for (const int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  return out;
}

}  // namespace weft::checkers
