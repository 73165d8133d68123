// The in-memory file system behaves like the POSIX one: every behaviour test
// of the file_system interface runs against both, then the memory-only
// properties (thread safety, handle lifetime, path spelling).
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_memory_file_system_test {

namespace {

/// A fresh directory on the real file system, removed afterwards.
struct posix_env {
  lsm::posix_file_system fs;
  std::string root;
  posix_env() {
    static std::atomic<int> counter{0};
    const auto dir =
        std::filesystem::temp_directory_path() /
        ("lsm_fs_test_" + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    root = dir.string();
  }
  ~posix_env() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  posix_env(const posix_env&) = delete;
  posix_env& operator=(const posix_env&) = delete;
  std::string path(const std::string& name) const { return root + "/" + name; }
};

struct memory_env {
  lsm::memory_file_system fs;
  std::string root = "/fs_test";
  memory_env() { REQUIRE(fs.create_dir(root).ok()); }
  std::string path(const std::string& name) const { return root + "/" + name; }
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::string read_all(lsm::file_system& fs, const std::string& path) {
  std::string out;
  lsm::status s = lsm::read_file_to_string(fs, path, out);
  REQUIRE(s.ok());
  return out;
}

/// Writes `data` as the whole file at path (created or truncated) and closes it.
void write_file(lsm::file_system& fs, const std::string& path, const std::string& data) {
  auto w = fs.new_writable_file(path);
  REQUIRE(w.ok());
  if (!data.empty()) REQUIRE((*w)->append(data).ok());
  REQUIRE((*w)->close().ok());
}

std::vector<std::string> sorted_children(lsm::file_system& fs, const std::string& dir) {
  auto names = fs.get_children(dir);
  REQUIRE(names.ok());
  std::sort(names->begin(), names->end());
  return *names;
}

void append_file(lsm::file_system& fs, const std::string& path, const std::string& data) {
  auto w = fs.new_appendable_file(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->append(data).ok());
  REQUIRE((*w)->close().ok());
}

}  // namespace

TEMPLATE_TEST_CASE("a file system reads back what was written, sequentially and at any offset",
                   "[fs]", posix_env, memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  const std::string p = env.path("data");
  const std::string data = pattern(200000);  // larger than the POSIX write buffer
  REQUIRE(lsm::write_string_to_file(fs, data, p, true).ok());
  auto size = fs.file_size(p);
  REQUIRE(size.ok());
  CHECK(*size == data.size());
  CHECK(read_all(fs, p) == data);

  auto seq = fs.new_sequential_file(p);
  REQUIRE(seq.ok());
  std::string scratch(1000, '\0');
  std::string_view out;
  REQUIRE((*seq)->read(1000, scratch.data(), out).ok());
  CHECK(out == std::string_view(data).substr(0, 1000));
  REQUIRE((*seq)->skip(5000).ok());
  REQUIRE((*seq)->read(10, scratch.data(), out).ok());
  CHECK(out == std::string_view(data).substr(6000, 10));
  REQUIRE((*seq)->skip(1000000).ok());
  REQUIRE((*seq)->read(10, scratch.data(), out).ok());
  CHECK(out.empty());

  auto ra = fs.new_random_access_file(p);
  REQUIRE(ra.ok());
  REQUIRE((*ra)->read(12345, 100, scratch.data(), out).ok());
  CHECK(out == std::string_view(data).substr(12345, 100));
  REQUIRE((*ra)->read(199990, 100, scratch.data(), out).ok());
  CHECK(out == std::string_view(data).substr(199990));
  REQUIRE((*ra)->read(300000, 10, scratch.data(), out).ok());
  CHECK(out.empty());
}

TEMPLATE_TEST_CASE("new_writable_file truncates, new_appendable_file appends or creates", "[fs]",
                   posix_env, memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  const std::string p = env.path("f");
  REQUIRE(lsm::write_string_to_file(fs, "hello world", p, false).ok());
  {
    auto w = fs.new_writable_file(p);
    REQUIRE(w.ok());
    CHECK(*fs.file_size(p) == 0);
    REQUIRE((*w)->append("ab").ok());
    REQUIRE((*w)->sync().ok());
    REQUIRE((*w)->close().ok());
  }
  CHECK(read_all(fs, p) == "ab");
  append_file(fs, p, "cd");
  CHECK(read_all(fs, p) == "abcd");
  const std::string fresh = env.path("fresh");
  CHECK_FALSE(fs.file_exists(fresh));
  append_file(fs, fresh, "xyz");
  CHECK(read_all(fs, fresh) == "xyz");
}

TEMPLATE_TEST_CASE("a missing file or directory is an io_error naming the path", "[fs]", posix_env,
                   memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  const std::string p = env.path("missing_file");
  CHECK_FALSE(fs.file_exists(p));
  auto check = [&](const lsm::status& s, const std::string& name) {
    INFO(s.to_string());
    CHECK(s.code() == lsm::errc::io_error);
    CHECK(s.message().find(name) != std::string::npos);
  };
  check(fs.new_sequential_file(p).get_status(), p);
  check(fs.new_random_access_file(p).get_status(), p);
  check(fs.file_size(p).get_status(), p);
  check(fs.remove_file(p), p);
  check(fs.rename_file(p, env.path("other")), p);
  const std::string no_dir = env.path("no_dir");
  check(fs.get_children(no_dir).get_status(), no_dir);
  check(fs.sync_dir(no_dir), no_dir);
  check(fs.new_writable_file(no_dir + "/f").get_status(), no_dir + "/f");
  check(fs.create_dir(no_dir + "/sub"), no_dir + "/sub");
  check(fs.lock_file(no_dir + "/LOCK").get_status(), no_dir + "/LOCK");
  CHECK_FALSE(fs.file_exists(no_dir));
}

TEMPLATE_TEST_CASE("get_children lists the direct entries of a directory only", "[fs]", posix_env,
                   memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  REQUIRE(lsm::write_string_to_file(fs, "1", env.path("a"), false).ok());
  REQUIRE(lsm::write_string_to_file(fs, "2", env.path("b"), false).ok());
  REQUIRE(fs.create_dir(env.path("sub")).ok());
  REQUIRE(fs.create_dir(env.path("sub")).ok());  // already there: still ok
  REQUIRE(lsm::write_string_to_file(fs, "3", env.path("sub/c"), false).ok());
  CHECK(fs.file_exists(env.path("sub")));
  CHECK(fs.file_exists(env.path("sub/c")));
  CHECK(sorted_children(fs, env.root) == std::vector<std::string>{"a", "b", "sub"});
  CHECK(sorted_children(fs, env.path("sub")) == std::vector<std::string>{"c"});
  REQUIRE(fs.remove_file(env.path("a")).ok());
  CHECK_FALSE(fs.file_exists(env.path("a")));
  CHECK(sorted_children(fs, env.root) == std::vector<std::string>{"b", "sub"});
  CHECK_FALSE(fs.remove_file(env.path("sub")).ok());  // unlink of a directory
  CHECK(fs.sync_dir(env.root).ok());
  CHECK(fs.sync_dir(env.path("sub")).ok());
}

TEMPLATE_TEST_CASE("rename_file replaces the target and removes the source name", "[fs]", posix_env,
                   memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  REQUIRE(lsm::write_string_to_file(fs, "old", env.path("CURRENT"), true).ok());
  REQUIRE(lsm::write_string_to_file(fs, "new", env.path("CURRENT.tmp"), true).ok());
  REQUIRE(fs.rename_file(env.path("CURRENT.tmp"), env.path("CURRENT")).ok());
  CHECK(read_all(fs, env.path("CURRENT")) == "new");
  CHECK_FALSE(fs.file_exists(env.path("CURRENT.tmp")));
  CHECK(sorted_children(fs, env.root) == std::vector<std::string>{"CURRENT"});
  REQUIRE(fs.create_dir(env.path("d")).ok());
  REQUIRE(fs.rename_file(env.path("CURRENT"), env.path("d/moved")).ok());
  CHECK(read_all(fs, env.path("d/moved")) == "new");
  CHECK_FALSE(fs.rename_file(env.path("d/moved"), env.path("d")).ok());  // onto a directory
  CHECK(fs.file_exists(env.path("d/moved")));
}

TEMPLATE_TEST_CASE("lock_file excludes a second locker until the first lock is destroyed", "[fs]",
                   posix_env, memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  const std::string p = env.path("LOCK");
  auto first = fs.lock_file(p);
  REQUIRE(first.ok());
  CHECK(fs.file_exists(p));
  auto second = fs.lock_file(p);
  CHECK(second.get_status().code() == lsm::errc::busy);
  CHECK(second.get_status().message().find(p) != std::string::npos);
  first->reset();
  auto third = fs.lock_file(p);
  CHECK(third.ok());
}

TEMPLATE_TEST_CASE("an open file sees later appends and stays readable after removal", "[fs]",
                   posix_env, memory_env) {
  TestType env;
  lsm::file_system& fs = env.fs;
  const std::string p = env.path("000001.sst");
  auto w = fs.new_writable_file(p);
  REQUIRE(w.ok());
  REQUIRE((*w)->append("0123456789").ok());
  REQUIRE((*w)->flush().ok());
  auto r = fs.new_random_access_file(p);
  REQUIRE(r.ok());
  REQUIRE((*w)->append("abc").ok());
  REQUIRE((*w)->flush().ok());
  std::string scratch(64, '\0');
  std::string_view out;
  REQUIRE((*r)->read(0, 64, scratch.data(), out).ok());
  CHECK(out == "0123456789abc");
  REQUIRE(fs.remove_file(p).ok());
  CHECK_FALSE(fs.file_exists(p));
  REQUIRE((*r)->read(8, 4, scratch.data(), out).ok());
  CHECK(out == "89ab");
  REQUIRE((*w)->close().ok());
}

TEST_CASE("memory_file_system: concurrent appends and reads see consistent bytes", "[fs]") {
  lsm::memory_file_system fs;
  REQUIRE(fs.create_dir("/db").ok());
  const std::string shared = pattern(64 * 1024);
  REQUIRE(lsm::write_string_to_file(fs, shared, "/db/shared", true).ok());
  constexpr int writers = 3;
  constexpr int appends = 500;
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&fs, &ok, t] {
      auto w = fs.new_writable_file("/db/w" + std::to_string(t));
      if (!w.ok()) {
        ok = false;
        return;
      }
      for (int i = 0; i < appends; ++i) {
        if (!(*w)->append(std::to_string(i % 10)).ok()) ok = false;
        if (i % 50 == 0 && !(*w)->sync().ok()) ok = false;
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&fs, &ok, &shared, t] {
      auto r = fs.new_random_access_file("/db/shared");
      if (!r.ok()) {
        ok = false;
        return;
      }
      std::mt19937 rng(static_cast<unsigned>(t));
      std::string scratch(256, '\0');
      for (int i = 0; i < 2000; ++i) {
        const std::size_t off = rng() % shared.size();
        std::string_view out;
        if (!(*r)->read(off, 256, scratch.data(), out).ok() ||
            out != std::string_view(shared).substr(off, 256))
          ok = false;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok);
  std::string expected;
  for (int i = 0; i < appends; ++i) expected += std::to_string(i % 10);
  for (int t = 0; t < writers; ++t) CHECK(read_all(fs, "/db/w" + std::to_string(t)) == expected);
}

TEST_CASE("memory_file_system: file handles and locks outlive the file system object", "[fs]") {
  auto fs = std::make_unique<lsm::memory_file_system>();
  REQUIRE(lsm::write_string_to_file(*fs, "payload", "kept", false).ok());
  auto r = fs->new_random_access_file("kept");
  auto lock = fs->lock_file("LOCK");
  auto w = fs->new_appendable_file("kept");
  REQUIRE((r.ok() && lock.ok() && w.ok()));
  fs.reset();
  REQUIRE((*w)->append("+more").ok());
  std::string scratch(32, '\0');
  std::string_view out;
  REQUIRE((*r)->read(0, 32, scratch.data(), out).ok());
  CHECK(out == "payload+more");
  lock->reset();  // must not touch freed memory (checked under ASan)
}

TEST_CASE("memory_file_system: different spellings of a path name the same file", "[fs]") {
  lsm::memory_file_system fs;
  REQUIRE(fs.create_dir("/d").ok());
  REQUIRE(lsm::write_string_to_file(fs, "x", "/d//file", false).ok());
  CHECK(fs.file_exists("/d/./file"));
  CHECK(fs.file_exists("/d/file"));
  CHECK(sorted_children(fs, "/d/") == std::vector<std::string>{"file"});
  REQUIRE(fs.create_dir("rel").ok());
  REQUIRE(lsm::write_string_to_file(fs, "y", "./rel/f", false).ok());
  CHECK(read_all(fs, "rel/f") == "y");
  CHECK(sorted_children(fs, ".") == std::vector<std::string>{"rel"});
  CHECK(sorted_children(fs, "/") == std::vector<std::string>{"d"});
}

TEST_CASE("memory_file_system: a closed file refuses appends, directories cannot be renamed",
          "[fs]") {
  lsm::memory_file_system fs;
  REQUIRE(fs.create_dir("/d").ok());
  auto w = fs.new_writable_file("/d/f");
  REQUIRE(w.ok());
  REQUIRE((*w)->append("a").ok());
  REQUIRE((*w)->close().ok());
  const lsm::status s = (*w)->append("b");
  CHECK(s.code() == lsm::errc::io_error);
  CHECK(s.message().find("/d/f") != std::string::npos);
  CHECK(read_all(fs, "/d/f") == "a");
  CHECK(fs.rename_file("/d", "/e").code() == lsm::errc::not_supported);
  CHECK(fs.file_exists("/d/f"));
}

TEST_CASE("posix_file_system: a preallocating file reads as its data plus zeros until closed",
          "[fs]") {
  posix_env env;
  const std::string path = env.path("log");
  auto w = env.fs.new_writable_file(path);
  REQUIRE(w.ok());
  (*w)->set_preallocation(64 << 10);
  REQUIRE((*w)->append("first").ok());
  REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->append(std::string(70000, 'x')).ok());
  REQUIRE((*w)->flush().ok());
  // Reserved in 64 KiB steps past the data; the reservation reads as zeros.
  const auto reserved = env.fs.file_size(path);
  REQUIRE(reserved.ok());
  CHECK(*reserved == 128u << 10);
  const std::string live = read_all(env.fs, path);
  REQUIRE(live.size() == *reserved);
  CHECK(live.substr(0, 5) == "first");
  CHECK(live.find_first_not_of('x', 5) == 70005);
  CHECK(std::all_of(live.begin() + 70005, live.end(), [](char c) { return c == '\0'; }));
  REQUIRE((*w)->close().ok());
  CHECK(read_all(env.fs, path) == "first" + std::string(70000, 'x'));
}

TEST_CASE("posix_file_system: write-behind starts writeback of whole pages and changes no byte",
          "[fs]") {
  posix_env env;
  const std::string path = env.path("table");
  auto w = env.fs.new_writable_file(path);
  REQUIRE(w.ok());
  auto* file = dynamic_cast<lsm::detail::posix_writable_file*>(w->get());
  REQUIRE(file != nullptr);
  file->set_write_behind(100000);
  std::string expected;
  for (std::size_t i = 0; expected.size() < 150000; ++i) {
    const std::string chunk(1000 + i % 7, static_cast<char>('a' + static_cast<int>(i % 26)));
    expected += chunk;
    REQUIRE((*w)->append(chunk).ok());
  }
  // Buffered appends go out about 64 KiB at a time: 65 KiB written, too
  // little; then 130384 bytes, whose 31 whole pages start writeback.
  CHECK(file->written_back() == 31u * 4096);
  // An append past the buffer: the buffered 20060 bytes (150444 written,
  // under 126976 + 100000), then 120000 at once (270444: 66 whole pages).
  REQUIRE((*w)->append(std::string(120000, 'z')).ok());
  expected += std::string(120000, 'z');
  CHECK(file->written_back() == 66u * 4096);
  REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->close().ok());
  CHECK(read_all(env.fs, path) == expected);
}

TEST_CASE("posix_file_system: a random-access file is mapped, and the view outlives the file",
          "[fs]") {
  posix_env env;
  const std::string path = env.path("table");
  const std::string data = "0123456789" + std::string(10000, 'y');
  write_file(env.fs, path, data);
  std::shared_ptr<const std::string_view> view;
  {
    auto r = env.fs.new_random_access_file(path);
    REQUIRE(r.ok());
    view = (*r)->mapped();
    REQUIRE(view != nullptr);
    CHECK(*view == data);
    // pread still works beside the mapping.
    char scratch[4];
    std::string_view got;
    REQUIRE((*r)->read(3, 4, scratch, got).ok());
    CHECK(got == "3456");
  }
  // The file object is gone and the file unlinked: the view stays readable.
  REQUIRE(env.fs.remove_file(path).ok());
  CHECK(view->substr(0, 10) == "0123456789");
  CHECK(view->size() == data.size());

  const std::string empty = env.path("empty");
  write_file(env.fs, empty, "");
  auto r = env.fs.new_random_access_file(empty);
  REQUIRE(r.ok());
  CHECK((*r)->mapped() == nullptr);  // nothing to map: reads use pread
  lsm::memory_file_system memory;
  REQUIRE(memory.create_dir("/d").ok());
  {
    auto w = memory.new_writable_file("/d/f");
    REQUIRE(w.ok());
    REQUIRE((*w)->append("abc").ok());
    REQUIRE((*w)->close().ok());
  }
  auto m = memory.new_random_access_file("/d/f");
  REQUIRE(m.ok());
  CHECK((*m)->mapped() == nullptr);  // the default: not mapped
}

/// How many descriptors the process has open (Linux: /proc/self/fd; the
/// directory listing's own descriptor counts in every figure alike).
static std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST_CASE(
    "posix_file_system: a mapped file lets go of its descriptor and still reads, a scan opens "
    "its own",
    "[fs]") {
  posix_env env;
  const std::string path = env.path("table");
  const std::string data = "0123456789" + std::string(10000, 'y');
  write_file(env.fs, path, data);
  const std::size_t before = open_descriptors();
  auto r = env.fs.new_random_access_file(path);
  REQUIRE(r.ok());
  REQUIRE((*r)->mapped() != nullptr);
  CHECK(open_descriptors() == before + 1);
  // Holding its descriptor, the handle serves unmapped reads itself.
  auto same = (*r)->open_unmapped();
  REQUIRE(same.ok());
  CHECK(*same == nullptr);
  (*r)->release_descriptor();
  CHECK(open_descriptors() == before);
  // read() now copies from the mapping, with pread's answers: a short read at
  // the end, nothing past it.
  char scratch[8];
  std::string_view got;
  REQUIRE((*r)->read(3, 4, scratch, got).ok());
  CHECK(got == "3456");
  REQUIRE((*r)->read(data.size() - 2, 8, scratch, got).ok());
  CHECK(got == "yy");
  REQUIRE((*r)->read(data.size() + 5, 8, scratch, got).ok());
  CHECK(got.empty());
  // A scan's handle: not mapped, a descriptor of its own while it lives.
  {
    auto own = (*r)->open_unmapped();
    REQUIRE(own.ok());
    REQUIRE(*own != nullptr);
    CHECK((*own)->mapped() == nullptr);
    CHECK(open_descriptors() == before + 1);
    REQUIRE((*own)->read(0, 8, scratch, got).ok());
    CHECK(got == "01234567");
  }
  CHECK(open_descriptors() == before);
  // Gone from the directory: a new scan's handle cannot open it, and says so.
  REQUIRE(env.fs.remove_file(path).ok());
  auto gone = (*r)->open_unmapped();
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.get_status().message().find(path + ": open") != std::string::npos);
  REQUIRE((*r)->read(0, 4, scratch, got).ok());  // the mapping still reads
  CHECK(got == "0123");

  // An unmapped file keeps its descriptor: releasing is a no-op.
  const std::string empty = env.path("empty");
  write_file(env.fs, empty, "");
  auto e = env.fs.new_random_access_file(empty);
  REQUIRE(e.ok());
  const std::size_t with_empty = open_descriptors();
  (*e)->release_descriptor();
  CHECK(open_descriptors() == with_empty);
  REQUIRE((*e)->read(0, 4, scratch, got).ok());
  CHECK(got.empty());
}

TEST_CASE("posix_file_system: an appendable file never preallocates", "[fs]") {
  posix_env env;
  const std::string path = env.path("manifest");
  append_file(env.fs, path, "one");
  auto w = env.fs.new_appendable_file(path);
  REQUIRE(w.ok());
  (*w)->set_preallocation(64 << 10);
  REQUIRE((*w)->append("two").ok());
  REQUIRE((*w)->flush().ok());
  CHECK(read_all(env.fs, path) == "onetwo");
  REQUIRE((*w)->close().ok());
  CHECK(read_all(env.fs, path) == "onetwo");
}

#if defined(__linux__)
TEST_CASE("posix_file_system: a log is written through a mapping a window at a time", "[fs]") {
  posix_env env;
  const std::string path = env.path("000007.log");
  auto w = env.fs.new_log_file(path);
  REQUIRE(w.ok());
  REQUIRE(dynamic_cast<lsm::detail::posix_mapped_log_file*>(w->get()) != nullptr);
  constexpr std::uint64_t window = lsm::detail::posix_mapped_log_file::window_size;
  // The first window is reserved at creation: the file reads as zeros.
  auto size = env.fs.file_size(path);
  REQUIRE(size.ok());
  CHECK(*size == window);
  // Odd-sized appends that straddle the window boundaries.
  std::string expected;
  for (std::size_t i = 0; expected.size() < 2 * window + 12345; ++i) {
    const std::string chunk = pattern(1 + (i * 7919) % 70000);
    expected += chunk;
    REQUIRE((*w)->append(chunk).ok());
  }
  REQUIRE((*w)->flush().ok());
  size = env.fs.file_size(path);
  REQUIRE(size.ok());
  CHECK(*size == 3 * window);
  const std::string live = read_all(env.fs, path);
  REQUIRE(live.size() == 3 * window);
  CHECK(live.compare(0, expected.size(), expected) == 0);
  CHECK(std::all_of(live.begin() + static_cast<std::ptrdiff_t>(expected.size()), live.end(),
                    [](char c) { return c == '\0'; }));
  REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->append("tail").ok());
  expected += "tail";
  REQUIRE((*w)->close().ok());
  CHECK(read_all(env.fs, path) == expected);  // close trims the reservation

  // An empty log closes to an empty file.
  auto e = env.fs.new_log_file(env.path("empty.log"));
  REQUIRE(e.ok());
  REQUIRE((*e)->close().ok());
  CHECK(read_all(env.fs, env.path("empty.log")).empty());

  // Other file systems give a writable file.
  memory_env memory;
  auto m = memory.fs.new_log_file(memory.path("log"));
  REQUIRE(m.ok());
  REQUIRE((*m)->append("abc").ok());
  REQUIRE((*m)->close().ok());
  CHECK(read_all(memory.fs, memory.path("log")) == "abc");
}

TEST_CASE("posix_file_system: a synced log writes with pwrite until a window without a sync",
          "[fs]") {
  posix_env env;
  const std::string path = env.path("000008.log");
  auto w = env.fs.new_log_file(path);
  REQUIRE(w.ok());
  auto* log = dynamic_cast<lsm::detail::posix_mapped_log_file*>(w->get());
  REQUIRE(log != nullptr);
  constexpr std::size_t window = lsm::detail::posix_mapped_log_file::window_size;
  std::string expected;
  const auto append = [&](std::size_t n) {
    const std::string chunk = pattern(n + expected.size() % 7);
    expected += chunk;
    REQUIRE((*w)->append(chunk).ok());
  };
  append(1000);
  CHECK(log->mapped());
  REQUIRE((*w)->sync().ok());
  CHECK_FALSE(log->mapped());  // the rest of the first window: pwrite
  append(3000);
  REQUIRE((*w)->sync().ok());
  append(window - expected.size() + 100);  // into the second window
  CHECK_FALSE(log->mapped());              // the first window was synced
  CHECK(read_all(env.fs, path).compare(0, expected.size(), expected) == 0);
  append(window);  // into the third: the second had no sync
  CHECK(log->mapped());
  append(5000);
  REQUIRE((*w)->sync().ok());
  CHECK_FALSE(log->mapped());
  append(2 * window);  // through a written-through window and into a mapped one
  CHECK(log->mapped());
  const std::string live = read_all(env.fs, path);
  REQUIRE(live.size() >= expected.size());
  CHECK(live.compare(0, expected.size(), expected) == 0);
  CHECK(std::all_of(live.begin() + static_cast<std::ptrdiff_t>(expected.size()), live.end(),
                    [](char c) { return c == '\0'; }));
  REQUIRE((*w)->close().ok());
  CHECK(read_all(env.fs, path) == expected);
}

TEST_CASE("posix_file_system: what a mapped log holds survives the death of its process", "[fs]") {
  posix_env env;
  const std::string path = env.path("000009.log");
  const std::string data = pattern(1500000);  // into the second window
  const ::pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No close, no sync, no destructor: the process just ends.
    auto w = env.fs.new_log_file(path);
    if (!w.ok() || !(*w)->append(data).ok() || !(*w)->flush().ok()) ::_exit(1);
    ::_exit(0);
  }
  int wstatus = 0;
  REQUIRE(::waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFEXITED(wstatus));
  REQUIRE(WEXITSTATUS(wstatus) == 0);
  const std::string left = read_all(env.fs, path);
  REQUIRE(left.size() == 2 * lsm::detail::posix_mapped_log_file::window_size);
  CHECK(left.compare(0, data.size(), data) == 0);
  CHECK(std::all_of(left.begin() + static_cast<std::ptrdiff_t>(data.size()), left.end(),
                    [](char c) { return c == '\0'; }));
}
namespace {

/// Runs body in a child process whose files may not grow past limit bytes
/// (RLIMIT_FSIZE: writes and reservations beyond it fail with EFBIG, and the
/// SIGXFSZ that comes with them is ignored); returns its exit status, -1 if
/// it did not exit.
template <class Body>
int in_child_with_file_size_limit(::rlim_t limit, Body body) {
  const ::pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const ::rlimit r{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &r) != 0) ::_exit(100);
    ::_exit(body());
  }
  int wstatus = 0;
  REQUIRE(::waitpid(child, &wstatus, 0) == child);
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

}  // namespace

TEST_CASE("posix_file_system: a log whose next window cannot be reserved fails the append",
          "[fs]") {
  posix_env env;
  const std::string path = env.path("000011.log");
  constexpr std::size_t window = lsm::detail::posix_mapped_log_file::window_size;
  const std::string data = pattern(window);  // fills the first window exactly
  // The child may reserve 1.5 windows: the second window's reservation fails.
  const int code = in_child_with_file_size_limit(window + window / 2, [&] {
    auto w = env.fs.new_log_file(path);
    if (!w.ok()) return 1;
    if (!(*w)->append(data).ok()) return 2;
    const lsm::status s = (*w)->append("x");
    if (s.ok()) return 3;
    if (s.code() != lsm::errc::resource_exhausted) return 4;
    const std::string expected =
        path + ": reserving bytes " + std::to_string(window) + " to " + std::to_string(2 * window);
    if (s.message().find(expected) == std::string::npos) return 5;
    // Sticky: nothing is written after a failure, and sync says so too.
    if ((*w)->append("y").ok() || (*w)->sync().ok()) return 6;
    (void)(*w)->close();
    return 0;
  });
  REQUIRE(code == 0);
  // What was appended before the failure is there, and nothing else.
  CHECK(read_all(env.fs, path) == data);
}

TEST_CASE(
    "a tree whose WAL cannot grow fails that write, the next one goes to a new WAL, and a "
    "reopen has every acknowledged one",
    "[fs][tree]") {
  posix_env env;
  const std::string dir = env.path("db");
  constexpr std::size_t window = lsm::detail::posix_mapped_log_file::window_size;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int code = in_child_with_file_size_limit(window + window / 2, [&] {
    ::close(fds[0]);
    lsm::options options;
    options.write_buffer_size = 8 << 20;  // no flush: the WAL is the only growing file
    lsm::tree<std::string, std::string> db(dir, options);
    int acknowledged = 0;
    std::error_code ec;
    for (; acknowledged < 100000; ++acknowledged) {
      db.put("key" + std::to_string(acknowledged), std::string(100, 'v'), ec);
      if (ec) break;
    }
    const bool refused = ec == lsm::errc::resource_exhausted;
    // The first WAL may end in part of the failed record: the next write
    // starts a new WAL (a new file, which has room under the limit).
    db.put("later", "x", ec);
    const bool taken = !ec;
    constexpr auto size = static_cast<::ssize_t>(sizeof acknowledged);
    if (::write(fds[1], &acknowledged, sizeof acknowledged) != size) return 1;
    // A crash, not a close: the torn record stays at the end of the first WAL.
    return refused && taken ? 0 : 2;
  });
  ::close(fds[1]);
  int acknowledged = -1;
  REQUIRE(::read(fds[0], &acknowledged, sizeof acknowledged) ==
          static_cast<::ssize_t>(sizeof acknowledged));
  ::close(fds[0]);
  REQUIRE(code == 0);
  INFO("acknowledged " << acknowledged);
  CHECK(acknowledged > 5000);  // about a window of 120-byte records
  CHECK(acknowledged < 100000);
  lsm::tree<std::string, std::string> db(dir);
  for (int i = 0; i < acknowledged; ++i)
    REQUIRE(db.get("key" + std::to_string(i)) == std::optional<std::string>(std::string(100, 'v')));
  CHECK_FALSE(db.contains("key" + std::to_string(acknowledged)));  // the failed write
  CHECK(db.get("later") == "x");
}

TEST_CASE(
    "posix_file_system(false) writes logs with write(2), and what they hold survives the "
    "death of the process",
    "[fs][tree]") {
  posix_env env;
  const std::string dir = env.path("db");
  const ::pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    lsm::options options;
    options.file_system = std::make_shared<lsm::posix_file_system>(false);
    lsm::tree<std::string, std::string> db(dir, options);
    for (int i = 0; i < 20000; ++i) db.put("key" + std::to_string(i), "value" + std::to_string(i));
    ::_exit(0);  // no close, no sync, no destructor
  }
  int wstatus = 0;
  REQUIRE(::waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFEXITED(wstatus));
  REQUIRE(WEXITSTATUS(wstatus) == 0);
  // Written, not mapped: the log holds its records and no reserved zero tail.
  bool saw_log = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log" || entry.file_size() == 0) continue;
    saw_log = true;
    const std::string bytes = read_all(env.fs, entry.path().string());
    CHECK(bytes.size() % lsm::detail::posix_mapped_log_file::window_size != 0);
    CHECK(bytes.back() != '\0');
  }
  CHECK(saw_log);
  lsm::tree<std::string, std::string> db(dir);
  for (int i = 0; i < 20000; ++i)
    REQUIRE(db.get("key" + std::to_string(i)) ==
            std::optional<std::string>("value" + std::to_string(i)));
}

#endif  // __linux__

TEST_CASE("a copy of a live tree (its WAL with a reserved zero tail) opens with every write",
          "[fs][tree]") {
  posix_env env;
  const std::string live = env.path("live"), image = env.path("image");
  {
    lsm::tree<std::string, std::string> db(live);
    for (int i = 0; i < 1000; ++i)
      db.put("key" + std::to_string(i), "value" + std::to_string(i),
             lsm::write_options{.sync = true});
    // What a crash leaves: the files as they are now, the WAL unclosed.
    std::filesystem::copy(live, image, std::filesystem::copy_options::recursive);
  }
  bool had_zero_tail = false;
  for (const auto& entry : std::filesystem::directory_iterator(image)) {
    if (entry.path().extension() != ".log" || entry.file_size() == 0) continue;
    const std::string bytes = read_all(env.fs, entry.path().string());
    had_zero_tail = had_zero_tail || bytes.back() == '\0';
  }
  CHECK(had_zero_tail);
  lsm::tree<std::string, std::string> db(image);
  for (int i = 0; i < 1000; ++i) {
    const auto v = db.get("key" + std::to_string(i));
    REQUIRE(v.has_value());
    CHECK(*v == "value" + std::to_string(i));
  }
}

}  // namespace lsm_test_memory_file_system_test
