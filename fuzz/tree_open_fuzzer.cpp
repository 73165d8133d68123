// fuzz/tree_open_fuzzer.cpp — libFuzzer entry point: a whole tree opened on a directory built from the input.
// The target is lsm_fuzz::tree_open_target (fuzz/targets.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lsm_fuzz::tree_open_target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
