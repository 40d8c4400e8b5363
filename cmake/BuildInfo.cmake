# Run at every build (not only at configure time), so that the revision in a result is the code
# that produced it: writes OUTPUT from TEMPLATE only when the revision changed, so an unchanged
# tree rebuilds nothing. "-dirty" marks figures measured with uncommitted changes to tracked files.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE EPOCHCOST_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE _git_rc ERROR_QUIET)
if(NOT _git_rc EQUAL 0 OR NOT EPOCHCOST_GIT_REVISION)
  # A copy of the tree without its .git (a device machine's) may be told its revision; it goes
  # into a string literal, so only a hash (and -dirty) is taken. "-copy": nothing here can check
  # that the copy is that revision unchanged.
  if("$ENV{EPOCHCOST_REVISION}" MATCHES "^[0-9a-f]+(-dirty)?$")
    set(EPOCHCOST_GIT_REVISION "$ENV{EPOCHCOST_REVISION}-copy")
  else()
    set(EPOCHCOST_GIT_REVISION "unknown")
  endif()
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE _changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_changes)
    string(APPEND EPOCHCOST_GIT_REVISION "-dirty")
  endif()
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
