// bench/report.hpp — lsm_bench's output: db_bench-format result lines, the
// ratio lines comparing the first engine with each other one, and the two
// CSV files (summary per workload/engine/round, and throughput over time).
//
// Thread safety: called from the parent process's one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "result.hpp"

namespace lsm_bench {

inline bool is_point_read(const std::string& workload) {
  return workload == "readrandom" || workload == "readmissing" || workload == "seekrandom";
}

/// `fillrandom   :       2.345 micros/op 426439 ops/sec;   47.2 MB/s [lsm]`
inline std::string format_result(const workload_result& r) {
  char line[320];
  int n = std::snprintf(line, sizeof line, "%-12s : %11.3f micros/op %7.0f ops/sec;",
                        r.workload.c_str(), r.micros_per_op(), r.ops_per_sec());
  std::string out(line, static_cast<std::size_t>(n));
  if (r.bytes > 0) {
    n = std::snprintf(line, sizeof line, " %6.1f MB/s", r.mb_per_sec());
    out.append(line, static_cast<std::size_t>(n));
  }
  if (is_point_read(r.workload)) {
    n = std::snprintf(line, sizeof line, " (%llu of %llu found)",
                      static_cast<unsigned long long>(r.found),
                      static_cast<unsigned long long>(r.ops));
    out.append(line, static_cast<std::size_t>(n));
  }
  out += " [" + r.engine + "]";
  return out;
}

/// `fillrandom   : lsm/leveldb 1.42x  lsm/rocksdb 1.31x` (ops/sec, base over peer).
inline std::string format_ratios(const std::string& workload, const workload_result& base,
                                 const std::vector<const workload_result*>& peers) {
  char line[128];
  int n = std::snprintf(line, sizeof line, "%-12s :", workload.c_str());
  std::string out(line, static_cast<std::size_t>(n));
  for (const workload_result* p : peers) {
    const double ratio = p->ops_per_sec() > 0 ? base.ops_per_sec() / p->ops_per_sec() : 0.0;
    n = std::snprintf(line, sizeof line, " %s/%s %.2fx ", base.engine.c_str(), p->engine.c_str(),
                      ratio);
    out.append(line, static_cast<std::size_t>(n));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// PREFIX.summary.csv: one row per engine, workload and round (round
/// "median" rows are added when there are several rounds).
class summary_csv {
 public:
  explicit summary_csv(const std::string& path) : out_(path) {
    if (!out_) throw std::runtime_error("cannot write " + path);
    out_ << "engine,workload,round,key_type,threads,ops,elapsed_s,ops_per_sec,micros_per_op,"
            "mb_per_s,found,p50_us,p99_us,p999_us,max_us,stall_us,engine_stall_us,"
            "peak_rss_kb,user_bytes,wchar_bytes,write_bytes,engine_bytes,write_amp,"
            "wchar_write_amp\n";
  }

  void add(const workload_result& r, const std::string& round, const std::string& key_type) {
    char buf[512];
    std::snprintf(
        buf, sizeof buf, "%s,%s,%s,%s,%u,%llu,%.6f,%.1f,%.4f,%.2f,%llu,%.3f,%.3f,%.3f,%.3f,%.3f,",
        r.engine.c_str(), r.workload.c_str(), round.c_str(), key_type.c_str(), r.threads,
        static_cast<unsigned long long>(r.ops), r.seconds(), r.ops_per_sec(), r.micros_per_op(),
        r.mb_per_sec(), static_cast<unsigned long long>(r.found), r.latency.percentile(50) / 1e3,
        r.latency.percentile(99) / 1e3, r.latency.percentile(99.9) / 1e3,
        static_cast<double>(r.latency.max()) / 1e3, static_cast<double>(r.stall_ns) / 1e3);
    out_ << buf;
    if (r.engine_stall_us) out_ << *r.engine_stall_us;
    out_ << ',' << r.peak_rss_kb << ',' << r.user_bytes << ',' << r.wchar << ',' << r.write_bytes
         << ',';
    if (r.engine_bytes) out_ << *r.engine_bytes;
    out_ << ',' << optional_ratio(r.write_amp()) << ',' << optional_ratio(r.wchar_write_amp())
         << '\n';
  }

 private:
  static std::string optional_ratio(std::optional<double> v) {
    if (!v) return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *v);
    return buf;
  }
  std::ofstream out_;
};

/// PREFIX.intervals.csv: throughput and latency over time.
class intervals_csv {
 public:
  explicit intervals_csv(const std::string& path) : out_(path) {
    if (!out_) throw std::runtime_error("cannot write " + path);
    out_ << "engine,workload,round,elapsed_s,ops_in_interval,ops_per_sec,p50_us,p99_us,"
            "p999_us,max_us,stall_us\n";
  }

  void add(const interval_row& r) {
    char buf[512];
    const double rate = r.duration_s > 0 ? static_cast<double>(r.ops) / r.duration_s : 0.0;
    std::snprintf(buf, sizeof buf, "%s,%s,%u,%.3f,%llu,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
                  r.engine.c_str(), r.workload.c_str(), r.round, r.elapsed_s,
                  static_cast<unsigned long long>(r.ops), rate, r.latency.percentile(50) / 1e3,
                  r.latency.percentile(99) / 1e3, r.latency.percentile(99.9) / 1e3,
                  static_cast<double>(r.latency.max()) / 1e3,
                  static_cast<double>(r.stall_ns) / 1e3);
    out_ << buf;
    out_.flush();
  }

 private:
  std::ofstream out_;
};

}  // namespace lsm_bench
