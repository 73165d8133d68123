// Choosing policies at compile time: the memtable, filter and compaction
// strategy are template arguments, so each choice costs nothing at run time.
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

// A bulk-loaded log: append-then-sort memtable, no filter (range reads only),
// size-tiered compaction (fewer rewrites of each byte than leveled).
using event_log = lsm::tree<std::uint64_t, std::string, lsm::codec<std::uint64_t, std::string>,
                            lsm::memtable::vector, lsm::filter::none, lsm::compaction::tiered<>>;

// A point-lookup index: the default skiplist, 16 bits per key for fewer false
// positives, leveled compaction with a level-0 trigger of 2.
using user_index =
    lsm::tree<std::string, std::uint64_t, lsm::codec<std::string, std::uint64_t>,
              lsm::memtable::skiplist, lsm::filter::bloom<16>, lsm::compaction::leveled<2, 10>>;

int main() {
  const auto root = std::filesystem::temp_directory_path() / "lsm_choosing_policies";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  lsm::options opts;
  opts.write_buffer_size = 64 << 10;  // small, to flush and compact in this demo
  {
    event_log log{(root / "log").string(), opts};
    for (std::uint64_t t = 0; t < 20000; ++t) log.put(t, "event " + std::to_string(t));
    log.wait_for_background_work();
    std::size_t n = 0;
    for (auto&& [t, e] : log.scan(1000, 1010)) n += e.size() > 0;
    if (n != 10) return 1;
    std::cout << "event_log write amplification " << log.stats().write_amplification() << '\n';
  }
  {
    user_index index{(root / "index").string(), opts};
    index.put("alice", 1);
    index.put("bob", 2);
    if (index.get("alice") != 1u || index.contains("carol")) return 1;
  }
  std::filesystem::remove_all(root);
  std::cout << "choosing_policies ok\n";
  return 0;
}
