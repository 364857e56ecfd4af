# 64-bit ARM Linux, built with the GNU cross toolchain (Debian: g++-aarch64-linux-gnu):
#
#   cmake -S . -B build-arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# What is built for ARM runs on the build machine through qemu-user (Debian: qemu-user): ctest
# starts every test binary that way. qemu takes the CPU model to emulate from QEMU_CPU in the
# environment (e.g. cortex-a53 for plain ARMv8.0, max for every extension it knows).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The target's C library comes with the cross compiler, under KITE_TARGET_ROOT. Other libraries
# for the target are Debian's arm64 packages installed beside the build machine's own (multiarch:
# dpkg --add-architecture arm64, then e.g. zlib1g-dev:arm64), in /usr/lib/aarch64-linux-gnu, where
# the compiler looks for them too.
set(KITE_TARGET_ROOT /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${KITE_TARGET_ROOT} /)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Libraries, headers and CMake packages for the target only; programs (flatc, python) are the
# build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs are linked statically, so that qemu-user needs no ARM dynamic loader at run time:
# the C library that Debian's arm64 packages bring along is a different build from the cross
# compiler's own, and a program that loads one's loader with the other's libc.so hangs. Static
# programs also start faster under the emulator, which matters for a few hundred test processes.
# Libraries found by file name must then be static archives: zlib, the only one, is asked for
# its archive (ZLIB_USE_STATIC_LIBS, CMake 3.24 or later).
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(ZLIB_USE_STATIC_LIBS ON)

# -L: anything dynamically linked finds its loader and libraries under the target's root first.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L ${KITE_TARGET_ROOT})
