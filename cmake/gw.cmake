# Helpers shared by every src/ folder.
#
# gw_library(NAME DIRS dir... [DEPS ...] [TEST_DEPS ...]) builds every non-test .cpp directly in
# the DIRS into library NAME and every *_test.cpp into the test binary NAME_tests (registered with
# CTest through gtest_discover_tests). Files are globbed, so adding a file needs no CMake edit.
# PURE libraries may not link the I/O stack; scripts/check-layout.sh enforces it on includes.
include(GoogleTest)
function(gw_library name)
  cmake_parse_arguments(GW "" "" "DIRS;DEPS;TEST_DEPS" ${ARGN})
  set(all_srcs)
  foreach(d IN LISTS GW_DIRS)
    file(GLOB found CONFIGURE_DEPENDS ${d}/*.cpp)
    list(APPEND all_srcs ${found})
  endforeach()
  list(GET GW_DIRS 0 dir)
  set(srcs)
  set(tests)
  foreach(f IN LISTS all_srcs)
    if(f MATCHES "_test\\.cpp$")
      list(APPEND tests ${f})
    else()
      list(APPEND srcs ${f})
    endif()
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${GW_DEPS})
  if(GW_BUILD_TESTS AND tests)
    add_executable(${name}_tests ${tests})
    target_link_libraries(${name}_tests PRIVATE ${name} ${GW_TEST_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
    target_compile_definitions(${name}_tests PRIVATE GW_TESTDATA_DIR="${dir}/testdata")
    gtest_discover_tests(${name}_tests DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
