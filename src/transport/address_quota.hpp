#pragma once
// transport/address_quota: how many connections each client address holds, so that one address
// cannot take every connection slot. Shared by all I/O threads (one mutex'd map: a lookup per
// accepted connection, nothing per request). No Boost: addresses are 16 bytes, IPv4 mapped.
#include <array>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace paddock::transport {

using Address16 = std::array<std::uint8_t, 16>;

// What one client is counted as: an IPv4 address, or an IPv6 /64 (the smallest block a site is
// normally given, so a host cannot escape the limit by cycling through its own addresses).
Address16 quota_key(const Address16& address);

class AddressQuota;

// One counted connection; releases its count when released or destroyed. Movable, not copyable.
class AddressSlot {
 public:
  AddressSlot() = default;
  AddressSlot(AddressSlot&& other) noexcept;
  AddressSlot& operator=(AddressSlot&& other) noexcept;
  AddressSlot(const AddressSlot&) = delete;
  AddressSlot& operator=(const AddressSlot&) = delete;
  ~AddressSlot() { release(); }

  // Gives the count back; idempotent.
  void release();
  bool held() const { return quota_ != nullptr; }

 private:
  friend class AddressQuota;
  AddressSlot(AddressQuota* quota, const Address16& key) : quota_(quota), key_(key) {}
  AddressQuota* quota_ = nullptr;
  Address16 key_{};
};

class AddressQuota {
 public:
  explicit AddressQuota(int limit_per_address) : limit_(limit_per_address) {}

  // Counts a connection from `address` (any address of its quota_key). Returns a held slot, or
  // an empty one iff the address already holds the limit.
  AddressSlot try_acquire(const Address16& address);

  // Connections `address` holds now (for tests and logs).
  int count(const Address16& address) const;
  // Addresses holding at least one connection: entries are erased at zero, so this is bounded
  // by the open connections.
  std::size_t tracked_addresses() const;

 private:
  friend class AddressSlot;
  void release(const Address16& key);

  struct Hash {
    std::size_t operator()(const Address16& a) const noexcept;
  };
  const int limit_;
  mutable std::mutex mutex_;
  std::unordered_map<Address16, int, Hash> counts_;
};

}  // namespace paddock::transport
