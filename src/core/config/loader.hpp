#pragma once
#include "config/config.hpp"

#include <filesystem>
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

// Names of the registered model families, for validation and "did you mean".
[[nodiscard]] const std::vector<std::string>& model_names();

// Edit distance, for "did you mean" suggestions.
[[nodiscard]] std::size_t edit_distance(const std::string& a, const std::string& b);

} // namespace epochcost::config
