#include "web/assets.hpp"

namespace paddock::web {

const WebAsset* find_web_asset(std::string_view name) {
  for (const auto& asset : web_assets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace paddock::web
