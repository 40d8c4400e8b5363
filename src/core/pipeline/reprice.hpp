#pragma once
// Re-pricing results after the fact (`compare --pricing FILE`): the measured step stays, the
// price, billing and extra costs change, and the epoch and cost are recomputed by the cost model.
#include "catalog/catalog.hpp"
#include "config/loader.hpp"
#include "project/projection.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace epochcost::pipeline {

// A pricing document prices every result alike; a catalog prices each result by its entry for
// the result's GPU (the measured device, or the priced GPU of an estimate).
using Repricing = std::variant<config::PricingDocument, catalog::Catalog>;

// A catalog when the file has `instances`, else a pricing document. InputError naming the file.
[[nodiscard]] Repricing load_repricing(const std::filesystem::path& file);

// The result (schema epochcost.result/1) with config.pricing (and what the pricing file gives of
// job, extra_costs, parallel, epochs), epoch, cost and throughput recomputed, the price-mismatch
// warning redone, and a note naming the pricing file. InputError naming `file` and the problem.
[[nodiscard]] nlohmann::json reprice(const nlohmann::json& result, const std::string& file,
                                     const Repricing& pricing, const std::string& pricing_file);

// Prices each projected target of `projection` (made from `result`) as a job on the catalog's
// entry for that GPU, or with the pricing document when it names that GPU or none; targets left
// unpriced say why.
void price_projection(project::Projection& projection, const nlohmann::json& result,
                      const Repricing& pricing, const std::string& pricing_file);

// Every amount of a result in `currency`, converted at the user's rate: rates[FROM] = units of
// `currency` per unit of FROM. A result already in `currency` is unchanged; a currency without a
// rate is an InputError naming it.
[[nodiscard]] nlohmann::json convert_currency(const nlohmann::json& result, const std::string& file,
                                              const std::string& currency,
                                              const std::map<std::string, double>& rates);

} // namespace epochcost::pipeline
