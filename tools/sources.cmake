# The engine of arena-shell (parser, table, executors, map) without terminal
# I/O: one list for the program (tools/CMakeLists.txt) and for the tests and
# the fuzzer (tests/shell/CMakeLists.txt).
set(ARENA_SHELL_ENGINE_SOURCES)
foreach(_f parse backing tree state view offer run_alloc run_arena run_life commands dispatch
           demo)
  list(APPEND ARENA_SHELL_ENGINE_SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_f}.c)
endforeach()
