// Symbols that jazzer.js expects from its patched libFuzzer fork, mapped onto
// the stock LLVM 14 libFuzzer from Debian. The stock entry points take the
// caller's PC from the return address, so every JS comparison shares one PC:
// compare operands still feed libFuzzer's table of recent compares, but
// value-profile features keyed by PC collapse.
#include <cstdint>
namespace libfuzzer { extern void (*PrintCrashingInput)(); }
extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t a, uint64_t b) {
  __sanitizer_cov_trace_const_cmp8(a, b);
}
void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t callee) {
  __sanitizer_cov_trace_pc_indir(callee);
}
// Stock libFuzzer hands its death callback (dump the crashing input, print
// stats) to a sanitizer through this hook; jazzer's fork used its own name.
void __sanitizer_set_death_callback(void (*cb)()) { libfuzzer::PrintCrashingInput = cb; }
}
