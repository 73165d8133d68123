// kill_harness — kill -9 at random moments, then check what survived.
//
// A child process opens a store and writes (puts and erases, some synced)
// forever, reporting each operation to the parent over a pipe before the call
// ("begin") and after it returns ("done"). The parent kills it with SIGKILL
// after a random 1-50 ms (or during its open), reopens the store itself and
// checks every key: a process crash keeps the page cache, so every
// acknowledged write must be there, synced or not; an erased key must stay
// erased; the one operation in flight may or may not have happened; no key
// may hold a value never written to it. The store is behind a small adapter,
// so the same harness runs against LevelDB (built when CMake finds it), which
// validates the harness itself. With --writers N the child writes from N
// threads, each to its own keys (key % N), so writes are committed in groups
// (one thread appends the others' batches to the WAL) and up to N operations
// are in flight at the kill, one per thread and so one per key.
//
//   kill_harness [--engine lsm|leveldb] [--crash-points N] [--writers N] [--seed S] [--dir D]
//
// Prints one line "FIGURE kill -9 (<engine>): ..." and exits 0 when nothing
// was lost, 1 otherwise, 2 on a usage or setup error.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <lsm/lsm.hpp>

#ifdef LSM_KILL_HARNESS_LEVELDB
#include <leveldb/db.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>
#endif

namespace {

/// The store under test.
class store {
 public:
  virtual ~store() = default;
  /// Opens or creates the store in dir; false (with *error) on failure.
  virtual bool open(const std::string& dir, std::string* error) = 0;
  virtual bool put(const std::string& key, const std::string& value, bool sync) = 0;
  virtual bool erase(const std::string& key, bool sync) = 0;
  /// False on an error; else *value is the value or nullopt when absent.
  virtual bool get(const std::string& key, std::optional<std::string>* value,
                   std::string* error) = 0;
};

class lsm_store final : public store {
 public:
  bool open(const std::string& dir, std::string* error) override {
    lsm::options o;
    o.write_buffer_size = 64 << 10;  // frequent flushes and compactions
    o.target_file_size = 128 << 10;
    std::error_code ec;
    db_ = std::make_unique<lsm::tree<std::string, std::string>>(dir, o, ec);
    if (ec) {
      try {
        lsm::tree<std::string, std::string> again(dir, o);
      } catch (const std::exception& e) {
        *error = e.what();
        return false;
      }
      *error = ec.message();
      return false;
    }
    return true;
  }
  bool put(const std::string& key, const std::string& value, bool sync) override {
    std::error_code ec;
    db_->put(key, value, lsm::write_options{.sync = sync}, ec);
    return !ec;
  }
  bool erase(const std::string& key, bool sync) override {
    std::error_code ec;
    db_->erase(key, lsm::write_options{.sync = sync}, ec);
    return !ec;
  }
  bool get(const std::string& key, std::optional<std::string>* value, std::string* error) override {
    std::error_code ec;
    *value = db_->get(key, ec);
    if (ec) *error = ec.message();
    return !ec;
  }

 private:
  std::unique_ptr<lsm::tree<std::string, std::string>> db_;
};

#ifdef LSM_KILL_HARNESS_LEVELDB
class leveldb_store final : public store {
 public:
  bool open(const std::string& dir, std::string* error) override {
    leveldb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = 64 << 10;
    leveldb::DB* db = nullptr;
    const leveldb::Status s = leveldb::DB::Open(o, dir, &db);
    if (!s.ok()) {
      *error = s.ToString();
      return false;
    }
    db_.reset(db);
    return true;
  }
  bool put(const std::string& key, const std::string& value, bool sync) override {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    return db_->Put(wo, key, value).ok();
  }
  bool erase(const std::string& key, bool sync) override {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    return db_->Delete(wo, key).ok();
  }
  bool get(const std::string& key, std::optional<std::string>* value, std::string* error) override {
    std::string v;
    const leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &v);
    if (s.IsNotFound()) {
      value->reset();
      return true;
    }
    if (!s.ok()) {
      *error = s.ToString();
      return false;
    }
    *value = std::move(v);
    return true;
  }

 private:
  std::unique_ptr<leveldb::DB> db_;
};
#endif

std::unique_ptr<store> make_store(const std::string& engine) {
  if (engine == "lsm") return std::make_unique<lsm_store>();
#ifdef LSM_KILL_HARNESS_LEVELDB
  if (engine == "leveldb") return std::make_unique<leveldb_store>();
#endif
  return nullptr;
}

constexpr std::uint32_t key_space = 2000;

std::string key_of(std::uint32_t k) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "key%06u", static_cast<unsigned>(k));
  return buf;
}
std::string value_of(std::uint32_t k, std::uint64_t version) {
  return "v" + std::to_string(version) + "-" + key_of(k) + "-" +
         std::string(static_cast<std::size_t>(version % 97), static_cast<char>('a' + version % 26));
}

/// One report from the child; written whole (16 bytes <= PIPE_BUF: atomic).
struct report {
  std::uint32_t key;
  std::uint8_t phase;  // 0 = begin, 1 = done, 2 = the store is open
  std::uint8_t erase;
  std::uint8_t sync;
  std::uint8_t pad;
  std::uint64_t version;
};
static_assert(sizeof(report) == 16);

/// Writes forever from `writers` threads; thread t writes the keys k with
/// k % writers == t and the versions first_version + i * writers + t.
[[noreturn]] void child_main(const std::string& engine, const std::string& dir, int fd,
                             std::uint64_t seed, std::uint64_t first_version, unsigned writers) {
  auto db = make_store(engine);
  std::string error;
  if (!db->open(dir, &error)) {
    std::fprintf(stderr, "child: open failed: %s\n", error.c_str());
    ::_exit(3);
  }
  auto send = [fd](const report& r) {
    if (::write(fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(4);
  };
  send(report{0, 2, 0, 0, 0, 0});
  auto write_forever = [&](unsigned t) {
    std::mt19937_64 rng(seed + t);
    const std::uint32_t keys_per_writer = key_space / writers;
    for (std::uint64_t version = first_version + t;; version += writers) {
      report r{};
      r.key = static_cast<std::uint32_t>(rng() % keys_per_writer) * writers + t;
      r.erase = rng() % 4 == 0;
      r.sync = rng() % 10 == 0;
      r.version = version;
      send(r);
      const bool ok = r.erase ? db->erase(key_of(r.key), r.sync != 0)
                              : db->put(key_of(r.key), value_of(r.key, r.version), r.sync != 0);
      if (!ok) ::_exit(5);
      r.phase = 1;
      send(r);
    }
  };
  for (unsigned t = 1; t < writers; ++t) std::thread(write_forever, t).detach();
  write_forever(0);
  ::_exit(6);  // not reached
}

struct key_state {
  std::optional<std::string> value;                 // after the last acknowledged op
  std::optional<std::optional<std::string>> maybe;  // the op in flight at the kill
};

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "lsm", dir;
  std::uint64_t crash_points = 50;
  unsigned writers = 1;
  std::uint64_t seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kill_harness: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--engine")
      engine = next();
    else if (a == "--crash-points")
      crash_points = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--writers")
      writers = static_cast<unsigned>(std::strtoul(next().c_str(), nullptr, 10));
    else if (a == "--seed")
      seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--dir")
      dir = next();
    else {
      std::fprintf(stderr,
                   "usage: kill_harness [--engine lsm|leveldb] [--crash-points N] [--writers N] "
                   "[--seed S] [--dir D]\n");
      return 2;
    }
  }
  if (writers < 1 || writers > 64) {
    std::fprintf(stderr, "kill_harness: --writers must be 1 to 64\n");
    return 2;
  }
  if (!make_store(engine)) {
    std::fprintf(stderr, "kill_harness: engine '%s' is not built in\n", engine.c_str());
    return 2;
  }
  const bool own_dir = dir.empty();
  if (own_dir)
    dir = (std::filesystem::temp_directory_path() /
           ("lsm_kill_harness_" + engine + "_" + std::to_string(::getpid())))
              .string();
  std::filesystem::remove_all(dir);
  std::printf("kill_harness: engine %s, %u writer thread%s, seed %llu, directory %s\n",
              engine.c_str(), writers, writers == 1 ? "" : "s",
              static_cast<unsigned long long>(seed), dir.c_str());
  std::fflush(stdout);

  std::mt19937_64 rng(seed);
  std::vector<key_state> model(key_space);
  std::uint64_t next_version = 1, acked_ops = 0, failed_opens = 0, lost = 0, resurrected = 0,
                unexplained = 0, read_errors = 0, killed_in_open = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t round = 0; round < crash_points; ++round) {
    int fds[2];
    if (::pipe(fds) != 0) return 2;
    std::fflush(stdout);
    const std::uint64_t child_seed = rng();
    const pid_t pid = ::fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      ::close(fds[0]);
      child_main(engine, dir, fds[1], child_seed, next_version, writers);
    }
    ::close(fds[1]);
    // Read reports until the deadline, then kill, then drain.
    std::vector<report> reports;
    std::string pending;
    auto read_some = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return true;
      char buf[4096];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) return false;
      pending.append(buf, static_cast<std::size_t>(n));
      while (pending.size() >= sizeof(report)) {
        report r;
        std::memcpy(&r, pending.data(), sizeof r);
        pending.erase(0, sizeof r);
        reports.push_back(r);
      }
      return true;
    };
    const bool during_open = rng() % 10 == 0;
    const auto run_for =
        std::chrono::microseconds(during_open ? rng() % 3000 : 1000 + rng() % 49000);
    auto deadline = std::chrono::steady_clock::now() + run_for;
    if (!during_open) {  // the writing time starts once the store is open
      while (reports.empty()) {
        if (!read_some(1000)) break;
      }
      deadline = std::chrono::steady_clock::now() + run_for;
    }
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      if (!read_some(static_cast<int>(left.count()))) break;
    }
    ::kill(pid, SIGKILL);
    while (read_some(-1)) {
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) {
      std::fprintf(stderr, "round %llu: the child exited by itself (status %d)\n",
                   static_cast<unsigned long long>(round), status);
      ++failed_opens;
      continue;
    }
    bool opened = false;
    for (const report& r : reports) {
      if (r.phase == 2) {
        opened = true;
        continue;
      }
      next_version = std::max(next_version, r.version + 1);
      key_state& k = model[r.key];
      const std::optional<std::string> v =
          r.erase ? std::nullopt : std::optional<std::string>(value_of(r.key, r.version));
      if (r.phase == 0) {
        k.maybe = v;
      } else {
        k.value = v;
        k.maybe.reset();
        ++acked_ops;
      }
    }
    if (!opened) ++killed_in_open;

    // Reopen and check every key.
    auto db = make_store(engine);
    std::string error;
    if (!db->open(dir, &error)) {
      ++failed_opens;
      std::fprintf(stderr, "round %llu: reopen failed: %s\n",
                   static_cast<unsigned long long>(round), error.c_str());
      break;
    }
    for (std::uint32_t key = 0; key < key_space; ++key) {
      key_state& k = model[key];
      std::optional<std::string> got;
      if (!db->get(key_of(key), &got, &error)) {
        ++read_errors;
        std::fprintf(stderr, "round %llu: get %s: %s\n", static_cast<unsigned long long>(round),
                     key_of(key).c_str(), error.c_str());
        continue;
      }
      if (got == k.value || (k.maybe && got == *k.maybe)) {
        k.value = got;  // the in-flight op is now decided
        k.maybe.reset();
        continue;
      }
      if (!got)
        ++lost;
      else if (!k.value)
        ++resurrected;
      else
        ++unexplained;
      std::fprintf(stderr, "round %llu: %s holds %s, expected %s\n",
                   static_cast<unsigned long long>(round), key_of(key).c_str(),
                   got.value_or("<absent>").c_str(), k.value.value_or("<absent>").c_str());
      k.value = got;  // report each loss once
      k.maybe.reset();
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "FIGURE kill -9 (%s%s): %llu crash points (%llu during open), %llu acknowledged "
      "operations, %llu failed opens, %llu lost acknowledged writes, %llu erased keys come back, "
      "%llu never-written values, %llu read errors, %.1f s\n",
      engine.c_str(), writers == 1 ? "" : (", " + std::to_string(writers) + " writers").c_str(),
      static_cast<unsigned long long>(crash_points),
      static_cast<unsigned long long>(killed_in_open), static_cast<unsigned long long>(acked_ops),
      static_cast<unsigned long long>(failed_opens), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(resurrected), static_cast<unsigned long long>(unexplained),
      static_cast<unsigned long long>(read_errors), seconds);
  if (own_dir) std::filesystem::remove_all(dir);
  return failed_opens + lost + resurrected + unexplained + read_errors == 0 ? 0 : 1;
}
