# Windows x86-64 through MinGW-w64 (Debian: gcc-mingw-w64-x86-64), with
# wine as the emulator, so that ctest runs the Windows programs under it:
#   cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_arena_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_arena_mingw}-gcc)
set(CMAKE_CXX_COMPILER ${_arena_mingw}-g++)
set(CMAKE_RC_COMPILER ${_arena_mingw}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${_arena_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The runtime DLLs of gcc (libgcc_s, libwinpthread) are linked in, so that
# a program runs from its build folder with nothing copied beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static")
find_program(ARENA_WINE_EXE NAMES wine wine64)
if(ARENA_WINE_EXE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ARENA_WINE_EXE})
endif()
