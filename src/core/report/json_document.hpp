#pragma once
#include "report/result.hpp"

#include <nlohmann/json_fwd.hpp>

namespace epochcost::report {

// The canonical JSON document of a result (schema epochcost.result/1); CSV flattens this.
[[nodiscard]] nlohmann::json to_json(const Result& result);

} // namespace epochcost::report
