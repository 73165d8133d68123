// bench/config.hpp — lsm_bench's command line: the flags, their defaults and
// their validation (db_bench spelling: --name=value, bare --flag for true).
//
// Thread safety: parsed once by main() before any thread or child process
// starts; read-only afterwards.
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine.hpp"

namespace lsm_bench {

inline constexpr std::string_view all_benchmarks[] = {
    "fillseq", "fillrandom",  "overwrite",  "readrandom",   "readmissing",
    "readseq", "readreverse", "seekrandom", "deleterandom", "fillsync"};

struct bench_config {
  std::vector<std::string> benchmarks{all_benchmarks, all_benchmarks + 9};  // no fillsync
  std::vector<std::string> engines;  // empty: every engine compiled in
  std::uint64_t num = 1000000;
  std::int64_t reads = -1;  // < 0: num
  std::size_t key_size = 16;
  std::size_t value_size = 100;
  unsigned threads = 1;
  std::string db;  // empty: a fresh directory under $TMPDIR or /tmp
  unsigned rounds = 1;
  std::uint64_t seed = 301;
  std::string csv;  // prefix: <csv>.summary.csv and <csv>.intervals.csv
  bool histogram = false;
  lsm_bench::key_type key_type = key_type::string;
  bool fork = true;      // one child process per engine per round
  bool keep_db = false;  // leave the directories behind
  double interval_s = 1.0;
  double stall_threshold_ms = 100.0;  // ops slower than this count as stall
  engine_settings settings;

  std::uint64_t read_count() const { return reads < 0 ? num : static_cast<std::uint64_t>(reads); }
  /// Bytes of one key as the stores see it.
  std::size_t effective_key_size() const { return key_type == key_type::u64 ? 8 : key_size; }
};

inline std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    const std::string_view item = s.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

template <class Int>
Int parse_int(std::string_view name, std::string_view text) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw std::invalid_argument("--" + std::string(name) + ": expected an integer, found '" +
                                std::string(text) + "'");
  }
  return value;
}

inline double parse_double(std::string_view name, std::string_view text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(std::string(text), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    throw std::invalid_argument("--" + std::string(name) + ": expected a number, found '" +
                                std::string(text) + "'");
  }
  return value;
}

inline bool parse_bool(std::string_view name, std::string_view text) {
  if (text == "1" || text == "true" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "no") return false;
  throw std::invalid_argument("--" + std::string(name) + ": expected true/false, found '" +
                              std::string(text) + "'");
}

inline constexpr std::string_view usage_text =
    "usage: lsm_bench [--flag=value ...]\n"
    "  --benchmarks=LIST   comma list, run in order on one DB per engine; fill*\n"
    "                      start from a fresh DB (default: all but fillsync)\n"
    "                      fillseq fillrandom overwrite readrandom readmissing readseq\n"
    "                      readreverse seekrandom deleterandom fillsync\n"
    "  --engines=LIST      lsm,lsm-tiered,leveldb,rocksdb (those compiled in; default\n"
    "                      all but lsm-tiered, which is lsm with tiered<> compaction);\n"
    "                      the first is the base of the ratio lines\n"
    "  --num=N             keys (1000000)       --reads=N      read ops (num)\n"
    "  --key_size=N        bytes (16)           --value_size=N bytes (100)\n"
    "  --key_type=T        string | u64 (u64: 8-byte keys, typed tree for lsm)\n"
    "  --threads=N         (1)                  --rounds=N     interleaved, median (1)\n"
    "  --seed=N            (301)                --db=DIR       parent dir (fresh tmp)\n"
    "  --csv=PREFIX        write PREFIX.summary.csv and PREFIX.intervals.csv\n"
    "  --histogram         print latency histograms\n"
    "  --interval=S        CSV interval seconds (1)\n"
    "  --stall_ms=MS       ops slower than this count as stall time (100)\n"
    "  --fork=BOOL         one child process per engine and round (true)\n"
    "  --keep_db           keep the store directories\n";

/// Parses argv. Throws std::invalid_argument naming the bad flag.
inline bench_config parse_flags(int argc, char** argv) {
  bench_config c;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") throw std::invalid_argument("");
    if (arg.substr(0, 2) != "--") {
      throw std::invalid_argument("unexpected argument '" + std::string(arg) + "'");
    }
    arg.remove_prefix(2);
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value = has_value ? arg.substr(eq + 1) : std::string_view{};
    if (name == "histogram") {
      c.histogram = !has_value || parse_bool(name, value);
      continue;
    }
    if (name == "keep_db") {
      c.keep_db = !has_value || parse_bool(name, value);
      continue;
    }
    if (!has_value) throw std::invalid_argument("--" + std::string(name) + " needs =value");
    if (name == "benchmarks") {
      c.benchmarks = split_list(value);
      for (const auto& b : c.benchmarks) {
        bool known = false;
        for (auto k : all_benchmarks) known = known || k == b;
        if (!known) throw std::invalid_argument("--benchmarks: unknown benchmark '" + b + "'");
      }
    } else if (name == "engines") {
      c.engines = split_list(value);
    } else if (name == "num") {
      c.num = parse_int<std::uint64_t>(name, value);
    } else if (name == "reads") {
      c.reads = parse_int<std::int64_t>(name, value);
    } else if (name == "key_size") {
      c.key_size = parse_int<std::size_t>(name, value);
    } else if (name == "value_size") {
      c.value_size = parse_int<std::size_t>(name, value);
    } else if (name == "threads") {
      c.threads = parse_int<unsigned>(name, value);
    } else if (name == "db") {
      c.db = value;
    } else if (name == "rounds") {
      c.rounds = parse_int<unsigned>(name, value);
    } else if (name == "seed") {
      c.seed = parse_int<std::uint64_t>(name, value);
    } else if (name == "csv") {
      c.csv = value;
      if (c.csv.size() > 4 && c.csv.ends_with(".csv")) c.csv.resize(c.csv.size() - 4);
    } else if (name == "key_type") {
      if (value == "string") {
        c.key_type = key_type::string;
      } else if (value == "u64") {
        c.key_type = key_type::u64;
      } else {
        throw std::invalid_argument("--key_type: expected string or u64, found '" +
                                    std::string(value) + "'");
      }
    } else if (name == "fork") {
      c.fork = parse_bool(name, value);
    } else if (name == "interval") {
      c.interval_s = parse_double(name, value);
    } else if (name == "stall_ms") {
      c.stall_threshold_ms = parse_double(name, value);
    } else {
      throw std::invalid_argument("unknown flag --" + std::string(name));
    }
  }
  if (c.threads == 0) throw std::invalid_argument("--threads: must be at least 1");
  if (c.rounds == 0) throw std::invalid_argument("--rounds: must be at least 1");
  if (c.num == 0) throw std::invalid_argument("--num: must be at least 1");
  if (!(c.interval_s > 0)) throw std::invalid_argument("--interval: must be > 0");
  if (c.key_type == key_type::string) {
    const std::size_t digits = std::to_string(c.num - 1).size();
    if (c.key_size < digits) {
      throw std::invalid_argument("--key_size=" + std::to_string(c.key_size) + " cannot hold the " +
                                  std::to_string(digits) +
                                  "-digit key indexes of --num=" + std::to_string(c.num));
    }
  }
  return c;
}

}  // namespace lsm_bench
