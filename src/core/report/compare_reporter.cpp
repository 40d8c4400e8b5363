#include "report/compare_reporter.hpp"

#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

nlohmann::json comparison_json(const compare::Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    rows.push_back({{"file", r.file},
                    {"gpu", r.gpu},
                    {"measured", r.measured},
                    {"gpus", r.gpus},
                    {"precision", r.precision},
                    {"batch_per_device", r.batch_per_device},
                    {"accumulation_steps", r.accumulation_steps},
                    {"t_batch_s", r.t_batch_s},
                    {"t_batch_ci95_pct", optional_json(r.t_batch_ci95_pct)},
                    {"epoch_s", r.epoch_s},
                    {"epoch_s_ci95", optional_json(r.epoch_s_ci95)},
                    {"cost_per_epoch", r.cost_per_epoch},
                    {"cost_per_epoch_ci95", optional_json(r.cost_per_epoch_ci95)},
                    {"epochs", r.epochs},
                    {"total", r.total},
                    {"job_wall_s", optional_json(r.job_wall_s)},
                    {"cost_per_million_samples", r.cost_per_million_samples},
                    {"cost_per_million_tokens", optional_json(r.cost_per_million_tokens)},
                    {"samples_per_s_per_device", r.samples_per_s_per_device},
                    {"samples_per_s_job", r.samples_per_s_job},
                    {"speedup", r.speedup},
                    {"cost_ratio", optional_json(r.cost_ratio)},
                    {"cheapest", r.cheapest},
                    {"fastest", r.fastest},
                    {"warnings", r.warnings},
                    {"notes", r.notes}});
  }
  return {{"schema", "epochcost.compare/1"},
          {"workload", c.workload},
          {"currency", c.currency},
          {"baseline", c.baseline + 1},
          {"rows", rows}};
}

Grid comparison_grid(const compare::Comparison& c) {
  const bool tokens = !c.rows.empty() && c.rows.front().cost_per_million_tokens.has_value();
  // "job" and "total" are what the cheapest and fastest marks go by when the epochs agree.
  Grid grid{{"#", "gpu", "×", "batch/dev", "T_batch", "epoch", "job", "cost/epoch", "total",
             tokens ? "per 1M tokens" : "per 1M samples", "samples/s/dev", "samples/s job",
             "speed-up", "cost ×", "mark"},
            {}};
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const auto& r = c.rows[i];
    std::string mark;
    if (r.cheapest) mark += "cheapest ";
    if (r.fastest) mark += "fastest ";
    if (i == c.baseline) mark += "(baseline) ";
    if (!r.measured) mark += "(estimate) ";
    if (!r.warnings.empty()) mark += "!! see warnings";
    while (!mark.empty() && mark.back() == ' ')
      mark.pop_back();
    grid.rows.push_back(
        {std::to_string(i + 1), r.gpu, std::to_string(r.gpus),
         std::to_string(r.batch_per_device) +
             (r.accumulation_steps > 1 ? "×" + std::to_string(r.accumulation_steps) : ""),
         duration(r.t_batch_s) +
             (r.t_batch_ci95_pct ? " ±" + significant(*r.t_batch_ci95_pct, 2) + "%" : ""),
         duration(r.epoch_s), r.job_wall_s ? duration(*r.job_wall_s) : "—",
         money(r.cost_per_epoch, c.currency), money(r.total, c.currency),
         money(tokens ? *r.cost_per_million_tokens : r.cost_per_million_samples, c.currency),
         significant(r.samples_per_s_per_device, 4), significant(r.samples_per_s_job, 4),
         significant(r.speedup, 3) + "×", r.cost_ratio ? significant(*r.cost_ratio, 3) + "×" : "—",
         mark});
  }
  return grid;
}

// The rows' warnings (or notes), one line per text: `before` N `after` TEXT, N the row number
// (Markdown's bold opens before the run and closes after its number).
std::string row_texts(const compare::Comparison& c, std::vector<std::string> compare::Row::*texts,
                      const char* before, const char* after = ":") {
  std::string text;
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    for (const auto& t : c.rows[i].*texts)
      text += before + std::to_string(i + 1) + after + " " + t + "\n";
  }
  return text;
}

} // namespace

std::string render_comparison(const compare::Comparison& c, Format format) {
  switch (format) {
  case Format::json: return comparison_json(c).dump(2) + "\n";
  case Format::csv: {
    // The JSON rows, one CSV line each, columns named by their keys.
    const auto rows = comparison_json(c)["rows"];
    Grid grid;
    for (const auto& [key, value] : rows[0].items())
      grid.header.push_back(key);
    for (const auto& row : rows) {
      std::vector<std::string>& cells = grid.rows.emplace_back();
      for (const auto& key : grid.header)
        cells.push_back(csv_cell(row[key]));
    }
    return grid_csv(grid);
  }
  case Format::md: {
    const std::string warnings = row_texts(c, &compare::Row::warnings, "- **run ", ":**");
    const std::string notes = row_texts(c, &compare::Row::notes, "- run ");
    return "## epochcost compare — " + c.workload + " (costs in " + c.currency + ")\n\n" +
           grid_markdown(comparison_grid(c)) +
           (warnings.empty() ? "" : "\n### Warnings\n\n" + warnings) +
           (notes.empty() ? "" : "\n### Notes\n\n" + notes);
  }
  case Format::table: break;
  }
  const std::string warnings = row_texts(c, &compare::Row::warnings, "  !! run ");
  const std::string notes = row_texts(c, &compare::Row::notes, "  note: run ");
  return "epochcost compare — " + c.workload + " (costs in " + c.currency + ")\n\n" +
         grid_text(comparison_grid(c)) + (warnings.empty() ? "" : "\nWARNINGS\n" + warnings) +
         (notes.empty() ? "" : "\nNOTES\n" + notes);
}

} // namespace epochcost::report
