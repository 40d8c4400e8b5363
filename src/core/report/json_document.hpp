#pragma once
#include "report/result.hpp"

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace epochcost::report {

// The canonical JSON document of a result (schema epochcost.result/1); CSV flattens this.
[[nodiscard]] nlohmann::json to_json(const Result& result);

// A JSON document flattened to one CSV header row (JSON paths such as cost.per_epoch) and one
// data row.
[[nodiscard]] std::string csv_from_json(const nlohmann::json& document);

} // namespace epochcost::report
