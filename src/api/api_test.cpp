// Router, JSON input, query parameters and problem documents: the pieces every handler uses.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <utility>

#include "api/app.hpp"
#include "api/dispatcher.hpp"
#include "api/json_input.hpp"
#include "api/problem.hpp"
#include "api/query.hpp"
#include "api/router.hpp"
#include "api/utf8.hpp"
#include "devices/errors.hpp"
#include "identity/errors.hpp"
#include "sharing/errors.hpp"

namespace paddock::api {
namespace {

TEST(Router, MatchesTemplatesAndCapturesParameters) {
  Router router;
  int hit = 0;
  router.add(Method::get, "/v1/devices", [&](Request&, Responder) { hit = 1; });
  router.add(Method::del, "/v1/devices/{id}", [&](Request&, Responder) { hit = 2; });
  router.add(Method::patch, "/v1/vehicles/{id}/messages/{messageId}",
             [&](Request&, Responder) { hit = 3; });

  struct Row { const char* name; Method method; const char* path; int route; bool found;
               std::vector<std::string> params; const char* allow; };
  const std::vector<Row> rows = {
      {"literal", Method::get, "/v1/devices", 0, true, {}, ""},
      {"one parameter", Method::del, "/v1/devices/dev_1", 1, true, {"dev_1"}, ""},
      {"two parameters", Method::patch, "/v1/vehicles/v/messages/m", 2, true, {"v", "m"}, ""},
      {"wrong method lists the allowed one", Method::post, "/v1/devices/dev_1", 1, false, {},
       "DELETE"},
      {"empty parameter does not match", Method::del, "/v1/devices/", 3, false, {}, ""},
      {"trailing segment", Method::get, "/v1/devices/x/y", 3, false, {}, ""},
      {"unknown", Method::get, "/nope", 3, false, {}, ""},
      {"not a path", Method::get, "v1/devices", 3, false, {}, ""},
  };
  for (const auto& row : rows) {
    auto m = router.match(row.method, row.path);
    EXPECT_EQ(m.handler != nullptr, row.found) << row.name;
    EXPECT_EQ(m.route, static_cast<std::size_t>(row.route)) << row.name;
    if (row.found) {
      EXPECT_EQ(m.params, row.params) << row.name;
      EXPECT_EQ(m.entry, static_cast<std::size_t>(row.route)) << row.name;
    }
    EXPECT_EQ(m.allow, row.allow) << row.name;
  }
  EXPECT_EQ(router.templates().size(), 3u);
}

// A bearer check standing in for the identity service: "Bearer good" is user usr_1.
struct FakeSession {
  std::string user_id;
  std::string token_hash;
};
Result<FakeSession> fake_bearer(std::string_view authorization) {
  if (authorization != "Bearer good") return make_error(Errc::unauthorized, "bad token");
  return FakeSession{"usr_1", "hash_1"};
}

struct DispatchOutcome {
  int status = 0;
  std::string body;
  std::vector<std::string> challenges;  // WWW-Authenticate values
  bool handler_ran = false;
  Principal seen;
};

DispatchOutcome dispatch_one(AuthScheme scheme, std::string authorization) {
  DispatchOutcome out;
  Dispatcher dispatcher([](AuthScheme s, const Request& r) {
    return authenticate_with(s, r, fake_bearer);
  });
  dispatcher.add(Method::get, "/thing/{id}", scheme, [&](Request& req, Responder respond) {
    out.handler_ran = true;
    out.seen = req.principal;
    respond(Response{200, "", "", {}, nullptr});
  });
  Request request;
  request.method = Method::get;
  request.path = "/thing/t1";
  request.headers.add("Authorization", authorization);
  Responder respond(
      [&](Response r) {
        out.status = r.status;
        out.body = std::move(r.body);
        for (auto& [k, v] : r.headers) {
          if (k == "WWW-Authenticate") out.challenges.push_back(v);
        }
      },
      "req_d");
  dispatcher.dispatch(request, std::move(respond));
  return out;
}

TEST(Dispatcher, AppliesTheRouteSchemeBeforeTheHandler) {
  struct Row { const char* name; AuthScheme scheme; const char* authorization; int status;
               bool handler_ran; const char* user_id; };
  const std::vector<Row> rows = {
      {"none runs without credentials", AuthScheme::none, "", 200, true, ""},
      {"none ignores a bad token", AuthScheme::none, "Bearer bad", 200, true, ""},
      {"user without a token", AuthScheme::user, "", 401, false, ""},
      {"user with a bad token", AuthScheme::user, "Bearer bad", 401, false, ""},
      {"user with a good token", AuthScheme::user, "Bearer good", 200, true, "usr_1"},
      {"publisher is not offered yet", AuthScheme::publisher, "Bearer good", 401, false, ""},
      // Without their checkers (the App's), these schemes close the route.
      {"charge point without a later check", AuthScheme::charge_point, "Basic eDp5", 401, false,
       ""},
      {"vehicle platform without its check", AuthScheme::vehicle_platform, "Bearer good", 401,
       false, ""},
  };
  for (const auto& row : rows) {
    auto out = dispatch_one(row.scheme, row.authorization);
    EXPECT_EQ(out.status, row.status) << row.name;
    EXPECT_EQ(out.handler_ran, row.handler_ran) << row.name;
    EXPECT_EQ(out.seen.user_id, row.user_id) << row.name;
    if (row.status == 401) {
      auto doc = boost::json::parse(out.body).as_object();
      EXPECT_EQ(doc["code"].as_string(), "unauthorized") << row.name;
      EXPECT_EQ(doc["status"].as_int64(), 401) << row.name;
    }
  }
  auto ok = dispatch_one(AuthScheme::user, "Bearer good");
  EXPECT_EQ(ok.seen.scheme, AuthScheme::user);
  EXPECT_EQ(ok.seen.token_hash, "hash_1");
  EXPECT_EQ(dispatch_one(AuthScheme::none, "Bearer good").seen.scheme, AuthScheme::none);
}

TEST(Dispatcher, A401NamesTheSchemeTheRouteWants) {
  using V = std::vector<std::string>;
  EXPECT_EQ(dispatch_one(AuthScheme::user, "").challenges, V{"Bearer realm=\"paddock\""});
  EXPECT_EQ(dispatch_one(AuthScheme::charge_point, "Basic eDp5").challenges,
            V{"Basic realm=\"paddock-ocpp\", charset=\"UTF-8\""});
  EXPECT_EQ(dispatch_one(AuthScheme::head_unit, "").challenges,
            V{"PaddockHeadUnit realm=\"paddock\""});
  EXPECT_EQ(dispatch_one(AuthScheme::user_or_head_unit, "").challenges,
            V{"Bearer realm=\"paddock\", PaddockHeadUnit realm=\"paddock\""});
  EXPECT_TRUE(dispatch_one(AuthScheme::user, "Bearer good").challenges.empty());
}

TEST(Dispatcher, ASlowSchemeRunsTheHandlerOnlyOnceItsCheckCompletes) {
  struct Row { const char* name; bool accept; int status; bool handler_ran; };
  for (const Row& row : {Row{"accepted", true, 200, true}, Row{"refused", false, 401, false}}) {
    std::function<void(Result<Principal>)> pending;
    Dispatcher dispatcher(
        [](AuthScheme, const Request&) -> Result<Principal> {
          return make_error(Errc::unauthorized, "not this path");
        },
        [&](AuthScheme scheme, const Request&, std::function<void(Result<Principal>)> done) {
          EXPECT_EQ(scheme, AuthScheme::charge_point);
          pending = std::move(done);
        });
    DispatchOutcome out;
    dispatcher.add(Method::get, "/ocpp/{id}", AuthScheme::charge_point,
                   [&](Request& req, Responder respond) {
                     out.handler_ran = true;
                     out.seen = req.principal;
                     respond(Response{200, "", "", {}, nullptr});
                   });
    Request request;
    request.method = Method::get;
    request.path = "/ocpp/CP-1";
    Responder respond([&](Response r) { out.status = r.status; }, "req_l");
    dispatcher.dispatch(request, std::move(respond));
    EXPECT_FALSE(out.handler_ran) << row.name;  // nothing before the check answers
    ASSERT_TRUE(pending) << row.name;
    if (row.accept) {
      Principal p;
      p.scheme = AuthScheme::charge_point;
      p.charge_point_id = "CP-1";
      pending(std::move(p));
    } else {
      pending(make_error(Errc::unauthorized, "wrong password"));
    }
    EXPECT_EQ(out.status, row.status) << row.name;
    EXPECT_EQ(out.handler_ran, row.handler_ran) << row.name;
    if (row.accept) {
      EXPECT_EQ(out.seen.charge_point_id, "CP-1");
    }
  }
}

TEST(Dispatcher, UnknownPathsAndMethodsAnswerBeforeAuthentication) {
  int authentications = 0;
  Dispatcher dispatcher([&](AuthScheme, const Request&) -> Result<Principal> {
    ++authentications;
    return make_error(Errc::unauthorized, "no");
  });
  dispatcher.add(Method::get, "/a", AuthScheme::user, [](Request&, Responder) {});
  std::vector<int> statuses;
  for (auto [method, path] : {std::pair{Method::get, "/b"}, std::pair{Method::post, "/a"}}) {
    Request request;
    request.method = method;
    request.path = path;
    dispatcher.dispatch(request, Responder([&](Response r) { statuses.push_back(r.status); }, "r"));
  }
  EXPECT_EQ(statuses, (std::vector<int>{404, 405}));
  EXPECT_EQ(authentications, 0);
}

TEST(Routes, EveryRouteDeclaresASchemeAndTheStreamAuthenticatesItself) {
  std::set<std::pair<Method, std::string_view>> seen;
  for (const auto& r : route_table()) {
    EXPECT_TRUE(seen.insert({r.method, r.path}).second) << r.path << " twice";
    EXPECT_NE(r.handler, nullptr) << r.path;
    bool open = r.path == "/healthz" || r.path == "/readyz" || r.path == "/metrics" ||
                r.path == "/v1/stream" || r.path == "/v1/sessions" ||
                r.path == "/v1/issuer-keys" ||
                (r.path == "/v1/users" && r.method == Method::post) ||
                // links: a screen nobody signed in to asks; the rest take the watch token
                (r.path == "/v1/links" && r.method == Method::post) ||
                r.path == "/v1/links/{id}/refresh" || r.path == "/v1/links/{id}/events" ||
                r.path.starts_with("/v1/links/{id}/qr.") || r.path.starts_with("/screen/") ||
                (r.path == "/v1/publishers" && r.method == Method::post);
    // A car's routes: the revocation list for the owner or the vehicle's head unit; a report
    // carries its own signature.
    const bool car_read = r.path == "/v1/vehicles/{id}/revocations";
    const bool car_report = r.path == "/v1/vehicles/{id}/key-events";
    // OCPP: a pile proves itself with Basic auth, a vehicle platform with its own secret.
    const bool pile = r.path == "/ocpp/{chargePointId}";
    const bool platform = r.path == "/v1/telemetry";
    // The publisher's own calls are signed requests.
    const bool signed_call = r.path.starts_with("/v1/publisher/") || r.path.ends_with("/secrets");
    EXPECT_EQ(r.auth, car_read               ? AuthScheme::user_or_head_unit
                      : open || car_report ? AuthScheme::none
                      : pile               ? AuthScheme::charge_point
                      : platform           ? AuthScheme::vehicle_platform
                      : signed_call        ? AuthScheme::publisher
                                           : AuthScheme::user)
        << method_name(r.method) << " " << r.path;
  }
  EXPECT_EQ(seen.size(), 100u);
}

Request json_request(std::string body, std::string type = "application/json") {
  Request r;
  if (!type.empty()) r.headers.add("Content-Type", type);
  r.body = std::move(body);
  return r;
}

TEST(JsonInput, AcceptsObjectsAndNamesEveryFailure) {
  EXPECT_TRUE(parse_json_object(json_request(R"({"a":1})")).ok());
  EXPECT_TRUE(parse_json_object(json_request("{}", "application/json; charset=utf-8")).ok());
  struct Row { const char* name; Request request; Errc code; };
  const std::vector<Row> rows = {
      {"form body", json_request("a=1", "application/x-www-form-urlencoded"),
       Errc::unsupported_media_type},
      {"no content type", json_request("{}", ""), Errc::unsupported_media_type},
      {"syntax", json_request("{\"a\":"), Errc::invalid_json},
      {"array", json_request("[1]"), Errc::invalid_json},
      {"invalid utf-8", json_request("{\"a\":\"\xff\"}"), Errc::invalid_json},
      {"too deep", json_request(std::string(40, '[') + std::string(40, ']')), Errc::invalid_json},
  };
  for (const auto& row : rows) {
    auto r = parse_json_object(row.request);
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().code, row.code) << row.name;
  }
}

TEST(JsonInput, FieldReadersCheckTypeAndLength) {
  auto body = boost::json::parse(R"({"s":"abc","n":5,"b":true,"z":null})").as_object();
  EXPECT_EQ(*required_string(body, "s", 10), "abc");
  EXPECT_EQ(required_string(body, "s", 2).error().field, "s");
  EXPECT_EQ(required_string(body, "n", 10).error().code, Errc::invalid_field);
  EXPECT_EQ(required_string(body, "missing", 10).error().field, "missing");
  EXPECT_FALSE(optional_string(body, "z", 10)->has_value());
  EXPECT_TRUE(*optional_bool(body, "b", false));
  EXPECT_FALSE(*optional_bool(body, "missing", false));
  EXPECT_FALSE(optional_bool(body, "s", false).ok());
}

TEST(Query, DecodesAndBoundsParameters) {
  EXPECT_EQ(**query_param("a=1&types=status%2Ctrip", "types"), "status,trip");
  EXPECT_FALSE(query_param("a=1", "b")->has_value());
  EXPECT_EQ(*query_int("limit=20", "limit", 1, 200, 50), 20);
  EXPECT_EQ(*query_int("", "limit", 1, 200, 50), 50);
  for (const char* bad : {"limit=0", "limit=201", "limit=abc", "limit=", "limit=5x"}) {
    EXPECT_EQ(query_int(bad, "limit", 1, 200, 50).error().field, "limit") << bad;
  }
  EXPECT_EQ(**query_param("types=%C3%A9", "types"), "\xc3\xa9");
  for (const char* bad : {"types=%FF", "types=status,%C3%28", "types=%C0%AF", "types=%ED%A0%80"}) {
    auto r = query_param(bad, "types");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "types") << bad;
    EXPECT_TRUE(is_valid_utf8(r.error().detail)) << bad;
  }
}

TEST(JsonInput, RefusesNumbersOutOfRangeAndKeepsLargeIntegers) {
  struct Row { const char* name; std::string body; const char* field; };
  const std::vector<Row> rows = {
      {"top level", R"({"n":1e400})", "n"},
      {"negative", R"({"a":{"n":-1e400}})", "a.n"},
      {"in an array", R"({"attributes":{"list":[0,1,1e999]}})", "attributes.list[2]"},
      {"integer digits past double", "{\"n\":1" + std::string(400, '0') + "}", "n"},
      {"integer just past uint64", R"({"n":18446744073709551616})", "n"},
      {"integer just below int64", R"({"a":[1,-9223372036854775809]})", "a[1]"},
      {"after strings with quotes and brackets",
       R"({"s":"a \"[{,\" b","o":{"k,":[{"x":123456789012345678901234}]}})", "o.k,[0].x"},
  };
  for (const auto& row : rows) {
    auto r = parse_json_object(json_request(row.body));
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().code, Errc::invalid_field) << row.name;
    EXPECT_EQ(r.error().field, row.field) << row.name;
  }
  auto big = parse_json_object(
      json_request(R"({"a":9007199254740993,"b":18446744073709551615,"c":-9223372036854775808})"));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(boost::json::serialize(*big),
            R"({"a":9007199254740993,"b":18446744073709551615,"c":-9223372036854775808})");
  EXPECT_TRUE(parse_json_object(json_request(R"({"small":1e-400,"x":1.5e300})")).ok());
  // A number written with an exponent is a double by the client's own choice: kept.
  EXPECT_TRUE(parse_json_object(json_request(R"({"x":1.8e19,"y":-2E20})")).ok());
}

TEST(Problem, IsAnRfc9457DocumentWithCodeAndRequestId) {
  Error e = make_error(identity::kTooManyAttempts, "wait", "password");
  e.retry_after_seconds = 7;
  Response r = problem_response(e, "req_1");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc["type"].as_string(), "urn:paddock:problem:too_many_attempts");
  EXPECT_EQ(doc["code"].as_string(), "too_many_attempts");
  EXPECT_EQ(doc["status"].as_int64(), 429);
  EXPECT_EQ(doc["request_id"].as_string(), "req_1");
  EXPECT_EQ(doc["field"].as_string(), "password");
  EXPECT_EQ(doc["detail"].as_string(), "wait");
  bool retry_after = false;
  for (auto& [k, v] : r.headers) retry_after |= (k == "Retry-After" && v == "7");
  EXPECT_TRUE(retry_after);

  Response unauthorized = problem_response(make_error(Errc::unauthorized, ""), "req_2");
  bool challenge = false;
  for (auto& [k, v] : unauthorized.headers) challenge |= (k == "WWW-Authenticate");
  EXPECT_TRUE(challenge);
}

TEST(Problem, EveryCodeKeepsItsStatusAndTitle) {
  // The statuses and titles clients saw when core still owned every code; a change here breaks
  // the contract. Module codes (identity::, devices::, sharing::) render by their kind.
  struct Row {
    ErrorCode code;
    int status;
    std::string_view title;
  };
  const std::vector<Row> rows = {
      {Errc::invalid_json, 400, "Request body is not valid JSON"},
      {Errc::invalid_field, 422, "A field is missing or invalid"},
      {identity::kPasswordTooShort, 422, "Password is too short"},
      {Errc::unsupported_media_type, 415, "Unsupported media type"},
      {Errc::malformed_request, 400, "Malformed HTTP request"},
      {Errc::payload_too_large, 413, "Request body too large"},
      {Errc::header_too_large, 431, "Request header fields too large"},
      {Errc::request_timeout, 408, "Request took too long to arrive"},
      {Errc::unauthorized, 401, "Authentication required"},
      {identity::kInvalidCredentials, 401, "Wrong username or password"},
      {identity::kTooManyAttempts, 429, "Too many failed attempts"},
      {Errc::not_found, 404, "Not found"},
      {Errc::method_not_allowed, 405, "Method not allowed"},
      {identity::kUsernameTaken, 409, "Username is already taken"},
      {devices::kChallengeInvalid, 422, "Challenge is unknown, used or expired"},
      {devices::kSignatureInvalid, 422, "Signature does not verify"},
      {Errc::forbidden, 403, "Not allowed for your role"},
      {sharing::kIdentificationTaken, 409, "This VIN or plate is already registered"},
      {sharing::kAlreadyFollowing, 409, "You already follow this vehicle"},
      {sharing::kCannotFollowOwnVehicle, 409, "You own or share this vehicle"},
      {sharing::kConfirmationInvalid, 422, "Confirmation token is unknown, used or expired"},
      {sharing::kInvalidCursor, 400, "Cursor is not valid"},
      {Errc::upgrade_required, 426, "This route speaks WebSocket"},
      {Errc::too_many_connections, 503, "Server is at its connection limit"},
      {Errc::not_ready, 503, "Server is not ready"},
      {Errc::storage_unavailable, 503, "Storage is unavailable"},
      {Errc::internal, 500, "Internal server error"},
  };
  std::size_t core_rows = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(http_problem_type(row.code).status, row.status) << row.code;
    EXPECT_EQ(http_problem_type(row.code).title, row.title) << row.code;
    for (const auto& core : core_error_codes()) core_rows += core == row.code;
  }
  EXPECT_EQ(core_rows, core_error_codes().size()) << "a core code has no row here";
}

TEST(Problem, ACodeDeclaredOutsideCoreRendersByItsKind) {
  // What a new module does: declare a code beside its code, touch nothing central.
  constexpr ErrorCode kKeyRevoked{"key_revoked", ErrorKind::conflict};
  constexpr ErrorCode kSlowDown{"publisher_slow_down", ErrorKind::rate_limited};
  struct Row { ErrorCode code; int status; };
  for (const Row& row : {Row{kKeyRevoked, 409}, Row{kSlowDown, 429}}) {
    Response r = problem_response(make_error(row.code, "because", "key_id"), "req_9");
    EXPECT_EQ(r.status, row.status) << row.code;
    EXPECT_EQ(r.content_type, "application/problem+json");
    auto doc = boost::json::parse(r.body).as_object();
    EXPECT_EQ(doc["code"].as_string(), row.code.name);
    EXPECT_EQ(doc["type"].as_string(), "urn:paddock:problem:" + std::string(row.code.name));
    EXPECT_EQ(doc["status"].as_int64(), row.status);
    EXPECT_FALSE(doc["title"].as_string().empty());
    EXPECT_EQ(doc["field"].as_string(), "key_id");
  }
}

TEST(Problem, IsValidUtf8WhateverTheInputBytes) {
  Error e = make_error(Errc::invalid_field, "unknown type '\xff\xfe' in types", "types.\xc3");
  Response r = problem_response(e, "req_\x80");
  ASSERT_TRUE(is_valid_utf8(r.body)) << r.body;
  auto doc = boost::json::parse(r.body).as_object();  // throws on invalid JSON
  EXPECT_EQ(doc["detail"].as_string(), "unknown type '\\xFF\\xFE' in types");
  EXPECT_EQ(doc["field"].as_string(), "types.\\xC3");
  // Valid multi-byte text is echoed unchanged.
  Response ok = problem_response(make_error(Errc::not_found, "no \xc3\xa9t\xc3\xa9"), "r");
  EXPECT_EQ(boost::json::parse(ok.body).as_object()["detail"].as_string(), "no \xc3\xa9t\xc3\xa9");
}

TEST(Utf8, AcceptsExactlyRfc3629) {
  struct Row { const char* name; std::string text; bool valid; };
  const std::vector<Row> rows = {
      {"ascii", "abc", true},
      {"two bytes", "\xc3\xa9", true},
      {"three bytes", "\xe2\x82\xac", true},
      {"four bytes", "\xf0\x9f\x9a\x97", true},
      {"lone continuation", "\x80", false},
      {"0xff", "\xff", false},
      {"overlong slash", "\xc0\xaf", false},
      {"overlong three", "\xe0\x80\xaf", false},
      {"surrogate", "\xed\xa0\x80", false},
      {"past U+10FFFF", "\xf4\x90\x80\x80", false},
      {"truncated", "\xe2\x82", false},
      {"nul is valid", std::string("a\0b", 3), true},
  };
  for (const auto& row : rows) EXPECT_EQ(is_valid_utf8(row.text), row.valid) << row.name;
  EXPECT_EQ(escape_invalid_utf8("a\xe2\x82z"), "a\\xE2\\x82z");
}

TEST(Headers, FindsAnyFieldIgnoringCaseFirstOneWins) {
  Request request;
  request.headers.reserve(2, 64);
  request.headers.add("Authorization", "Bearer abc");
  request.headers.add("X-Custom-Thing", "v1");
  request.headers.add("x-custom-thing", "v2");
  EXPECT_EQ(request.authorization(), "Bearer abc");
  EXPECT_EQ(request.header("authorization"), "Bearer abc");
  EXPECT_EQ(request.header("X-CUSTOM-THING"), "v1");
  EXPECT_EQ(request.header("Content-Type"), "");
  EXPECT_EQ(request.content_type(), "");
  EXPECT_EQ(request.header("X-Custom-Thin"), "");
  // Past the inline index and through the byte buffer's growth, earlier views stay right.
  for (int i = 0; i < 100; ++i) {
    std::string name = "H";
    name += std::to_string(i);  // not "H" + ...: GCC 12 warns falsely (-Wrestrict)
    request.headers.add(name, std::string(50, static_cast<char>('a' + i % 26)));
  }
  EXPECT_EQ(request.headers.size(), 103u);
  EXPECT_EQ(request.header("h99"), std::string(50, static_cast<char>('a' + 99 % 26)));
  EXPECT_EQ(request.headers.name(0), "Authorization");
  EXPECT_EQ(request.headers.value(2), "v2");
  EXPECT_EQ(request.last_event_id(), "");
}

TEST(Responder, AnswersOnceAndNeverHangs) {
  std::vector<int> statuses;
  {
    Responder respond([&](Response r) { statuses.push_back(r.status); }, "req_x");
    Responder copy = respond;
    respond(Response{201, "", "", {}, nullptr});
    copy(Response{500, "", "", {}, nullptr});  // ignored: the first answer wins
  }
  {
    Responder dropped([&](Response r) { statuses.push_back(r.status); }, "req_y");
  }  // dropped without an answer: the client still gets a 500
  EXPECT_EQ(statuses, (std::vector<int>{201, 500}));
}

}  // namespace
}  // namespace paddock::api
