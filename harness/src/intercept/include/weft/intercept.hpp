// Exploring unmodified std:: / pthread code compiled with clang's -fsanitize=thread instrumentation
// and linked with weft_intercept instead of the TSan runtime (see README "Unmodified code").
#pragma once

#include <functional>

#include "weft/explore.hpp"
#include "weft/source_loc.hpp"

namespace weft::intercept {

// weft::explore / weft::replay over a body of unmodified code, with the findings' locations
// symbolized (file:line from debug info; they are return addresses until then).
Result explore(const std::function<void()>& body, const Options& options = {});
Result replay(const std::function<void()>& body, const Schedule& schedule, const Options& options = {});

// Rewrites the return-address locations in r's findings (location, sites, message, details,
// trace) to file:line: the innermost frame outside system headers. Runs llvm-symbolizer.
void symbolize(Result& r);

// An assertion inside an explored body of unmodified code: on failure an assertion_failure at the
// caller, and the failing thread stops where it stands (nothing is unwound: std:: destructors
// such as a joinable std::thread's must not run). Outside an exploration: std::abort on failure.
void check(bool ok, const char* expression, SourceLoc loc = SourceLoc::current());

}  // namespace weft::intercept

#define WEFT_CHECK_THAT(cond) ::weft::intercept::check(static_cast<bool>(cond), #cond)
