// bench/result.hpp — what one workload run of one engine measured, and the
// per-interval rows of the over-time CSV; both travel from the child process
// to the parent as one text line of tab-separated name=value fields.
//
// Thread safety: value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "histogram.hpp"

namespace lsm_bench {

/// One workload on one engine in one round.
struct workload_result {
  std::string engine;
  std::string workload;
  unsigned round = 0;
  std::uint64_t ops = 0;
  std::uint64_t found = 0;       // reads: keys found / entries visited
  std::uint64_t bytes = 0;       // key + value bytes written or read
  std::uint64_t user_bytes = 0;  // key + value bytes the user asked to write
  std::uint64_t elapsed_ns = 0;  // wall time, first op to last op
  unsigned threads = 1;
  std::uint64_t stall_ns = 0;     // time in ops slower than the stall threshold
  std::uint64_t peak_rss_kb = 0;  // VmHWM after the workload (0: unknown)
  std::uint64_t wchar = 0;        // /proc/self/io wchar delta: bytes written by syscalls
  std::uint64_t write_bytes = 0;  // /proc/self/io write_bytes delta: bytes sent to storage
  std::optional<std::uint64_t> engine_bytes;     // the engine's own count
  std::optional<std::uint64_t> engine_stall_us;  // the engine's own count
  histogram latency;                             // per operation, ns

  double seconds() const { return static_cast<double>(elapsed_ns) / 1e9; }
  double ops_per_sec() const { return elapsed_ns == 0 ? 0 : static_cast<double>(ops) / seconds(); }
  /// Per-thread cost of one operation, as db_bench prints it.
  double micros_per_op() const {
    return ops == 0 ? 0 : seconds() * 1e6 * threads / static_cast<double>(ops);
  }
  double mb_per_sec() const {
    return elapsed_ns == 0 ? 0 : static_cast<double>(bytes) / 1048576.0 / seconds();
  }
  /// Bytes written to storage per user byte: the engine's own count when it
  /// keeps one, else the process's write syscalls (wchar). Empty for reads.
  std::optional<double> write_amp() const {
    if (user_bytes == 0) return std::nullopt;
    const double written =
        engine_bytes ? static_cast<double>(*engine_bytes) : static_cast<double>(wchar);
    return written / static_cast<double>(user_bytes);
  }
  std::optional<double> wchar_write_amp() const {
    if (user_bytes == 0) return std::nullopt;
    return static_cast<double>(wchar) / static_cast<double>(user_bytes);
  }
};

/// One row of the over-time CSV.
struct interval_row {
  std::string engine;
  std::string workload;
  unsigned round = 0;
  double elapsed_s = 0;  // end of the interval, from the workload's start
  double duration_s = 0;
  std::uint64_t ops = 0;
  std::uint64_t stall_ns = 0;
  histogram latency;
};

namespace detail {

inline std::map<std::string, std::string, std::less<>> split_fields(std::string_view line) {
  std::map<std::string, std::string, std::less<>> fields;
  while (!line.empty()) {
    const std::size_t tab = line.find('\t');
    const std::string_view field = line.substr(0, tab);
    const std::size_t eq = field.find('=');
    if (eq != std::string_view::npos) {
      fields.emplace(std::string(field.substr(0, eq)), std::string(field.substr(eq + 1)));
    }
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return fields;
}

inline const std::string& field(const std::map<std::string, std::string, std::less<>>& f,
                                std::string_view name) {
  const auto it = f.find(name);
  if (it == f.end())
    throw std::runtime_error("result line lacks field '" + std::string(name) + "'");
  return it->second;
}

inline std::uint64_t u64_field(const std::map<std::string, std::string, std::less<>>& f,
                               std::string_view name) {
  return std::stoull(field(f, name));
}

}  // namespace detail

/// "R\t..." line; see parse_result.
inline std::string serialize(const workload_result& r) {
  std::ostringstream out;
  out.precision(17);
  out << "R\tengine=" << r.engine << "\tworkload=" << r.workload << "\tround=" << r.round
      << "\tops=" << r.ops << "\tfound=" << r.found << "\tbytes=" << r.bytes
      << "\tuser_bytes=" << r.user_bytes << "\telapsed_ns=" << r.elapsed_ns
      << "\tthreads=" << r.threads << "\tstall_ns=" << r.stall_ns
      << "\tpeak_rss_kb=" << r.peak_rss_kb << "\twchar=" << r.wchar
      << "\twrite_bytes=" << r.write_bytes;
  if (r.engine_bytes) out << "\tengine_bytes=" << *r.engine_bytes;
  if (r.engine_stall_us) out << "\tengine_stall_us=" << *r.engine_stall_us;
  out << "\tlatency=" << r.latency.serialize() << '\n';
  return out.str();
}

inline workload_result parse_result(std::string_view line) {
  const auto f = detail::split_fields(line);
  workload_result r;
  r.engine = detail::field(f, "engine");
  r.workload = detail::field(f, "workload");
  r.round = static_cast<unsigned>(detail::u64_field(f, "round"));
  r.ops = detail::u64_field(f, "ops");
  r.found = detail::u64_field(f, "found");
  r.bytes = detail::u64_field(f, "bytes");
  r.user_bytes = detail::u64_field(f, "user_bytes");
  r.elapsed_ns = detail::u64_field(f, "elapsed_ns");
  r.threads = static_cast<unsigned>(detail::u64_field(f, "threads"));
  r.stall_ns = detail::u64_field(f, "stall_ns");
  r.peak_rss_kb = detail::u64_field(f, "peak_rss_kb");
  r.wchar = detail::u64_field(f, "wchar");
  r.write_bytes = detail::u64_field(f, "write_bytes");
  if (f.contains("engine_bytes")) r.engine_bytes = detail::u64_field(f, "engine_bytes");
  if (f.contains("engine_stall_us")) r.engine_stall_us = detail::u64_field(f, "engine_stall_us");
  if (!r.latency.deserialize(detail::field(f, "latency"))) {
    throw std::runtime_error("result line: malformed latency histogram");
  }
  return r;
}

/// "I\t..." line; see parse_interval.
inline std::string serialize(const interval_row& r) {
  std::ostringstream out;
  out.precision(17);
  out << "I\tengine=" << r.engine << "\tworkload=" << r.workload << "\tround=" << r.round
      << "\telapsed_s=" << r.elapsed_s << "\tduration_s=" << r.duration_s << "\tops=" << r.ops
      << "\tstall_ns=" << r.stall_ns << "\tlatency=" << r.latency.serialize() << '\n';
  return out.str();
}

inline interval_row parse_interval(std::string_view line) {
  const auto f = detail::split_fields(line);
  interval_row r;
  r.engine = detail::field(f, "engine");
  r.workload = detail::field(f, "workload");
  r.round = static_cast<unsigned>(detail::u64_field(f, "round"));
  r.elapsed_s = std::stod(detail::field(f, "elapsed_s"));
  r.duration_s = std::stod(detail::field(f, "duration_s"));
  r.ops = detail::u64_field(f, "ops");
  r.stall_ns = detail::u64_field(f, "stall_ns");
  if (!r.latency.deserialize(detail::field(f, "latency"))) {
    throw std::runtime_error("interval line: malformed latency histogram");
  }
  return r;
}

}  // namespace lsm_bench
