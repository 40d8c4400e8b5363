#include "catalog/catalog.hpp"

#include "config/config.hpp"
#include "config/section.hpp"
#include "hardware/gpu_specs.hpp"
#include "util/files.hpp"

#include <chrono>
#include <cstdlib>
#include <set>

namespace epochcost::catalog {
namespace {

using config::detail::Diagnostics;
using config::detail::Section;

std::vector<std::string> known_catalogs(const std::vector<std::filesystem::path>& search) {
  std::set<std::string> names;
  for (const auto& dir : search) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") names.insert(entry.path().stem().string());
    }
  }
  return {names.begin(), names.end()};
}

Instance read_instance(Section& s) {
  Instance i;
  i.name = s.text("name", true).value_or("");
  if (const auto gpu = s.text("gpu", true)) {
    const hardware::NamedGpu named = hardware::gpu_named(*gpu);
    if (!named.gpu) s.invalid("gpu", named.problem);
    i.gpu = named.gpu ? named.gpu->name : *gpu;
  }
  i.gpus = s.integer("gpus", true, 1, 1 << 20).value_or(1);
  i.price = s.number("price", true, 0.0).value_or(0.0);
  i.unit =
      config::detail::enum_choice<config::PriceUnit>(s, "unit", true, {"gpu_hour", "instance_hour"})
          .value_or(config::PriceUnit::gpu_hour);
  i.spot_price = s.number("spot_price", false, 0.0);
  return i;
}

// YYYY-MM-DD naming a day of the calendar.
bool is_calendar_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const std::chrono::year_month_day day{std::chrono::year(std::stoi(text.substr(0, 4))),
                                        std::chrono::month(std::stoul(text.substr(5, 2))),
                                        std::chrono::day(std::stoul(text.substr(8, 2)))};
  return day.ok();
}

} // namespace

const Instance* Catalog::find(const std::string& instance) const {
  for (const auto& i : instances) {
    if (i.name == instance) return &i;
  }
  return nullptr;
}

std::vector<std::string> Catalog::instance_names() const {
  std::vector<std::string> names;
  for (const auto& i : instances)
    names.push_back(i.name);
  return names;
}

std::vector<std::filesystem::path> search_path(const std::filesystem::path& config_dir) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("EPOCHCOST_CATALOG_PATH"); env && *env) {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      const auto colon = list.find(':', start);
      const std::string part = list.substr(start, colon - start);
      if (!part.empty()) dirs.emplace_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  const auto dir = config_dir.empty() ? std::filesystem::path(".") : config_dir;
  dirs.push_back(dir / "pricing");
  dirs.push_back(dir / ".." / "pricing");
  dirs.emplace_back(EPOCHCOST_BUILTIN_CATALOGS);
  return dirs;
}

Catalog load(const std::string& name_or_path, const std::vector<std::filesystem::path>& search) {
  std::filesystem::path path;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml")) {
    path = name_or_path;
  } else {
    for (const auto& dir : search) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(dir / (name_or_path + ".yaml"), ec)) {
        path = dir / (name_or_path + ".yaml");
        break;
      }
    }
    if (path.empty()) {
      const auto known = known_catalogs(search);
      throw InputError("no catalog '" + name_or_path + "'" +
                       config::detail::suggestion(name_or_path, known) +
                       "; known: " + config::detail::join(known));
    }
  }
  const std::string text = read_text_file(path, "price catalog");
  const YAML::Node document = config::detail::load_document(text, path.string());
  Diagnostics diagnostics(path.string(), {});
  Section root(document, "", diagnostics);
  Catalog catalog;
  catalog.name = path.stem().string();
  catalog.path = path;
  catalog.provider = root.text("provider", true).value_or("");
  catalog.currency = root.text("currency", true).value_or("");
  if (!config::is_currency_code(catalog.currency)) {
    root.invalid("currency", "must be a 3-letter upper-case currency code such as USD, EUR or "
                             "CNY; got '" +
                                 catalog.currency + "'");
  }
  catalog.source = root.text("source", true).value_or("");
  catalog.date = root.text("date", true).value_or("");
  if (!is_calendar_date(catalog.date)) {
    root.invalid("date", "must be the date the prices were read, as YYYY-MM-DD; got '" +
                             catalog.date + "'");
  }
  if (const YAML::Node* list = root.get("instances", true)) {
    if (!list->IsSequence()) {
      root.invalid("instances", "must be a list of instances");
    } else {
      if (list->size() == 0) root.invalid("instances", "lists no instance");
      for (std::size_t k = 0; k < list->size(); ++k) {
        Section s((*list)[k], "instances[" + std::to_string(k) + "]", diagnostics);
        Instance instance = read_instance(s);
        // The first of two same-named entries would silently win every lookup.
        if (!instance.name.empty() && catalog.find(instance.name)) {
          s.invalid("name", "'" + instance.name + "' is listed twice");
        }
        catalog.instances.push_back(std::move(instance));
        s.finish();
      }
    }
  }
  root.finish();
  if (!diagnostics.empty()) diagnostics.raise();
  return catalog;
}

} // namespace epochcost::catalog
