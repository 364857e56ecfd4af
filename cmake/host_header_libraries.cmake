# Cross builds: the header-only libraries kite uses, taken from the build machine. Their headers
# are plain C++ that does not depend on the CPU; linking them into a folder of their own keeps the
# rest of the build machine's include folder (its C library, its CPU's headers) out of sight of a
# cross compiler that has a sysroot of its own. (Debian's cross compilers search /usr/include
# after their own headers anyway, for multiarch packages; the links change nothing there.)
set(KITE_HOST_INCLUDE_DIR /usr/include CACHE PATH
    "The build machine's include folder that holds flatbuffers/, CLI/, nlohmann/ and stb/ (cross builds)")

set(KITE_HOST_HEADER_LINKS ${CMAKE_BINARY_DIR}/host-header-libraries)
file(MAKE_DIRECTORY ${KITE_HOST_HEADER_LINKS})
foreach(library flatbuffers CLI nlohmann stb)
  if(NOT IS_DIRECTORY ${KITE_HOST_INCLUDE_DIR}/${library})
    message(FATAL_ERROR "${KITE_HOST_INCLUDE_DIR}/${library} is missing: install the header-only libraries "
                        "(Debian: libflatbuffers-dev, libcli11-dev, nlohmann-json3-dev, libstb-dev) or set "
                        "KITE_HOST_INCLUDE_DIR to the folder that holds them")
  endif()
  file(CREATE_LINK ${KITE_HOST_INCLUDE_DIR}/${library} ${KITE_HOST_HEADER_LINKS}/${library} SYMBOLIC)
endforeach()
include_directories(SYSTEM ${KITE_HOST_HEADER_LINKS})
