// bench/histogram.hpp — a log-linear latency histogram in nanoseconds:
// exact below 64 ns, then 32 sub-buckets per power of two (values within
// about 3 %). Mergeable, serializable to one text field, and printable like
// db_bench's --histogram.
//
// Thread safety: a value type; one thread records into one histogram, and
// histograms are merged after the threads join.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

namespace lsm_bench {

class histogram {
 public:
  static constexpr std::size_t exact_limit = 64;  // values below are exact
  static constexpr std::size_t sub_bits = 5;      // 32 sub-buckets per octave
  static constexpr std::size_t bucket_count = exact_limit + (64 - 6) * (std::size_t{1} << sub_bits);

  void record(std::uint64_t ns) {
    ++counts_[bucket_of(ns)];
    ++count_;
    sum_ += static_cast<double>(ns);
    sum_squares_ += static_cast<double>(ns) * static_cast<double>(ns);
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  void merge(const histogram& other) {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    sum_squares_ += other.sum_squares_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  void clear() { *this = histogram{}; }

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double average() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
  double stddev() const {
    if (count_ == 0) return 0.0;
    const double n = static_cast<double>(count_);
    const double variance = (sum_squares_ * n - sum_ * sum_) / (n * n);
    return variance > 0 ? std::sqrt(variance) : 0.0;
  }

  /// The value at percentile p (0..100), interpolated inside its bucket and
  /// clamped to [min, max]. 0 when empty.
  double percentile(double p) const {
    if (count_ == 0) return 0.0;
    const double threshold = static_cast<double>(count_) * p / 100.0;
    double cumulative = 0;
    for (std::size_t b = 0; b < bucket_count; ++b) {
      if (counts_[b] == 0) continue;
      const double in_bucket = static_cast<double>(counts_[b]);
      if (cumulative + in_bucket >= threshold) {
        const double lo = static_cast<double>(lower_bound(b));
        const double hi = static_cast<double>(upper_bound(b));
        const double fraction = (threshold - cumulative) / in_bucket;
        const double v = lo + (hi - lo) * fraction;
        return std::clamp(v, static_cast<double>(min()), static_cast<double>(max_));
      }
      cumulative += in_bucket;
    }
    return static_cast<double>(max_);
  }

  /// One text field without spaces, tabs or commas: "count;sum;sumsq;min;max;b:n/b:n...".
  std::string serialize() const {
    std::ostringstream out;
    out.precision(17);
    out << count_ << ';' << sum_ << ';' << sum_squares_ << ';' << min_ << ';' << max_ << ';';
    for (std::size_t b = 0; b < bucket_count; ++b) {
      if (counts_[b] != 0) out << b << ':' << counts_[b] << '/';
    }
    return out.str();
  }

  /// The inverse of serialize(); false on malformed input.
  bool deserialize(std::string_view text) {
    clear();
    std::istringstream in{std::string(text)};
    char sep = 0;
    if (!(in >> count_ >> sep >> sum_ >> sep >> sum_squares_ >> sep >> min_ >> sep >> max_ >>
          sep)) {
      return false;
    }
    std::size_t b = 0;
    std::uint64_t n = 0;
    char colon = 0;
    char slash = 0;
    while (in >> b >> colon >> n >> slash) {
      if (b >= bucket_count || colon != ':' || slash != '/') return false;
      counts_[b] = n;
    }
    return true;
  }

  /// db_bench's --histogram block, in microseconds; buckets merged per
  /// power of two so the table stays short.
  std::string to_string() const {
    std::string out;
    char line[200];
    std::snprintf(line, sizeof line, "Count: %llu  Average: %.4f  StdDev: %.2f\n",
                  static_cast<unsigned long long>(count_), average() / 1e3, stddev() / 1e3);
    out += line;
    std::snprintf(line, sizeof line, "Min: %.4f  Median: %.4f  Max: %.4f\n",
                  static_cast<double>(min()) / 1e3, percentile(50) / 1e3,
                  static_cast<double>(max_) / 1e3);
    out += line;
    std::snprintf(line, sizeof line,
                  "Percentiles: P50: %.2f P75: %.2f P99: %.2f P99.9: %.2f P99.99: %.2f\n",
                  percentile(50) / 1e3, percentile(75) / 1e3, percentile(99) / 1e3,
                  percentile(99.9) / 1e3, percentile(99.99) / 1e3);
    out += line;
    out += "------------------------------------------------------\n";
    double cumulative = 0;
    std::uint64_t lo = 0;
    while (lo <= max_ && count_ != 0) {
      const std::uint64_t hi = lo == 0 ? 1 : lo * 2;  // [lo, hi) in ns
      std::uint64_t n = 0;
      for (std::size_t b = bucket_of(lo); b < bucket_count && lower_bound(b) < hi; ++b) {
        n += counts_[b];
      }
      if (n != 0) {
        cumulative += static_cast<double>(n);
        const double pct = 100.0 * static_cast<double>(n) / static_cast<double>(count_);
        std::snprintf(line, sizeof line, "[ %10.3f, %10.3f ) %9llu %7.3f%% %7.3f%% ",
                      static_cast<double>(lo) / 1e3, static_cast<double>(hi) / 1e3,
                      static_cast<unsigned long long>(n), pct,
                      100.0 * cumulative / static_cast<double>(count_));
        out += line;
        out.append(static_cast<std::size_t>(pct / 5.0 + 0.5), '#');
        out += '\n';
      }
      if (hi > std::numeric_limits<std::uint64_t>::max() / 2) break;
      lo = hi;
    }
    return out;
  }

 private:
  static std::size_t bucket_of(std::uint64_t ns) {
    if (ns < exact_limit) return static_cast<std::size_t>(ns);
    const std::size_t octave = static_cast<std::size_t>(std::bit_width(ns)) - 1;  // >= 6
    const std::size_t sub =
        static_cast<std::size_t>(ns >> (octave - sub_bits)) & ((std::size_t{1} << sub_bits) - 1);
    return exact_limit + (octave - 6) * (std::size_t{1} << sub_bits) + sub;
  }
  static std::uint64_t lower_bound(std::size_t b) {
    if (b < exact_limit) return b;
    const std::size_t octave = (b - exact_limit) / (std::size_t{1} << sub_bits) + 6;
    const std::uint64_t sub = (b - exact_limit) % (std::size_t{1} << sub_bits);
    return (std::uint64_t{1} << octave) + (sub << (octave - sub_bits));
  }
  static std::uint64_t upper_bound(std::size_t b) {
    if (b < exact_limit) return b + 1;
    const std::size_t octave = (b - exact_limit) / (std::size_t{1} << sub_bits) + 6;
    return lower_bound(b) + (std::uint64_t{1} << (octave - sub_bits));
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double sum_squares_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace lsm_bench
