// A write buffer smaller than an empty memtable (whose arena already holds a
// block) must still take writes: the engine never switches an empty memtable.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <memory>
#include <string>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_small_write_buffer_test {

TEST_CASE("a write buffer smaller than an empty memtable still takes writes and flushes",
          "[crash][tree]") {
  auto fs = std::make_shared<lsm::memory_file_system>();
  lsm::options o;
  o.file_system = fs;
  o.write_buffer_size = 1024;  // the smallest accepted
  {
    lsm::tree<std::string, std::string> db("/db", o);
    for (int i = 0; i < 300; ++i) db.put("key" + std::to_string(i), std::string(50, 'v'));
    db.wait_for_background_work();
    CHECK(db.stats().flushes > 10);
  }
  lsm::tree<std::string, std::string> db("/db", o);
  for (int i = 0; i < 300; ++i) REQUIRE(db.get("key" + std::to_string(i)) == std::string(50, 'v'));
}

}  // namespace lsm_test_small_write_buffer_test
