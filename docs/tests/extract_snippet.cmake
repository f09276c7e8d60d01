# Writes the code of one fenced block of a Markdown file to a source file, so the tests can
# compile and run the examples the documentation shows (they stay true that way).
#
#   cmake -DMARKDOWN=README.md -DLANG=c -DINDEX=0 -DOUT=snippet.c -P extract_snippet.cmake
#
# LANG is the fence's info string (```c, ```cpp, ```python); INDEX counts the blocks of that
# language from 0. The output is rewritten only when it changes (no needless rebuilds).
foreach(var MARKDOWN LANG INDEX OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "extract_snippet.cmake: -D${var}=... is missing")
  endif()
endforeach()

file(STRINGS "${MARKDOWN}" lines ENCODING UTF-8)
set(found -1)
set(inside FALSE)
set(code "")
foreach(line IN LISTS lines)
  if(inside)
    if(line MATCHES "^```[ \t]*$")
      if(found EQUAL INDEX)
        break()
      endif()
      set(inside FALSE)
    elseif(found EQUAL INDEX)
      string(APPEND code "${line}\n")
    endif()
  elseif(line MATCHES "^```${LANG}[ \t]*$")
    math(EXPR found "${found} + 1")
    set(inside TRUE)
  endif()
endforeach()

if(found LESS INDEX OR code STREQUAL "")
  message(FATAL_ERROR "${MARKDOWN}: no ```${LANG} block number ${INDEX} (counting from 0)")
endif()

set(header "/* Extracted from ${MARKDOWN} by docs/tests/extract_snippet.cmake; do not edit. */\n")
if(LANG STREQUAL "python")
  set(header "# Extracted from ${MARKDOWN} by docs/tests/extract_snippet.cmake; do not edit.\n")
endif()
set(content "${header}${code}")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${content}")
