#pragma once
#include <nlohmann/json_fwd.hpp>

#include "report/result.hpp"

namespace epochcost::report {

// The canonical JSON document of a result (schema epochcost.result/1); CSV flattens this.
[[nodiscard]] nlohmann::json to_json(const Result& result);

}  // namespace epochcost::report
