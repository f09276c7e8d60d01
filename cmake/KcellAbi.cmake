# The ABI promise of include/kcell/kcell.h ("Version") and docs/api-rules.md, in one place:
# while the major version is 0 a minor version may change layouts, so only the same 0.MINOR
# is compatible; from 1.0 on, the same major with an equal or newer minor.
#   KCELL_SOVERSION          the shared library's SONAME version (libkcell.so.0.MINOR / .MAJOR)
#   KCELL_PACKAGE_COMPATIBILITY  write_basic_package_version_file's rule for find_package
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(KCELL_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  set(KCELL_PACKAGE_COMPATIBILITY SameMinorVersion)
else()
  set(KCELL_SOVERSION ${PROJECT_VERSION_MAJOR})
  set(KCELL_PACKAGE_COMPATIBILITY SameMajorVersion)
endif()
