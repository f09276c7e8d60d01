# Install rules: the header, the libraries, an exported CMake package (find_package(kcell))
# and a pkg-config file. All of it is the "dev" component (the libkcell-dev package of
# cmake/KcellPackage.cmake); the program is the "program" component (tools/kcell).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kcell DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev)
install(FILES ${KCELL_GENERATED_INCLUDE_DIR}/kcell/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kcell COMPONENT dev)

set(KCELL_INSTALL_TARGETS kcell)
if(KCELL_BUILD_SHARED)
  list(APPEND KCELL_INSTALL_TARGETS kcell_shared)
endif()
install(TARGETS ${KCELL_INSTALL_TARGETS} EXPORT kcellTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(KCELL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kcell)
install(EXPORT kcellTargets NAMESPACE kcell:: DESTINATION ${KCELL_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kcellConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kcellConfig.cmake INSTALL_DESTINATION ${KCELL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kcellConfigVersion.cmake
  COMPATIBILITY ${KCELL_PACKAGE_COMPATIBILITY})  # cmake/KcellAbi.cmake
install(FILES ${PROJECT_BINARY_DIR}/kcellConfig.cmake
              ${PROJECT_BINARY_DIR}/kcellConfigVersion.cmake
        DESTINATION ${KCELL_CMAKE_DIR} COMPONENT dev)

# The .pc file locates the prefix from its own folder, so an installed tree can be moved.
file(RELATIVE_PATH KCELL_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/kcell.pc.in ${PROJECT_BINARY_DIR}/kcell.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kcell.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)
