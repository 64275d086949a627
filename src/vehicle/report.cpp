#include "vehicle/report.hpp"

#include <cstdint>

#include "vehicle/cbor_items.hpp"

namespace paddock::vehicle {

using namespace detail;

namespace {

constexpr int kLastReason = static_cast<int>(Reason::used_up);

bool valid_id(std::string_view id) { return !id.empty() && id.size() <= kMaxHeadUnitIdBytes; }
bool valid_cti(const Bytes& cti) {
  return cti.size() >= kMinCtiBytes && cti.size() <= kMaxCtiBytes;
}

// Entry keys 1..4, each exactly once.
std::optional<ReportEntry> parse_entry(const cbor_item_t* item) {
  auto fields = int_map(item);
  if (!fields || fields->size() != 4) return std::nullopt;
  ReportEntry e;
  for (const auto& [key, value] : *fields) {
    if (key == kEntryCti) {
      auto v = as_bytes(value, kMaxCtiBytes);
      if (!v || !valid_cti(*v)) return std::nullopt;
      e.credential_id = std::move(*v);
    } else if (key == kEntryAction) {
      auto v = as_text(value, 32);
      auto a = v ? parse_action(*v) : std::nullopt;
      if (!a) return std::nullopt;
      e.action = *a;
    } else if (key == kEntryReason) {
      auto v = as_text(value, 32);
      auto r = v ? parse_reason(*v) : std::nullopt;
      if (!r) return std::nullopt;
      e.reason = *r;
    } else if (key == kEntryAt) {
      auto v = as_int(value);
      if (!v) return std::nullopt;
      e.at = *v;
    } else {
      return std::nullopt;
    }
  }
  return e;
}

}  // namespace

std::optional<Reason> parse_reason(std::string_view name) {
  for (int i = 0; i <= kLastReason; ++i) {
    if (to_string(static_cast<Reason>(i)) == name) return static_cast<Reason>(i);
  }
  return std::nullopt;
}

Result<Bytes> encode_and_sign_report(const Report& report, const SecretKey& head_unit_key) {
  if (!valid_id(report.vehicle_id) || !valid_id(report.head_unit_id) || report.counter == 0 ||
      report.counter > static_cast<std::uint64_t>(INT64_MAX) || report.entries.empty() ||
      report.entries.size() > kMaxReportEntries) {
    return CodecError::bad_claim;
  }
  for (const auto& e : report.entries) {
    if (!valid_cti(e.credential_id)) return CodecError::bad_claim;
  }
  Item map(cbor_new_definite_map(4));
  map_put(map.get(), kReportVehicle, make_text(report.vehicle_id));
  map_put(map.get(), kReportHeadUnit, make_text(report.head_unit_id));
  map_put(map.get(), kReportCounter, make_int(static_cast<std::int64_t>(report.counter)));
  cbor_item_t* entries = cbor_new_definite_array(report.entries.size());
  for (const auto& e : report.entries) {
    cbor_item_t* entry = cbor_new_definite_map(4);
    map_put(entry, kEntryCti, make_bytes(e.credential_id));
    map_put(entry, kEntryAction, make_text(to_string(e.action)));
    map_put(entry, kEntryReason, make_text(to_string(e.reason)));
    map_put(entry, kEntryAt, make_int(e.at));
    cbor_array_push(entries, cbor_move(entry));
  }
  map_put(map.get(), kReportEntries, entries);
  const Bytes payload = serialize(map.get());
  if (payload.size() + 256 > kMaxReportBytes) return CodecError::too_large;
  return sign1(payload, std::nullopt, kReportContentType, head_unit_key);
}

Result<SignedReport> parse_report(std::span<const std::uint8_t> bytes) {
  auto sign1 = parse_sign1(bytes, kMaxReportBytes);
  if (!sign1) return sign1.error;
  if (sign1->kid || sign1->content_type != kReportContentType) return CodecError::bad_header;
  Item payload = load(sign1->payload);
  if (!payload) return CodecError::bad_payload;
  auto fields = int_map(payload.get());
  if (!fields) return CodecError::bad_payload;
  SignedReport out;
  Report& r = out.report;
  bool vehicle = false, head_unit = false, counter = false, entries = false;
  for (const auto& [key, value] : *fields) {
    if (key == kReportVehicle) {
      auto v = as_text(value, kMaxHeadUnitIdBytes);
      if (!v || !valid_id(*v)) return CodecError::bad_claim;
      r.vehicle_id = std::move(*v);
      vehicle = true;
    } else if (key == kReportHeadUnit) {
      auto v = as_text(value, kMaxHeadUnitIdBytes);
      if (!v || !valid_id(*v)) return CodecError::bad_claim;
      r.head_unit_id = std::move(*v);
      head_unit = true;
    } else if (key == kReportCounter) {
      auto v = as_uint(value);
      if (!v || *v == 0 || *v > static_cast<std::uint64_t>(INT64_MAX)) return CodecError::bad_claim;
      r.counter = *v;
      counter = true;
    } else if (key == kReportEntries) {
      if (!cbor_isa_array(value) || !cbor_array_is_definite(value)) return CodecError::bad_claim;
      const std::size_t n = cbor_array_size(value);
      if (n == 0 || n > kMaxReportEntries) return CodecError::bad_claim;
      for (std::size_t i = 0; i < n; ++i) {
        auto entry = parse_entry(cbor_array_handle(value)[i]);
        if (!entry) return CodecError::bad_claim;
        r.entries.push_back(std::move(*entry));
      }
      entries = true;
    } else {
      return CodecError::bad_claim;
    }
  }
  if (!vehicle || !head_unit || !counter || !entries) return CodecError::missing_claim;
  out.sign1 = std::move(*sign1);
  return out;
}

}  // namespace paddock::vehicle
