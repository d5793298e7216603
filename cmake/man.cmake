# The man pages: section 3 from include/arena.h, arena-shell(1) from the
# shell's usage text and command table (scripts/man.py says how), written at
# build time into man/ of the build tree.  The generator owns that folder
# and decides which pages there are, so a new group or function in the
# header needs no change here.  Included by the top-level CMakeLists.txt
# when ARENA_BUILD_MAN is on.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "arena: Python 3 not found (Debian: python3): the man pages are skipped")
else()
  set(_arena_man_dir ${PROJECT_BINARY_DIR}/man)
  set(_arena_man_stamp ${_arena_man_dir}/pages.txt)
  add_custom_command(OUTPUT ${_arena_man_stamp}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/man.py
      --header ${PROJECT_SOURCE_DIR}/include/arena.h --shell-dir ${PROJECT_SOURCE_DIR}/tools
      --out ${_arena_man_dir} --stamp ${_arena_man_stamp}
    DEPENDS ${PROJECT_SOURCE_DIR}/scripts/man.py ${PROJECT_SOURCE_DIR}/include/arena.h
      ${PROJECT_SOURCE_DIR}/tools/main.c ${PROJECT_SOURCE_DIR}/tools/commands.c
      ${PROJECT_SOURCE_DIR}/tools/command.h
    COMMENT "Generating man pages from include/arena.h and arena-shell's sources"
    VERBATIM)
  add_custom_target(arena_man ALL DEPENDS ${_arena_man_stamp})

  if(ARENA_INSTALL)
    install(DIRECTORY ${_arena_man_dir}/man3 DESTINATION ${CMAKE_INSTALL_MANDIR})
    if(TARGET arena-shell)
      install(FILES ${_arena_man_dir}/man1/arena-shell.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    endif()
  endif()

  # Every function has its page, every page renders without a warning, and
  # the generator copes with a section it has never seen (tests/man).
  if(ARENA_BUILD_TESTS)
    find_program(ARENA_GROFF_EXE groff)
    find_program(ARENA_MAN_EXE man)
    if(ARENA_GROFF_EXE AND ARENA_MAN_EXE)
      set(_arena_man_shell)
      if(TARGET arena-shell)
        set(_arena_man_shell $<TARGET_FILE:arena-shell>)
      endif()
      add_test(NAME docs.man
        COMMAND sh ${PROJECT_SOURCE_DIR}/tests/man/check_man.sh ${Python3_EXECUTABLE}
          ${PROJECT_SOURCE_DIR} ${_arena_man_dir} ${_arena_man_shell})
      set_tests_properties(docs.man PROPERTIES LABELS docs TIMEOUT 300)
    else()
      message(STATUS "arena: groff or man not found (Debian: groff-base, man-db): "
        "the man page test is skipped")
    endif()
  endif()
endif()
