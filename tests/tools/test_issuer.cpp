// paddock_test_issuer: test-only. Issues a credential or a revocation list with the C++ codec
// (vehicle/credential) so that tests/integration/test_credential_interop.py can check that an
// implementation Paddock did not write reads them as docs/credentials.md says. Not installed, not
// part of the car's CLI; the server's issuance routes will call the same encoder.
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "vehicle/credential.hpp"

int main(int argc, char** argv) {
  using namespace paddock::vehicle;
  init_sodium();
  CLI::App cli{"test-only issuer for the credential interop tests"};
  std::string seed, kid, device, vehicle, vin, cti, actions, geofence, what = "credential";
  std::vector<std::string> revoked;
  Claims c;
  std::optional<std::uint32_t> max_speed, max_uses;
  std::uint64_t version = 1;
  cli.add_option("--issuer-seed", seed, "base64url 32-byte seed")->required();
  cli.add_option("--kid", kid)->required();
  cli.add_option("--vehicle", vehicle)->required();
  cli.add_option("--what", what, "credential or revocations");
  cli.add_option("--device-public", device, "base64url holder public key");
  cli.add_option("--cti", cti, "base64url credential id");
  cli.add_option("--vin", vin);
  cli.add_option("--actions", actions, "comma-separated");
  cli.add_option("--exp", c.expires);
  cli.add_option("--nbf", c.not_before);
  cli.add_option("--iat", c.issued_at);
  cli.add_option("--sub", c.subject);
  cli.add_option("--max-speed", max_speed);
  cli.add_option("--max-uses", max_uses);
  cli.add_option("--geofence", geofence, "LAT,LON,RADIUS_M");
  cli.add_option("--version", version, "revocation list version");
  cli.add_option("--revoked", revoked, "base64url credential ids");
  CLI11_PARSE(cli, argc, argv);

  auto seed_bytes = from_base64url(seed);
  auto key = seed_bytes ? secret_key_from(*seed_bytes) : std::nullopt;
  if (!key) return 2;
  const Bytes kid_bytes(kid.begin(), kid.end());
  Result<Bytes> out = CodecError::bad_claim;
  if (what == "revocations") {
    RevocationList list{version, vehicle, {}, c.issued_at};
    for (const auto& id : revoked) {
      auto bytes = from_base64url(id);
      if (!bytes) return 2;
      list.revoked.push_back(*bytes);
    }
    out = encode_and_sign_revocations(list, kid_bytes, *key);
  } else {
    auto device_key = from_base64url(device);
    auto cti_bytes = from_base64url(cti);
    if (!device_key || device_key->size() != 32 || !cti_bytes) return 2;
    std::copy(device_key->begin(), device_key->end(), c.holder_key.begin());
    c.issuer = "paddock";
    c.credential_id = *cti_bytes;
    c.vehicle_id = vehicle;
    c.vin = vin;
    std::stringstream names(actions);
    for (std::string name; std::getline(names, name, ',');) {
      auto action = parse_action(name);
      if (!action) return 2;
      c.rights.grant(*action);
    }
    c.rights.max_speed_kmh = max_speed;
    c.rights.max_uses = max_uses;
    if (!geofence.empty()) {
      Geofence g;
      char comma1 = 0, comma2 = 0;
      std::istringstream in(geofence);
      if (!(in >> g.lat >> comma1 >> g.lon >> comma2 >> g.radius_m)) return 2;
      c.rights.geofence = g;
    }
    out = encode_and_sign(c, kid_bytes, *key);
  }
  if (!out) {
    std::cerr << "test_issuer: " << to_string(out.error) << "\n";
    return 2;
  }
  std::cout << base64url(*out) << std::endl;
  return 0;
}
