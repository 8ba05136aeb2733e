// The scenario facade: one source, compiled per backend (model by default; define
// WEFT_BACKEND_NATIVE or WEFT_BACKEND_RELACY to select another).
#pragma once

#if defined(WEFT_BACKEND_NATIVE)
#include "weft/native/sync.hpp"
#elif defined(WEFT_BACKEND_RELACY)
#include "weft/relacy/sync.hpp"
#else
#include "weft/model/sync.hpp"
#endif

// Checks a condition in a scenario thread or the end-of-execution check. On failure the
// model reports an assertion_failure finding (and ends the execution); the native backend
// records it; Relacy reports its own assertion failure.
#define WEFT_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::weft::detail::assertion_failed(#cond, ::weft::SourceLoc{__FILE__, __LINE__}))
