#pragma once
// Price catalogs (configs/pricing/*.yaml): a provider's instance types with GPU model, count and
// price, each file with its source and date. A config names an entry instead of a literal price:
//   pricing: {catalog: ciuic, instance: A100x4}
#include "config/config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::catalog {

struct Instance {
  std::string name;
  std::string gpu; // a row of the GPU spec table
  std::int64_t gpus = 1;
  double price = 0;
  config::PriceUnit unit = config::PriceUnit::gpu_hour;
  std::optional<double> spot_price;
};

struct Catalog {
  std::string name; // the file's stem
  std::filesystem::path path;
  std::string provider, currency, source, date;
  std::vector<Instance> instances;
  [[nodiscard]] const Instance* find(const std::string& instance) const;
  [[nodiscard]] std::vector<std::string> instance_names() const;
  // "SOURCE (DATE)": where a price taken from this catalog came from.
  [[nodiscard]] std::string citation() const { return source + " (" + date + ")"; }
};

// Where catalogs are looked up by name, in order: $EPOCHCOST_CATALOG_PATH (colon-separated), the
// config's pricing/ subfolder, its parent's pricing/ folder, and the project's own configs/pricing.
// A name with a '/' or ending in .yaml is a path.
[[nodiscard]] std::vector<std::filesystem::path>
search_path(const std::filesystem::path& config_dir);

// A catalog by stem (searched) or by path; a relative path is taken from `relative_to` (the
// folder of the config that names it; the working directory when empty). InputError naming what
// is wrong, or which catalogs exist when the name is unknown.
[[nodiscard]] Catalog load(const std::string& name_or_path,
                           const std::vector<std::filesystem::path>& search,
                           const std::filesystem::path& relative_to = {});

} // namespace epochcost::catalog
