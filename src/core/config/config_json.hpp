#pragma once
#include "config/config.hpp"

#include <nlohmann/json_fwd.hpp>

namespace epochcost::config {

// The resolved config (defaults filled in), as stored inside every result.
[[nodiscard]] nlohmann::json to_json(const Config& config);

} // namespace epochcost::config
