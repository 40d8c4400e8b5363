#include "report/info_reporter.hpp"

#include "config/config_json.hpp"
#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

// The precision the config trains in, as a note when --gpu has no rate for it.
std::string unsupported_note(const Info& info) {
  const std::string precision = config::to_string(info.config.precision);
  return info.gpu->name + " has no " + precision + " mode in the spec table: a step there would " +
         "not train in " + precision + " as configured, and neither MFU nor project has a peak " +
         "for it";
}

nlohmann::json info_json(const Info& info) {
  const auto& a = info.analysis;
  const auto& m = info.memory;
  nlohmann::json notes = a.notes;
  if (info.precision_supported == false) notes.push_back(unsupported_note(info));
  return {
      {"schema", "epochcost.info/1"},
      {"config", config::to_json(info.config)},
      {"params", {{"total", a.params_total}, {"trainable", a.params_trainable}}},
      {"flops",
       {{"per_step", info.flops.per_step},
        {"per_sample", info.flops.per_sample},
        {"per_token", optional_json(info.flops.per_token)}}},
      {"memory",
       {{"estimate_bytes", m.total_bytes()},
        {"estimate",
         {{"weights_bytes", m.weights_bytes},
          {"gradients_bytes", m.gradients_bytes},
          {"optimizer_bytes", m.optimizer_bytes},
          {"activations_bytes", m.activations_bytes}}},
        {"gpu", info.gpu ? nlohmann::json(info.gpu->name) : nlohmann::json(nullptr)},
        {"gpu_memory_bytes", info.gpu ? nlohmann::json(hardware::memory_capacity_bytes(*info.gpu))
                                      : nlohmann::json(nullptr)},
        {"fits", info.fit ? nlohmann::json(*info.fit != hardware::Fit::does_not_fit)
                          : nlohmann::json(nullptr)},
        {"fit",
         info.fit ? nlohmann::json(hardware::to_string(*info.fit)) : nlohmann::json(nullptr)}}},
      {"precision_supported", optional_json(info.precision_supported)},
      {"notes", notes}};
}

Grid info_grid(const Info& info) {
  const auto& a = info.analysis;
  const auto& m = info.memory;
  Grid grid;
  grid.rows = {
      {"parameters",
       std::to_string(a.params_total) + " (" + std::to_string(a.params_trainable) + " trainable)"},
      {"model FLOPs per step",
       significant(info.flops.per_step, 4) + " (" + significant(info.flops.per_sample, 4) +
           " per sample" +
           (info.flops.per_token ? ", " + significant(*info.flops.per_token, 4) + " per token"
                                 : std::string()) +
           ")"},
      {"memory estimate", bytes(m.total_bytes()) + " = weights " + bytes(m.weights_bytes) +
                              " + gradients " + bytes(m.gradients_bytes) + " + optimizer " +
                              bytes(m.optimizer_bytes) + " + activations " +
                              bytes(m.activations_bytes)}};
  if (info.gpu && info.fit) {
    const std::string verdict =
        *info.fit == hardware::Fit::fits ? "yes"
        : *info.fit == hardware::Fit::tight
            ? "tight (above " + significant(100 * hardware::tight_memory_share, 3) + "% of it)"
            : "NO";
    grid.rows.push_back(
        {"fits " + info.gpu->name, verdict + " (" + significant(info.gpu->memory_gb, 4) + " GB)"});
  }
  if (info.precision_supported == false) grid.rows.push_back({"note", unsupported_note(info)});
  for (const auto& note : a.notes)
    grid.rows.push_back({"note", note});
  return grid;
}

} // namespace

std::string render_info(const Info& info, Format format) {
  switch (format) {
  case Format::json: return info_json(info).dump(2) + "\n";
  case Format::md: {
    Grid grid = info_grid(info);
    grid.header = {"", ""};
    return "## epochcost info — " + info.config.name + "\n\n" + grid_markdown(grid, false);
  }
  case Format::csv: return csv_from_json(info_json(info));
  case Format::table: break;
  }
  return "epochcost info — " + info.config.name + "\n\n" + grid_text(info_grid(info));
}

} // namespace epochcost::report
