// disk_full — a real full disk under the POSIX file system.
//
// The I/O-error tests inject ENOSPC through the fault-injecting file system;
// this program fills a real one. It mounts a small tmpfs in a mount namespace
// of its own (so nothing is left mounted if it dies), and for each round:
//
//   1. writes a ballast file, then opens a tree beside it and writes unique
//      keys (from 1 or 4 threads, some writes synced) until writes fail;
//   2. checks that every failure is errc::resource_exhausted naming a file of
//      the tree, that the process is still alive (no SIGBUS from the mapped
//      WAL), and that reads still work;
//   3. in half of the rounds, frees space (deletes the ballast, doubles the
//      disk) with the tree still open and writes on: the tree must take
//      writes again, unless a failure was sticky (the MANIFEST or a WAL
//      sync failed), when every write must be refused;
//   4. in the other half, closes the tree and opens it again while the disk
//      is still full: the open must work (it writes nothing it cannot do
//      without), every acknowledged write must be there, and a write must
//      fail with resource_exhausted without refusing later ones (or be
//      taken); in half of these rounds space then comes back with this tree
//      open, and it must take writes again, as in 3;
//   5. deletes the ballast and opens the tree: every acknowledged write must
//      be there, a write that failed may be there (with its value) or not, no
//      key holds a value never written; the tree then takes more writes, a
//      flush and a reopen, and no table or WAL of a failed job or open is
//      left in its directory.
//
// Rounds vary the ballast, so the disk fills while a WAL window, a table or
// the MANIFEST is being written. Needs CAP_SYS_ADMIN (root) to mount; without
// it, prints why and exits 77 (ctest: skipped).
//
//   disk_full [--rounds N] [--size-mib M] [--dir D]
//
// With --dir, D must already be a small file system of its own (nothing is
// mounted). Prints one line "FIGURE disk full: ..." and exits 0 when every
// check held, 1 otherwise.
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <lsm/lsm.hpp>

namespace {

using db_type = lsm::tree<std::string, std::string>;

constexpr int skip_exit_code = 77;

int failures = 0;
std::string phase;  // what the current round is doing, for an unexpected exception

/// Resizes the tmpfs this program mounted (a no-op with --dir).
std::string mounted_at;
bool resize(unsigned mib) {
  if (mounted_at.empty()) return true;
  const std::string data = "size=" + std::to_string(mib) + "m";
  return ::mount("tmpfs", mounted_at.c_str(), "tmpfs", MS_REMOUNT, data.c_str()) == 0;
}

void check(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
}

std::string key_of(std::uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "key%012llu", static_cast<unsigned long long>(i));
  return buf;
}

/// 1000 bytes that depend on the key, so a value put under another key is caught.
std::string value_of(std::uint64_t i) {
  std::string v(1000, '\0');
  std::uint64_t x = i * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& c : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>('a' + x % 26);
  }
  return v;
}

/// map_logs = false: the WALs are written with write(2) rather than through
/// a mapping of space reserved a window at a time.
lsm::options tree_options(bool map_logs) {
  lsm::options o;
  o.file_system = std::make_shared<lsm::posix_file_system>(map_logs);
  o.write_buffer_size = 256 << 10;  // many flushes and compactions in a few MiB
  o.target_file_size = 256 << 10;
  o.block_cache_capacity = 1 << 20;
  return o;
}

/// What the writers of one round did.
struct fill_result {
  std::vector<std::uint64_t> acknowledged;  // keys whose put returned
  std::vector<std::uint64_t> failed;        // keys whose put threw (one per writer)
  std::vector<std::string> errors;          // what() of each failure
  int wrong_code = 0;                       // failures that were not resource_exhausted
};

/// Writes keys from `writers` threads (thread t writes t, t + writers, ...)
/// until each thread's put fails once.
fill_result fill(db_type& db, unsigned writers) {
  fill_result out;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::uint64_t> mine;
      for (std::uint64_t k = t;; k += writers) {
        try {
          db.put(key_of(k), value_of(k), lsm::write_options{.sync = k % 64 == 0});
          mine.push_back(k);
        } catch (const lsm::error& e) {
          std::lock_guard lock(mu);
          out.failed.push_back(k);
          out.errors.push_back(e.what());
          if (e.code() != lsm::errc::resource_exhausted) ++out.wrong_code;
          break;
        }
        if (k > 100'000'000) break;  // never reached on a small disk
      }
      std::lock_guard lock(mu);
      out.acknowledged.insert(out.acknowledged.end(), mine.begin(), mine.end());
    });
  }
  for (auto& th : threads) th.join();
  return out;
}

/// Checks what a tree holds against the round's writes: every acknowledged
/// key with its value, a failed key absent or with its value, nothing else
/// (up to a margin past the highest key written).
void verify(db_type& db, const fill_result& r, const std::string& when) {
  std::uint64_t highest = 0;
  std::vector<char> state;  // 0 never written, 1 acknowledged, 2 failed
  for (auto k : r.acknowledged) highest = std::max(highest, k);
  for (auto k : r.failed) highest = std::max(highest, k);
  state.assign(highest + 64, 0);
  for (auto k : r.acknowledged) state[k] = 1;
  for (auto k : r.failed) state[k] = 2;
  std::size_t lost = 0, wrong = 0, unwritten = 0;
  for (std::uint64_t k = 0; k < state.size(); ++k) {
    std::optional<std::string> v = db.get(key_of(k));
    if (state[k] == 1 && !v) ++lost;
    if (v && state[k] == 0) ++unwritten;
    if (v && state[k] != 0 && *v != value_of(k)) ++wrong;
  }
  check(lost == 0, when + ": " + std::to_string(lost) + " acknowledged writes lost");
  check(wrong == 0, when + ": " + std::to_string(wrong) + " keys hold another key's value");
  check(unwritten == 0, when + ": " + std::to_string(unwritten) + " keys never written are there");
}

bool write_ballast(const std::string& path, std::size_t bytes) {
  std::ofstream f(path, std::ios::binary);
  const std::string chunk(64 << 10, 'b');
  for (std::size_t n = 0; n < bytes && f; n += chunk.size())
    f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  f.close();
  return static_cast<bool>(f);
}

/// Which of the tree's files a message names.
std::string file_kind(const std::string& what) {
  if (what.find(".log") != std::string::npos) return "WAL";
  if (what.find(".sst") != std::string::npos) return "table";
  if (what.find("MANIFEST") != std::string::npos) return "MANIFEST";
  if (what.find("CURRENT") != std::string::npos) return "CURRENT";
  return "other";
}

/// Whether a failed write leaves the tree refusing writes until it is
/// reopened: a failed MANIFEST write or WAL sync is sticky, and its message
/// says so; a failed WAL append (the next write starts a new WAL), a WAL
/// that could not be created, a flush or compaction that failed writing its
/// tables, and a new MANIFEST that could not be started (the job runs
/// again) are not.
bool sticky(const std::string& what) {
  return what.find("refused until reopen") != std::string::npos;
}

/// What the rounds saw.
struct tally {
  std::map<std::string, int> kinds;              // failures by the file they name
  std::map<std::string, std::string> examples;   // one message of each kind
  std::size_t acknowledged = 0;                  // writes acknowledged
  int full_opens = 0, full_open_tries = 0;       // reopens on the full disk: worked, tried
  int reopened_resumed = 0, reopened_tries = 0;  // of those, took writes again with space back
  int resumed = 0, refused = 0;                  // with space back, the tree still open
};

/// Frees space with the tree still open (the ballast goes and the disk
/// doubles) and writes on: the tree must take writes again, within the
/// pauses of a flush's retries, unless a failure was sticky, in which case
/// every write must be refused. Writes it takes join r.acknowledged.
void resume_in_place(db_type& db, fill_result& r, const std::string& root, unsigned size_mib,
                     const std::string& label, tally& t) {
  phase = "writing again with space, the tree still open";
  std::filesystem::remove(root + "/ballast");
  check(resize(2 * size_mib),
        label + ": resizing the tmpfs to " + std::to_string(2 * size_mib) + " MiB");
  bool refuses = false;
  for (const auto& e : r.errors) refuses |= sticky(e);
  std::uint64_t next = 0;
  for (auto k : r.acknowledged) next = std::max(next, k + 1);
  for (auto k : r.failed) next = std::max(next, k + 1);
  if (refuses) {
    ++t.refused;
    for (int i = 0; i < 3; ++i, ++next) {
      std::error_code ec;
      db.put(key_of(next), value_of(next), ec);
      r.failed.push_back(next);  // refused: must not be there (verify allows absent)
      check(ec == lsm::errc::resource_exhausted,
            label + ": a write after a sticky failure was not refused with it");
    }
    return;
  }
  // A WAL that could not be made is made by the next write; a flush or
  // compaction that failed runs again after a pause (0.1 s after a first
  // failure, at most 1 s), and until it succeeds a write that would wait for
  // it fails at once with its error. So each write is tried again (under the
  // next key) until the tree takes it, for at most 30 s in all.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string last;
  int taken = 0;
  while (taken < 300 && std::chrono::steady_clock::now() < deadline) {
    try {
      db.put(key_of(next), value_of(next), lsm::write_options{.sync = taken % 64 == 0});
      r.acknowledged.push_back(next);
      ++taken;
    } catch (const lsm::error& e) {
      r.failed.push_back(next);
      last = e.what();
      check(e.code() == lsm::errc::resource_exhausted,
            label + ": a write with space back: " + last);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ++next;
  }
  check(taken == 300, label + ": with space back the open tree took " + std::to_string(taken) +
                          " of 300 writes in 30 s; the last error: " + last);
  if (taken == 300) ++t.resumed;
  std::error_code ec;
  for (int i = 0; i < 100; ++i) {
    db.flush(ec);
    if (!ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check(!ec, label + ": flush with space back: " + ec.message());
}

/// When space comes back in a round.
enum class space_back {
  after_closing,       // after the tree reopened on the full disk is closed
  with_tree_open,      // while the tree that filled the disk is still open
  with_tree_reopened,  // while the tree reopened on the full disk is open
};

/// One round on an empty file system at `root`.
void round(const std::string& root, unsigned size_mib, unsigned writers, bool map_logs,
           space_back when, std::size_t ballast_bytes, tally& t) {
  const bool in_place = when == space_back::with_tree_open;
  auto& kinds = t.kinds;
  auto& examples = t.examples;
  const std::string dir = root + "/db";
  const std::string ballast = root + "/ballast";
  const std::string label = "round (" + std::to_string(writers) + " writers, " +
                            (map_logs ? "mapped" : "written") + " WALs, space back " +
                            (in_place                                 ? "with the tree open"
                             : when == space_back::with_tree_reopened ? "with the tree reopened"
                                                                      : "after closing") +
                            ", ballast " + std::to_string(ballast_bytes >> 10) + " KiB)";
  check(resize(size_mib), label + ": resizing the tmpfs to " + std::to_string(size_mib) + " MiB");
  check(write_ballast(ballast, ballast_bytes), label + ": writing the ballast");

  fill_result r;
  phase = "filling the disk";
  {
    db_type db(dir, tree_options(map_logs));
    r = fill(db, writers);
    check(!r.acknowledged.empty(), label + ": no write succeeded");
    check(r.failed.size() == writers, label + ": not every writer saw a failure");
    check(r.wrong_code == 0, label + ": a failure was not resource_exhausted");
    for (const auto& e : r.errors) {
      check(e.find(dir + "/") != std::string::npos, label + ": the error names no file: " + e);
      ++kinds[file_kind(e)];
      examples.emplace("writing a " + file_kind(e), e);
    }
    // Reads keep working on a full disk.
    for (std::size_t i = 0; i < r.acknowledged.size(); i += 97) {
      const auto k = r.acknowledged[i];
      check(db.get(key_of(k)) == value_of(k), label + ": read of " + key_of(k) + " on a full disk");
    }
    if (in_place) resume_in_place(db, r, root, size_mib, label, t);
  }  // closing (on a full disk, unless in_place) must not hang or crash

  // Opened again while the disk is still full: the open works and reads
  // every acknowledged write; a write fails for want of space, refusing no
  // later one (or is taken, should the open have freed space).
  phase = "reopening on the full disk";
  if (!in_place) {
    ++t.full_open_tries;
    db_type db(dir, tree_options(map_logs));
    ++t.full_opens;
    verify(db, r, label + ", reopened on a full disk");
    std::uint64_t next = 0;
    for (auto k : r.acknowledged) next = std::max(next, k + 1);
    for (auto k : r.failed) next = std::max(next, k + 1);
    try {
      db.put(key_of(next), value_of(next));
      r.acknowledged.push_back(next);
    } catch (const lsm::error& e) {
      r.failed.push_back(next);
      check(e.code() == lsm::errc::resource_exhausted && !sticky(e.what()),
            label + ": a write to the tree reopened on a full disk: " + std::string(e.what()));
      examples.emplace("writing to the tree reopened on the full disk", e.what());
    }
    if (when == space_back::with_tree_reopened) {
      fill_result reopened = r;
      reopened.errors.clear();  // a reopen clears sticky failures
      ++t.reopened_tries;
      const int before = t.resumed;
      resume_in_place(db, reopened, root, size_mib, label, t);
      t.reopened_resumed += t.resumed - before;
      t.resumed = before;
      r = std::move(reopened);
    }
  }

  // Space comes back: the ballast goes and (when this program mounted the
  // file system) the disk doubles, so a compaction that starts at the open
  // has room for its outputs beside its inputs.
  std::filesystem::remove(ballast);
  check(resize(2 * size_mib),
        label + ": resizing the tmpfs to " + std::to_string(2 * size_mib) + " MiB");
  phase = "reopening with space";
  {
    db_type db(dir, tree_options(map_logs));
    verify(db, r, label + ", reopened with space");
    // It takes writes again, and they last.
    for (std::uint64_t k = 50'000'000; k < 50'000'500; ++k) db.put(key_of(k), value_of(k));
    db.flush();
  }
  phase = "reopening after more writes";
  {
    db_type db(dir, tree_options(map_logs));
    for (std::uint64_t k = 50'000'000; k < 50'000'500; k += 7)
      check(db.get(key_of(k)) == value_of(k), label + ": a write after space came back");
    check(db.get(key_of(r.acknowledged.front())) == value_of(r.acknowledged.front()),
          label + ": an early write after space came back");
    // What failed writes and failed opens left behind is gone: every table
    // in the directory is one the tree uses, and one WAL is left.
    db.wait_for_background_work();
    std::uint64_t live = 0;
    for (const auto& level : db.stats().levels) live += level.files;
    std::uint64_t tables = 0, logs = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      tables += f.path().extension() == ".sst";
      logs += f.path().extension() == ".log";
    }
    check(tables == live, label + ": " + std::to_string(tables) + " tables in the directory, " +
                              std::to_string(live) + " in the tree");
    check(logs == 1, label + ": " + std::to_string(logs) + " WALs in the directory");
  }
  t.acknowledged += r.acknowledged.size();
  std::filesystem::remove_all(dir);
}

/// Mounts a tmpfs of size_mib at a new directory, in a mount namespace of
/// this process alone. Returns the directory, or nullopt (with *why) when the
/// process may not.
std::optional<std::string> mount_tmpfs(unsigned size_mib, std::string* why) {
  if (::unshare(CLONE_NEWNS) != 0) {
    *why = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    return std::nullopt;
  }
  // Mounts made here must not propagate to the parent namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = std::string("making / private: ") + std::strerror(errno);
    return std::nullopt;
  }
  char tmpl[] = "/tmp/lsm_disk_full_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *why = std::string("mkdtemp: ") + std::strerror(errno);
    return std::nullopt;
  }
  const std::string data = "size=" + std::to_string(size_mib) + "m";
  if (::mount("tmpfs", tmpl, "tmpfs", 0, data.c_str()) != 0) {
    *why = std::string("mount tmpfs: ") + std::strerror(errno);
    ::rmdir(tmpl);
    return std::nullopt;
  }
  return std::string(tmpl);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 8;
  unsigned size_mib = 12;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--size-mib" && i + 1 < argc) {
      size_mib = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: disk_full [--rounds N] [--size-mib M] [--dir D]\n");
      return 2;
    }
  }
  if (rounds < 1 || size_mib < 4) {
    std::fprintf(stderr, "disk_full: --rounds must be at least 1 and --size-mib at least 4\n");
    return 2;
  }
  bool mounted = false;
  if (dir.empty()) {
    std::string why;
    auto d = mount_tmpfs(size_mib, &why);
    if (!d) {
      std::printf("SKIP: disk_full needs to mount a tmpfs (root): %s\n", why.c_str());
      return skip_exit_code;
    }
    dir = *d;
    mounted = true;
    mounted_at = dir;
  }
  struct ::statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    std::fprintf(stderr, "disk_full: statvfs %s: %s\n", dir.c_str(), std::strerror(errno));
    return 2;
  }
  const std::uint64_t capacity = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
  if (capacity > (256ULL << 20)) {
    std::fprintf(stderr, "disk_full: %s holds %llu MiB; it must be a small file system\n",
                 dir.c_str(), static_cast<unsigned long long>(capacity >> 20));
    return 2;
  }

  tally t;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    const unsigned writers = r % 2 == 0 ? 1 : 4;
    const bool map_logs = r / 2 % 2 == 0;
    const space_back when = r / 4 % 2 == 1   ? space_back::with_tree_open
                            : r / 8 % 2 == 1 ? space_back::with_tree_reopened
                                             : space_back::after_closing;
    // Ballast from a quarter to three quarters of the disk, in uneven steps.
    const std::size_t ballast = static_cast<std::size_t>(
        capacity / 4 + (static_cast<std::uint64_t>(r) * 7919 * 4096) % (capacity / 2));
    try {
      round(dir, size_mib, writers, map_logs, when, ballast, t);
    } catch (const std::exception& e) {
      check(false, "round " + std::to_string(r) + ", " + phase + ": " + e.what());
      std::error_code ec;
      std::filesystem::remove_all(dir + "/db", ec);
      std::filesystem::remove(dir + "/ballast", ec);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string where;
  for (const auto& [kind, n] : t.kinds)
    where += (where.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  std::printf(
      "FIGURE disk full: %d rounds on a %llu MiB tmpfs, %zu acknowledged writes, the disk "
      "filled while writing: %s; reopened on the full disk: %d of %d opens worked, and %d of "
      "%d took writes again once space came back with the tree open; space back with the tree "
      "open: %d took "
      "writes again, %d refused them until reopen (the MANIFEST had failed); "
      "%s; %.1f s\n",
      rounds, static_cast<unsigned long long>(capacity >> 20), t.acknowledged, where.c_str(),
      t.full_opens, t.full_open_tries, t.reopened_resumed, t.reopened_tries, t.resumed, t.refused,
      failures == 0 ? "0 lost, 0 wrong" : "CHECKS FAILED", seconds);
  for (const auto& [kind, e] : t.examples) std::printf("  %s: %s\n", kind.c_str(), e.c_str());
  if (mounted) {
    ::umount2(dir.c_str(), MNT_DETACH);
    ::rmdir(dir.c_str());
  }
  return failures == 0 ? 0 : 1;
}
