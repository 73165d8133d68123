// Concurrency: writers, readers holding iterators and snapshots across
// flushes and compactions. Readers must only ever see whole batches: every
// batch writes the same counter to a pair of keys, so the two always agree.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_concurrency_test {

TEST_CASE("readers see whole batches while writers, flushes and compactions run",
          "[tree][concurrency]") {
  using tree_t = lsm::tree<std::string, std::uint64_t>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 16 << 10;
  opts.target_file_size = 16 << 10;
  tree_t db("/conc", opts);

  constexpr int writers = 4, readers = 4, pairs = 16;
  const int rounds = 400;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> violations{0}, reads{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      for (int i = 1; i <= rounds; ++i) {
        const int p = (w * 7 + i) % pairs;
        tree_t::batch b;
        const auto value = static_cast<std::uint64_t>(w) * 1000000u + static_cast<std::uint64_t>(i);
        b.put("a" + std::to_string(p), value);
        b.put("b" + std::to_string(p), value);
        b.put("filler" + std::to_string(w) + "_" + std::to_string(i), value);
        db.write(b);
        if (i % 100 == 0 && w == 0) db.flush();
      }
    });
  for (int r = 0; r < readers; ++r)
    threads.emplace_back([&, r] {
      while (!stop.load()) {
        lsm::snapshot snap = db.snapshot();
        lsm::read_options ro;
        ro.snapshot = &snap;
        for (int p = 0; p < pairs; ++p) {
          auto a = db.get("a" + std::to_string(p), ro);
          auto b = db.get("b" + std::to_string(p), ro);
          if (a != b) ++violations;
          ++reads;
        }
        if (r % 2 == 0) {
          // A cursor held across background work.
          auto c = db.cursor(ro);
          std::uint64_t count = 0;
          for (c.seek_to_first(); c.valid(); c.next()) ++count;
          if (c.error()) ++violations;
          std::vector<std::uint64_t> as(pairs), bs(pairs);
          for (auto&& [k, v] : db.scan("a", "c", ro)) {
            const int p = std::stoi(k.substr(1));
            (k[0] == 'a' ? as : bs)[static_cast<std::size_t>(p)] = v;
          }
          if (as != bs) ++violations;
        }
      }
    });
  std::thread compactor([&] {
    while (!stop.load()) {
      db.compact();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (int i = 0; i < writers; ++i) threads[static_cast<std::size_t>(i)].join();
  stop = true;
  for (std::size_t i = writers; i < threads.size(); ++i) threads[i].join();
  compactor.join();
  db.wait_for_background_work();
  CHECK(violations.load() == 0);
  CHECK(reads.load() > 0);
  for (int p = 0; p < pairs; ++p)
    CHECK(db.get("a" + std::to_string(p)) == db.get("b" + std::to_string(p)));
}

namespace {
/// The threads of this process (Linux: the entries of /proc/self/task).
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}
}  // namespace

TEST_CASE("background_threads = 1 flushes and compacts on one thread, and 0 is refused",
          "[tree][concurrency]") {
  using tree_t = lsm::tree<std::string, std::string>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 16 << 10;
  opts.target_file_size = 16 << 10;
  for (unsigned threads : {1u, 2u}) {
    INFO("background_threads " << threads);
    opts.background_threads = threads;
    const std::string dir = "/one_thread_" + std::to_string(threads);
    const std::size_t before = thread_count();
    {
      tree_t db(dir, opts);
      CHECK(thread_count() == before + threads);
      // Four writers overwrite 2000 keys: many flushes, and compactions
      // between them, all on the background thread(s).
      std::vector<std::thread> writers;
      for (int w = 0; w < 4; ++w)
        writers.emplace_back([&db, w] {
          for (int i = 0; i < 3000; ++i) {
            const int k = (i * 7 + w * 13) % 2000;
            db.put("key" + std::to_string(k), "w" + std::to_string(w) + "/" + std::to_string(i));
          }
        });
      for (auto& t : writers) t.join();
      for (int k = 0; k < 2000; ++k) db.put("key" + std::to_string(k), "final" + std::to_string(k));
      db.wait_for_background_work();
      const lsm::stats s = db.stats();
      CHECK(s.flushes > 10);
      CHECK(s.compactions > 0);
      for (int k = 0; k < 2000; k += 7)
        REQUIRE(db.get("key" + std::to_string(k)) == "final" + std::to_string(k));
    }
    CHECK(thread_count() == before);
    // Reopened, every write is there (shutdown flushed or the WAL kept it).
    tree_t db(dir, opts);
    for (int k = 0; k < 2000; k += 13)
      REQUIRE(db.get("key" + std::to_string(k)) == "final" + std::to_string(k));
  }
  opts.background_threads = 0;
  try {
    tree_t db("/zero_threads", opts);
    FAIL("background_threads = 0 opened");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::invalid_argument);
    CHECK(std::string(e.what()).find("background_threads") != std::string::npos);
  }
}

TEST_CASE("lookups from many threads charge files and start a seek compaction while a writer runs",
          "[tree][concurrency]") {
  using tree_t = lsm::tree<std::string, std::string>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 1 << 20;  // one flush per half below, no size-triggered job
  tree_t db("/seeks", opts);
  // Two overlapping level-0 files: even keys, then odd keys.
  for (int parity : {0, 1}) {
    for (int k = parity; k < 2000; k += 2) db.put("key" + std::to_string(10000 + k), "v");
    db.flush();
  }
  db.wait_for_background_work();
  REQUIRE(db.engine().current_version()->level_files(0) == 2);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> missing{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 4; ++r)
    threads.emplace_back([&, r] {
      for (int i = 0; i < 3000; ++i)
        if (!db.get("key" + std::to_string(10000 + (2 * (i + r * 131)) % 2000))) ++missing;
    });
  threads.emplace_back([&] {  // a writer into the memtable (too little for a flush)
    for (int i = 0; !stop.load() && i < 400; ++i) db.put("new" + std::to_string(i), "w");
  });
  for (int r = 0; r < 4; ++r) threads[static_cast<std::size_t>(r)].join();
  stop = true;
  threads.back().join();
  db.wait_for_background_work();
  CHECK(missing == 0);
  CHECK(db.stats().seek_compactions >= 1);
}

TEST_CASE(
    "more table files than max_open_files: readers find every key while compactions replace files",
    "[tree][concurrency]") {
  using tree_t = lsm::tree<std::string, std::string>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 64 << 10;
  opts.target_file_size = 32 << 10;
  opts.max_open_files = 16;  // the smallest: most files' readers are listed, not kept
  tree_t db("/open_files", opts);
  const int keys = 6000;
  auto key = [](int k) { return "key" + std::to_string(100000 + (k * 7919) % 6000); };
  auto value = [](int k, int round) {
    return std::string(100, static_cast<char>('a' + (k + round) % 26));
  };
  for (int k = 0; k < keys; ++k) db.put(key(k), value(k, 0));
  db.wait_for_background_work();
  std::size_t files = 0;
  for (const auto& level : db.stats().levels) files += level.files;
  REQUIRE(files > 16);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> wrong{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&, r] {
      for (int i = 0; !stop.load() || i < 2 * keys; ++i) {
        const int k = (i * 31 + r * 1009) % keys;
        auto v = db.get(key(k));
        // Either round's value: the writer below rewrites every key once.
        if (!v || (*v != value(k, 0) && *v != value(k, 1))) ++wrong;
        if (i > 20 * keys) break;
      }
    });
  for (int k = 0; k < keys; ++k) db.put(key(k), value(k, 1));  // flushes and compactions
  db.compact();
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(wrong == 0);
  for (int k = 0; k < keys; ++k) {
    auto v = db.get(key(k));
    REQUIRE(v);
    CHECK(*v == value(k, 1));
  }
  std::size_t seen = 0;
  for (auto&& [k, v] : db.scan()) {
    (void)k;
    (void)v;
    ++seen;
  }
  CHECK(seen == static_cast<std::size_t>(keys));
}

}  // namespace lsm_test_concurrency_test
