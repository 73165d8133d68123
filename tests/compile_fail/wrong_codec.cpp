// expect: the Codec policy does not satisfy lsm::codec_for<Codec, Key, Value>
// A Codec policy missing a member (here decode_value) fails the codec_for
// concept; the check names the policy and the compiler names the missing
// requirement.
#include <lsm/lsm.hpp>
#include <string>
#include <string_view>

struct half_codec {
  static constexpr std::string_view name = "half";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
};

static_assert(sizeof(lsm::detail::assert_codec_for<half_codec, std::string, std::string>) > 0);
