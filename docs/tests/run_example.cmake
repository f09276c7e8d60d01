# Runs one documentation example and fails unless it exits with 0 and its output matches a
# regular expression (CTest's PASS_REGULAR_EXPRESSION alone would ignore the exit code).
#
#   cmake -DEXPECT=regex -P run_example.cmake -- program [args...]
set(command "")
set(seen_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 1 ${last})
  if(seen_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(seen_separator TRUE)
  endif()
endforeach()
if(NOT command OR NOT DEFINED EXPECT)
  message(FATAL_ERROR "usage: cmake -DEXPECT=regex -P run_example.cmake -- program [args...]")
endif()

execute_process(COMMAND ${command} RESULT_VARIABLE result OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message("${out}${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the example exited with ${result}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "the example's output does not match '${EXPECT}'")
endif()
