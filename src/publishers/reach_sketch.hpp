#pragma once
// publishers/reach_sketch: how many distinct receivers a message reached, without a row per
// receiver and without naming anyone. Each receiver's user id is hashed (SipHash, libsodium's
// crypto_shorthash); up to kExactLimit distinct hashes are kept as such, so small counts are
// exact, and beyond that the sketch becomes a HyperLogLog of 2^12 registers (standard error
// 1.04/64, about 1.6%), the same size as the largest exact set. Sketches merge (set union), so
// every node and every fan-out of a message adds to one sketch and a receiver reached twice
// counts once. Text form (stored in the database): "E" or "D" then base64url. Depends on core.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::publishers {

class ReachSketch {
 public:
  static constexpr int kPrecision = 12;  // 2^12 registers
  static constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;
  static constexpr std::size_t kExactLimit = 512;  // 512 hashes take as many bytes as the registers

  void add_user(std::string_view user_id);
  void add_hash(std::uint64_t hash);
  void merge(const ReachSketch& other);

  // The number of distinct receivers: exact up to kExactLimit, estimated beyond.
  std::int64_t estimate() const;
  bool exact() const { return registers_.empty(); }

  std::string to_text() const;
  // An empty text is the empty sketch; nullopt iff `text` is not one to_text made.
  static std::optional<ReachSketch> from_text(std::string_view text);

 private:
  void become_dense();
  void add_to_registers(std::uint64_t hash);

  std::vector<std::uint64_t> hashes_;    // sorted, distinct; while exact
  std::vector<std::uint8_t> registers_;  // kRegisters of them once dense
};

}  // namespace paddock::publishers
