# Installs overtone as a CMake package, for applications that embed it:
#
#   find_package(overtone 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE overtone::overtone)
#
# Installed: the public headers <overtone/*.h>, the static libraries
# overtone_storage, overtone_engine and overtone_sql (exported as
# overtone::storage, overtone::engine, overtone::sql), the interface target
# overtone::headers, the convenience target overtone::overtone that links all
# three, the shell binary when it exists, and overtoneConfig.cmake plus
# overtoneConfigVersion.cmake under <libdir>/cmake/overtone.
#
# Static libraries export their PRIVATE dependencies as $<LINK_ONLY:dep>, so
# the consumer must have those dependency targets too. The config file finds
# the known ones explicitly; any other imported target the libraries link is
# found here and a find_dependency()/pkg_check_modules() line for it is
# generated into the config, so a new dependency in storage/, engine/ or sql/
# needs no edit here. tests/install builds examples/embed against an install
# to prove it.

include(CMakePackageConfigHelpers)

set(OVERTONE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/overtone")

# The convenience target. `overtone` is the shell executable's name, hence
# overtone_all in the build tree.
add_library(overtone_all INTERFACE)
target_link_libraries(overtone_all INTERFACE overtone_sql overtone_engine overtone_storage)
set_target_properties(overtone_all PROPERTIES EXPORT_NAME overtone)
set_target_properties(overtone_headers PROPERTIES EXPORT_NAME headers)
set_target_properties(overtone_storage PROPERTIES EXPORT_NAME storage)
set_target_properties(overtone_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(overtone_sql PROPERTIES EXPORT_NAME sql)

# The same names in the build tree, for projects that add_subdirectory(overtone).
add_library(overtone::overtone ALIAS overtone_all)
add_library(overtone::headers ALIAS overtone_headers)
add_library(overtone::storage ALIAS overtone_storage)
add_library(overtone::engine ALIAS overtone_engine)
add_library(overtone::sql ALIAS overtone_sql)

# Walks the link dependencies of the exported targets: our own library
# targets they pull in are exported too (install(EXPORT) fails otherwise);
# imported targets of other packages are collected for the config file.
function(_overtone_collect_link_closure roots out_targets out_imported)
  set(queue ${roots})
  set(seen)
  set(imported)
  while(queue)
    list(POP_FRONT queue t)
    if(t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    set(items)
    foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(v ${t} ${prop})
      if(v)
        list(APPEND items ${v})
      endif()
    endforeach()
    foreach(item IN LISTS items)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
      if(item MATCHES "^\\$<" OR item MATCHES "^-")
        continue()  # other generator expressions and linker flags
      endif()
      if(TARGET ${item})
        get_target_property(aliased ${item} ALIASED_TARGET)
        if(aliased)
          set(item ${aliased})
        endif()
        get_target_property(is_imported ${item} IMPORTED)
        if(is_imported)
          list(APPEND imported ${item})
        else()
          list(APPEND queue ${item})
        endif()
      elseif(item MATCHES "::")
        # An imported target not visible from here (created in a subdirectory).
        list(APPEND imported ${item})
      endif()
    endforeach()
  endwhile()
  list(REMOVE_DUPLICATES imported)
  set(${out_targets} ${seen} PARENT_SCOPE)
  set(${out_imported} ${imported} PARENT_SCOPE)
endfunction()

_overtone_collect_link_closure(
  "overtone_all;overtone_headers;overtone_storage;overtone_engine;overtone_sql"
  _overtone_export_targets _overtone_imported)

# find_dependency() lines for the imported targets that overtoneConfig.cmake.in
# does not already handle.
set(OVERTONE_EXTRA_DEPENDENCIES "")
set(_overtone_packages_done Threads RocksDB SQLite nlohmann_json)
foreach(dep IN LISTS _overtone_imported)
  if(dep MATCHES "^PkgConfig::(.+)$")
    set(prefix "${CMAKE_MATCH_1}")
    if(prefix STREQUAL "RE2")
      continue()
    endif()
    # pkg_check_modules() remembers its arguments; keep the module names.
    set(modules "${__pkg_config_arguments_${prefix}}")
    list(REMOVE_ITEM modules REQUIRED QUIET IMPORTED_TARGET GLOBAL
         NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
    if(NOT modules)
      string(TOLOWER "${prefix}" modules)
    endif()
    string(REPLACE ";" " " modules "${modules}")
    string(APPEND OVERTONE_EXTRA_DEPENDENCIES
      "if(NOT TARGET ${dep})\n"
      "  pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET ${modules})\n"
      "endif()\n")
  elseif(dep MATCHES "^([^:]+)::")
    set(ns "${CMAKE_MATCH_1}")
    if(ns IN_LIST _overtone_packages_done)
      continue()
    endif()
    list(APPEND _overtone_packages_done ${ns})
    if(ns STREQUAL "protobuf")
      set(ns Protobuf)  # FindProtobuf.cmake makes protobuf::libprotobuf
    endif()
    string(APPEND OVERTONE_EXTRA_DEPENDENCIES "find_dependency(${ns})\n")
  endif()
endforeach()

install(TARGETS ${_overtone_export_targets}
  EXPORT overtoneTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/overtone-objects
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/overtone
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT overtoneTargets
  NAMESPACE overtone::
  DESTINATION ${OVERTONE_CMAKE_DIR})

if(TARGET overtone)
  get_target_property(_overtone_type overtone TYPE)
  if(_overtone_type STREQUAL "EXECUTABLE")
    install(TARGETS overtone RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endif()

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/overtoneConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/overtoneConfig.cmake
  INSTALL_DESTINATION ${OVERTONE_CMAKE_DIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/overtoneConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/overtoneConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/overtoneConfigVersion.cmake
  DESTINATION ${OVERTONE_CMAKE_DIR})
