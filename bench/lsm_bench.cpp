// lsm_bench — a db_bench-style benchmark of lsm, side by side with LevelDB
// and RocksDB when they are compiled in (see bench/README.md).
//
// Rounds are interleaved (round 1: every engine, round 2: every engine...);
// each engine's figure is the median over rounds. Each engine's run of the
// whole benchmark list happens in a child process (fork), so peak RSS and
// the /proc/self/io byte counts belong to that engine alone.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "engine.hpp"
#include "report.hpp"
#include "result.hpp"
#include "runner.hpp"

#if LSM_BENCH_HAVE_LEVELDB
#include <leveldb/db.h>

#include "engines/leveldb_engine.hpp"
#endif
#if LSM_BENCH_HAVE_ROCKSDB
#include <rocksdb/version.h>

#include "engines/rocksdb_engine.hpp"
#endif
#if LSM_BENCH_HAVE_LSM
#include "engines/lsm_engine.hpp"
#endif

namespace lsm_bench {
namespace {

std::vector<std::string> compiled_engines() {
  std::vector<std::string> names;
#if LSM_BENCH_HAVE_LSM
  names.emplace_back("lsm");
  names.emplace_back("lsm-tiered");
#endif
#if LSM_BENCH_HAVE_LEVELDB
  names.emplace_back("leveldb");
#endif
#if LSM_BENCH_HAVE_ROCKSDB
  names.emplace_back("rocksdb");
#endif
  return names;
}

std::unique_ptr<engine> make_engine(const std::string& name, key_type keys) {
  (void)keys;
#if LSM_BENCH_HAVE_LSM
  if (name == "lsm") {
    if (keys == key_type::u64) return std::make_unique<lsm_engine<std::uint64_t>>();
    return std::make_unique<lsm_engine<std::string>>();
  }
  if (name == "lsm-tiered") {
    using tiered = lsm::compaction::tiered<>;
    if (keys == key_type::u64) return std::make_unique<lsm_engine<std::uint64_t, tiered>>();
    return std::make_unique<lsm_engine<std::string, tiered>>();
  }
#endif
#if LSM_BENCH_HAVE_LEVELDB
  if (name == "leveldb") return std::make_unique<leveldb_engine>();
#endif
#if LSM_BENCH_HAVE_ROCKSDB
  if (name == "rocksdb") return std::make_unique<rocksdb_engine>();
#endif
  throw std::invalid_argument("engine '" + name + "' is not compiled in");
}

std::string engine_versions() {
  std::string out;
#if LSM_BENCH_HAVE_LEVELDB
  out += " leveldb " + std::to_string(leveldb::kMajorVersion) + "." +
         std::to_string(leveldb::kMinorVersion);
#endif
#if LSM_BENCH_HAVE_ROCKSDB
  out += " rocksdb " + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
         std::to_string(ROCKSDB_PATCH);
#endif
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::string model;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      ++count;
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
    }
  }
  return std::to_string(count) + " * " + model;
}

void print_header(const bench_config& c, const std::string& base_dir) {
  std::string engines;
  for (const auto& e : c.engines) engines += (engines.empty() ? "" : ",") + e;
  const double raw_mb = static_cast<double>(c.num) *
                        static_cast<double>(c.effective_key_size() + c.value_size) / 1048576.0;
  std::printf("lsm_bench:  engines %s;%s\n", engines.c_str(), engine_versions().c_str());
  std::printf("Keys:       %zu bytes each (%s)\n", c.effective_key_size(),
              c.key_type == key_type::u64 ? "u64" : "string");
  std::printf("Values:     %zu bytes each (50%% compressible)\n", c.value_size);
  std::printf("Entries:    %llu; reads %llu; threads %u; rounds %u; seed %llu\n",
              static_cast<unsigned long long>(c.num),
              static_cast<unsigned long long>(c.read_count()), c.threads, c.rounds,
              static_cast<unsigned long long>(c.seed));
  std::printf("RawSize:    %.1f MB (estimated)\n", raw_mb);
  std::printf(
      "Settings:   write buffer %zu KiB, block cache %zu KiB, bloom %d bits/key, "
      "block %zu B, no compression, WAL on, checksums verified\n",
      c.settings.write_buffer_size >> 10, c.settings.block_cache_capacity >> 10,
      c.settings.bloom_bits_per_key, c.settings.block_size);
  std::printf("CPU:        %s\n", cpu_model().c_str());
  std::printf("DB:         %s\n", base_dir.c_str());
  std::printf("------------------------------------------------\n");
  std::fflush(stdout);
}

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// Runs one engine's benchmark list, in a child process when c.fork is set.
/// Every line it produces goes to `handle`; returns false on failure.
bool run_one(const bench_config& c, const std::string& name, const std::string& dir, unsigned round,
             const std::function<void(const std::string&)>& handle) {
  auto run_here = [&](const line_sink& sink) {
    const std::unique_ptr<engine> store = make_engine(name, c.key_type);
    run_engine(c, *store, dir, round, sink);
  };
  if (!c.fork) {
    try {
      run_here(handle);
      return true;
    } catch (const std::exception& e) {
      handle(std::string("E\t") + e.what() + "\n");
      return false;
    }
  }
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      run_here([&](const std::string& line) { write_all(fds[1], line); });
    } catch (const std::exception& e) {
      std::string msg = e.what();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      write_all(fds[1], "E\t" + msg + "\n");
      code = 1;
    }
    std::fflush(nullptr);
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string pending;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      handle(pending.substr(start, nl - start + 1));
    }
    pending.erase(0, start);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "[%s] round %u: child killed by signal %d\n", name.c_str(), round,
                 WTERMSIG(status));
  }
  return false;
}

const workload_result* median_of(std::vector<workload_result>& runs) {
  if (runs.empty()) return nullptr;
  std::sort(runs.begin(), runs.end(), [](const workload_result& a, const workload_result& b) {
    return a.ops_per_sec() < b.ops_per_sec();
  });
  return &runs[runs.size() / 2];  // upper median for an even count
}

int run(int argc, char** argv) {
  bench_config c;
  try {
    c = parse_flags(argc, argv);
  } catch (const std::invalid_argument& e) {
    if (*e.what() != '\0') std::fprintf(stderr, "lsm_bench: %s\n", e.what());
    std::fprintf(stderr, "%.*s", static_cast<int>(usage_text.size()), usage_text.data());
    return *e.what() != '\0' ? 2 : 0;
  }
  const std::vector<std::string> compiled = compiled_engines();
  if (c.engines.empty())  // every engine, once: lsm-tiered only when asked for
    for (const auto& e : compiled)
      if (e != "lsm-tiered") c.engines.push_back(e);
  for (const auto& e : c.engines) {
    if (std::find(compiled.begin(), compiled.end(), e) == compiled.end()) {
      std::string list;
      for (const auto& x : compiled) list += " " + x;
      std::fprintf(stderr, "lsm_bench: engine '%s' is not compiled in (available:%s)\n", e.c_str(),
                   list.c_str());
      return 2;
    }
  }
  if (c.engines.empty()) {
    std::fprintf(stderr, "lsm_bench: no engine compiled in\n");
    return 2;
  }

  std::string base_dir = c.db;
  bool made_base = false;
  if (base_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/lsm_bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "lsm_bench: mkdtemp %s: %s\n", pattern.c_str(), std::strerror(errno));
      return 1;
    }
    base_dir = pattern;
    made_base = true;
  } else {
    std::filesystem::create_directories(base_dir);
  }
  print_header(c, base_dir);

  std::optional<summary_csv> summary;
  std::optional<intervals_csv> intervals;
  if (!c.csv.empty()) {
    summary.emplace(c.csv + ".summary.csv");
    intervals.emplace(c.csv + ".intervals.csv");
  }
  const std::string key_type_name = c.key_type == key_type::u64 ? "u64" : "string";

  // results[engine][position in c.benchmarks] = one result per round
  std::map<std::string, std::vector<std::vector<workload_result>>> results;
  bool ok = true;
  for (unsigned round = 1; round <= c.rounds; ++round) {
    for (const auto& name : c.engines) {
      auto& per_position = results[name];
      per_position.resize(c.benchmarks.size());
      std::size_t position = 0;
      const std::string dir = base_dir + "/" + name + "-r" + std::to_string(round);
      auto handle = [&](const std::string& line) {
        const std::string_view body = std::string_view(line).substr(0, line.size() - 1);
        if (line.rfind("I\t", 0) == 0) {
          if (intervals) intervals->add(parse_interval(body));
        } else if (line.rfind("R\t", 0) == 0) {
          workload_result r = parse_result(body);
          if (c.rounds > 1) std::printf("%s round %u\n", format_result(r).c_str(), round);
          if (summary) summary->add(r, std::to_string(round), key_type_name);
          if (position < per_position.size()) per_position[position].push_back(std::move(r));
          ++position;
        } else if (line.rfind("E\t", 0) == 0) {
          std::fprintf(stderr, "[%s] round %u failed: %.*s\n", name.c_str(), round,
                       static_cast<int>(body.size() - 2), body.data() + 2);
        }
        std::fflush(stdout);
      };
      if (!run_one(c, name, dir, round, handle)) {
        ok = false;
        std::fprintf(stderr, "[%s] round %u did not complete\n", name.c_str(), round);
      }
      if (!c.keep_db) std::filesystem::remove_all(dir);
    }
  }

  if (c.rounds > 1) {
    std::printf("------------------------------------------------\n");
    std::printf("median of %u rounds:\n", c.rounds);
  }
  for (std::size_t pos = 0; pos < c.benchmarks.size(); ++pos) {
    std::vector<const workload_result*> medians;
    for (const auto& name : c.engines) {
      const workload_result* m = median_of(results[name][pos]);
      if (m == nullptr) continue;
      medians.push_back(m);
      std::printf("%s\n", format_result(*m).c_str());
      if (c.histogram) std::printf("Microseconds per op:\n%s\n", m->latency.to_string().c_str());
      if (summary && c.rounds > 1) summary->add(*m, "median", key_type_name);
    }
    if (medians.size() > 1) {
      const std::vector<const workload_result*> peers(medians.begin() + 1, medians.end());
      std::printf("%s\n", format_ratios(c.benchmarks[pos], *medians.front(), peers).c_str());
    }
  }
  std::fflush(stdout);
  if (made_base && !c.keep_db) std::filesystem::remove_all(base_dir);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace lsm_bench

int main(int argc, char** argv) {
  try {
    return lsm_bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lsm_bench: %s\n", e.what());
    return 1;
  }
}
