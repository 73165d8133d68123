// Batches, snapshots, range scans and cursors.
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

int main() {
  const std::string dir = (std::filesystem::temp_directory_path() / "lsm_tour").string();
  std::filesystem::remove_all(dir);
  using tree = lsm::tree<std::string, std::string>;
  tree db{dir};

  // A batch applies all of its updates or none, even across a crash.
  tree::batch transfer;
  transfer.put("account/alice", "90");
  transfer.put("account/bob", "110");
  transfer.erase("pending/alice->bob");
  db.write(transfer);

  // A snapshot pins a consistent view.
  lsm::snapshot before = db.snapshot();
  db.put("account/alice", "0");
  lsm::read_options at_snapshot;
  at_snapshot.snapshot = &before;
  std::cout << "alice now " << *db.get("account/alice") << ", at the snapshot "
            << *db.get("account/alice", at_snapshot) << '\n';

  // Range erase: one tombstone, not a scan.
  for (int i = 0; i < 10; ++i) db.put("log/" + std::to_string(i), "entry");
  db.erase_range("log/3", "log/7");

  // A lazy range scan, [first, last).
  for (auto&& [k, v] : db.scan("log/", "log0")) std::cout << k << " = " << v << '\n';

  // A cursor moves both ways.
  auto c = db.cursor();
  for (c.seek_to_last(); c.valid(); c.prev()) std::cout << "reverse: " << c.key() << '\n';
  c.seek("account/b");
  if (c.valid()) std::cout << "first at or after account/b: " << c.key() << '\n';

  db.flush();    // memtable -> table now
  db.compact();  // merge everything down
  const lsm::stats s = db.stats();
  std::cout << "write amplification " << s.write_amplification() << '\n';
  return 0;
}
