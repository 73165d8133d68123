// A user-defined key type: specialize lsm::serializer<T> and use T as a key.
// The serializer promises that the bytewise order of encodings is T's order.
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

struct point {
  std::int32_t x = 0, y = 0;
  friend auto operator<=>(const point&, const point&) = default;
};

template <>
struct lsm::serializer<point> {
  static constexpr bool order_preserving = true;     // encode(a) < encode(b) exactly when a < b
  static constexpr std::string_view name = "point";  // persisted: checked on every open
  static void encode(const point& p, std::string& out) {
    lsm::serializer<std::pair<std::int32_t, std::int32_t>>::encode({p.x, p.y}, out);
  }
  static point decode(std::string_view in) {
    auto [x, y] = lsm::serializer<std::pair<std::int32_t, std::int32_t>>::decode(in);
    return {x, y};
  }
};

int main() {
  const std::string dir = (std::filesystem::temp_directory_path() / "lsm_custom_key").string();
  std::filesystem::remove_all(dir);
  {
    lsm::tree<point, std::string> db{dir};
    db.put({3, -1}, "c");
    db.put({-2, 5}, "a");
    db.put({3, -7}, "b");
    for (auto&& [p, name] : db.scan())  // ordered by (x, y), negatives first
      std::cout << '(' << p.x << ", " << p.y << ") -> " << name << '\n';
    if (db.get({3, -7}) != "b") return 1;
  }
  std::filesystem::remove_all(dir);
  std::cout << "custom_key ok\n";
  return 0;
}
