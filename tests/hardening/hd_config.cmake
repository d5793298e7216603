# hd_config.cmake -- shared by tests/hardening and tests/fuzz.
#
# HD_LIB_DEBUG: 1 when the library is built with its debug checks
# (ARENA_DEBUG >= 1: assertions with messages, fill patterns), 0 otherwise.
# It follows the library's rule: ARENA_DEBUG_LEVEL when set, else "debug
# unless NDEBUG", and NDEBUG comes from the build type's flags.
# HD_ASAN / HD_TSAN: the whole build is under that sanitizer (ARENA_SANITIZE).
if(NOT ARENA_DEBUG_LEVEL STREQUAL "")
  if(ARENA_DEBUG_LEVEL GREATER_EQUAL 1)
    set(HD_LIB_DEBUG 1)
  else()
    set(HD_LIB_DEBUG 0)
  endif()
else()
  string(TOUPPER "${CMAKE_BUILD_TYPE}" _hd_bt)
  if("${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${_hd_bt}}" MATCHES "NDEBUG")
    set(HD_LIB_DEBUG 0)
  else()
    set(HD_LIB_DEBUG 1)
  endif()
endif()
if(ARENA_SANITIZE MATCHES "address")
  set(HD_ASAN 1)
else()
  set(HD_ASAN 0)
endif()
if(ARENA_SANITIZE MATCHES "thread")
  set(HD_TSAN 1)
else()
  set(HD_TSAN 0)
endif()
