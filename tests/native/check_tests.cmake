# Included by ctest (TEST_INCLUDE_FILES): registers `weft check <scenario> --engine <engine>` for
# every catalog scenario and every engine in WEFT_CHECK_ENGINES. A test whose verdict is skipped
# (declared skip reason, engine not built yet) is reported by ctest as skipped, not passed.
execute_process(COMMAND "${WEFT}" list --json OUTPUT_VARIABLE catalog ERROR_VARIABLE error RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  # Surfaces the failure (e.g. weft not built) as a failing test instead of an empty catalog.
  add_test(check/catalog "${WEFT}" list --json)
  return()
endif()
string(JSON count LENGTH "${catalog}")
if(count EQUAL 0)
  add_test(check/catalog "${CMAKE_COMMAND}" -E false)
  return()
endif()
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${catalog}" ${i} name)
  foreach(engine IN LISTS WEFT_CHECK_ENGINES)
    add_test(check/${engine}/${name} "${WEFT}" check ${name} --engine ${engine} --runs 10)
    set_tests_properties(check/${engine}/${name} PROPERTIES
      LABELS "check;${engine}"
      TIMEOUT 600
      SKIP_RETURN_CODE 3)
  endforeach()
endforeach()
