#include "publishers/reach_sketch.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/encoding.hpp"

namespace paddock::publishers {
namespace {

// A fixed key: the hash only has to spread ids evenly, not keep them secret (the sketch is
// never shown; its count is).
constexpr unsigned char kHashKey[crypto_shorthash_KEYBYTES] = {'p', 'a', 'd', 'd', 'o', 'c',
                                                                'k', '-', 'r', 'e', 'a', 'c',
                                                                'h', '-', 'v', '1'};

}  // namespace

void ReachSketch::add_user(std::string_view user_id) {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(user_id.data()), user_id.size(),
                   kHashKey);
  std::uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | out[i];
  add_hash(hash);
}

void ReachSketch::add_hash(std::uint64_t hash) {
  if (!registers_.empty()) return add_to_registers(hash);
  auto at = std::lower_bound(hashes_.begin(), hashes_.end(), hash);
  if (at != hashes_.end() && *at == hash) return;
  hashes_.insert(at, hash);
  if (hashes_.size() > kExactLimit) become_dense();
}

void ReachSketch::merge(const ReachSketch& other) {
  if (!other.registers_.empty()) {
    if (registers_.empty()) become_dense();
    for (std::size_t i = 0; i < kRegisters; ++i) {
      registers_[i] = std::max(registers_[i], other.registers_[i]);
    }
    return;
  }
  if (!registers_.empty()) {
    for (auto h : other.hashes_) add_to_registers(h);
    return;
  }
  std::vector<std::uint64_t> both;
  both.reserve(hashes_.size() + other.hashes_.size());
  std::set_union(hashes_.begin(), hashes_.end(), other.hashes_.begin(), other.hashes_.end(),
                 std::back_inserter(both));
  hashes_ = std::move(both);
  if (hashes_.size() > kExactLimit) become_dense();
}

std::int64_t ReachSketch::estimate() const {
  if (registers_.empty()) return static_cast<std::int64_t>(hashes_.size());
  // Flajolet et al. (2007), with linear counting while many registers are still empty.
  constexpr double m = static_cast<double>(kRegisters);
  double sum = 0;
  std::size_t zeros = 0;
  for (auto r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0 ? 1 : 0;
  }
  double alpha = 0.7213 / (1.0 + 1.079 / m);
  double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros > 0) raw = m * std::log(m / static_cast<double>(zeros));
  return std::llround(raw);
}

std::string ReachSketch::to_text() const {
  if (registers_.empty()) {
    if (hashes_.empty()) return "";
    Bytes bytes(hashes_.size() * 8);
    for (std::size_t i = 0; i < hashes_.size(); ++i) {
      for (int b = 0; b < 8; ++b) bytes[i * 8 + b] = static_cast<std::uint8_t>(hashes_[i] >> (56 - 8 * b));
    }
    std::string text = "E";
    text += base64url_encode(bytes);
    return text;
  }
  std::string text = "D";
  text += base64url_encode(registers_);
  return text;
}

std::optional<ReachSketch> ReachSketch::from_text(std::string_view text) {
  ReachSketch sketch;
  if (text.empty()) return sketch;
  auto bytes = base64url_decode(text.substr(1));
  if (!bytes) return std::nullopt;
  if (text[0] == 'D') {
    if (bytes->size() != kRegisters) return std::nullopt;
    for (auto r : *bytes) {
      if (r > 64 - kPrecision + 1) return std::nullopt;
    }
    sketch.registers_ = std::move(*bytes);
    return sketch;
  }
  if (text[0] != 'E' || bytes->size() % 8 != 0 || bytes->size() / 8 > kExactLimit) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < bytes->size(); i += 8) {
    std::uint64_t hash = 0;
    for (int b = 0; b < 8; ++b) hash = (hash << 8) | (*bytes)[i + b];
    if (!sketch.hashes_.empty() && hash <= sketch.hashes_.back()) return std::nullopt;
    sketch.hashes_.push_back(hash);
  }
  return sketch;
}

void ReachSketch::become_dense() {
  registers_.assign(kRegisters, 0);
  for (auto h : hashes_) add_to_registers(h);
  hashes_.clear();
  hashes_.shrink_to_fit();
}

void ReachSketch::add_to_registers(std::uint64_t hash) {
  // The top bits choose the register; the rest's leading zeros (plus one) are its candidate.
  std::size_t index = hash >> (64 - kPrecision);
  std::uint64_t rest = (hash << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
  auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

}  // namespace paddock::publishers
