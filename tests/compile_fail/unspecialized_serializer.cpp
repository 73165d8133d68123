// expect: lsm::serializer<T> is not specialized for this type
// A type with no lsm::serializer specialization (and not trivially copyable,
// so no memcpy fallback) cannot be a key or a value: the error names
// lsm::serializer<T> and how to fix it.
#include <lsm/lsm.hpp>
#include <string>

struct customer {
  std::string name;
  std::string email;
};

std::string encode(const customer& c) {
  std::string out;
  lsm::codec<std::string, customer>::encode_value(c, out);  // must not compile
  return out;
}
