# x86-64 Linux with musl instead of glibc, through Debian's musl-gcc wrapper
# (musl-tools): the library and the programs that need only the C library
# (the C++ tests, cmocka and libedit have no musl build on Debian):
#   cmake -S . -B build/musl -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-musl.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER musl-gcc)
# No glibc library or header may leak in through a search.
set(CMAKE_FIND_ROOT_PATH /usr/lib/x86_64-linux-musl /usr/include/x86_64-linux-musl)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/x86_64-linux-musl/pkgconfig)
