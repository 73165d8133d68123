// Memtable switches: a write buffer smaller than an empty memtable (whose
// arena already holds a block) must still take writes, as the engine never
// switches an empty memtable; and the write that switches does not wait for
// the old WAL to be closed.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_small_write_buffer_test {

TEST_CASE("a write buffer smaller than an empty memtable still takes writes and flushes",
          "[crash][tree]") {
  auto fs = std::make_shared<lsm::memory_file_system>();
  lsm::options o;
  o.file_system = fs;
  o.write_buffer_size = 1024;  // the smallest accepted
  {
    lsm::tree<std::string, std::string> db("/db", o);
    for (int i = 0; i < 300; ++i) db.put("key" + std::to_string(i), std::string(50, 'v'));
    db.wait_for_background_work();
    CHECK(db.stats().flushes > 10);
  }
  lsm::tree<std::string, std::string> db("/db", o);
  for (int i = 0; i < 300; ++i) REQUIRE(db.get("key" + std::to_string(i)) == std::string(50, 'v'));
}

/// A memory file system whose WALs' close() blocks until release().
class gated_close_fs final : public lsm::file_system {
 public:
  void release() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::size_t closes_started() {
    std::lock_guard lock(mu_);
    return closes_started_;
  }

  lsm::result<std::unique_ptr<lsm::writable_file>> new_log_file(const std::string& path) override {
    auto f = inner_.new_log_file(path);
    if (!f.ok()) return f.take_status();
    return std::unique_ptr<lsm::writable_file>(std::make_unique<gated_file>(*this, std::move(*f)));
  }
  lsm::result<std::unique_ptr<lsm::sequential_file>> new_sequential_file(
      const std::string& path) override {
    return inner_.new_sequential_file(path);
  }
  lsm::result<std::unique_ptr<lsm::random_access_file>> new_random_access_file(
      const std::string& path) override {
    return inner_.new_random_access_file(path);
  }
  lsm::result<std::unique_ptr<lsm::writable_file>> new_writable_file(
      const std::string& path) override {
    return inner_.new_writable_file(path);
  }
  lsm::result<std::unique_ptr<lsm::writable_file>> new_appendable_file(
      const std::string& path) override {
    return inner_.new_appendable_file(path);
  }
  bool file_exists(const std::string& path) override { return inner_.file_exists(path); }
  lsm::result<std::vector<std::string>> get_children(const std::string& dir) override {
    return inner_.get_children(dir);
  }
  lsm::status remove_file(const std::string& path) override { return inner_.remove_file(path); }
  lsm::status create_dir(const std::string& dir) override { return inner_.create_dir(dir); }
  lsm::result<std::uint64_t> file_size(const std::string& path) override {
    return inner_.file_size(path);
  }
  lsm::status rename_file(const std::string& from, const std::string& to) override {
    return inner_.rename_file(from, to);
  }
  lsm::status sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }
  lsm::result<std::unique_ptr<lsm::file_lock>> lock_file(const std::string& path) override {
    return inner_.lock_file(path);
  }

 private:
  class gated_file final : public lsm::writable_file {
   public:
    gated_file(gated_close_fs& fs, std::unique_ptr<lsm::writable_file> f)
        : fs_(fs), f_(std::move(f)) {}
    lsm::status append(std::string_view data) override { return f_->append(data); }
    lsm::status flush() override { return f_->flush(); }
    lsm::status sync() override { return f_->sync(); }
    lsm::status close() override {
      {
        std::unique_lock lock(fs_.mu_);
        ++fs_.closes_started_;
        fs_.cv_.wait(lock, [&] { return fs_.open_; });
      }
      return f_->close();
    }

   private:
    gated_close_fs& fs_;
    std::unique_ptr<lsm::writable_file> f_;
  };

  lsm::memory_file_system inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::size_t closes_started_ = 0;
};

TEST_CASE("a write that switches memtables does not wait for the old WAL to be closed",
          "[crash][tree][concurrency]") {
  auto fs = std::make_shared<gated_close_fs>();
  lsm::options o;
  o.file_system = fs;
  o.write_buffer_size = 64 << 10;
  const std::string value(100, 'v');
  constexpr int keys = 600;  // about 1.5 write buffers: one switch, no flush needed to go on
  {
    lsm::tree<std::string, std::string> db("/db", o);
    auto writes = std::async(std::launch::async, [&] {
      for (int i = 0; i < keys; ++i) db.put("key" + std::to_string(i), value);
    });
    // Had the switch closed the old WAL itself, the writes would wait for
    // release() (20 s here only bounds a failing run).
    const bool finished = writes.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    fs->release();
    writes.get();
    REQUIRE(finished);
    db.wait_for_background_work();
    CHECK(db.stats().flushes >= 1);
    CHECK(fs->closes_started() >= 1);  // the flush thread closed it
    auto children = fs->get_children("/db");
    REQUIRE(children.ok());
    std::size_t logs = 0;
    for (const auto& name : *children)
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) ++logs;
    CHECK(logs == 1);  // the retired WAL is gone once its memtable is flushed
  }
  lsm::tree<std::string, std::string> db("/db", o);
  for (int i = 0; i < keys; ++i) REQUIRE(db.get("key" + std::to_string(i)) == value);
}

}  // namespace lsm_test_small_write_buffer_test
