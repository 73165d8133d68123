// The README's quickstart: open a tree, write, read, erase, scan.
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

int main() {
  const std::string dir = (std::filesystem::temp_directory_path() / "lsm_quickstart").string();
  std::filesystem::remove_all(dir);

  lsm::tree<std::string, std::uint64_t> db{dir};  // opens or creates the directory
  db.put("apple", 100);
  db.put("banana", 250);
  db.put("cherry", 75);

  if (auto v = db.get("apple")) std::cout << "apple = " << *v << '\n';
  db.erase("banana");
  std::cout << "banana present: " << std::boolalpha << db.contains("banana") << '\n';

  for (auto&& [key, value] : db.scan("a", "z"))  // ascending, [first, last)
    std::cout << key << " -> " << value << '\n';

  db.put("durable", 1, lsm::write_options{.sync = true});  // on stable storage when put returns
  std::cout << "quickstart ok\n";
  return 0;
}
