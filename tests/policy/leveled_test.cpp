// lsm::compaction::leveled: its picks on hand-made versions (the level-0
// trigger, the level whose size is furthest over its limit, the round-robin
// by key within a level) and a real tree's shape under it.
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policy_support.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_leveled_test {

namespace {

using lsm::detail::compaction_context;
using lsm::detail::compaction_pick;
using lsm::detail::version;
using leveled = lsm::compaction::leveled<4, 10>;

constexpr std::uint64_t mib = 1 << 20;

/// Adds a file of `bytes` bytes holding user keys [first, last] to `level`
/// (levels >= 1 must be added in key order).
void add_file(version& v, int level, std::string_view first, std::string_view last,
              std::uint64_t bytes) {
  static std::uint64_t number = 1;
  lsm::detail::file_meta meta;
  meta.number = number++;
  meta.file_size = bytes;
  meta.smallest = lsm::detail::make_internal_key(first, 1, lsm::value_kind::value);
  meta.largest = lsm::detail::make_internal_key(last, 1, lsm::value_kind::value);
  v.levels[static_cast<std::size_t>(level)].push_back(
      std::make_shared<const lsm::detail::table_file>(std::move(meta), nullptr));
}

/// Removes the file of `level` whose smallest user key is `first` (what a
/// compaction of it does).
void remove_file(version& v, int level, std::string_view first) {
  auto& files = v.levels[static_cast<std::size_t>(level)];
  std::erase_if(files, [&](const auto& f) { return f->smallest_user_key() == first; });
}

std::string picked_first_key(const std::optional<compaction_pick>& job) {
  REQUIRE(job.has_value());
  REQUIRE(job->inputs.size() == 1);
  return std::string(job->inputs.front()->smallest_user_key());
}

}  // namespace

TEST_CASE("leveled merges all of level 0 into level 1 at L0Trigger files", "[policy][leveled]") {
  leveled policy;
  version v;
  for (int i = 0; i < 3; ++i) add_file(v, 0, "a", "z", mib);
  CHECK_FALSE(policy.wants(v, compaction_context{}));
  CHECK_FALSE(policy.pick(v, compaction_context{}).has_value());
  add_file(v, 0, "b", "y", mib);
  CHECK(policy.wants(v, compaction_context{}));
  const auto job = policy.pick(v, compaction_context{});
  REQUIRE(job.has_value());
  CHECK(job->level == 0);
  CHECK(job->output_level == 1);
  CHECK(job->inputs.size() == 4);
}

TEST_CASE("leveled slows writes at 5 x L0Trigger level-0 files and stops them at 9 x",
          "[policy][leveled]") {
  const leveled policy;
  version v;
  for (int i = 0; i < 19; ++i) add_file(v, 0, "a", "z", mib);
  CHECK(policy.pressure(v) == lsm::detail::write_pressure::none);
  add_file(v, 0, "a", "z", mib);
  CHECK(policy.pressure(v) == lsm::detail::write_pressure::slowdown);
  for (int i = 0; i < 15; ++i) add_file(v, 0, "a", "z", mib);
  CHECK(policy.pressure(v) == lsm::detail::write_pressure::slowdown);
  add_file(v, 0, "a", "z", mib);
  CHECK(policy.pressure(v) == lsm::detail::write_pressure::stop);
  CHECK(lsm::compaction::leveled<2, 10>{}.pressure(v) == lsm::detail::write_pressure::stop);
}

TEST_CASE("leveled pushes down the level furthest over its size limit", "[policy][leveled]") {
  leveled policy;
  version v;
  // Level 1 at 1.2x its 10 MiB, level 2 at 1.5x its 100 MiB.
  add_file(v, 1, "a", "c", 12 * mib);
  add_file(v, 2, "a", "m", 75 * mib);
  add_file(v, 2, "n", "z", 75 * mib);
  const auto job = policy.pick(v, compaction_context{});
  REQUIRE(job.has_value());
  CHECK(job->level == 2);
  CHECK(job->output_level == 3);
  // Both under their limits: nothing to do.
  version quiet;
  add_file(quiet, 1, "a", "c", 9 * mib);
  add_file(quiet, 2, "a", "z", 99 * mib);
  CHECK_FALSE(policy.wants(quiet, compaction_context{}));
  CHECK_FALSE(policy.pick(quiet, compaction_context{}).has_value());
}

TEST_CASE("leveled walks a level's files round-robin by key, as compactions remove them",
          "[policy][leveled]") {
  leveled policy;
  version v;
  for (const char* k : {"b", "d", "f", "h", "j"}) add_file(v, 1, k, std::string(k) + "z", 4 * mib);
  // wants() never moves the pointer.
  for (int i = 0; i < 3; ++i) CHECK(policy.wants(v, compaction_context{}));

  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "b");
  remove_file(v, 1, "b");
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "d");
  remove_file(v, 1, "d");
  // A new file before the pointer waits for the next round.
  add_file(v, 1, "a", "az", 4 * mib);
  std::sort(v.levels[1].begin(), v.levels[1].end(), [](const auto& x, const auto& y) {
    return x->smallest_user_key() < y->smallest_user_key();
  });
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "f");
  remove_file(v, 1, "f");
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "h");
  // Without a removal (a job that failed) the next pick moves on all the same.
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "j");
  // Past the last file: back to the first.
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "a");
}

TEST_CASE("leveled orders its round-robin by the tree's key order", "[policy][leveled]") {
  // A descending order: "z" comes first.
  compaction_context context;
  context.compare_user_keys = [](std::string_view a, std::string_view b) { return b.compare(a); };
  leveled policy;
  version v;
  for (const char* k : {"z", "x", "v", "t"}) add_file(v, 1, k, k, 3 * mib);
  CHECK(picked_first_key(policy.pick(v, context)) == "z");
  CHECK(picked_first_key(policy.pick(v, context)) == "x");
  CHECK(picked_first_key(policy.pick(v, context)) == "v");
}

TEST_CASE("leveled pushes the file that overlaps the fewest next-level bytes per byte",
          "[policy][leveled]") {
  leveled policy;
  version v;
  // Level 1 at 1.2x its limit: three files; the middle one overlaps least of level 2.
  add_file(v, 1, "a", "c", 4 * mib);
  add_file(v, 1, "d", "f", 4 * mib);
  add_file(v, 1, "g", "i", 4 * mib);
  add_file(v, 2, "a", "b", 30 * mib);  // under a..c only
  add_file(v, 2, "c", "d", 20 * mib);  // under a..c and d..f
  add_file(v, 2, "h", "z", 40 * mib);  // under g..i only
  // a..c: 50 MiB over 4, d..f: 20 over 4, g..i: 40 over 4.
  CHECK(picked_first_key(policy.pick(v, compaction_context{})) == "d");
  // Equal ratios fall back to the compaction pointer: past "f", then wrapping.
  leveled fresh;
  version even;
  for (const char* k : {"a", "d", "g"}) add_file(even, 1, k, std::string(k) + "z", 4 * mib);
  add_file(even, 2, "a", "z", 50 * mib);
  CHECK(picked_first_key(fresh.pick(even, compaction_context{})) == "a");
  CHECK(picked_first_key(fresh.pick(even, compaction_context{})) == "d");
  CHECK(picked_first_key(fresh.pick(even, compaction_context{})) == "g");
  CHECK(picked_first_key(fresh.pick(even, compaction_context{})) == "a");
}

namespace {

/// Two overlapping level-0 flushes (below the trigger of four), then point
/// lookups of keys that only the older flush holds: every lookup reads the
/// newer file in vain first.
template <class Compaction>
lsm::stats lookups_past_a_newer_file(const std::string& name, int lookups, bool seeks = false) {
  const auto dir =
      std::filesystem::temp_directory_path() / (name + std::to_string(lsm_test::test_seed(13)));
  std::filesystem::remove_all(dir);
  lsm::stats s;
  {
    lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
              lsm::memtable::skiplist, lsm::filter::bloom<10>, Compaction>
        db(dir.string());
    char key[16];
    for (int i = 0; i < 1000; i += 2) {  // the older flush: even keys
      std::snprintf(key, sizeof key, "k%05d", i);
      db.put(key, "old");
    }
    db.flush();
    for (int i = 1; i < 1000; i += 2) {  // the newer flush: odd keys, the same range
      std::snprintf(key, sizeof key, "k%05d", i);
      db.put(key, "new");
    }
    db.flush();
    db.wait_for_background_work();
    REQUIRE(db.engine().current_version()->level_files(0) == 2);
    auto cursor = db.cursor();
    for (int n = 0; n < lookups; ++n) {  // k00002 .. k00998: inside the newer file's range
      std::snprintf(key, sizeof key, "k%05d", 2 + (2 * n) % 998);
      if (seeks) {  // a seek positions in both files, whatever it finds
        cursor.seek(key);
        REQUIRE(cursor.valid());
        REQUIRE(cursor.key() == key);
        REQUIRE(cursor.value() == "old");
      } else {
        REQUIRE(db.get(key) == std::optional<std::string>("old"));
      }
    }
    db.wait_for_background_work();
    s = db.stats();
    for (int i = 0; i < 1000; ++i) {
      std::snprintf(key, sizeof key, "k%05d", i);
      REQUIRE(db.get(key) == std::optional<std::string>(i % 2 == 0 ? "old" : "new"));
    }
  }
  std::filesystem::remove_all(dir);
  return s;
}

}  // namespace

TEST_CASE(
    "point lookups and seeks that keep reading a file in vain merge it down (seek compaction)",
    "[policy][leveled]") {
  // A small file is allowed 100 such lookups.
  const auto few = lookups_past_a_newer_file<leveled>("lsm_seek_few_", 99);
  CHECK(few.seek_compactions == 0);
  CHECK(few.compactions == 0);
  REQUIRE(few.levels.size() > 1);
  CHECK(few.levels[0].files == 2);

  const auto many = lookups_past_a_newer_file<leveled>("lsm_seek_many_", 100);
  CHECK(many.seek_compactions == 1);
  REQUIRE(many.levels.size() > 1);
  CHECK(many.levels[0].files == 0);  // level 0 moves down as a whole
  CHECK(many.levels[1].files >= 1);

  // Seeks into the range of both files charge the newer one alike.
  const auto few_seeks = lookups_past_a_newer_file<leveled>("lsm_seek_few_seeks_", 99, true);
  CHECK(few_seeks.seek_compactions == 0);
  CHECK(few_seeks.levels[0].files == 2);
  const auto many_seeks = lookups_past_a_newer_file<leveled>("lsm_seek_many_seeks_", 100, true);
  CHECK(many_seeks.seek_compactions == 1);
  CHECK(many_seeks.levels[0].files == 0);

  // Tiered keeps its runs as they are.
  const auto tiered =
      lookups_past_a_newer_file<lsm::compaction::tiered<4, 100>>("lsm_seek_tiered_", 300);
  CHECK(tiered.seek_compactions == 0);
  CHECK(tiered.levels[0].files == 2);
}

TEST_CASE("a file moved down without a rewrite keeps its open reader", "[policy][leveled]") {
  lsm::options options;
  options.file_system = std::make_shared<lsm::memory_file_system>();
  lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>, lsm::memtable::skiplist,
            lsm::filter::bloom<10>, leveled>
      db("/moves", options);
  // Four disjoint level-0 files, each read once (which opens its reader).
  std::map<std::uint64_t, const void*> readers;  // file number -> its reader
  for (int batch = 0; batch < 4; ++batch) {
    for (int i = 0; i < 100; ++i)
      db.put("key" + std::to_string(batch) + "_" + std::to_string(100 + i), "v");
    db.flush();
    CHECK(db.get("key" + std::to_string(batch) + "_150") == std::optional<std::string>("v"));
    if (batch < 3) {
      const auto v = db.engine().current_version();
      for (const auto& f : v->levels[0]) {
        REQUIRE(f->reader() != nullptr);
        readers[f->number()] = f->reader();
      }
    }
  }
  db.engine().wait_for_background_work().throw_if_error();
  REQUIRE(db.stats().trivial_moves >= 1);
  const auto v = db.engine().current_version();
  std::size_t moved = 0;
  for (int level = 1; level < lsm::detail::max_levels; ++level)
    for (const auto& f : v->levels[static_cast<std::size_t>(level)])
      if (auto it = readers.find(f->number()); it != readers.end()) {
        CHECK(f->reader() == it->second);  // the same reader, not reopened
        ++moved;
      }
  CHECK(moved == 3);
  for (int batch = 0; batch < 4; ++batch)
    CHECK(db.get("key" + std::to_string(batch) + "_120") == std::optional<std::string>("v"));
}

TEST_CASE("sequential inserts move down as they were flushed, never rewritten",
          "[policy][leveled]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lsm_leveled_seq_test_" + std::to_string(lsm_test::test_seed(11)));
  std::filesystem::remove_all(dir);
  {
    lsm::options options;
    options.write_buffer_size = 128 << 10;
    options.target_file_size = 64 << 10;
    lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
              lsm::memtable::skiplist, lsm::filter::bloom<10>, leveled>
        db(dir.string(), options);
    char key[16];
    const std::string value(100, 'v');
    for (int i = 0; i < 40000; ++i) {
      std::snprintf(key, sizeof key, "key%08d", i);
      db.put(key, value);
    }
    db.flush();
    db.engine().wait_for_background_work().throw_if_error();
    const auto s = db.stats();
    INFO("flushes " << s.flushes << ", trivial moves " << s.trivial_moves);
    // Each level-0 batch is four disjoint flushes below every key of level 1:
    // all of them move, none is merged.
    CHECK(s.flushes >= 30);
    CHECK(s.trivial_moves >= 24);
    CHECK(s.compaction_bytes_written == 0);
    const auto v = db.engine().current_version();
    CHECK(v->level_files(0) < 4);
    CHECK(v->level_files(1) > 0);
    for (int level = 1; level < lsm::detail::max_levels; ++level) {
      const auto& files = v->levels[static_cast<std::size_t>(level)];
      for (std::size_t i = 1; i < files.size(); ++i)
        CHECK(files[i - 1]->largest_user_key() < files[i]->smallest_user_key());
    }
    int n = 0;
    for (auto&& [k, val] : db.scan()) {
      std::snprintf(key, sizeof key, "key%08d", n++);
      REQUIRE(k == key);
      REQUIRE(val == value);
    }
    CHECK(n == 40000);
    // A key that lands inside a moved file's range is merged the usual way.
    db.put("key00000100x", "inside");
    db.compact();
    CHECK(db.stats().compaction_bytes_written > 0);
    CHECK(db.get("key00000100x") == std::optional<std::string>("inside"));
    CHECK(db.get("key00039999") == std::optional<std::string>(value));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a leveled tree settles with levels >= 1 sorted, disjoint and within their limits",
          "[policy][leveled]") {
  const std::uint64_t seed = lsm_test::test_seed(7);
  INFO("seed " << seed);
  const auto dir =
      std::filesystem::temp_directory_path() / ("lsm_leveled_test_" + std::to_string(seed));
  std::filesystem::remove_all(dir);
  std::mt19937_64 rng(seed);
  {
    lsm::options options;
    options.write_buffer_size = 256 << 10;
    options.target_file_size = 64 << 10;
    lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
              lsm::memtable::skiplist, lsm::filter::bloom<10>, leveled>
        db(dir.string(), options);
    // About 14 MiB of distinct keys: more than level 1's 10 MiB.
    std::map<std::string, std::string> model;
    for (int i = 0; i < 120000; ++i) {
      std::string k = "key" + std::to_string(rng() % 1000000000);
      std::string value = k + std::string(100, 'v');
      db.put(k, value);
      model[k] = std::move(value);
    }
    db.engine().wait_for_background_work().throw_if_error();
    const auto v = db.engine().current_version();
    CHECK(v->level_files(0) < 4);
    CHECK(v->level_files(2) > 0);
    for (int level = 1; level < lsm::detail::max_levels; ++level) {
      const auto& files = v->levels[static_cast<std::size_t>(level)];
      for (std::size_t i = 1; i < files.size(); ++i)
        CHECK(files[i - 1]->largest_user_key() < files[i]->smallest_user_key());
      if (level + 1 < lsm::detail::max_levels)
        CHECK(v->level_bytes(level) <= leveled::max_bytes_for_level(level));
    }
    const auto s = db.stats();
    CHECK(s.compactions > 0);
    CHECK(s.subcompactions > 0);  // merges of 4 target files or more split in two
    std::size_t seen = 0;
    auto c = db.cursor();
    for (c.seek_to_first(); c.valid(); c.next()) {
      auto it = model.find(c.key());
      REQUIRE(it != model.end());
      CHECK(c.value() == it->second);
      ++seen;
    }
    CHECK(seen == model.size());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "a merge split in two subcompactions keeps every key, tombstone and snapshot, in disjoint "
    "files",
    "[policy][leveled][concurrency]") {
  const unsigned threads = GENERATE(1u, 2u);
  INFO("background threads " << threads);
  lsm::options options;
  options.file_system = std::make_shared<lsm::memory_file_system>();
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 16 << 10;
  options.background_threads = threads;
  lsm::tree<std::string, std::string> db("/split", options);
  char key[16];
  auto key_of = [&](int i) {
    std::snprintf(key, sizeof key, "k%06d", i);
    return std::string(key);
  };
  std::map<std::string, std::string> model;
  const int keys = 20000;
  for (int i = 0; i < keys; ++i) {
    const std::string k = key_of((i * 7919) % keys);
    db.put(k, k + std::string(60, 'a'));
    model[k] = k + std::string(60, 'a');
  }
  db.compact();
  // A snapshot, then changes it must not see: a range tombstone across
  // most of the keys (so across any split), overwrites, point deletions.
  const std::map<std::string, std::string> old_model = model;
  const lsm::snapshot snap = db.snapshot();
  db.erase_range(key_of(3000), key_of(17000));
  model.erase(model.lower_bound(key_of(3000)), model.lower_bound(key_of(17000)));
  for (int i = 0; i < keys; i += 3) {
    const std::string k = key_of(i);
    if (i % 2 == 0) {
      db.put(k, "new" + k);
      model[k] = "new" + k;
    } else {
      db.erase(k);
      model.erase(k);
    }
  }
  db.compact();  // merges of many files: split when two threads may run
  db.wait_for_background_work();
  const lsm::stats s = db.stats();
  if (threads == 1)
    CHECK(s.subcompactions == 0);
  else
    CHECK(s.subcompactions > 0);
  const auto v = db.engine().current_version();
  for (int level = 1; level < lsm::detail::max_levels; ++level) {
    const auto& files = v->levels[static_cast<std::size_t>(level)];
    for (std::size_t i = 1; i < files.size(); ++i)
      REQUIRE(lsm::detail::internal_key_comparator<lsm::bytewise_comparator>::compare(
                  files[i - 1]->meta().largest, files[i]->meta().smallest) < 0);
  }
  auto same = [&](const std::map<std::string, std::string>& expected, const lsm::read_options& ro) {
    std::size_t seen = 0;
    for (auto&& [k, val] : db.scan(ro)) {
      auto it = expected.find(k);
      REQUIRE(it != expected.end());
      REQUIRE(val == it->second);
      ++seen;
    }
    CHECK(seen == expected.size());
    for (int i = 0; i < keys; i += 7) {
      const std::string k = key_of(i);
      auto it = expected.find(k);
      REQUIRE(db.get(k, ro) ==
              (it == expected.end() ? std::nullopt : std::optional<std::string>(it->second)));
    }
  };
  same(model, {});
  lsm::read_options at_snap;
  at_snap.snapshot = &snap;
  same(old_model, at_snap);
}

namespace {

/// A policy the test steers: moves level 0 down to `l0_target`, or, in the
/// last stage, merges the first of exactly three level-1 files into level 2.
/// Written as a user writes one, with the public names of lsm::compaction.
struct scripted {
  static constexpr std::string_view name = "test.scripted";
  static inline std::atomic<int> l0_target{2};
  static inline std::atomic<bool> merge_first_of_level_1{false};
  static inline std::atomic<lsm::compaction::write_pressure> pressure_now{
      lsm::compaction::write_pressure::none};
  std::optional<lsm::compaction::job> pick(const lsm::compaction::version& v,
                                           const lsm::compaction::context&) {
    if (merge_first_of_level_1 && v.levels[1].size() == 3)
      return lsm::compaction::job{1, {v.levels[1].front()}, 2};
    if (!merge_first_of_level_1 && !v.levels[0].empty())
      return lsm::compaction::job{0, v.levels[0], l0_target};
    return std::nullopt;
  }
  lsm::compaction::write_pressure pressure(const lsm::compaction::version&) { return pressure_now; }
};

using scripted_tree = lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
                                lsm::memtable::skiplist, lsm::filter::bloom<10>, scripted>;

}  // namespace

TEST_CASE("each write waits once while the policy asks writes to slow down, and only then",
          "[policy][pressure]") {
  lsm::options options;
  options.file_system = std::make_shared<lsm::memory_file_system>();
  scripted_tree db("/slow", options);
  for (int i = 0; i < 10; ++i) db.put("a" + std::to_string(i), "v");
  CHECK(db.stats().stalls == 0);

  // The policy's verdict is read again after each version change; a flush
  // makes one.
  scripted::pressure_now = lsm::compaction::write_pressure::slowdown;
  db.flush();
  db.wait_for_background_work();
  const auto before = db.stats();
#if defined(__linux__)
  // The waits lower the writing thread's timer slack while they sleep, and
  // put back what the thread had.
  const int slack = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  REQUIRE(::prctl(PR_SET_TIMERSLACK, 20000UL, 0, 0, 0) == 0);
#endif
  for (int i = 0; i < 20; ++i) db.put("b" + std::to_string(i), "v");
  const auto slowed = db.stats();
  CHECK(slowed.stalls == before.stalls + 20);
  // Each wait lasts at least its 100 us (a sleep never ends early).
  CHECK(slowed.stall_micros >= before.stall_micros + 20 * 100);
#if defined(__linux__)
  CHECK(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 20000);
  (void)::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack), 0, 0, 0);
#endif
  for (int i = 0; i < 20; ++i) CHECK(db.get("b" + std::to_string(i)) == "v");

  scripted::pressure_now = lsm::compaction::write_pressure::none;
  db.flush();
  db.wait_for_background_work();
  const auto after = db.stats();
  for (int i = 0; i < 20; ++i) db.put("c" + std::to_string(i), "v");
  CHECK(db.stats().stalls == after.stalls);
}

TEST_CASE("a merge of one sorted-level file takes in its neighbours when that adds no output file",
          "[policy][leveled]") {
  lsm::options options;
  options.file_system = std::make_shared<lsm::memory_file_system>();
  scripted_tree db("/expand", options);
  auto flush_keys = [&](std::initializer_list<const char*> keys) {
    for (const char* k : keys) db.put(k, std::string("v") + k);
    db.flush();
    db.wait_for_background_work();
  };
  // Level 2: one file over [a, z]. Level 1: three files inside that range.
  scripted::l0_target = 2;
  flush_keys({"a", "z"});
  scripted::l0_target = 1;
  flush_keys({"b", "c"});
  flush_keys({"d", "e"});
  flush_keys({"f", "g"});
  auto v = db.engine().current_version();
  REQUIRE(v->levels[1].size() == 3);
  REQUIRE(v->levels[2].size() == 1);
  const std::uint64_t merges_before = db.stats().compactions;

  // The policy picks [b, c] alone; its merge rewrites the level-2 file over
  // [a, z] anyway, so [d, e] and [f, g] join it, in the same one merge.
  scripted::merge_first_of_level_1 = true;
  flush_keys({"h"});
  v = db.engine().current_version();
  CHECK(v->levels[1].empty());
  CHECK(db.stats().compactions == merges_before + 1);
  CHECK(v->levels[0].size() == 1);  // [h] stays where the flush put it
  for (const char* k : {"a", "b", "c", "d", "e", "f", "g", "h", "z"})
    CHECK(db.get(k) == std::string("v") + k);
  scripted::merge_first_of_level_1 = false;
}

}  // namespace lsm_test_leveled_test
