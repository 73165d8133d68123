// bench/runner.hpp — runs the benchmark list on one engine, db_bench style:
// fill* workloads start from a fresh directory, every other workload uses the
// store left by the previous one. Each workload's ops are split over
// --threads threads; every op is timed into a latency histogram and into
// per-interval histograms (the over-time CSV).
//
// Keys are db_bench's: the zero-padded decimal of a key index in [0, num),
// key_size bytes; a missing key is the same plus a trailing '.', so it sorts
// between two present keys and must be rejected by the filter, not by a
// file's key range. With key_type::u64 the key of index i is 2i (8 bytes,
// big-endian) and the missing key 2i+1. Values are value_size bytes of a
// random buffer whose 2nd half of every chunk repeats its 1st half.
// Random choices depend only on --seed, the workload's position and the
// thread, so every engine sees the same key sequence.
//
// Thread safety: run_engine() is called by one thread; it starts and joins
// its own worker threads. The sink is called only from the calling thread.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config.hpp"
#include "engine.hpp"
#include "histogram.hpp"
#include "proc_stats.hpp"
#include "result.hpp"

namespace lsm_bench {

/// Receives the serialized result and interval lines (see result.hpp).
using line_sink = std::function<void(const std::string&)>;

/// splitmix64: small, fast, and good enough to pick keys.
class random_source {
 public:
  explicit random_source(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// REQUIRES: n > 0. Uniform enough in [0, n) for n far below 2^64.
  std::uint64_t uniform(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

/// Builds the key bytes of a key index; one per thread.
class key_maker {
 public:
  explicit key_maker(const bench_config& c) : type_(c.key_type), size_(c.key_size) {}

  std::string_view present(std::uint64_t index) { return make(index, false); }
  std::string_view missing(std::uint64_t index) { return make(index, true); }

 private:
  std::string_view make(std::uint64_t index, bool missing) {
    if (type_ == key_type::u64) {
      std::uint64_t x = index * 2 + (missing ? 1 : 0);
      buffer_.assign(8, '\0');
      for (std::size_t i = 8; i-- > 0; x >>= 8) buffer_[i] = static_cast<char>(x & 0xff);
      return buffer_;
    }
    buffer_.assign(size_, '0');
    for (std::size_t i = size_; i-- > 0 && index != 0; index /= 10) {
      buffer_[i] = static_cast<char>('0' + index % 10);
    }
    if (missing) buffer_.push_back('.');
    return buffer_;
  }

  key_type type_;
  std::size_t size_;
  std::string buffer_;
};

/// A read-only buffer of value bytes; each thread walks it with its own cursor.
class value_source {
 public:
  value_source(std::size_t value_size, std::uint64_t seed) : value_size_(value_size) {
    random_source rng(seed ^ 0x76616c7565ull);
    data_.resize((std::size_t{1} << 20) + value_size);
    const std::size_t chunk = std::max<std::size_t>(value_size, 2);
    for (std::size_t i = 0; i < data_.size(); ++i) {
      const std::size_t in_chunk = i % chunk;
      data_[i] =
          in_chunk < chunk / 2 ? static_cast<char>(' ' + rng.uniform(95)) : data_[i - chunk / 2];
    }
  }
  /// The value at *pos, advancing *pos.
  std::string_view next(std::size_t& pos) const {
    if (pos + value_size_ > data_.size()) pos = 0;
    const std::string_view v(data_.data() + pos, value_size_);
    pos += value_size_;
    return v;
  }

 private:
  std::size_t value_size_;
  std::string data_;
};

namespace detail {

enum class op_kind : std::uint8_t {
  fill_seq = 0,
  fill_random = 1,
  read_random = 2,
  read_missing = 3,
  read_seq = 4,
  read_reverse = 5,
  seek_random = 6,
  erase_random = 7,
};

struct workload_plan {
  op_kind kind;
  std::uint64_t ops;
  bool sync;
  bool fresh;  // starts from an empty directory
};

inline workload_plan plan_of(const bench_config& c, std::string_view w) {
  if (w == "fillseq") return {op_kind::fill_seq, c.num, false, true};
  if (w == "fillrandom") return {op_kind::fill_random, c.num, false, true};
  if (w == "overwrite") return {op_kind::fill_random, c.num, false, false};
  if (w == "fillsync")
    return {op_kind::fill_random, std::max<std::uint64_t>(c.num / 100, 1), true, true};
  if (w == "readrandom") return {op_kind::read_random, c.read_count(), false, false};
  if (w == "readmissing") return {op_kind::read_missing, c.read_count(), false, false};
  if (w == "readseq") return {op_kind::read_seq, c.read_count(), false, false};
  if (w == "readreverse") return {op_kind::read_reverse, c.read_count(), false, false};
  if (w == "seekrandom") return {op_kind::seek_random, c.read_count(), false, false};
  if (w == "deleterandom") return {op_kind::erase_random, c.num, false, false};
  throw std::invalid_argument("unknown benchmark '" + std::string(w) + "'");
}

/// Per-interval counts merged from every thread.
struct interval_accumulator {
  std::uint64_t ops = 0;
  std::uint64_t stall_ns = 0;
  histogram latency;
};

struct shared_state {
  std::mutex mutex;
  std::vector<interval_accumulator> intervals;  // guarded by mutex
  std::atomic<std::uint64_t> done{0};
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point start;  // written before go
};

struct thread_result {
  std::uint64_t ops = 0, found = 0, bytes = 0, user_bytes = 0, stall_ns = 0;
  std::chrono::steady_clock::time_point finish;
  histogram latency;
  std::string error;
};

struct thread_task {
  const bench_config* config;
  engine* store;
  const value_source* values;
  workload_plan plan;
  std::uint64_t ops;          // this thread's share
  std::uint64_t first_index;  // fillseq: this thread's first key index
  std::uint64_t seed;
  bool print_progress;  // thread 0 on a terminal
  std::string label;    // "[engine] workload"
};

inline void run_thread(const thread_task& task, shared_state& shared, thread_result& out) {
  using clock = std::chrono::steady_clock;
  const bench_config& c = *task.config;
  random_source rng(task.seed);
  key_maker keys(c);
  std::string value_out;
  std::size_t value_pos = static_cast<std::size_t>(task.seed % 4096);
  std::unique_ptr<cursor> cur;
  const op_kind kind = task.plan.kind;
  if (kind == op_kind::read_seq || kind == op_kind::read_reverse || kind == op_kind::seek_random) {
    try {
      cur = task.store->new_cursor();
    } catch (...) {
      ++shared.ready;  // the starter waits for every thread
      throw;
    }
  }
  const auto interval =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(c.interval_s));
  const auto stall_threshold = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double, std::milli>(c.stall_threshold_ms));
  interval_accumulator current;
  std::int64_t current_index = 0;
  auto flush_interval = [&] {
    {
      std::lock_guard lock(shared.mutex);
      const auto i = static_cast<std::size_t>(current_index);
      if (shared.intervals.size() <= i) shared.intervals.resize(i + 1);
      shared.intervals[i].ops += current.ops;
      shared.intervals[i].stall_ns += current.stall_ns;
      shared.intervals[i].latency.merge(current.latency);
    }
    shared.done += current.ops;
    current.ops = 0;
    current.stall_ns = 0;
    current.latency.clear();
  };

  ++shared.ready;
  while (!shared.go.load(std::memory_order_acquire)) std::this_thread::yield();
  const clock::time_point start = shared.start;
  clock::time_point t0 = clock::now();
  std::uint64_t i = 0;
  for (; i < task.ops; ++i) {
    bool stop = false;
    switch (kind) {
      case op_kind::fill_seq:
      case op_kind::fill_random: {
        const std::uint64_t index =
            kind == op_kind::fill_seq ? task.first_index + i : rng.uniform(c.num);
        const std::string_view k = keys.present(index);
        const std::string_view v = task.values->next(value_pos);
        task.store->put(k, v, task.plan.sync);
        out.bytes += k.size() + v.size();
        out.user_bytes += k.size() + v.size();
        break;
      }
      case op_kind::read_random:
      case op_kind::read_missing: {
        const std::uint64_t index = rng.uniform(c.num);
        const std::string_view k =
            kind == op_kind::read_random ? keys.present(index) : keys.missing(index);
        if (task.store->get(k, value_out)) {
          ++out.found;
          out.bytes += k.size() + value_out.size();
        }
        break;
      }
      case op_kind::read_seq:
      case op_kind::read_reverse: {
        if (i == 0) {
          kind == op_kind::read_seq ? cur->seek_to_first() : cur->seek_to_last();
        } else {
          kind == op_kind::read_seq ? cur->next() : cur->prev();
        }
        if (!cur->valid()) {
          stop = true;
          break;
        }
        ++out.found;
        out.bytes += cur->key().size() + cur->value().size();
        break;
      }
      case op_kind::seek_random: {
        const std::string_view k = keys.present(rng.uniform(c.num));
        cur->seek(k);
        if (cur->valid() && cur->key() == k) {
          ++out.found;
          out.bytes += k.size() + cur->value().size();
        }
        break;
      }
      case op_kind::erase_random: {
        const std::string_view k = keys.present(rng.uniform(c.num));
        task.store->erase(k, task.plan.sync);
        out.user_bytes += k.size();
        break;
      }
    }
    if (stop) break;
    const clock::time_point t1 = clock::now();
    const auto latency = t1 - t0;
    const std::int64_t index = (t1 - start) / interval;
    if (index != current_index) {
      flush_interval();
      current_index = index;
      if (task.print_progress) {
        std::printf("\r%-28s %12llu ops\x1b[K", task.label.c_str(),
                    static_cast<unsigned long long>(shared.done.load()));
        std::fflush(stdout);
      }
    }
    const auto ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count());
    current.latency.record(ns);
    ++current.ops;
    if (latency >= stall_threshold) {
      current.stall_ns += ns;
      out.stall_ns += ns;
    }
    out.latency.record(ns);
    t0 = t1;
  }
  out.ops = i;
  out.finish = t0;
  flush_interval();
}

}  // namespace detail

/// Runs one workload on an open engine and sends its interval lines and its
/// result line to `sink`. Throws what the engine throws.
inline workload_result run_workload(const bench_config& c, engine& store,
                                    const value_source& values, std::string_view workload,
                                    std::size_t position, unsigned round, const line_sink& sink) {
  using clock = std::chrono::steady_clock;
  const detail::workload_plan plan = detail::plan_of(c, workload);
  const bool on_terminal = isatty(STDOUT_FILENO) == 1;
  const std::string label = "[" + store.name() + "] " + std::string(workload);

  detail::shared_state shared;
  std::vector<detail::thread_result> results(c.threads);
  std::vector<detail::thread_task> tasks;
  std::uint64_t first_index = 0;
  for (unsigned t = 0; t < c.threads; ++t) {
    const std::uint64_t share = plan.ops / c.threads + (t < plan.ops % c.threads ? 1 : 0);
    const std::uint64_t seed = c.seed * 0x100000001b3ull + position * 1000003ull + t * 7919ull + 1;
    tasks.push_back(
        {&c, &store, &values, plan, share, first_index, seed, on_terminal && t == 0, label});
    first_index += share;
  }

  reset_peak_rss();
  const engine_stats stats_before = store.stats();
  const io_counters io_before = read_io_counters();

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < c.threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        detail::run_thread(tasks[t], shared, results[t]);
      } catch (const std::exception& e) {
        results[t].error = e.what();
        results[t].finish = clock::now();
      }
    });
  }
  while (shared.ready.load() != c.threads) std::this_thread::yield();
  shared.start = clock::now();
  shared.go.store(true, std::memory_order_release);
  for (auto& w : workers) w.join();

  const io_counters io_after = read_io_counters();
  const engine_stats stats_after = store.stats();
  if (on_terminal) {
    std::printf("\r\x1b[K");
    std::fflush(stdout);
  }
  for (const auto& r : results) {
    if (!r.error.empty()) throw std::runtime_error(label + ": " + r.error);
  }

  workload_result out;
  out.engine = store.name();
  out.workload = std::string(workload);
  out.round = round;
  out.threads = c.threads;
  clock::time_point finish = shared.start;
  for (const auto& r : results) {
    out.ops += r.ops;
    out.found += r.found;
    out.bytes += r.bytes;
    out.user_bytes += r.user_bytes;
    out.stall_ns += r.stall_ns;
    out.latency.merge(r.latency);
    finish = std::max(finish, r.finish);
  }
  const auto wall = finish - shared.start;
  out.elapsed_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count());
  out.peak_rss_kb = read_peak_rss_kb();
  out.wchar = io_after.wchar - io_before.wchar;
  out.write_bytes = io_after.write_bytes - io_before.write_bytes;
  if (stats_before.bytes_written && stats_after.bytes_written) {
    out.engine_bytes = *stats_after.bytes_written - *stats_before.bytes_written;
  }
  if (stats_before.stall_micros && stats_after.stall_micros) {
    out.engine_stall_us = *stats_after.stall_micros - *stats_before.stall_micros;
  }

  const double total_s = out.seconds();
  for (std::size_t i = 0; i < shared.intervals.size(); ++i) {
    interval_row row;
    row.engine = out.engine;
    row.workload = out.workload;
    row.round = round;
    const double begin = static_cast<double>(i) * c.interval_s;
    row.elapsed_s = std::min(begin + c.interval_s, std::max(total_s, begin));
    row.duration_s = row.elapsed_s - begin;
    row.ops = shared.intervals[i].ops;
    row.stall_ns = shared.intervals[i].stall_ns;
    row.latency = std::move(shared.intervals[i].latency);
    if (row.ops == 0 && row.duration_s <= 0) continue;
    sink(serialize(row));
  }
  sink(serialize(out));
  return out;
}

/// Runs every workload of `c.benchmarks` in order on `store` in `dir`.
inline void run_engine(const bench_config& c, engine& store, const std::string& dir, unsigned round,
                       const line_sink& sink) {
  const value_source values(c.value_size, c.seed);
  std::filesystem::remove_all(dir);
  store.open(dir, c.settings);
  for (std::size_t i = 0; i < c.benchmarks.size(); ++i) {
    if (detail::plan_of(c, c.benchmarks[i]).fresh) {
      store.close();
      std::filesystem::remove_all(dir);
      store.open(dir, c.settings);
    }
    run_workload(c, store, values, c.benchmarks[i], i, round, sink);
  }
  store.close();
  if (!c.keep_db) std::filesystem::remove_all(dir);
}

}  // namespace lsm_bench
