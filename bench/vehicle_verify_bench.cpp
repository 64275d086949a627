// Car-side verification rate (issue 8): Car::decide on a signed credential and a fresh counter
// proof (two Ed25519 verifications plus CBOR parsing and the checks), next to libsodium's raw
// crypto_sign_verify_detached on a message of the credential's size, in the same run. The limit
// for decide is half the raw rate.
//   cmake --build build/release --target paddock_microbench
//   build/release/paddock_microbench --benchmark_filter=Vehicle
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <vector>

#include "vehicle/credential.hpp"
#include "vehicle/decision.hpp"

namespace {

using namespace paddock::vehicle;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::size_t kProofBatch = 4096;

SecretKey key(std::uint8_t b) {
  init_sodium();
  return *secret_key_from(Bytes(32, b));
}

Claims claims(const SecretKey& device) {
  Claims c;
  c.issuer = "paddock";
  c.subject = "usr_bench";
  c.not_before = kNow - 60;
  c.issued_at = kNow - 60;
  c.expires = kNow + 3600;
  c.credential_id = Bytes(16, 0xab);
  c.holder_key = public_key_of(device);
  c.vehicle_id = "veh_bench";
  c.vin = "WVWZZZ1JZXW000001";
  c.rights.grant(Action::unlock);
  c.rights.grant(Action::drive);
  c.rights.max_speed_kmh = 90;
  c.rights.geofence = Geofence{48.1375, 11.575, 500};
  return c;
}

void BM_VehicleRawEd25519Verify(benchmark::State& state) {
  const SecretKey issuer = key(1);
  const PublicKey pk = public_key_of(issuer);
  Bytes message(300, 0x5a);
  Bytes signature(crypto_sign_BYTES);
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), issuer.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crypto_sign_verify_detached(signature.data(), message.data(), message.size(), pk.data()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VehicleRawEd25519Verify);

void BM_VehicleCarDecide(benchmark::State& state) {
  const SecretKey issuer = key(1), device = key(3);
  const Bytes kid = {'k', '1'};
  const Claims c = claims(device);
  const Bytes credential = *encode_and_sign(c, kid, issuer);
  Car car({{kid, public_key_of(issuer)}}, c.vehicle_id);
  std::uint64_t counter = 0;
  std::vector<Bytes> proofs;
  std::size_t next = 0;
  auto refill = [&] {
    proofs.clear();
    for (std::size_t i = 0; i < kProofBatch; ++i) {
      ProofClaims p{c.credential_id, c.vehicle_id, Action::drive, std::nullopt, ++counter, kNow + 20};
      proofs.push_back(*encode_and_sign_proof(p, device));
    }
    next = 0;
  };
  refill();
  std::int64_t allowed = 0;
  for (auto _ : state) {
    if (next == proofs.size()) {
      state.PauseTiming();
      refill();
      state.ResumeTiming();
    }
    const Decision d = car.decide(
        {credential, proofs[next++], Action::drive, kNow, Position{48.1375, 11.575}, 30.0});
    allowed += d.allowed();
  }
  if (allowed != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("denied");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VehicleCarDecide);

}  // namespace
