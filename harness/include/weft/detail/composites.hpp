// The facade types built once from a backend's primitives (included last by each backend's
// sync.hpp, which defines mutex, condition_variable, atomic, clock, this_thread_id,
// detail::set_restore and detail::facade_misuse before it).
#pragma once

#include "weft/detail/mutexes.hpp"
#include "weft/detail/stop.hpp"
#include "weft/detail/waiting.hpp"
