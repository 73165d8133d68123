// What the two translation units of the separate-compilation check share.
#pragma once

#include <string>

namespace separate_check {

/// Fails the program with a message naming the check and the line.
[[noreturn]] void fail(const char* what, int line);

/// Round trip through a tree whose engine is instantiated in
/// separate_instances.cpp (vector memtable, no filter, tiered compaction);
/// returns the value read back after a reopen.
std::string vector_tiered_round_trip(const std::string& dir);

}  // namespace separate_check

#define SEPARATE_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::separate_check::fail(#cond, __LINE__))
