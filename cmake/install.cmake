# Installing plantwin: `cmake --install build/release` puts the CLI, the viewer, the libraries,
# their headers and an exported CMake package (find_package(plantwin)) under the prefix, and the
# Python package where Debian's /usr/bin/python3 finds it. `cpack -G DEB` (in the build folder)
# makes a .deb of the same.

set_target_properties(plantwin_models PROPERTIES EXPORT_NAME models)
set_target_properties(plantwin_live PROPERTIES EXPORT_NAME live)
set_target_properties(plantwin_io PROPERTIES EXPORT_NAME io)
set_target_properties(plantwin_modbus PROPERTIES EXPORT_NAME modbus)
set_target_properties(plantwin_flags PROPERTIES EXPORT_NAME flags)
install(TARGETS plantwin_scenario plantwin_core plantwin_results plantwin_experiment plantwin_engine
                plantwin_models plantwin_live plantwin_io plantwin_modbus plantwin_flags
        EXPORT plantwinTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/include/ ${PROJECT_SOURCE_DIR}/models/include/
                  ${PROJECT_SOURCE_DIR}/io/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS plantwin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET plantwin-viewer)
  install(TARGETS plantwin-viewer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The OPC UA bridge (Node.js), where an installed plantwin looks for it: <prefix>/share/plantwin/
# opcua (docs/feeds.md, "OPC UA"). Its node_modules go along when the source tree has them
# (scripts/setup.sh ran npm ci); else `npm ci --omit=dev` in that folder installs them.
set(PLANTWIN_OPCUA_DIR ${CMAKE_INSTALL_DATADIR}/plantwin/opcua)
install(FILES ${PROJECT_SOURCE_DIR}/bridge/opcua/bridge.js ${PROJECT_SOURCE_DIR}/bridge/opcua/package.json
              ${PROJECT_SOURCE_DIR}/bridge/opcua/package-lock.json
              ${PROJECT_SOURCE_DIR}/bridge/opcua/README.md
        DESTINATION ${PLANTWIN_OPCUA_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/bridge/opcua/lib DESTINATION ${PLANTWIN_OPCUA_DIR})
if(EXISTS ${PROJECT_SOURCE_DIR}/bridge/opcua/node_modules)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/bridge/opcua/node_modules DESTINATION ${PLANTWIN_OPCUA_DIR})
endif()

set(PLANTWIN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/plantwin)
install(EXPORT plantwinTargets NAMESPACE plantwin:: DESTINATION ${PLANTWIN_CMAKE_DIR})
include(CMakePackageConfigHelpers)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/plantwinConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/plantwinConfig.cmake
                              INSTALL_DESTINATION ${PLANTWIN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/plantwinConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/plantwinConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/plantwinConfigVersion.cmake
        DESTINATION ${PLANTWIN_CMAKE_DIR})

if(TARGET plantwin_python)
  # Debian's python3 reads <prefix>/lib/python3.X/dist-packages for /usr/local and /usr.
  set(PLANTWIN_PYTHON_DIR lib/python3.${PYTHON_VERSION_MINOR}/dist-packages CACHE STRING
      "Where the plantwin Python package goes, relative to the install prefix")
  install(TARGETS plantwin_python LIBRARY DESTINATION ${PLANTWIN_PYTHON_DIR}/plantwin)
  file(GLOB plantwin_py_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/plantwin/*.py
       ${PROJECT_SOURCE_DIR}/python/plantwin/*.pyi ${PROJECT_SOURCE_DIR}/python/plantwin/py.typed)
  install(FILES ${plantwin_py_files} DESTINATION ${PLANTWIN_PYTHON_DIR}/plantwin)
  # plantwin.scenarios_dir(): the example scenarios and the data they read.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios ${PROJECT_SOURCE_DIR}/data
          DESTINATION ${PLANTWIN_PYTHON_DIR}/plantwin/share)
endif()

set(CPACK_PACKAGE_NAME plantwin)
set(CPACK_PACKAGE_VENDOR "plantwin")
set(CPACK_PACKAGE_CONTACT "plantwin maintainers <plantwin@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Digital twin simulation engine for industrial plants")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dependencies of the binaries, from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# What a program built with find_package(plantwin) and the Python package need besides.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "python3 (>= 3.11), python3-numpy, python3-pandas, libeigen3-dev, libfmt-dev, libyaml-cpp-dev, libhdf5-dev, libmosquitto-dev, libmodbus-dev")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
