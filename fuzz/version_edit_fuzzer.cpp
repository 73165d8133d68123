// fuzz/version_edit_fuzzer.cpp — libFuzzer entry point: the MANIFEST record decoder (detail::version_edit).
// The target is lsm_fuzz::version_edit_target (fuzz/targets.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lsm_fuzz::version_edit_target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
