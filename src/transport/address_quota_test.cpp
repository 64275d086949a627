#include "transport/address_quota.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace paddock::transport {
namespace {

Address16 v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d};
}
Address16 v6(std::uint8_t subnet, std::uint8_t host) {
  return {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, subnet, 0, 0, 0, 0, 0, 0, 0, host};
}

TEST(AddressQuotaTest, RefusesPastTheLimitPerAddressOnly) {
  AddressQuota quota(2);
  AddressSlot a1 = quota.try_acquire(v4(127, 0, 0, 1));
  AddressSlot a2 = quota.try_acquire(v4(127, 0, 0, 1));
  EXPECT_TRUE(a1.held());
  EXPECT_TRUE(a2.held());
  EXPECT_FALSE(quota.try_acquire(v4(127, 0, 0, 1)).held()) << "third from the same address";
  EXPECT_TRUE(quota.try_acquire(v4(127, 0, 0, 2)).held()) << "another address has its own quota";
  a1.release();
  a1.release();  // idempotent: gives back one count, not two
  EXPECT_EQ(quota.count(v4(127, 0, 0, 1)), 1);
  AddressSlot a3 = quota.try_acquire(v4(127, 0, 0, 1));
  EXPECT_TRUE(a3.held());
  EXPECT_FALSE(quota.try_acquire(v4(127, 0, 0, 1)).held());
}

TEST(AddressQuotaTest, SlotsReleaseWhenDestroyedOrMovedOver) {
  AddressQuota quota(1);
  {
    AddressSlot slot = quota.try_acquire(v4(10, 0, 0, 1));
    AddressSlot moved = std::move(slot);
    EXPECT_FALSE(slot.held());
    EXPECT_EQ(quota.count(v4(10, 0, 0, 1)), 1);
    moved = quota.try_acquire(v4(10, 0, 0, 2));  // releases 10.0.0.1
    EXPECT_EQ(quota.count(v4(10, 0, 0, 1)), 0);
  }
  EXPECT_EQ(quota.count(v4(10, 0, 0, 2)), 0);
  EXPECT_EQ(quota.tracked_addresses(), 0u) << "entries are erased at zero";
}

TEST(AddressQuotaTest, IPv6CountsPerSlash64) {
  AddressQuota quota(1);
  AddressSlot first = quota.try_acquire(v6(1, 1));
  EXPECT_TRUE(first.held());
  EXPECT_FALSE(quota.try_acquire(v6(1, 2)).held()) << "same /64, another host";
  EXPECT_TRUE(quota.try_acquire(v6(2, 1)).held()) << "another /64";
  EXPECT_EQ(quota_key(v4(192, 0, 2, 1)), v4(192, 0, 2, 1)) << "IPv4 is counted per address";
}

TEST(AddressQuotaTest, CountsStayExactAcrossThreads) {
  AddressQuota quota(1'000'000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&quota] {
      for (int i = 0; i < 10'000; ++i) {
        AddressSlot slot = quota.try_acquire(v4(127, 0, 0, 1));
        AddressSlot other = quota.try_acquire(v4(127, 0, 0, static_cast<std::uint8_t>(i % 7)));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(quota.tracked_addresses(), 0u);
}

}  // namespace
}  // namespace paddock::transport
