# Install rules, the CMake package (weftConfig.cmake, weftConfigVersion.cmake, weftTargets.cmake
# with namespaced targets), weft.pc for pkg-config and the Debian package (cpack -G DEB).
include(CMakePackageConfigHelpers)

set(WEFT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/weft")
set(WEFT_EXPORTED weft_headers weft_core weft_checkers weft_model weft_weft)
if(TARGET weft_gtest)
  list(APPEND WEFT_EXPORTED weft_gtest)
  set(WEFT_HAS_GTEST ON)
else()
  set(WEFT_HAS_GTEST OFF)
endif()
if(TARGET weft_cli)
  list(APPEND WEFT_EXPORTED weft_cli weft_check weft_relacy_driver)
endif()
install(TARGETS ${WEFT_EXPORTED} EXPORT weftTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The backends' runtimes are object libraries (static registration, Relacy's operator new):
# their objects are installed and linked whole into weft_add_scenarios()'s executables.
foreach(t weft_native_runtime weft_relacy_runtime)
  if(TARGET ${t})
    install(TARGETS ${t} EXPORT weftTargets OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/weft/objects)
  endif()
endforeach()
# The CLI and its helpers side by side: weft finds weft-native, weft-relacy and weft-rt next to
# its own executable (/proc/self/exe).
foreach(t weft weft-native weft-relacy weft-rt)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
install(DIRECTORY harness/include/weft DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES tools/gdb/weft.py DESTINATION ${CMAKE_INSTALL_DATADIR}/weft/gdb)

install(EXPORT weftTargets NAMESPACE weft:: DESTINATION ${WEFT_CMAKE_DIR})
configure_package_config_file(cmake/weftConfig.cmake.in "${PROJECT_BINARY_DIR}/weftConfig.cmake"
                              INSTALL_DESTINATION ${WEFT_CMAKE_DIR} PATH_VARS CMAKE_INSTALL_DATADIR)
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/weftConfigVersion.cmake" VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/weftConfig.cmake" "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
              cmake/weft_scenarios.cmake DESTINATION ${WEFT_CMAKE_DIR})

file(RELATIVE_PATH WEFT_PC_TO_PREFIX "/weft-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/weft-prefix")
configure_file(cmake/weft.pc.in "${PROJECT_BINARY_DIR}/weft.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/weft.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# cpack -G DEB: weft_<version>_<arch>.deb installing under /usr, with the Debian 12 packages its
# headers, libraries and package config need declared (`apt-get install ./weft_*.deb`).
set(CPACK_PACKAGE_NAME weft)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Deterministic concurrency testing harness for C++20")
set(CPACK_PACKAGE_CONTACT "weft maintainers <weft@invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the executables' shared libraries (libfmt, libstdc++)
# weft::weft: Boost.Context (static) and fmt; weft::gtest: GoogleTest; weft::relacy_runtime:
# Relacy's headers; the CMake package itself: cmake.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost-context-dev (>= 1.74), libfmt-dev, libgtest-dev, relacy-dev, cmake (>= 3.25)")
# weft_add_scenarios()'s ThreadSanitizer build and the tested compiler.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "clang-14, libclang-rt-14-dev, gdb")
include(CPack)
