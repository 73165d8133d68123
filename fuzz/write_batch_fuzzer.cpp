// fuzz/write_batch_fuzzer.cpp — libFuzzer entry point: the write batch decoder (detail::write_batch).
// The target is lsm_fuzz::write_batch_target (fuzz/targets.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lsm_fuzz::write_batch_target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
