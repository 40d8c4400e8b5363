#include "report/info_reporter.hpp"

#include "config/config_json.hpp"
#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

constexpr double bytes_per_gb = 1e9; // GPU memory is sold in decimal GB

std::optional<bool> fits(const Info& info) {
  if (!info.gpu) return std::nullopt;
  return info.memory.total_bytes() <= info.gpu->memory_gb * bytes_per_gb;
}

nlohmann::json info_json(const Info& info) {
  const auto& a = info.analysis;
  const auto batch =
      static_cast<double>(info.config.data.batch_size * info.config.train.accumulation_steps);
  nlohmann::json per_token = nullptr;
  if (a.tokens_per_sample)
    per_token = a.flops_per_sample / static_cast<double>(*a.tokens_per_sample);
  const auto fit = fits(info);
  const auto& m = info.memory;
  return {{"schema", "epochcost.info/1"},
          {"config", config::to_json(info.config)},
          {"params", {{"total", a.params_total}, {"trainable", a.params_trainable}}},
          {"flops",
           {{"per_step", a.flops_per_sample * batch},
            {"per_sample", a.flops_per_sample},
            {"per_token", per_token}}},
          {"memory",
           {{"estimate_bytes", m.total_bytes()},
            {"estimate",
             {{"weights_bytes", m.weights_bytes},
              {"gradients_bytes", m.gradients_bytes},
              {"optimizer_bytes", m.optimizer_bytes},
              {"activations_bytes", m.activations_bytes}}},
            {"gpu", info.gpu ? nlohmann::json(info.gpu->name) : nlohmann::json(nullptr)},
            {"gpu_memory_bytes", info.gpu ? nlohmann::json(info.gpu->memory_gb * bytes_per_gb)
                                          : nlohmann::json(nullptr)},
            {"fits", fit ? nlohmann::json(*fit) : nlohmann::json(nullptr)}}},
          {"notes", a.notes}};
}

Grid info_grid(const Info& info) {
  const auto& a = info.analysis;
  const auto& m = info.memory;
  Grid grid;
  grid.rows = {
      {"parameters",
       std::to_string(a.params_total) + " (" + std::to_string(a.params_trainable) + " trainable)"},
      {"model FLOPs per step",
       significant(a.flops_per_sample * static_cast<double>(info.config.data.batch_size *
                                                            info.config.train.accumulation_steps),
                   4) +
           " (" + significant(a.flops_per_sample, 4) + " per sample)"},
      {"memory estimate", bytes(m.total_bytes()) + " = weights " + bytes(m.weights_bytes) +
                              " + gradients " + bytes(m.gradients_bytes) + " + optimizer " +
                              bytes(m.optimizer_bytes) + " + activations " +
                              bytes(m.activations_bytes)}};
  if (info.gpu) {
    grid.rows.push_back({"fits " + info.gpu->name, std::string(*fits(info) ? "yes" : "NO") + " (" +
                                                       significant(info.gpu->memory_gb, 4) +
                                                       " GB)"});
  }
  for (const auto& note : a.notes)
    grid.rows.push_back({"note", note});
  return grid;
}

} // namespace

Info make_info(const config::Config& config, const hardware::GpuSpec* gpu) {
  return {config, model::analyze(*config.model, config.data.seq_len),
          model::estimate_memory(config), gpu};
}

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
