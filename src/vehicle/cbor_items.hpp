#pragma once
// vehicle/cbor_items: private helpers over libcbor items for the codecs in this module (owning
// handles, minimal-width integers, integer-keyed maps with duplicate detection).
#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vehicle/cose.hpp"

namespace paddock::vehicle::detail {

struct ItemFree {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemFree>;

// Loads strictly: well-formedness checked first, then libcbor, then no trailing bytes.
Item load(std::span<const std::uint8_t> data);
Bytes serialize(const cbor_item_t* item);

cbor_item_t* make_int(std::int64_t value);
cbor_item_t* make_bytes(std::span<const std::uint8_t> bytes);
cbor_item_t* make_text(std::string_view text);
void map_put(cbor_item_t* map, std::int64_t key, cbor_item_t* value);

std::optional<std::int64_t> as_int(const cbor_item_t* item);
std::optional<std::uint64_t> as_uint(const cbor_item_t* item);
std::optional<Bytes> as_bytes(const cbor_item_t* item, std::size_t max);
std::optional<std::string> as_text(const cbor_item_t* item, std::size_t max);
std::optional<double> as_number(const cbor_item_t* item);  // float or integer

// An integer-keyed map's entries; nullopt iff not a map, a key is not an integer, or a key repeats.
std::optional<std::vector<std::pair<std::int64_t, cbor_item_t*>>> int_map(const cbor_item_t* item);

}  // namespace paddock::vehicle::detail
