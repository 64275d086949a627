#include "vehicle/cose.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "vehicle/cbor_items.hpp"

namespace paddock::vehicle {

std::string_view to_string(CodecError error) {
  switch (error) {
    case CodecError::none: return "none";
    case CodecError::too_large: return "too_large";
    case CodecError::not_cbor: return "not_cbor";
    case CodecError::not_cose_sign1: return "not_cose_sign1";
    case CodecError::bad_header: return "bad_header";
    case CodecError::bad_payload: return "bad_payload";
    case CodecError::bad_claim: return "bad_claim";
    case CodecError::missing_claim: return "missing_claim";
  }
  return "unknown";
}

namespace {

bool scan(const std::uint8_t*& p, const std::uint8_t* end, int depth) {
  if (depth > kMaxCborDepth || p >= end) return false;
  const std::uint8_t initial = *p++;
  const int major = initial >> 5;
  const int info = initial & 0x1f;
  std::uint64_t arg = 0;
  if (info < 24) {
    arg = static_cast<std::uint64_t>(info);
  } else if (info <= 27) {
    const std::size_t width = std::size_t{1} << (info - 24);
    if (static_cast<std::size_t>(end - p) < width) return false;
    for (std::size_t i = 0; i < width; ++i) arg = (arg << 8) | *p++;
  } else {
    return false;  // reserved, or indefinite length (31), which we refuse
  }
  const auto remaining = static_cast<std::uint64_t>(end - p);
  switch (major) {
    case 0:
    case 1: return true;
    case 2:
    case 3:
      if (arg > remaining) return false;
      p += arg;
      return true;
    case 4:
      if (arg > remaining) return false;  // every element takes at least one byte
      for (std::uint64_t i = 0; i < arg; ++i) {
        if (!scan(p, end, depth + 1)) return false;
      }
      return true;
    case 5:
      if (arg > remaining / 2) return false;
      for (std::uint64_t i = 0; i < 2 * arg; ++i) {
        if (!scan(p, end, depth + 1)) return false;
      }
      return true;
    case 6: return scan(p, end, depth + 1);
    default: return info != 24 || arg >= 32;  // simple values below 32 use the short form
  }
}

void put_head(Bytes& out, int major, std::uint64_t value) {
  const auto m = static_cast<std::uint8_t>(major << 5);
  if (value < 24) {
    out.push_back(m | static_cast<std::uint8_t>(value));
    return;
  }
  int width = value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= 0xffffffffULL ? 4 : 8;
  out.push_back(m | static_cast<std::uint8_t>(width == 1 ? 24 : width == 2 ? 25 : width == 4 ? 26 : 27));
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put_bytes(Bytes& out, int major, std::span<const std::uint8_t> bytes) {
  put_head(out, major, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

bool strictly_well_formed(std::span<const std::uint8_t> data) {
  const std::uint8_t* p = data.data();
  const std::uint8_t* end = p + data.size();
  return scan(p, end, 0) && p == end;
}

namespace detail {

Item load(std::span<const std::uint8_t> data) {
  if (data.empty() || !strictly_well_formed(data)) return nullptr;
  cbor_load_result result{};
  Item item(cbor_load(data.data(), data.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != data.size()) return nullptr;
  return item;
}

Bytes serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  std::size_t capacity = 0;
  const std::size_t length = cbor_serialize_alloc(item, &buffer, &capacity);
  Bytes out(buffer, buffer + length);
  free(buffer);
  return out;
}

cbor_item_t* make_int(std::int64_t value) {
  // libcbor writes an item at its declared width; pick the smallest so encodings are minimal.
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) : static_cast<std::uint64_t>(value);
  if (magnitude <= 0xff) {
    return negative ? cbor_build_negint8(static_cast<std::uint8_t>(magnitude))
                    : cbor_build_uint8(static_cast<std::uint8_t>(magnitude));
  }
  if (magnitude <= 0xffff) {
    return negative ? cbor_build_negint16(static_cast<std::uint16_t>(magnitude))
                    : cbor_build_uint16(static_cast<std::uint16_t>(magnitude));
  }
  if (magnitude <= 0xffffffffULL) {
    return negative ? cbor_build_negint32(static_cast<std::uint32_t>(magnitude))
                    : cbor_build_uint32(static_cast<std::uint32_t>(magnitude));
  }
  return negative ? cbor_build_negint64(magnitude) : cbor_build_uint64(magnitude);
}

cbor_item_t* make_bytes(std::span<const std::uint8_t> bytes) {
  return cbor_build_bytestring(bytes.data(), bytes.size());
}

cbor_item_t* make_text(std::string_view text) { return cbor_build_stringn(text.data(), text.size()); }

void map_put(cbor_item_t* map, std::int64_t key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{cbor_move(make_int(key)), cbor_move(value)});
}

std::optional<std::uint64_t> as_uint(const cbor_item_t* item) {
  if (!cbor_isa_uint(item)) return std::nullopt;
  return cbor_get_int(item);
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
  if (!cbor_isa_uint(item) && !cbor_isa_negint(item)) return std::nullopt;
  const std::uint64_t raw = cbor_get_int(item);
  if (raw > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return cbor_isa_uint(item) ? static_cast<std::int64_t>(raw) : -1 - static_cast<std::int64_t>(raw);
}

std::optional<Bytes> as_bytes(const cbor_item_t* item, std::size_t max) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
  const std::size_t length = cbor_bytestring_length(item);
  if (length > max) return std::nullopt;
  const unsigned char* data = cbor_bytestring_handle(item);
  return Bytes(data, data + length);
}

std::optional<std::string> as_text(const cbor_item_t* item, std::size_t max) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  const std::size_t length = cbor_string_length(item);
  if (length > max) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), length);
}

std::optional<double> as_number(const cbor_item_t* item) {
  if (cbor_isa_float_ctrl(item) && !cbor_float_ctrl_is_ctrl(item)) {
    return cbor_float_get_float(item);
  }
  if (auto i = as_int(item)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::int64_t, cbor_item_t*>>> int_map(const cbor_item_t* item) {
  if (!cbor_isa_map(item) || !cbor_map_is_definite(item)) return std::nullopt;
  std::vector<std::pair<std::int64_t, cbor_item_t*>> entries;
  const cbor_pair* pairs = cbor_map_handle(item);
  for (std::size_t i = 0; i < cbor_map_size(item); ++i) {
    auto key = as_int(pairs[i].key);
    if (!key) return std::nullopt;
    for (const auto& [seen, _] : entries) {
      if (seen == *key) return std::nullopt;
    }
    entries.emplace_back(*key, pairs[i].value);
  }
  return entries;
}

}  // namespace detail

Result<Sign1> parse_sign1(std::span<const std::uint8_t> data, std::size_t max_bytes) {
  using namespace detail;
  if (data.size() > max_bytes) return CodecError::too_large;
  if (data.empty() || !strictly_well_formed(data)) return CodecError::not_cbor;
  // libcbor 0.8 (Debian 12) refuses tags 6..20 as "unassigned", so the tag head (0xd2, tag 18 in
  // its only minimal form) is checked here and the array under it is loaded on its own.
  if (data[0] != 0xd2) return CodecError::not_cose_sign1;
  Item array = load(data.subspan(1));
  if (!array) return CodecError::not_cbor;
  if (!cbor_isa_array(array.get()) || cbor_array_size(array.get()) != 4) {
    return CodecError::not_cose_sign1;
  }
  cbor_item_t** parts = cbor_array_handle(array.get());
  Sign1 out;
  auto protected_bytes = as_bytes(parts[0], max_bytes);
  auto payload = as_bytes(parts[2], max_bytes);
  auto signature = as_bytes(parts[3], crypto_sign_BYTES);
  if (!protected_bytes || !payload || !signature || signature->size() != crypto_sign_BYTES ||
      !cbor_isa_map(parts[1])) {
    return CodecError::not_cose_sign1;
  }
  // Everything security-relevant is protected; an unprotected header could only mislead.
  if (cbor_map_size(parts[1]) != 0) return CodecError::bad_header;
  Item header = load(*protected_bytes);
  if (!header) return CodecError::bad_header;
  auto labels = int_map(header.get());
  if (!labels) return CodecError::bad_header;
  bool has_alg = false;
  for (const auto& [label, value] : *labels) {
    if (label == 1) {
      if (as_int(value) != kAlgEdDSA) return CodecError::bad_header;
      has_alg = true;
    } else if (label == 3) {
      out.content_type = as_text(value, 128);
      if (!out.content_type) return CodecError::bad_header;
    } else if (label == 4) {
      out.kid = as_bytes(value, kMaxKidBytes);
      if (!out.kid) return CodecError::bad_header;
    } else {
      return CodecError::bad_header;  // crit (2) and anything we do not know: refused
    }
  }
  if (!has_alg) return CodecError::bad_header;
  out.protected_bytes = std::move(*protected_bytes);
  out.payload = std::move(*payload);
  out.signature = std::move(*signature);
  return out;
}

Bytes sig_structure(std::span<const std::uint8_t> protected_bytes,
                    std::span<const std::uint8_t> payload) {
  static constexpr std::string_view kContext = "Signature1";
  Bytes out;
  out.reserve(16 + protected_bytes.size() + payload.size());
  out.push_back(0x84);
  put_bytes(out, 3, {reinterpret_cast<const std::uint8_t*>(kContext.data()), kContext.size()});
  put_bytes(out, 2, protected_bytes);
  put_bytes(out, 2, {});
  put_bytes(out, 2, payload);
  return out;
}

bool verify_sign1(const Sign1& sign1, const PublicKey& key) {
  if (sign1.signature.size() != crypto_sign_BYTES) return false;
  const Bytes message = sig_structure(sign1.protected_bytes, sign1.payload);
  return crypto_sign_verify_detached(sign1.signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

Bytes sign1(std::span<const std::uint8_t> payload, std::optional<std::span<const std::uint8_t>> kid,
            std::optional<std::string_view> content_type, const SecretKey& key) {
  using namespace detail;
  Item header(cbor_new_definite_map(3));
  map_put(header.get(), 1, make_int(kAlgEdDSA));
  if (content_type) map_put(header.get(), 3, make_text(*content_type));
  if (kid) map_put(header.get(), 4, make_bytes(*kid));
  const Bytes protected_bytes = serialize(header.get());
  const Bytes message = sig_structure(protected_bytes, payload);
  Bytes signature(crypto_sign_BYTES);
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), key.data());

  Item array(cbor_new_definite_array(4));
  cbor_array_push(array.get(), cbor_move(make_bytes(protected_bytes)));
  cbor_array_push(array.get(), cbor_move(cbor_new_definite_map(0)));
  cbor_array_push(array.get(), cbor_move(make_bytes(payload)));
  cbor_array_push(array.get(), cbor_move(make_bytes(signature)));
  Item tagged(cbor_build_tag(18, array.get()));
  return serialize(tagged.get());
}

std::string base64url(std::span<const std::uint8_t> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<Bytes> from_base64url(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 1);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::optional<SecretKey> secret_key_from(std::span<const std::uint8_t> seed_or_secret) {
  SecretKey key{};
  if (seed_or_secret.size() == crypto_sign_SEEDBYTES) {
    PublicKey pk{};
    crypto_sign_seed_keypair(pk.data(), key.data(), seed_or_secret.data());
    return key;
  }
  if (seed_or_secret.size() == crypto_sign_SECRETKEYBYTES) {
    std::copy(seed_or_secret.begin(), seed_or_secret.end(), key.begin());
    // The public half must be the one the seed derives, or signatures would not verify.
    SecretKey rebuilt{};
    PublicKey pk{};
    crypto_sign_seed_keypair(pk.data(), rebuilt.data(), key.data());
    if (rebuilt != key) return std::nullopt;
    return key;
  }
  return std::nullopt;
}

PublicKey public_key_of(const SecretKey& key) {
  PublicKey out{};
  crypto_sign_ed25519_sk_to_pk(out.data(), key.data());
  return out;
}

bool init_sodium() { return sodium_init() >= 0; }

}  // namespace paddock::vehicle
