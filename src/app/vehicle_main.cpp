// paddock-vehicle: what a car's head unit would embed, as a command line for people and tests.
// Uses only the vehicle module (libsodium, libcbor) plus Boost.JSON to read the issuer keys file.
// Exit codes of `verify`: 0 allow, 1 deny, 2 bad input; of `report`: 0 written, 1 nothing to
// report, 2 bad input. File formats: docs/credentials.md.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "vehicle/credential.hpp"
#include "vehicle/decision.hpp"
#include "vehicle/report.hpp"
#include "vehicle/report_log.hpp"
#include "vehicle/state_store.hpp"

namespace {

using namespace paddock::vehicle;

constexpr int kExitAllow = 0, kExitDeny = 1, kExitBadInput = 2;
constexpr std::size_t kMaxInputFileBytes = 1024 * 1024;
constexpr std::int64_t kDefaultProofLifetimeSeconds = 20;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxInputFileBytes) return std::nullopt;
  }
  return data;
}

std::string trim(const std::string& text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

// Credential, proof and revocation files hold raw COSE bytes or their base64url text. Raw COSE
// starts with 0xd2 (tag 18), never a base64url character, so the two cannot be confused.
std::optional<Bytes> read_document(const std::string& path) {
  auto data = read_file(path);
  if (!data || data->empty()) return std::nullopt;
  if (static_cast<unsigned char>((*data)[0]) == 0xd2) return Bytes(data->begin(), data->end());
  return from_base64url(trim(*data));
}

std::optional<std::vector<IssuerKey>> read_issuer_keys(const std::string& path, std::string& error) {
  auto text = read_file(path);
  if (!text) {
    error = "cannot read issuer keys file";
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(*text, ec);
  const auto* keys = !ec && doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) {
    error = "issuer keys file is not {\"keys\": [...]}";
    return std::nullopt;
  }
  std::vector<IssuerKey> out;
  for (const auto& entry : keys->as_array()) {
    const auto* o = entry.if_object();
    auto field = [o](const char* name) -> std::optional<std::string> {
      const auto* v = o ? o->if_contains(name) : nullptr;
      if (!v || !v->is_string()) return std::nullopt;
      return std::string(v->as_string());
    };
    auto kid = field("kid");
    auto x = field("x");
    auto x_bytes = x ? from_base64url(*x) : std::nullopt;
    if (!kid || kid->empty() || field("alg") != "EdDSA" || field("crv") != "Ed25519" || !x_bytes ||
        x_bytes->size() != 32) {
      error = "issuer keys file has a key that is not {kid, alg: EdDSA, crv: Ed25519, x}";
      return std::nullopt;
    }
    IssuerKey key;
    key.kid.assign(kid->begin(), kid->end());  // kid travels as its UTF-8 bytes
    std::copy(x_bytes->begin(), x_bytes->end(), key.key.begin());
    out.push_back(std::move(key));
  }
  return out;
}

std::optional<Position> parse_position(const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) return std::nullopt;
  try {
    std::size_t used_lat = 0, used_lon = 0;
    const std::string lat_text = text.substr(0, comma), lon_text = text.substr(comma + 1);
    Position p{std::stod(lat_text, &used_lat), std::stod(lon_text, &used_lon)};
    if (used_lat != lat_text.size() || used_lon != lon_text.size() || !(p.lat >= -90 && p.lat <= 90) ||
        !(p.lon >= -180 && p.lon <= 180)) {
      return std::nullopt;
    }
    return p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int bad_input(const std::string& message) {
  std::fprintf(stderr, "paddock-vehicle: %s\n", message.c_str());
  return kExitBadInput;
}

void print_decision(const char* decision, std::string_view reason, const Bytes& cti) {
  boost::json::object line;
  line["decision"] = decision;
  line["reason"] = reason;
  line["credential_id"] = base64url(cti);
  std::cout << boost::json::serialize(line) << std::endl;
}

struct VerifyArgs {
  std::string issuer_keys, vehicle, credential, proof, action, position, revocations, state;
  std::optional<std::int64_t> now;
  std::optional<double> speed;
};

int run_verify(const VerifyArgs& a) {
  std::string error;
  auto keys = read_issuer_keys(a.issuer_keys, error);
  if (!keys) return bad_input(error);
  auto credential = read_document(a.credential);
  if (!credential) return bad_input("cannot read the credential (raw COSE or base64url)");
  auto proof = read_document(a.proof);
  if (!proof) return bad_input("cannot read the proof (raw COSE or base64url)");
  auto action = parse_action(a.action);
  if (!action) return bad_input("unknown action: " + a.action);
  std::optional<Position> position;
  if (!a.position.empty() && !(position = parse_position(a.position))) {
    return bad_input("--position must be LAT,LON in degrees");
  }
  if (a.speed && !(*a.speed >= 0 && *a.speed < 1000)) return bad_input("--speed out of range");
  CarState state;
  if (!a.state.empty()) {
    auto loaded = load_state(a.state, error);
    if (!loaded) return bad_input(error);
    state = std::move(*loaded);
  }
  Car car(std::move(*keys), a.vehicle, std::move(state));
  if (!a.revocations.empty()) {
    auto list = read_document(a.revocations);
    if (!list) return bad_input("cannot read the revocation list");
    switch (car.install_revocations(*list)) {
      case ListUpdate::installed: break;
      case ListUpdate::older_refused:
        std::fprintf(stderr, "paddock-vehicle: revocation list older than the one kept; ignored\n");
        break;
      case ListUpdate::bad_input: return bad_input("revocation list is malformed");
      case ListUpdate::unknown_issuer_key: return bad_input("revocation list: unknown issuer key");
      case ListUpdate::forged: return bad_input("revocation list: bad signature");
      case ListUpdate::wrong_vehicle: return bad_input("revocation list is for another vehicle");
    }
  }
  Request request;
  request.credential = *credential;
  request.proof = *proof;
  request.action = *action;
  request.now = a.now ? *a.now : static_cast<std::int64_t>(std::time(nullptr));
  if (!valid_clock(request.now)) return bad_input("--now must be UNIX seconds up to year 9999");
  request.position = position;
  request.speed_kmh = a.speed;
  const Decision decision = car.decide(request);
  // Counters, challenges and uses must be kept, or an allowed proof could be replayed.
  if (!a.state.empty() && !save_state(a.state, car.state(), error)) {
    print_decision("deny", to_string(Reason::bad_input), decision.credential_id);
    return bad_input(error);
  }
  // Every decision about a credential the car could read waits in the state directory for the
  // next signed report (paddock-vehicle report). Keeping it is best effort: the decision stands.
  if (!a.state.empty() && !decision.credential_id.empty()) {
    auto pending = load_pending(a.state, error);
    if (pending) {
      pending->add({decision.credential_id, *action, decision.reason, car.state().highest_time});
    }
    if (!pending || !save_pending(a.state, *pending, error)) {
      std::fprintf(stderr, "paddock-vehicle: decision not kept for the report: %s\n", error.c_str());
    }
  }
  print_decision(decision.allowed() ? "allow" : "deny", to_string(decision.reason),
                 decision.credential_id);
  if (decision.allowed()) return kExitAllow;
  return decision.reason == Reason::bad_input ? kExitBadInput : kExitDeny;
}

int run_challenge(const std::string& dir, std::optional<std::int64_t> now) {
  std::string error;
  auto state = load_state(dir, error);
  if (!state) return bad_input(error);
  Car car({}, "", std::move(*state));
  const std::int64_t clock = now ? *now : static_cast<std::int64_t>(std::time(nullptr));
  if (!valid_clock(clock)) return bad_input("--now must be UNIX seconds up to year 9999");
  const Bytes challenge = car.issue_challenge(clock);
  if (!save_state(dir, car.state(), error)) return bad_input(error);
  std::cout << base64url(challenge) << std::endl;
  return 0;
}

struct ProveArgs {
  std::string device_key, credential, action, challenge;
  std::optional<std::uint64_t> counter;
  std::optional<std::int64_t> now;
  std::int64_t lifetime = kDefaultProofLifetimeSeconds;
};

int run_prove(const ProveArgs& a) {
  auto key_text = read_file(a.device_key);
  auto key_bytes = key_text ? from_base64url(trim(*key_text)) : std::nullopt;
  auto key = key_bytes ? secret_key_from(*key_bytes) : std::nullopt;
  if (!key) return bad_input("device key file must hold a base64url Ed25519 seed (32 bytes) or secret key (64)");
  auto bytes = read_document(a.credential);
  if (!bytes) return bad_input("cannot read the credential");
  auto credential = parse_credential(*bytes);
  if (!credential) return bad_input(std::string("credential: ") + std::string(to_string(credential.error)));
  if (credential->claims.holder_key != public_key_of(*key)) {
    return bad_input("the device key is not the credential's holder key (cnf)");
  }
  auto action = parse_action(a.action);
  if (!action) return bad_input("unknown action: " + a.action);
  if (a.challenge.empty() == !a.counter.has_value()) return bad_input("give --challenge or --counter");
  ProofClaims claims;
  claims.credential_id = credential->claims.credential_id;
  claims.vehicle_id = credential->claims.vehicle_id;
  claims.action = *action;
  if (!a.challenge.empty()) {
    claims.challenge = from_base64url(a.challenge);
    if (!claims.challenge) return bad_input("--challenge must be base64url");
  }
  claims.counter = a.counter;
  const std::int64_t clock = a.now ? *a.now : static_cast<std::int64_t>(std::time(nullptr));
  if (!valid_clock(clock) || a.lifetime < 1 || a.lifetime > 3600) {
    return bad_input("--now must be UNIX seconds up to year 9999 and --lifetime 1 to 3600");
  }
  claims.expires = clock + a.lifetime;
  auto proof = encode_and_sign_proof(claims, *key);
  if (!proof) return bad_input(std::string("proof: ") + std::string(to_string(proof.error)));
  std::cout << base64url(*proof) << std::endl;
  return 0;
}

struct ReportArgs {
  std::string head_unit_key, head_unit_id, vehicle, state, out;
};

// Signs the oldest pending decisions; they leave the log only once the report is written out,
// so a report lost before that is signed again (under a new counter) next time.
int run_report(const ReportArgs& a) {
  auto key_text = read_file(a.head_unit_key);
  auto key_bytes = key_text ? from_base64url(trim(*key_text)) : std::nullopt;
  auto key = key_bytes ? secret_key_from(*key_bytes) : std::nullopt;
  if (!key) return bad_input("head unit key file must hold a base64url Ed25519 seed (32 bytes) or secret key (64)");
  std::string error;
  auto pending = load_pending(a.state, error);
  if (!pending) return bad_input(error);
  if (pending->entries.empty()) {
    std::fprintf(stderr, "paddock-vehicle: no decisions to report\n");
    return kExitDeny;
  }
  const Report report = pending->next_report(a.vehicle, a.head_unit_id);
  auto signed_report = encode_and_sign_report(report, *key);
  if (!signed_report) return bad_input(std::string("report: ") + std::string(to_string(signed_report.error)));
  if (a.out.empty()) {
    std::cout << base64url(*signed_report) << std::endl;
    if (!std::cout) return bad_input("cannot write the report");
  } else {
    std::ofstream file(a.out, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(signed_report->data()),
               static_cast<std::streamsize>(signed_report->size()));
    file.close();
    if (!file) return bad_input("cannot write the report to " + a.out);
  }
  pending->mark_sent(report);
  if (!save_pending(a.state, *pending, error)) return bad_input(error);
  std::fprintf(stderr, "paddock-vehicle: report %llu with %zu decisions\n",
               static_cast<unsigned long long>(report.counter), report.entries.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!init_sodium()) return bad_input("libsodium cannot be initialized");
  CLI::App cli{"paddock-vehicle: the car's side of Paddock digital keys"};
  cli.require_subcommand(1);

  VerifyArgs v;
  auto* verify_cmd = cli.add_subcommand("verify", "Decide whether a credential and proof allow an action");
  verify_cmd->add_option("--issuer-keys", v.issuer_keys, "JSON of GET /v1/issuer-keys")->required();
  verify_cmd->add_option("--vehicle", v.vehicle, "this car's vehicle id")->required();
  verify_cmd->add_option("--credential", v.credential, "credential file")->required();
  verify_cmd->add_option("--proof", v.proof, "proof file from the holder device")->required();
  verify_cmd->add_option("--action", v.action, "unlock, lock, open_trunk, start or drive")->required();
  verify_cmd->add_option("--now", v.now, "the car's clock, UNIX seconds (default: system clock)");
  verify_cmd->add_option("--position", v.position, "LAT,LON in degrees");
  verify_cmd->add_option("--speed", v.speed, "current speed in km/h");
  verify_cmd->add_option("--revocations", v.revocations, "signed revocation list file");
  verify_cmd->add_option("--state", v.state, "directory keeping clock, counters, uses, challenges");

  std::string challenge_dir;
  std::optional<std::int64_t> challenge_now;
  auto* challenge_cmd = cli.add_subcommand("challenge", "Print a fresh single-use challenge");
  challenge_cmd->add_option("--state", challenge_dir, "state directory")->required();
  challenge_cmd->add_option("--now", challenge_now, "the car's clock, UNIX seconds");

  ProveArgs p;
  auto* prove_cmd = cli.add_subcommand("prove", "The holder device's side: sign a proof for one action");
  prove_cmd->add_option("--device-key", p.device_key, "base64url Ed25519 seed or secret key")->required();
  prove_cmd->add_option("--credential", p.credential, "credential file")->required();
  prove_cmd->add_option("--action", p.action, "the action to ask for")->required();
  prove_cmd->add_option("--challenge", p.challenge, "challenge printed by the car");
  prove_cmd->add_option("--counter", p.counter, "a counter instead of a challenge (>= 1)");
  prove_cmd->add_option("--now", p.now, "the phone's clock, UNIX seconds");
  prove_cmd->add_option("--lifetime", p.lifetime, "seconds the proof stays valid")
      ->check(CLI::Range(std::int64_t{1}, kMaxProofLifetimeSeconds));

  ReportArgs r;
  auto* report_cmd = cli.add_subcommand(
      "report", "Sign the pending decisions as a report for POST /v1/vehicles/{id}/key-events");
  report_cmd->add_option("--head-unit-key", r.head_unit_key, "base64url Ed25519 seed or secret key")
      ->required();
  report_cmd->add_option("--head-unit-id", r.head_unit_id, "this head unit's id on the server")->required();
  report_cmd->add_option("--vehicle", r.vehicle, "this car's vehicle id")->required();
  report_cmd->add_option("--state", r.state, "the state directory verify keeps")->required();
  report_cmd->add_option("--out", r.out, "write the raw COSE report here (default: base64url on stdout)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kExitBadInput;
  }
  if (verify_cmd->parsed()) return run_verify(v);
  if (challenge_cmd->parsed()) return run_challenge(challenge_dir, challenge_now);
  if (report_cmd->parsed()) return run_report(r);
  return run_prove(p);
}
