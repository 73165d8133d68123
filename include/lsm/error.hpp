// lsm/error.hpp — error codes, the lsm::error exception, and the internal
// status / result<T> value types.
//
// Inside the library errors are values: every fallible engine function returns
// lsm::status or lsm::result<T>. Only the public façade (lsm::tree) turns a
// failed status into an exception (lsm::error) or into a std::error_code for
// the non-throwing overloads.
//
// Thread safety: all types here are values; distinct objects may be used from
// distinct threads freely, the error category is immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace lsm {
inline namespace v0 {

/// The error conditions of the library. Values are stable.
enum class errc : int {
  io_error = 1,            ///< the file system failed (EIO, ENOSPC, ...)
  corruption = 2,          ///< a file does not hold what its format says
  invalid_argument = 3,    ///< bad input: oversize key/value, wrong policy...
  busy = 4,                ///< the directory is locked by another open tree
  not_supported = 5,       ///< the operation is not available here
  resource_exhausted = 6,  ///< out of space, memory or file handles
};

}  // namespace v0
}  // namespace lsm

template <>
struct std::is_error_code_enum<lsm::errc> : std::true_type {};

namespace lsm {
inline namespace v0 {

namespace detail {
class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lsm"; }
  std::string message(int condition) const override {
    switch (static_cast<errc>(condition)) {
      case errc::io_error:
        return "I/O error";
      case errc::corruption:
        return "corruption";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::busy:
        return "busy";
      case errc::not_supported:
        return "not supported";
      case errc::resource_exhausted:
        return "resource exhausted";
    }
    return "unknown lsm error";
  }
};
}  // namespace detail

/// The category of every std::error_code produced by the library.
inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The exception thrown by the throwing overloads of lsm::tree.
class error : public std::system_error {
 public:
  error(errc code, const std::string& what) : std::system_error(make_error_code(code), what) {}
  error(std::error_code code, const std::string& what) : std::system_error(code, what) {}
};

/// The outcome of an operation: ok, or an error code with a message that says
/// what failed and where (file, offset, expected and found values).
class [[nodiscard]] status {
 public:
  status() noexcept = default;
  status(errc code, std::string message)
      : code_(static_cast<int>(code)), message_(std::move(message)) {}

  static status ok_status() noexcept { return {}; }
  static status io_error(std::string m) { return {errc::io_error, std::move(m)}; }
  static status corruption(std::string m) { return {errc::corruption, std::move(m)}; }
  static status invalid_argument(std::string m) { return {errc::invalid_argument, std::move(m)}; }
  static status busy(std::string m) { return {errc::busy, std::move(m)}; }
  static status not_supported(std::string m) { return {errc::not_supported, std::move(m)}; }
  static status resource_exhausted(std::string m) {
    return {errc::resource_exhausted, std::move(m)};
  }

  bool ok() const noexcept { return code_ == 0; }
  explicit operator bool() const noexcept { return ok(); }
  errc code() const noexcept { return static_cast<errc>(code_); }
  bool is(errc e) const noexcept { return code_ == static_cast<int>(e); }
  const std::string& message() const noexcept { return message_; }
  std::error_code error_code() const noexcept {
    return ok() ? std::error_code{} : make_error_code(code());
  }
  /// "corruption: 000012.sst: bad block checksum at offset 4096"
  std::string to_string() const {
    if (ok()) return "ok";
    return error_category().message(code_) + ": " + message_;
  }
  /// REQUIRES: !ok().
  /// The exception's what() is "<message>: <code's message>", as for any
  /// std::system_error.
  [[noreturn]] void throw_error() const { throw error(code(), message_); }
  /// Throws if this status is not ok.
  void throw_if_error() const {
    if (!ok()) throw_error();
  }

 private:
  int code_ = 0;
  std::string message_;
};

/// A value of type T, or the status explaining why there is none.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  result(status s) : status_(std::move(s)) {}    // NOLINT: implicit by design
  result(errc code, std::string message) : status_(code, std::move(message)) {}

  bool ok() const noexcept { return status_.ok(); }
  explicit operator bool() const noexcept { return ok(); }
  const status& get_status() const noexcept { return status_; }
  status take_status() { return std::move(status_); }

  /// REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  status status_;
  std::optional<T> value_;
};

}  // namespace v0
}  // namespace lsm
