# ctest packaging/add_subdirectory (cmake -P): a consumer project that add_subdirectory()s weft
# with default options and links weft::weft and weft::gtest configures, builds, and its test
# passes. Arguments: WEFT_SOURCE (weft's tree), WORK (scratch directory), CXX (the compiler).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/src")
file(WRITE "${WORK}/src/CMakeLists.txt" "
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES CXX)
find_package(GTest REQUIRED)  # the consumer's own test framework (weft's find is scoped to its directory)
add_subdirectory(\"${WEFT_SOURCE}\" weft)
foreach(t weft weft-native weft-relacy weft_model_tests)
  if(TARGET \${t})
    message(FATAL_ERROR \"default options built \${t}: only the libraries belong to a consumer\")
  endif()
endforeach()
add_executable(consumer consumer.cpp)
target_link_libraries(consumer PRIVATE weft::gtest GTest::gtest_main)
")
file(WRITE "${WORK}/src/consumer.cpp" "
#include \"weft/gtest.hpp\"
#include \"weft/sync.hpp\"
WEFT_TEST(Consumer, Counter) {
  weft::atomic<int> n(0);
  weft::thread a([&] { n.fetch_add(1); });
  n.fetch_add(1);
  a.join();
  WEFT_ASSERT(n.load() == 2);
}
")
set(launcher)
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${WORK}/src" -B "${WORK}/build" -G Ninja -DCMAKE_CXX_COMPILER=${CXX} ${launcher}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer did not configure")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK}/build" --parallel 2 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer did not build")
endif()
execute_process(COMMAND "${WORK}/build/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "1 test.*PASSED")
  message(FATAL_ERROR "the consumer's WEFT_TEST failed (${rc}): ${out}")
endif()
