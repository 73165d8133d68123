// detail::published<T>: what a pin sees, what stays alive, and the counters.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_published_test {

using lsm::detail::published;

namespace {

std::atomic<int> alive{0};

/// Two copies of one number: a reader that sees them differ saw a torn value.
struct value {
  std::uint64_t a, b;
  explicit value(std::uint64_t n) : a(n), b(n) { ++alive; }
  value(const value&) = delete;
  value& operator=(const value&) = delete;
  ~value() {
    a = b + 1;  // a reader of a destroyed value would see them differ
    --alive;
  }
};

using pin_t = published<value>::pin;

}  // namespace

TEST_CASE("published: a pin sees the value published last", "[engine][published]") {
  published<value> p;
  p.publish(std::make_shared<const value>(1));
  {
    pin_t pin(p);
    CHECK(pin->a == 1);
  }
  p.publish(std::make_shared<const value>(2));
  {
    pin_t pin(p);
    CHECK(pin->a == 2);
    CHECK((*pin).b == 2);
  }
  CHECK(p.current()->a == 2);
}

TEST_CASE("published: a publish lets the old value go, unless a pin still holds it",
          "[engine][published]") {
  alive = 0;
  {
    published<value> p;
    auto first = std::make_shared<const value>(1);
    std::weak_ptr<const value> watch = first;
    p.publish(std::move(first));
    { pin_t pin(p); }  // this thread's slot now holds value 1
    CHECK_FALSE(watch.expired());
    p.publish(std::make_shared<const value>(2));
    CHECK(watch.expired());  // the slot was emptied: an idle thread keeps nothing old

    {
      pin_t pin(p);
      std::weak_ptr<const value> second = p.current();
      p.publish(std::make_shared<const value>(3));
      CHECK_FALSE(second.expired());  // still pinned
      CHECK(pin->a == 2);
      CHECK(pin->b == 2);
      {
        pin_t inner(p);  // same thread, same slot, held: a copy of its own
        CHECK(inner->a == 3);
      }
      CHECK(alive == 2);
    }
    CHECK(alive == 1);  // the pin that held 2 let go of it
  }
  CHECK(alive == 0);  // nothing leaks when the published value goes
}

TEST_CASE("published: counters add up what pins counted", "[engine][published]") {
  published<value> p;
  p.publish(std::make_shared<const value>(1));
  for (int i = 0; i < 10; ++i) {
    pin_t pin(p);
    pin.count(0);
    if (i % 2 == 0) pin.count(1);
  }
  std::thread([&] {
    pin_t pin(p);
    pin.count(0);
  }).join();
  CHECK(p.counter(0) == 11);
  CHECK(p.counter(1) == 5);
}

TEST_CASE("published: many threads (more than slots) pin while values are published",
          "[engine][published][concurrency]") {
  alive = 0;
  {
    published<value> p;
    p.publish(std::make_shared<const value>(0));
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> torn{0}, backwards{0};
    const int readers = static_cast<int>(published<value>::slot_count) + 4;
    std::vector<std::thread> threads;
    for (int r = 0; r < readers; ++r)
      threads.emplace_back([&] {
        std::uint64_t last = 0;
        for (int i = 0; i < 2000 || !stop.load(); ++i) {
          pin_t pin(p);
          if (pin->a != pin->b) ++torn;
          if (pin->a < last) ++backwards;  // values are published in increasing order
          last = pin->a;
          pin.count(0);
          if (i > 200000) break;
        }
      });
    for (std::uint64_t n = 1; n <= 3000; ++n) p.publish(std::make_shared<const value>(n));
    stop = true;
    for (auto& t : threads) t.join();
    CHECK(torn == 0);
    CHECK(backwards == 0);
    CHECK(p.counter(0) >= static_cast<std::uint64_t>(readers) * 2000);
    p.clear_slots();
    CHECK(alive == 1);  // only the current value
  }
  CHECK(alive == 0);
}

}  // namespace lsm_test_published_test
