#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_lru_cache_test {

using lsm::detail::block;
using lsm::detail::block_cache;
using lsm::detail::lru_cache;
using string_cache = lru_cache<std::string>;

namespace {

std::uint64_t test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

std::shared_ptr<const std::string> value_of(std::uint64_t id, std::uint64_t offset) {
  return std::make_shared<const std::string>(std::to_string(id) + ":" + std::to_string(offset));
}

}  // namespace

TEST_CASE("the cache counts hits and misses and replaces entries by key", "[cache]") {
  string_cache cache(16 * 1000);
  CHECK(cache.capacity() == 16000);
  CHECK(cache.lookup(1, 0) == nullptr);
  cache.insert(1, 0, value_of(1, 0), 10);
  cache.insert(2, 0, value_of(2, 0), 10);  // same offset, another table
  CHECK(cache.usage() == 20);
  auto v = cache.lookup(1, 0);
  REQUIRE(v != nullptr);
  CHECK(*v == "1:0");
  REQUIRE(cache.lookup(2, 0) != nullptr);
  CHECK(*cache.lookup(2, 0) == "2:0");
  CHECK(cache.lookup(1, 4096) == nullptr);
  CHECK(cache.hits() == 3);
  CHECK(cache.misses() == 2);

  cache.insert(1, 0, std::make_shared<const std::string>("new"), 25);
  CHECK(cache.usage() == 35);
  CHECK(cache.size() == 2);
  CHECK(*cache.lookup(1, 0) == "new");
  CHECK(*v == "1:0");  // the replaced value lives on while held
  cache.erase(1, 0);
  CHECK(cache.lookup(1, 0) == nullptr);
  CHECK(cache.usage() == 10);
}

TEST_CASE("the cache evicts least recently used entries by charge", "[cache]") {
  const std::size_t per_shard = 100;
  string_cache cache(16 * per_shard);
  // An entry larger than a shard is not cached.
  cache.insert(9, 9, value_of(9, 9), per_shard + 1);
  CHECK(cache.lookup(9, 9) == nullptr);
  CHECK(cache.usage() == 0);

  cache.insert(1, 0, value_of(1, 0), 30);  // kept hot below
  cache.insert(1, 1, value_of(1, 1), 30);  // never touched again
  auto held = cache.lookup(1, 1);
  std::size_t max_usage = 0;
  for (std::uint64_t off = 100; off < 2100; ++off) {
    cache.insert(2, off, value_of(2, off), 10 + off % 20);
    REQUIRE(cache.lookup(1, 0) != nullptr);  // most recently used in its shard
    max_usage = std::max(max_usage, cache.usage());
  }
  CHECK(max_usage <= cache.capacity());
  CHECK(cache.usage() > cache.capacity() * 3 / 4);  // full, not emptied
  CHECK(cache.lookup(1, 1) == nullptr);             // evicted...
  REQUIRE(held != nullptr);
  CHECK(*held == "1:1");  // ...but alive for the reader holding it
  // Early entries of the stream were evicted, the last ones are present.
  CHECK(cache.lookup(2, 100) == nullptr);
  CHECK(cache.lookup(2, 2099) != nullptr);
}

TEST_CASE("new_id gives distinct non-zero ids", "[cache]") {
  block_cache cache(1 << 20);
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 100; ++i) ids.insert(cache.new_id());
  CHECK(ids.size() == 100);
  CHECK(ids.count(0) == 0);
}

TEST_CASE("the block cache holds blocks charged by their size", "[cache]") {
  block_cache cache(1 << 20);
  lsm::detail::block_builder b(16);
  b.add("k", "v");
  auto blk = std::make_shared<const block>(std::string(b.finish()));
  cache.insert(cache.new_id(), 0, blk, blk->size());
  CHECK(cache.usage() == blk->size());
  CHECK(blk.use_count() == 2);
}

TEST_CASE("the cache is safe and consistent under 4 threads", "[cache]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  string_cache cache(16 * 2000);
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> wrong{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t id = 1 + rng() % 4, off = rng() % 2000;
        if (rng() % 3 == 0) {
          cache.insert(id, off, value_of(id, off), 1 + rng() % 64);
        } else {
          auto v = cache.lookup(id, off);
          lookups.fetch_add(1);
          if (v && *v != *value_of(id, off)) wrong.fetch_add(1);
        }
        if (i % 1000 == 0 && cache.usage() > cache.capacity()) wrong.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.hits() + cache.misses() == lookups.load());
  CHECK(cache.hits() > 0);
  CHECK(cache.usage() <= cache.capacity());
}

}  // namespace lsm_test_lru_cache_test
