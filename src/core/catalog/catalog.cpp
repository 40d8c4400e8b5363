#include "catalog/catalog.hpp"

#include "config/section.hpp"
#include "hardware/gpu_specs.hpp"
#include "report/result_reader.hpp"
#include "util/files.hpp"

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

Catalog load(const std::string& name_or_path, const std::vector<std::filesystem::path>& search,
             const std::filesystem::path& relative_to) {
  std::filesystem::path path;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml")) {
    path = name_or_path;
    if (path.is_relative()) path = relative_to / path;
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
  Diagnostics diagnostics(path.string(), {}, "price catalog");
  Section root(document, "", diagnostics);
  Catalog catalog;
  catalog.name = path.stem().string();
  catalog.path = path;
  catalog.provider = root.text("provider", true).value_or("");
  catalog.currency = root.currency_code("currency", true).value_or("");
  catalog.source = root.text("source", true).value_or("");
  if (const auto date = root.text("date", true)) {
    // A day is a date-time at its midnight: the result files' RFC 3339 reader checks it.
    if (report::utc_rfc3339(*date + "T00:00:00Z")) {
      catalog.date = *date;
    } else {
      root.invalid("date",
                   "must be the date the prices were read, as YYYY-MM-DD; got '" + *date + "'");
    }
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
