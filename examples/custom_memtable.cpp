// A user-written memtable policy: a tag type with a nested
// template <class Comparator> table, satisfying lsm::memtable_policy. This one
// keeps entries in a std::map under a reader-writer lock; lsm::tree runs its
// WAL, flushes and compactions unchanged on top of it. Everything it needs is
// public, in lsm::memtable: the iterator it implements, the lookup answer,
// the order of internal keys and the internal key helpers.
#include <lsm/lsm.hpp>

#include <cstddef>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

struct std_map_memtable {
  template <class Comparator>
  class table {
    // Internal keys (user key + sequence and kind) in the engine's order.
    struct internal_less {
      bool operator()(const std::string& a, const std::string& b) const {
        return lsm::memtable::key_order<Comparator>::compare(a, b) < 0;
      }
    };
    using map_type = std::map<std::string, std::string, internal_less>;

   public:
    // One writer at a time (the engine serializes writers).
    void add(lsm::sequence_number seq, lsm::value_kind kind, std::string_view key,
             std::string_view value) {
      std::unique_lock lock(mutex_);
      entries_.emplace(lsm::memtable::make_internal_key(key, seq, kind), std::string(value));
      memory_ += key.size() + value.size() + 64;
    }

    // The newest version of `key` with a sequence number <= seq.
    lsm::memtable::lookup get(std::string_view key, lsm::sequence_number seq,
                              std::string& value) const {
      std::shared_lock lock(mutex_);
      auto it = entries_.lower_bound(
          lsm::memtable::make_internal_key(key, seq, lsm::value_kind_for_seek));
      if (it == entries_.end() ||
          Comparator::compare(lsm::memtable::extract_user_key(it->first), key) != 0)
        return lsm::memtable::lookup::absent;
      if (lsm::memtable::extract_kind(it->first) != lsm::value_kind::value)
        return lsm::memtable::lookup::deleted;
      value = it->second;
      return lsm::memtable::lookup::found;
    }

    std::unique_ptr<lsm::memtable::iterator> new_iterator() const {
      return std::make_unique<iterator>(*this);
    }
    std::size_t approximate_memory() const {
      std::shared_lock lock(mutex_);
      return memory_;
    }
    std::size_t size() const {
      std::shared_lock lock(mutex_);
      return entries_.size();
    }

   private:
    // std::map never moves or invalidates nodes on insertion, so an iterator
    // keeps its position; each move takes the lock shared.
    class iterator final : public lsm::memtable::iterator {
     public:
      explicit iterator(const table& t) : t_(t), it_(t.entries_.end()) {}
      bool valid() const override { return it_ != t_.entries_.end(); }
      void seek_to_first() override {
        move([&] { it_ = t_.entries_.begin(); });
      }
      void seek_to_last() override {
        move([&] { it_ = t_.entries_.empty() ? t_.entries_.end() : std::prev(t_.entries_.end()); });
      }
      void seek(std::string_view target) override {
        move([&] { it_ = t_.entries_.lower_bound(std::string(target)); });
      }
      void next() override {
        move([&] { ++it_; });
      }
      void prev() override {
        move([&] { it_ = it_ == t_.entries_.begin() ? t_.entries_.end() : std::prev(it_); });
      }
      std::string_view key() const override { return it_->first; }
      std::string_view value() const override { return it_->second; }
      lsm::status get_status() const override { return {}; }

     private:
      template <class F>
      void move(F f) {
        std::shared_lock lock(t_.mutex_);
        f();
      }
      const table& t_;
      typename map_type::const_iterator it_;
    };

    mutable std::shared_mutex mutex_;
    map_type entries_;
    std::size_t memory_ = 0;
  };
};

static_assert(lsm::memtable_policy<std_map_memtable>);

int main() {
  const std::string dir = (std::filesystem::temp_directory_path() / "lsm_custom_memtable").string();
  std::filesystem::remove_all(dir);
  lsm::options opts;
  opts.write_buffer_size = 32 << 10;  // small, so the example flushes
  {
    lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>, std_map_memtable> db{
        dir, opts};
    for (int i = 0; i < 2000; ++i) db.put("key" + std::to_string(i), std::to_string(i * i));
    db.erase("key7");
    if (db.get("key12") != "144" || db.contains("key7")) return 1;
    db.flush();
    std::size_t n = 0;
    for (auto&& [k, v] : db.scan("key1", "key2")) n += !k.empty() && !v.empty();
    if (n != 1111) return 1;  // key1, key10..key19, key100..key199, key1000..key1999
  }
  std::filesystem::remove_all(dir);
  std::cout << "custom_memtable ok\n";
  return 0;
}
