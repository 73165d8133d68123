// fuzz/wal_reader_fuzzer.cpp — libFuzzer entry point: the WAL reader (detail::wal::reader).
// The target is lsm_fuzz::wal_reader_target (fuzz/targets.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lsm_fuzz::wal_reader_target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
