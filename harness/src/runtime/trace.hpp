// Readable traces of one execution, formatted only when a finding is reported.
#pragma once

#include <string>

#include "weft/event.hpp"

namespace weft::detail {

// "objects:" legend, then one line per event: step, thread, operation, object, value, location.
std::string format_trace(const ExecutionView& view);

}  // namespace weft::detail
