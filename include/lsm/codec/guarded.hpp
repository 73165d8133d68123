// lsm/codec/guarded.hpp — detail::guarded_codec<Codec>: the user codec's
// calls as the façade makes them, so that a codec that throws is bad input,
// never a crash and never an exception out of a non-throwing call.
//
//   encode_key / encode_value   a status: an lsm::error the codec throws keeps
//                               its code if it is an lsm::errc, any other
//                               exception becomes invalid_argument naming
//                               the codec;
//   decode_key / decode_value   throw lsm::error: the codec's own passes
//                               through if its code is an lsm::errc; any
//                               other exception (an lsm::error with a code
//                               of another category too) becomes corruption
//                               naming the codec and the size, so that
//                               every read form reports the same code.
// std::bad_alloc passes through both, as from any call that allocates.
//
// Thread safety: stateless, as the codec is.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "lsm/codec/concept.hpp"
#include "lsm/error.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <class Codec>
struct guarded_codec {
  template <class Key>
  static status encode_key(const Key& key, std::string& out) {
    return encoded("key", [&] { Codec::encode_key(key, out); });
  }
  template <class Value>
  static status encode_value(const Value& value, std::string& out) {
    return encoded("value", [&] { Codec::encode_value(value, out); });
  }
  template <class Key>
  static Key decode_key(std::string_view bytes) {
    return decoded("key", bytes, [](std::string_view b) { return Codec::decode_key(b); });
  }
  template <class Value>
  static Value decode_value(std::string_view bytes) {
    return decoded("value", bytes, [](std::string_view b) { return Codec::decode_value(b); });
  }

  /// The status an lsm::error stands for: its code (`other` if the code is
  /// not an lsm::errc) and its message (what() without the code's message,
  /// which throwing the status appends again).
  static status status_of(const lsm::error& e, errc other) {
    std::string message = e.what();
    const std::string suffix = ": " + e.code().message();
    if (message.size() >= suffix.size() &&
        message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0)
      message.resize(message.size() - suffix.size());
    if (e.code().category() != error_category()) return {other, std::move(message)};
    return {static_cast<errc>(e.code().value()), std::move(message)};
  }

 private:
  template <class Encode>
  static status encoded(const char* what, Encode encode) {
    try {
      encode();
      return {};
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const lsm::error& e) {
      if (e.code().category() == error_category()) return status_of(e, errc::invalid_argument);
      return not_encoded(what, e);
    } catch (const std::exception& e) {
      return not_encoded(what, e);
    }
  }
  static status not_encoded(const char* what, const std::exception& e) {
    return status::invalid_argument("codec " + std::string(codec_name_v<Codec>) + ": a " + what +
                                    " does not encode: " + e.what());
  }
  template <class Decode>
  static auto decoded(const char* what, std::string_view bytes, Decode decode) {
    try {
      return decode(bytes);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const lsm::error& e) {
      if (e.code().category() == error_category()) throw;
      throw not_decoded(what, bytes, e);
    } catch (const std::exception& e) {
      throw not_decoded(what, bytes, e);
    }
  }
  static lsm::error not_decoded(const char* what, std::string_view bytes, const std::exception& e) {
    return lsm::error(errc::corruption, "codec " + std::string(codec_name_v<Codec>) + ": a " +
                                            what + " of " + std::to_string(bytes.size()) +
                                            " bytes does not decode: " + e.what());
  }
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
