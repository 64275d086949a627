#include "publishers/publisher_id.hpp"

#include <array>
#include <utility>

#include "core/encoding.hpp"

namespace paddock::publishers {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kPrefixes = {{
    {"dealer", "DL"},
    {"insurer", "IN"},
    {"charging", "CH"},
    {"repair", "RP"},
    {"parking", "PK"},
    {"other", "OT"},
}};
constexpr std::size_t kDigits = 16;

}  // namespace

std::optional<std::string_view> kind_prefix(std::string_view kind) {
  for (const auto& [k, prefix] : kPrefixes) {
    if (k == kind) return prefix;
  }
  return std::nullopt;
}

char luhn_check_digit(std::string_view digits) {
  // Doubling every second digit from the right (the check digit's neighbour first) catches
  // every single-digit error and most transpositions.
  int sum = 0;
  bool twice = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string mint_publisher_id(std::string_view kind) {
  std::string id(kind_prefix(kind).value_or("OT"));
  // Rejection sampling keeps each digit uniform (256 is not a multiple of 10).
  std::string digits;
  while (digits.size() < kDigits - 1) {
    for (auto b : random_bytes(32)) {
      if (b < 250 && digits.size() < kDigits - 1) digits.push_back(static_cast<char>('0' + b % 10));
    }
  }
  id += digits;
  id.push_back(luhn_check_digit(digits));
  return id;
}

bool valid_publisher_id(std::string_view text) {
  if (text.size() != 2 + kDigits) return false;
  bool known = false;
  for (const auto& [k, prefix] : kPrefixes) known = known || text.substr(0, 2) == prefix;
  if (!known) return false;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return luhn_check_digit(text.substr(2, kDigits - 1)) == text.back();
}

}  // namespace paddock::publishers
