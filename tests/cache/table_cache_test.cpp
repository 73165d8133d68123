#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/crash_util.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_table_cache_test {

using namespace lsm::detail;
using lsm::bytewise_comparator;
using lsm::value_kind;

using reader = table_reader<bytewise_comparator, lsm::filter::bloom<10>>;
using builder = table_builder<bytewise_comparator, lsm::filter::bloom<10>>;

namespace {

const std::string dir = "tables";

std::string key_of(std::uint64_t number) { return "key" + std::to_string(number); }

/// Writes table `number` holding one entry (key_of(number) -> "v<number>")
/// and returns a handle on it.
std::shared_ptr<table_file> make_table(lsm::file_system& fs, const table_options& options,
                                       std::uint64_t number) {
  auto file = fs.new_writable_file(table_file_name(dir, number));
  REQUIRE(file.ok());
  builder b(options, **file);
  const std::string ikey = make_internal_key(key_of(number), number, value_kind::value);
  b.add(ikey, "v" + std::to_string(number));
  REQUIRE(b.finish().ok());
  REQUIRE((*file)->close().ok());
  file_meta meta;
  meta.number = number;
  meta.file_size = b.file_size();
  meta.smallest = meta.largest = ikey;
  return std::make_shared<table_file>(meta, nullptr);
}

/// The value reader t holds for file `number`; "" when absent, "error" when
/// the lookup fails. (No assertion inside: threads other than the test's
/// call it, and Catch2's assertions are for the test's thread only.)
std::string value_in(const reader& t, std::uint64_t number) {
  reader::lookup out;
  if (!t.get(key_of(number), number, read_settings{}, out).ok()) return "error";
  return out.found ? out.value : std::string();
}

struct fixture {
  std::shared_ptr<lsm::memory_file_system> fs = std::make_shared<lsm::memory_file_system>();
  table_options options{4096, 16, "test"};
  fixture() { REQUIRE(fs->create_dir(dir).ok()); }
};

}  // namespace

TEST_CASE("table cache: files keep their readers up to the capacity, the rest are listed",
          "[cache]") {
  fixture fx;
  table_cache<reader> cache(fx.fs, dir, fx.options, nullptr, 16);
  std::vector<std::shared_ptr<table_file>> files;
  for (std::uint64_t n = 1; n <= 20; ++n) files.push_back(make_table(*fx.fs, fx.options, n));

  for (std::uint64_t n = 1; n <= 20; ++n) {
    const table_file& f = *files[n - 1];
    REQUIRE(table_cache<reader>::kept(f) == nullptr);
    auto t = cache.get(f);
    REQUIRE(t.ok());
    CHECK(value_in(**t, n) == "v" + std::to_string(n));
    if (n <= 16) {
      // Kept by the file: later lookups reach the same reader without the cache.
      CHECK(table_cache<reader>::kept(f) == t->get());
      auto again = cache.get(f);
      REQUIRE(again.ok());
      CHECK(again->get() == t->get());
    } else {
      CHECK(table_cache<reader>::kept(f) == nullptr);
    }
  }
  CHECK(cache.kept_count() == 16);
  CHECK(cache.kept_count() + cache.listed_count() <= 16);

  // A file that leaves (its last handle goes) closes its reader once no
  // one else holds it, and frees its place: the next file opened is kept.
  {
    auto held = cache.get(*files[0]);
    REQUIRE(held.ok());
    files[0].reset();
    CHECK(value_in(**held, 1) == "v1");  // still open for whoever holds it
    CHECK(cache.kept_count() == 16);
  }
  CHECK(cache.kept_count() == 15);
  REQUIRE(cache.get(*files[16]).ok());
  CHECK(table_cache<reader>::kept(*files[16]) != nullptr);
  CHECK(cache.kept_count() == 16);
}

TEST_CASE("table cache: a listed reader is kept once there is room", "[cache]") {
  fixture fx;
  table_cache<reader> cache(fx.fs, dir, fx.options, nullptr, 16);
  std::vector<std::shared_ptr<table_file>> files;
  for (std::uint64_t n = 1; n <= 17; ++n) files.push_back(make_table(*fx.fs, fx.options, n));
  for (const auto& f : files) REQUIRE(cache.get(*f).ok());
  REQUIRE(table_cache<reader>::kept(*files[16]) == nullptr);
  files[3].reset();
  files[5].reset();
  CHECK(cache.kept_count() == 14);
  auto t = cache.get(*files[16]);
  REQUIRE(t.ok());
  CHECK(table_cache<reader>::kept(*files[16]) == t->get());
  CHECK(cache.listed_count() == 0);
  CHECK(cache.kept_count() == 15);
}

TEST_CASE("table cache: threads opening one file at once end up with one kept reader", "[cache]") {
  fixture fx;
  table_cache<reader> cache(fx.fs, dir, fx.options, nullptr, 16);
  auto f = make_table(*fx.fs, fx.options, 7);
  std::vector<const reader*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&, i] {
      auto t = cache.get(*f);
      if (t.ok() && value_in(**t, 7) == "v7") seen[i] = t->get();
    });
  for (auto& t : threads) t.join();
  const reader* kept = table_cache<reader>::kept(*f);
  REQUIRE(kept != nullptr);
  for (const reader* r : seen) CHECK(r != nullptr);
  CHECK(cache.kept_count() == 1);
  CHECK(value_in(*kept, 7) == "v7");
}

TEST_CASE("table cache: a missing file is an error naming it, and nothing is kept", "[cache]") {
  fixture fx;
  table_cache<reader> cache(fx.fs, dir, fx.options, nullptr, 16);
  file_meta meta;
  meta.number = 42;
  meta.file_size = 100;
  table_file f(meta, nullptr);
  auto t = cache.get(f);
  REQUIRE_FALSE(t.ok());
  CHECK(t.get_status().message().find("000042.sst") != std::string::npos);
  CHECK(table_cache<reader>::kept(f) == nullptr);
  CHECK(cache.kept_count() == 0);
}

TEST_CASE("table cache: an obsolete file's reader closes where obsolete files are taken",
          "[cache]") {
  fixture fx;
  table_cache<reader> cache(fx.fs, dir, fx.options, nullptr, 16);
  auto sink = std::make_shared<obsolete_files>();
  auto made = make_table(*fx.fs, fx.options, 9);
  auto f = std::make_shared<table_file>(made->meta(), sink);
  REQUIRE(cache.get(*f).ok());
  REQUIRE(table_cache<reader>::kept(*f) != nullptr);
  f->mark_obsolete();
  f.reset();  // the last handle goes: the number and the reader are queued
  CHECK(cache.kept_count() == 1);
  {
    auto readers = sink->take_readers();
    CHECK(readers.size() == 1);
    CHECK(sink->take() == std::vector<std::uint64_t>{9});
    CHECK(cache.kept_count() == 1);
  }
  CHECK(cache.kept_count() == 0);  // closed when the taker let go
}

/// How many descriptors the process has open (Linux: /proc/self/fd).
static std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST_CASE("a tree's open tables hold no descriptors, compactions read through their own",
          "[cache][tree]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("lsm_descriptors_" + std::to_string(lsm_test::crash::test_seed()));
  std::filesystem::remove_all(path);
  const std::size_t before = open_descriptors();
  {
    lsm::options opts;
    opts.write_buffer_size = 64 << 10;
    opts.target_file_size = 32 << 10;
    lsm::tree<std::string, std::string> db(path.string(), opts);
    const int keys = 40000;
    auto key = [](int k) { return "key" + std::to_string(1000000 + (k * 7919) % 40000); };
    for (int k = 0; k < keys; ++k)
      db.put(key(k), std::string(100, static_cast<char>('a' + k % 26)));
    db.wait_for_background_work();
    std::size_t files = 0;
    for (const auto& level : db.stats().levels) files += level.files;
    REQUIRE(files >= 100);
    auto read_all = [&] {
      int right = 0;
      for (int k = 0; k < keys; ++k) {
        auto v = db.get(key(k));
        if (v && *v == std::string(100, static_cast<char>('a' + k % 26))) ++right;
      }
      return right;
    };
    CHECK(read_all() == keys);  // every table's reader is open (and kept) now
    // Lookups may have started a seek compaction, whose inputs hold
    // descriptors while it runs.
    db.wait_for_background_work();
    // The tree's own files (lock, log, MANIFEST), not one per table.
    CHECK(open_descriptors() < before + 8);
    db.compact();  // reads every table with pread, each through a descriptor of its own
    CHECK(read_all() == keys);
    db.wait_for_background_work();
    CHECK(open_descriptors() < before + 8);
  }
  CHECK(open_descriptors() == before);
  std::filesystem::remove_all(path);
}

}  // namespace lsm_test_table_cache_test
