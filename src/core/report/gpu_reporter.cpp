#include "report/gpu_reporter.hpp"

#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

std::string cell(const std::optional<double>& value) {
  return value ? significant(*value, 6) : "—";
}

Grid gpu_grid(const std::vector<hardware::GpuSpec>& gpus) {
  Grid grid{
      {"gpu", "memory_gb", "bandwidth_gbs", "fp32", "tf32", "fp16", "bf16", "tdp_w", "unverified"},
      {}};
  for (const auto& g : gpus) {
    std::string unverified;
    for (const auto& u : g.unverified)
      unverified += (unverified.empty() ? "" : " ") + u;
    grid.rows.push_back({g.name, significant(g.memory_gb, 6), significant(g.bandwidth_gbs, 6),
                         cell(g.peak_tflops.fp32), cell(g.peak_tflops.tf32),
                         cell(g.peak_tflops.fp16), cell(g.peak_tflops.bf16),
                         significant(g.tdp_w, 6), unverified});
  }
  return grid;
}

} // namespace

std::string render_gpus(const std::vector<hardware::GpuSpec>& gpus, Format format) {
  if (format == Format::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& g : gpus) {
      list.push_back({{"name", g.name},
                      {"memory_gb", g.memory_gb},
                      {"bandwidth_gbs", g.bandwidth_gbs},
                      {"peak_tflops",
                       {{"fp32", optional_json(g.peak_tflops.fp32)},
                        {"tf32", optional_json(g.peak_tflops.tf32)},
                        {"fp16", optional_json(g.peak_tflops.fp16)},
                        {"bf16", optional_json(g.peak_tflops.bf16)}}},
                      {"tdp_w", g.tdp_w},
                      {"unverified", g.unverified},
                      {"source", g.source}});
    }
    return list.dump(2) + "\n";
  }
  const Grid grid = gpu_grid(gpus);
  if (format == Format::md) return grid_markdown(grid);
  if (format == Format::csv) {
    Grid csv = grid;
    for (auto& row : csv.rows) {
      for (auto& c : row) {
        if (c == "—") c.clear(); // CSV leaves a missing figure empty
      }
    }
    return grid_csv(csv);
  }
  return "Dense peak TFLOP/s (tensor cores; fp16/bf16 with FP32 accumulate), memory and "
         "bandwidth; sources: epochcost gpus --format json\n\n" +
         grid_text(grid);
}

} // namespace epochcost::report
