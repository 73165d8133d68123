#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_arena_test {

namespace {

std::uint64_t arena_test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

}  // namespace

TEST_CASE("arena allocations keep their bytes until the arena dies", "[memtable][arena]") {
  const std::uint64_t seed = arena_test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  lsm::detail::arena arena;
  std::vector<std::pair<char*, std::size_t>> blocks;
  std::size_t requested = 0;
  for (int i = 0; i < 2000; ++i) {
    // Mostly small, sometimes past a quarter block, rarely past a whole block.
    const std::size_t roll = rng() % 100;
    const std::size_t size =
        roll < 90 ? 1 + rng() % 100 : (roll < 98 ? 1025 + rng() % 3000 : 4097 + rng() % 10000);
    char* p = (i % 2 == 0) ? arena.allocate(size) : arena.allocate_aligned(size);
    std::memset(p, static_cast<int>(i & 0xff), size);
    blocks.emplace_back(p, size);
    requested += size;
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto [p, size] = blocks[i];
    const auto expected = static_cast<char>(i & 0xff);
    for (std::size_t j = 0; j < size; ++j) {
      if (p[j] != expected) FAIL("allocation " << i << " byte " << j << " was overwritten");
    }
  }
  CHECK(arena.memory_usage() >= requested);
  // Small allocations share 4 KiB blocks: little is wasted.
  CHECK(arena.memory_usage() < requested * 2);
}

TEST_CASE("arena aligned allocations are pointer aligned after odd-sized ones",
          "[memtable][arena]") {
  lsm::detail::arena arena;
  for (std::size_t odd = 1; odd < 200; odd += 7) {
    arena.allocate(odd);
    char* p = arena.allocate_aligned(odd * 3);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % lsm::detail::arena::alignment == 0);
  }
  CHECK(lsm::detail::arena::alignment >= alignof(void*));
  CHECK(lsm::detail::arena::alignment >= alignof(std::uint64_t));
}

TEST_CASE("arena gives a large allocation its own block and keeps the current one",
          "[memtable][arena]") {
  lsm::detail::arena arena;
  CHECK(arena.memory_usage() == 0);
  char* a = arena.allocate(10);
  const std::size_t after_first = arena.memory_usage();
  CHECK(after_first >= lsm::detail::arena::default_block_size);
  char* big = arena.allocate(100000);
  CHECK(arena.memory_usage() >= after_first + 100000);
  CHECK(arena.memory_usage() < after_first + 100000 + 256);
  // The next small allocation still comes from the first block, right after a.
  char* b = arena.allocate(10);
  CHECK(b == a + 10);
  CHECK((big < a || big >= a + lsm::detail::arena::default_block_size));
}

}  // namespace lsm_test_arena_test
