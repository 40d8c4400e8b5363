#pragma once
#include "config/config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::config {

// What the config will be used for: `estimate` needs only data and pricing; `run` needs a model
// and an optimizer as well.
enum class Purpose { estimate, run };

// Loads, applies `--set key.path=value` overrides, and validates. Throws InputError listing every
// problem as "FILE:LINE: key.path: message" (or "--set key=value: ..." for an override), unknown
// keys first.
[[nodiscard]] Config load_config(const std::filesystem::path& path,
                                 const std::vector<std::string>& overrides, Purpose purpose);

// The same from YAML text; `source_name` is what messages call the file.
[[nodiscard]] Config parse_config(const std::string& yaml_text, const std::string& source_name,
                                  const std::vector<std::string>& overrides, Purpose purpose);

// A pricing file for re-pricing results after the fact (`compare --pricing FILE`): the pricing
// section of a config (literal or a catalog entry), and optionally extra_costs, job, parallel and
// epochs, which replace the result's own when given.
struct PricingDocument {
  std::string source;
  PricingSpec pricing;
  std::optional<ExtraCostsSpec> extra_costs;
  std::optional<JobSpec> job;
  std::optional<ParallelSpec> parallel;
  std::optional<std::int64_t> epochs;
};
[[nodiscard]] PricingDocument load_pricing_document(const std::filesystem::path& path);

// Names of the registered model families, for validation and "did you mean".
[[nodiscard]] const std::vector<std::string>& model_names();
// The names config files (and the results that carry them) give precisions and optimizers, in the
// order of Precision and OptimizerKind.
[[nodiscard]] const std::vector<std::string>& precision_names();
[[nodiscard]] std::optional<Precision> parse_precision(const std::string& name);
[[nodiscard]] const std::vector<std::string>& optimizer_names();

// Edit distance, for "did you mean" suggestions.
[[nodiscard]] std::size_t edit_distance(const std::string& a, const std::string& b);

} // namespace epochcost::config
