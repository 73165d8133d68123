// tests/support/memory_files.hpp — a writable_file that appends to a
// std::string and a sequential_file that reads from one: enough to test the
// log writer and reader without a file system.
//
// Thread safety: none (one thread per object, like the real files).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <lsm/lsm.hpp>

namespace lsm_test {

/// Appends to a string the caller owns; can be told to fail the n-th append.
class string_sink final : public lsm::writable_file {
 public:
  explicit string_sink(std::string& dest) : dest_(dest) {}
  lsm::status append(std::string_view data) override {
    ++appends_;
    if (fail_append_ != 0 && appends_ == fail_append_)
      return lsm::status::io_error("string_sink: injected append failure");
    dest_.append(data.data(), data.size());
    return {};
  }
  lsm::status flush() override { return {}; }
  lsm::status sync() override { return {}; }
  lsm::status close() override { return {}; }

  /// Makes the n-th append (1-based, counting from construction) fail.
  void fail_append(std::uint64_t n) { fail_append_ = n; }
  std::uint64_t appends() const { return appends_; }

 private:
  std::string& dest_;
  std::uint64_t appends_ = 0;
  std::uint64_t fail_append_ = 0;
};

/// Reads from a string (or any bytes) that outlives it.
class string_source final : public lsm::sequential_file {
 public:
  explicit string_source(std::string_view data) : data_(data) {}
  lsm::status read(std::size_t n, char* scratch, std::string_view& out) override {
    const std::size_t k = std::min(n, data_.size() - pos_);
    if (k > 0) std::memcpy(scratch, data_.data() + pos_, k);
    pos_ += k;
    out = std::string_view(scratch, k);
    return {};
  }
  lsm::status skip(std::uint64_t n) override {
    pos_ += static_cast<std::size_t>(std::min<std::uint64_t>(n, data_.size() - pos_));
    return {};
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace lsm_test
