// lsm::compaction::tiered: its picks on hand-made versions, the shape of a
// real tree it compacts (one run per level, packed at the bottom), and its
// write amplification against leveled on the same random fill.
// Randomized tests print their seed; replay with LSM_TEST_SEED=<seed>.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "policy_support.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_tiered_test {

namespace {

using lsm::detail::compaction_context;
using lsm::detail::compaction_pick;
using lsm::detail::version;
using lsm::detail::write_pressure;
using tiered = lsm::compaction::tiered<4, 100>;

/// Adds a file of `bytes` bytes to `level` (its key range is irrelevant here).
void add_file(version& v, int level, std::uint64_t bytes) {
  static std::uint64_t number = 1;
  lsm::detail::file_meta meta;
  meta.number = number++;
  meta.file_size = bytes;
  meta.smallest = lsm::detail::make_internal_key("a", 1, lsm::value_kind::value);
  meta.largest = lsm::detail::make_internal_key("z", 1, lsm::value_kind::value);
  v.levels[static_cast<std::size_t>(level)].push_back(
      std::make_shared<const lsm::detail::table_file>(std::move(meta), nullptr));
}

std::optional<compaction_pick> pick(const version& v) {
  tiered policy;
  return policy.pick(v, compaction_context{});
}

}  // namespace

TEST_CASE("tiered waits for MinMerge level-0 files, then writes them as the bottom run",
          "[policy][tiered]") {
  version v;
  REQUIRE_FALSE(pick(v).has_value());
  for (int i = 0; i < 3; ++i) add_file(v, 0, 100);
  REQUIRE_FALSE(pick(v).has_value());
  add_file(v, 0, 100);
  const auto job = pick(v);
  REQUIRE(job.has_value());
  CHECK(job->level == 0);
  CHECK(job->inputs.size() == 4);
  CHECK(job->output_level == lsm::detail::max_levels - 1);
}

TEST_CASE("tiered merges a level-0 batch into a similar newest run, else above it",
          "[policy][tiered]") {
  version v;
  for (int i = 0; i < 4; ++i) add_file(v, 0, 100);  // a batch of 400 bytes
  SECTION("similar: the run is at most (100 + SizeRatio)% of the batch") {
    add_file(v, 5, 800);
    const auto job = pick(v);
    REQUIRE(job.has_value());
    CHECK(job->level == 0);
    CHECK(job->output_level == 5);
  }
  SECTION("much larger: the batch becomes a new run in the free level above") {
    add_file(v, 5, 801);
    const auto job = pick(v);
    REQUIRE(job.has_value());
    CHECK(job->level == 0);
    CHECK(job->output_level == 4);
  }
}

TEST_CASE("tiered merges the newest pair of similar runs across empty levels", "[policy][tiered]") {
  version v;
  add_file(v, 3, 100);
  add_file(v, 3, 100);
  add_file(v, 6, 10000);
  SECTION("dissimilar runs stay") { REQUIRE_FALSE(pick(v).has_value()); }
  SECTION("similar runs merge, the newer whole level into the older") {
    add_file(v, 4, 150);
    const auto job = pick(v);
    REQUIRE(job.has_value());
    CHECK(job->level == 3);
    CHECK(job->inputs.size() == 2);
    CHECK(job->output_level == 4);
  }
  SECTION("empty levels between two runs are skipped") {
    add_file(v, 6, 0);  // keeps level 6 at 10000 bytes
    version w;
    add_file(w, 2, 100);
    add_file(w, 5, 180);
    const auto job = pick(w);
    REQUIRE(job.has_value());
    CHECK(job->level == 2);
    CHECK(job->output_level == 5);
  }
}

TEST_CASE("tiered merges a level-0 batch into level 1 when every level holds a run",
          "[policy][tiered]") {
  version v;
  std::uint64_t bytes = 1000;
  for (int level = 1; level < lsm::detail::max_levels; ++level, bytes *= 3)
    add_file(v, level, bytes);  // each run 3x the one above: nothing is similar
  REQUIRE_FALSE(pick(v).has_value());
  for (int i = 0; i < 4; ++i) add_file(v, 0, 10);
  const auto job = pick(v);
  REQUIRE(job.has_value());
  CHECK(job->level == 0);
  CHECK(job->output_level == 1);
}

TEST_CASE("tiered slows writes at 3 x MinMerge level-0 files and stops them at 5 x",
          "[policy][tiered]") {
  version v;
  const tiered policy;
  for (int i = 0; i < 11; ++i) add_file(v, 0, 1);
  CHECK(policy.pressure(v) == write_pressure::none);
  add_file(v, 0, 1);
  CHECK(policy.pressure(v) == write_pressure::slowdown);
  for (int i = 0; i < 8; ++i) add_file(v, 0, 1);
  CHECK(policy.pressure(v) == write_pressure::stop);
  STATIC_REQUIRE(lsm::compaction_policy<tiered>);
  STATIC_REQUIRE(lsm::compaction_policy<lsm::compaction::tiered<>>);
}

namespace {

struct fill_result {
  lsm::stats stats;
  std::shared_ptr<const version> shape;
};

/// A random fill of `n` puts (keys from a space of n, 100-byte values) into
/// an in-memory tree with compaction policy Compaction; checks every key.
template <class Compaction>
fill_result random_fill(std::uint64_t seed, std::uint64_t n) {
  using tree_t = lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
                           lsm::memtable::skiplist, lsm::filter::bloom<10>, Compaction>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 64 << 10;
  opts.target_file_size = 64 << 10;
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> model;
  tree_t db("/fill", opts);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string k = lsm_test::key_gen<std::string>::make(rng() % n);
    std::string v = std::to_string(i);
    v.resize(100, 'v');
    db.put(k, v);
    model[k] = v;
  }
  db.wait_for_background_work();
  std::size_t found = 0;
  for (auto&& [k, v] : db.scan()) {
    const auto it = model.find(k);
    REQUIRE(it != model.end());
    REQUIRE(it->second == v);
    ++found;
  }
  REQUIRE(found == model.size());
  return {db.stats(), db.engine().current_version()};
}

std::uint64_t fill_size() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return lsm_test::env_number("LSM_TIERED_FILL", 8000);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return lsm_test::env_number("LSM_TIERED_FILL", 8000);
#else
  return lsm_test::env_number("LSM_TIERED_FILL", 40000);
#endif
#else
  return lsm_test::env_number("LSM_TIERED_FILL", 40000);
#endif
}

}  // namespace

TEST_CASE("a tiered tree merges level 0 into sorted runs below it with no data lost",
          "[policy][tiered]") {
  const std::uint64_t seed = lsm_test::test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  const auto r = random_fill<lsm::compaction::tiered<>>(seed, fill_size());
  REQUIRE(r.stats.compactions > 0);
  CHECK(r.shape->level_files(0) < tiered::min_merge);
  // The first run went to the last level, and every run is one sorted level.
  CHECK(r.shape->level_files(lsm::detail::max_levels - 1) > 0);
  std::uint64_t run_bytes = 0;
  for (int level = 1; level < lsm::detail::max_levels; ++level)
    run_bytes += r.shape->level_bytes(level);
  CHECK(run_bytes > 0);
}

TEST_CASE("tiered writes fewer bytes than leveled on the same random fill", "[policy][tiered]") {
  const std::uint64_t seed = lsm_test::test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  // Full size even under sanitizers: below ~20k keys the two shapes barely
  // differ and the comparison is noise.
  const std::uint64_t n = lsm_test::env_number("LSM_TIERED_FILL", 40000);
  const auto leveled = random_fill<lsm::compaction::leveled<>>(seed, n);
  const auto tiered_fill = random_fill<lsm::compaction::tiered<>>(seed, n);
  const double wa_leveled = leveled.stats.write_amplification();
  const double wa_tiered = tiered_fill.stats.write_amplification();
  INFO("write amplification: leveled " << wa_leveled << ", tiered " << wa_tiered);
  REQUIRE(leveled.stats.user_bytes_written == tiered_fill.stats.user_bytes_written);
  CHECK(tiered_fill.stats.compaction_bytes_written < leveled.stats.compaction_bytes_written);
  CHECK(wa_tiered < wa_leveled);
  WARN("random fill of " << n << " keys: write amplification leveled " << wa_leveled << ", tiered "
                         << wa_tiered);
}

}  // namespace lsm_test_tiered_test
