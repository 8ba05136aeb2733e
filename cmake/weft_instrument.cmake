# weft_intercept (unmodified std:: / pthread code explored by weft's scheduler through clang's
# ThreadSanitizer instrumentation) and weft_instrument(target), which builds a target for it.

find_program(WEFT_LLVM_SYMBOLIZER NAMES llvm-symbolizer-14 llvm-symbolizer
             DOC "llvm-symbolizer, run by weft_intercept when a finding is reported")
if(NOT WEFT_LLVM_SYMBOLIZER)
  set(WEFT_LLVM_SYMBOLIZER llvm-symbolizer)
endif()

# The runtime in place of TSan's: __tsan_* callbacks and pthread interposition on the model
# runtime's seam. Itself never instrumented.
add_library(weft_intercept STATIC
  harness/src/intercept/explore.cpp
  harness/src/intercept/free_interpose.cpp
  harness/src/intercept/pthread_interpose.cpp
  harness/src/intercept/state.cpp
  harness/src/intercept/symbolize.cpp
  harness/src/intercept/tsan_callbacks.cpp)
target_include_directories(weft_intercept PUBLIC harness/src/intercept/include PRIVATE harness/src)
target_compile_definitions(weft_intercept PRIVATE WEFT_LLVM_SYMBOLIZER="${WEFT_LLVM_SYMBOLIZER}")
target_compile_options(weft_intercept PRIVATE ${WEFT_WARNINGS} -fno-sanitize=all)
target_link_libraries(weft_intercept PUBLIC weft_model ${CMAKE_DL_LIBS})

# weft_instrument(target): compiles `target`'s own sources with clang's ThreadSanitizer
# instrumentation and links weft_intercept in place of the TSan runtime (the link must not use
# -fsanitize=thread). Whole-archive: the pthread definitions must be in the executable even when
# only libstdc++ calls them. Equivalent flags for other build systems: see README "Unmodified code".
function(weft_instrument target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "weft_instrument(${target}): needs clang (the ThreadSanitizer pass of clang 14 ABI)")
  endif()
  target_compile_options(${target} PRIVATE -fsanitize=thread)
  target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,weft_intercept>")
endfunction()
