// bench/proc_stats.hpp — what Linux says about this process: peak resident
// set (VmHWM in /proc/self/status, resettable through /proc/self/clear_refs)
// and the bytes it wrote (wchar and write_bytes in /proc/self/io, summed over
// all its threads). Every reader returns 0 when the file is unavailable.
//
// Thread safety: the functions only read or write /proc; call them from one
// thread while measuring.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace lsm_bench {

struct io_counters {
  std::uint64_t wchar = 0;        // bytes passed to write-like syscalls
  std::uint64_t write_bytes = 0;  // bytes this process caused to be sent to storage
};

inline io_counters read_io_counters() {
  io_counters c;
  std::ifstream in("/proc/self/io");
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value) {
    if (name == "wchar:") c.wchar = value;
    if (name == "write_bytes:") c.write_bytes = value;
  }
  return c;
}

/// Peak resident set size in KiB since start or since the last reset.
inline std::uint64_t read_peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0). False when not permitted.
inline bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace lsm_bench
