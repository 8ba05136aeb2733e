# weft_add_scenarios(): a project's own scenarios as a weft CLI of their own, with the native
# (ThreadSanitizer) and Relacy reruns next to it, so that `weft check` runs every engine on them.
#
#   weft_add_scenarios([TARGET name]          # default weft_scenarios
#                      [DIR dir...]           # every *.cpp in each directory
#                      [SOURCES file...]      # and/or these files
#                      [INCLUDE_DIRECTORIES dir...]
#                      [LINK_LIBRARIES lib...]  # linked into every build: header-only or
#                                               # backend-independent targets only
#                      [NO_NATIVE] [NO_RELACY] [NO_TEST])
#
# Builds ${CMAKE_CURRENT_BINARY_DIR}/<name>/weft (model engine), .../weft-native and
# .../weft-relacy (when weft was built with those backends): the CLI finds its helpers next to
# itself. Unless NO_TEST, registers the ctest `<name>/check` running `weft check --all`.
# Works on an installed weft (find_package(weft)) and under add_subdirectory(weft).
function(weft_add_scenarios)
  cmake_parse_arguments(A "NO_NATIVE;NO_RELACY;NO_TEST" "TARGET" "DIR;SOURCES;INCLUDE_DIRECTORIES;LINK_LIBRARIES" ${ARGN})
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "weft_add_scenarios: unknown arguments: ${A_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT A_TARGET)
    set(A_TARGET weft_scenarios)
  endif()
  set(sources ${A_SOURCES})
  foreach(dir IN LISTS A_DIR)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    file(GLOB found CONFIGURE_DEPENDS "${dir}/*.cpp")
    if(NOT found)
      message(FATAL_ERROR "weft_add_scenarios: no *.cpp scenario files in ${dir}")
    endif()
    list(APPEND sources ${found})
  endforeach()
  if(NOT sources)
    message(FATAL_ERROR "weft_add_scenarios: give DIR or SOURCES")
  endif()
  if(NOT TARGET weft::cli)
    message(FATAL_ERROR "weft_add_scenarios: this weft has no CLI (configured with WEFT_BUILD_CLI=OFF)")
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${A_TARGET}")

  add_executable(${A_TARGET} ${sources})
  target_include_directories(${A_TARGET} PRIVATE ${A_INCLUDE_DIRECTORIES})
  target_link_libraries(${A_TARGET} PRIVATE weft::cli ${A_LINK_LIBRARIES})
  set_target_properties(${A_TARGET} PROPERTIES OUTPUT_NAME weft RUNTIME_OUTPUT_DIRECTORY "${out}")

  if(TARGET weft::native_runtime AND NOT A_NO_NATIVE)
    add_executable(${A_TARGET}-native ${sources})
    target_include_directories(${A_TARGET}-native PRIVATE ${A_INCLUDE_DIRECTORIES})
    target_link_libraries(${A_TARGET}-native PRIVATE weft::native_runtime ${A_LINK_LIBRARIES})
    set_target_properties(${A_TARGET}-native PROPERTIES OUTPUT_NAME weft-native RUNTIME_OUTPUT_DIRECTORY "${out}")
    add_dependencies(${A_TARGET} ${A_TARGET}-native)
  endif()
  if(TARGET weft::relacy_runtime AND NOT A_NO_RELACY)
    add_executable(${A_TARGET}-relacy ${sources})
    target_include_directories(${A_TARGET}-relacy PRIVATE ${A_INCLUDE_DIRECTORIES})
    target_link_libraries(${A_TARGET}-relacy PRIVATE weft::relacy_runtime ${A_LINK_LIBRARIES})
    set_target_properties(${A_TARGET}-relacy PROPERTIES OUTPUT_NAME weft-relacy RUNTIME_OUTPUT_DIRECTORY "${out}")
    add_dependencies(${A_TARGET} ${A_TARGET}-relacy)
  endif()
  if(NOT A_NO_TEST)
    add_test(NAME ${A_TARGET}/check COMMAND ${A_TARGET} check --all)
    set_tests_properties(${A_TARGET}/check PROPERTIES SKIP_RETURN_CODE 3)
  endif()
endfunction()
