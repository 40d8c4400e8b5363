#pragma once
#include "report/result.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace epochcost::report {

// The canonical JSON document of a result (schema epochcost.result/1); CSV flattens this.
[[nodiscard]] nlohmann::json to_json(const Result& result);

// The "cost" object of a result (re-pricing writes it too).
[[nodiscard]] nlohmann::json cost_json(const cost::CostBreakdown& cost,
                                       const config::PricingSpec& pricing);

// A JSON document flattened to one CSV header row (JSON paths such as cost.per_epoch) and one
// data row.
[[nodiscard]] std::string csv_from_json(const nlohmann::json& document);

// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
[[nodiscard]] std::string csv_field(const std::string& field);

// A JSON value as a CSV cell, before quoting: a string as it is, nothing for null or a non-finite
// number (a statistic that does not exist), any other value (a number, a list) as JSON text.
[[nodiscard]] std::string csv_cell(const nlohmann::json& value);

// A value, or null where there is none: JSON never shows a made-up zero.
template <typename T> [[nodiscard]] nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace epochcost::report
