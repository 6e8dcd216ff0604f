#!/bin/sh
# Builds Jazzer.js's native fuzzer addon against Debian's stock libFuzzer
# (clang-14, libclang-rt-14-dev) and drops it over the prebuilt in an
# installed @jazzer.js/fuzzer 4.0.0, whose own prebuilt needs GLIBC 2.38.
# The npm tarball carries no C++ sources: pass a checkout of
# CodeIntelligenceTesting/jazzer.js at tag v4.0.0.
#
#   fuzz/jazzer/build.sh JAZZER_CHECKOUT JAZZER_INSTALL_DIR
#     JAZZER_INSTALL_DIR: a folder where `npm install @jazzer.js/core@4.0.0` ran
set -eu
src=$1/packages/fuzzer
dest=$2/node_modules/@jazzer.js/fuzzer/prebuilds/fuzzer-linux-x64.node
here=$(cd "$(dirname "$0")" && pwd)
rt=$(ls -d /usr/lib/llvm-14/lib/clang/14*/lib/linux)
naa=$(node -p "require.resolve('node-addon-api/package.json', { paths: ['$2/node_modules/@jazzer.js/fuzzer'] }).replace(/package.json$/, '')")
shim=$(mktemp -d)
mkdir -p "$shim/fuzzer"
cp "$here/FuzzerDefs.h" "$shim/fuzzer/FuzzerDefs.h"
clang++-14 -std=c++17 -O2 -fPIC -shared -fexceptions -DNAPI_VERSION=4 -DNAPI_CPP_EXCEPTIONS \
  -I "$shim" -I /usr/include/node -I "$naa" \
  "$src"/*.cpp "$src"/shared/*.cpp "$here/fork-symbols.cpp" \
  -Wl,--whole-archive "$rt/libclang_rt.fuzzer_no_main-x86_64.a" -Wl,--no-whole-archive \
  -o "$dest"
rm -rf "$shim"
echo "built $dest"
