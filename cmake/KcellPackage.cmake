# Debian packages with `cpack -G DEB` (from a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr, so that the library lands in Debian's multiarch libdir):
#   libkcell-dev  the header, libkcell.a, libkcell.so, the CMake package and kcell.pc
#                 (the "dev" install component)
#   kcell         the kcell program (the "program" component), statically linked to kcell
# .ci/debian-package.sh builds both and installs them into a fresh Debian 12 root.
set(CPACK_PACKAGE_NAME kcell)
set(CPACK_PACKAGE_VENDOR "kcell")
set(CPACK_PACKAGE_CONTACT "kcell maintainers <kcell@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL dev)
if(KCELL_BUILD_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL program)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_LICENSE Apache-2.0)

# The run-time libraries of libkcell.so and of the program come from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libkcell-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "kcell's C API (kcell.h, kcell.hpp), static and shared library, CMake package and pkg-config file")
# What a program linking libkcell.a (find_package(kcell) or pkg-config) needs besides.
set(kcell_dev_depends "libdnnl-dev, ocl-icd-opencl-dev, zlib1g-dev, libminizip-dev, libpng-dev")
if(KCELL_ONNX_EXPORT)
  string(APPEND kcell_dev_depends ", libprotobuf-dev")
endif()
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${kcell_dev_depends}")

set(CPACK_DEBIAN_PROGRAM_PACKAGE_NAME kcell)
set(CPACK_COMPONENT_PROGRAM_DESCRIPTION
    "The kcell program: train, evaluate, predict, calibrate and export CNN classifiers")

include(CPack)
