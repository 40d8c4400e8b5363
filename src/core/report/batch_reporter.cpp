#include "report/batch_reporter.hpp"

#include "config/config_json.hpp"
#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

nlohmann::json search_json(const config::Config& config, const measure::BatchSearch& search) {
  nlohmann::json tries = nlohmann::json::array();
  for (const auto& t : search.tries) {
    tries.push_back(
        {{"batch_size", t.batch_size},
         {"fits", t.fits},
         {"peak_reserved_bytes", t.peak_reserved_bytes ? nlohmann::json(*t.peak_reserved_bytes)
                                                       : nlohmann::json(nullptr)}});
  }
  return {{"schema", "epochcost.max_batch/1"},
          {"config", config::to_json(config)},
          {"environment",
           {{"device", search.device.device},
            {"device_name", search.device.device_name},
            {"memory_bytes", search.device.memory_bytes}}},
          {"max_batch_size", search.max_batch_size},
          {"tries", tries}};
}

Grid tries_grid(const measure::BatchSearch& search) {
  Grid grid{{"batch_size", "fits", "peak_reserved"}, {}};
  for (const auto& t : search.tries) {
    grid.rows.push_back({std::to_string(t.batch_size), t.fits ? "yes" : "no",
                         t.peak_reserved_bytes ? bytes(double(*t.peak_reserved_bytes)) : "—"});
  }
  return grid;
}

} // namespace

std::string render_batch_search(const config::Config& config, const measure::BatchSearch& search,
                                Format format) {
  const std::string headline = "largest data.batch_size that fits " + search.device.device + " (" +
                               search.device.device_name +
                               "): " + std::to_string(search.max_batch_size);
  switch (format) {
  case Format::json: return search_json(config, search).dump(2) + "\n";
  case Format::csv: return csv_from_json(search_json(config, search));
  case Format::md: return "## " + headline + "\n\n" + grid_markdown(tries_grid(search));
  case Format::table: break;
  }
  return headline + "\n\n" + grid_text(tries_grid(search));
}

} // namespace epochcost::report
