// Screen routes: the big screen's web page (web/, embedded at build time). The page talks to
// the API itself (links, the link's watch); these routes only serve its files.
#include "api/app.hpp"
#include "core/ids.hpp"
#include "web/assets.hpp"

namespace paddock::api {
namespace {

// The page loads only its own files and talks only to this origin; nobody may frame it (a
// framed QR code is how a remote phishing page would borrow it, RFC 8628 §5.4).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serve_asset(std::string_view name, const Responder& respond) {
  const web::WebAsset* asset = web::find_web_asset(name);
  if (!asset) return respond.problem(make_error(Errc::not_found, "no such file"));
  Response r;
  r.status = 200;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
  respond(std::move(r));
}

}  // namespace

void App::screen_sign_in(Request&, Responder respond) { serve_asset("screen.html", respond); }

void App::screen_vehicle(Request& request, Responder respond) {
  // The page reads the vehicle itself with the owner's token; here only the id's shape.
  if (!looks_like_id(request.params[0])) {
    return respond.problem(make_error(Errc::not_found, "no such vehicle"));
  }
  serve_asset("screen.html", respond);
}

void App::screen_asset(Request& request, Responder respond) {
  const std::string& name = request.params[0];
  // Only the page's own script, style and icon; the HTML is served at its two routes.
  if (name != "screen.js" && name != "screen.css" && name != "icon.svg") {
    return respond.problem(make_error(Errc::not_found, "no such file"));
  }
  serve_asset(name, respond);
}

std::span<const RouteDef> screen_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::get, "/screen/sign-in", AuthScheme::none, &App::screen_sign_in},
      {Method::get, "/screen/vehicle/{id}", AuthScheme::none, &App::screen_vehicle},
      {Method::get, "/screen/assets/{name}", AuthScheme::none, &App::screen_asset},
  };
  return kRoutes;
}

}  // namespace paddock::api
