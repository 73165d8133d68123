// expect: this type cannot be a key: lsm::serializer<T>::order_preserving is false
// A type whose serializer does not preserve order (here: little-endian bytes)
// can be a value but never a key: lsm::codec<S, V> refuses it at compile time,
// naming the type (in the instantiation context) and the fix.
#include <lsm/lsm.hpp>

struct sensor_id {
  unsigned value;
};

template <>
struct lsm::serializer<sensor_id> {
  static constexpr bool order_preserving = false;
  static constexpr std::string_view name = "sensor_id";
  static void encode(const sensor_id& s, std::string& out) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((s.value >> (8 * i)) & 0xff));
  }
  static sensor_id decode(std::string_view in) {
    unsigned v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(in[static_cast<unsigned>(i)]);
    return {v};
  }
};

static_assert(lsm::value_serializable<sensor_id>);  // fine as a value

std::string encode(const sensor_id& s) {
  std::string out;
  lsm::codec<sensor_id, int>::encode_key(s, out);  // must not compile
  return out;
}
