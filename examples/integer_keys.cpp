// Integer keys: encoded big-endian with the sign bit flipped, so the tree
// orders them numerically, negative numbers first.
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

int main() {
  const std::string dir = (std::filesystem::temp_directory_path() / "lsm_integer_keys").string();
  std::filesystem::remove_all(dir);
  {
    lsm::tree<std::int64_t, double> temperatures{dir};
    temperatures.put(-40, 233.15);
    temperatures.put(100, 373.15);
    temperatures.put(0, 273.15);
    temperatures.put(-273, 0.15);

    std::int64_t previous = INT64_MIN;
    for (auto&& [celsius, kelvin] : temperatures.scan(-300, 50)) {  // [-300, 50)
      std::cout << celsius << " C = " << kelvin << " K\n";
      if (celsius < previous) return 1;  // numeric order, not byte order of two's complement
      previous = celsius;
    }
    if (!temperatures.contains(100) || temperatures.contains(1)) return 1;
  }
  std::filesystem::remove_all(dir);
  std::cout << "integer_keys ok\n";
  return 0;
}
