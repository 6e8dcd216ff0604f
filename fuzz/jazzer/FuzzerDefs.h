// Minimal stand-in for compiler-rt's internal libFuzzer header: only the
// declarations jazzer.js's addon uses, matching LLVM 14's libFuzzer ABI.
#pragma once
#include <cstddef>
#include <cstdint>
namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
}
