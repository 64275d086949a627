#pragma once
// ocpp/schema: validates OCPP 1.6 payloads against the official JSON schemas, kept as data in
// ocpp/schemas/ocpp1_6.json (see ocpp/schemas/README.md for source and licence) and compiled
// into the binary. A small validator of our own for exactly the draft-07 subset those schemas
// use (type, properties, required, additionalProperties: false, enum, maxLength, minItems,
// multipleOf, items, format date-time/uri, local $ref into definitions); loading refuses any
// other keyword, so a schema change that needs more cannot pass unnoticed. Depends on core and
// Boost.JSON.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "ocpp/frame.hpp"

namespace paddock::ocpp {

enum class Direction { request, response };  // "<Action>.req" / "<Action>.conf"

// Why a payload fails its schema: the CallError to answer with and where.
struct Violation {
  CallErrorCode code = CallErrorCode::formation_violation;
  std::string path;  // JSON-pointer-like: "/idTagInfo/status"
  std::string message;
};

class SchemaSet {
 public:
  // Parses a JSON array of schemas, each with "$id": "urn:<Action>.req|conf". Error (with the
  // reason) iff the text is not such an array or a schema uses a keyword or format this
  // validator does not implement, or a $ref it cannot resolve.
  static Result<SchemaSet> load(std::string_view schemas_json);
  // The schemas compiled into the binary (ocpp/schemas/ocpp1_6.json), loaded once.
  static const SchemaSet& ocpp16();

  // True iff there is a schema for this action (in either direction).
  bool knows(std::string_view action) const;

  // Nothing iff `payload` satisfies the schema of `action` in `direction`; otherwise the first
  // violation found. Rules, after OCPP-J 1.6 §4.2.3: a value of the wrong JSON type is a
  // TypeConstraintViolation; a missing required field, too few items or a number off its
  // multipleOf an OccurenceConstraintViolation; a value outside its enum, past its maxLength or
  // not in its format a PropertyConstraintViolation; a field the schema does not define a
  // FormationViolation. An action with no schema is NotSupported.
  std::optional<Violation> validate(std::string_view action, Direction direction,
                                    const boost::json::object& payload) const;

 private:
  struct Entry {
    boost::json::value schema;
  };
  std::map<std::string, Entry, std::less<>> schemas_;  // by "<Action>.req|conf"
};

// True iff `text` is an RFC 3339 date-time ("2026-11-28T12:00:00Z", fraction and offset allowed).
bool is_rfc3339_date_time(std::string_view text);

}  // namespace paddock::ocpp
