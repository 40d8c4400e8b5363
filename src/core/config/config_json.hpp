#pragma once
#include "config/config.hpp"

#include <nlohmann/json_fwd.hpp>

namespace epochcost::config {

// The resolved config (defaults filled in), as stored inside every result.
[[nodiscard]] nlohmann::json to_json(const Config& config);

// The parts of to_json that re-pricing writes back into a result.
[[nodiscard]] nlohmann::json pricing_json(const PricingSpec& pricing);
[[nodiscard]] nlohmann::json job_json(const JobSpec& job);
[[nodiscard]] nlohmann::json extra_costs_json(const ExtraCostsSpec& extra);

// The inverse of to_json for what prices an epoch: data, train.accumulation_steps, parallel,
// extra_costs, job and epochs (pricing is left default). nlohmann::json::exception on a document
// that lacks them, InputError on an unknown job.billing.
[[nodiscard]] Config cost_inputs_from_json(const nlohmann::json& config);

} // namespace epochcost::config
