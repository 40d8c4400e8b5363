#include "report/projection_reporter.hpp"

#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

const char* assumption =
    "projected, not measured: forward + backward split into compute and memory traffic by their "
    "time at the measured GPU's peaks (model FLOPs vs. weight, activation and gradient bytes); "
    "the compute part scales with the dense peak at the run's precision, the memory part and the "
    "optimizer with memory bandwidth, the data phase stays; the target reaches the same share of "
    "its peaks as the measured GPU. Range: forward + backward scaled as all compute or all memory, "
    "widened by the measurement's 95% CI.";

bool priced(const project::Projection& p) {
  for (const auto& t : p.targets) {
    if (t.cost || !t.unpriced.empty()) return true;
  }
  return false;
}

nlohmann::json projection_json(const project::Projection& p) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : p.targets) {
    nlohmann::json row = {{"gpu", t.gpu},
                          {"peak_tflops", t.unsupported.empty() ? nlohmann::json(t.peak_tflops)
                                                                : nlohmann::json(nullptr)},
                          {"bandwidth_gbs", t.bandwidth_gbs},
                          {"memory_capacity_bytes", t.memory_capacity_bytes},
                          {"fit", hardware::to_string(t.fit)},
                          {"unsupported", t.unsupported.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(t.unsupported)}};
    const bool has_figures = t.projected();
    const auto figure = [&](const auto& value) {
      return has_figures ? nlohmann::json(value) : nlohmann::json(nullptr);
    };
    row["t_batch_s"] = figure(t.t_batch_s);
    row["t_batch_range_s"] = figure(t.t_batch_range_s);
    row["job_t_batch_s"] = figure(t.job_t_batch_s);
    row["epoch_s"] = figure(t.epoch_s);
    row["epoch_range_s"] = figure(t.epoch_range_s);
    row["speedup"] = figure(t.speedup);
    row["cost"] = nullptr;
    if (t.cost) {
      row["cost"] = {{"priced_as", t.cost->priced_as},
                     {"currency", t.cost->currency},
                     {"gpus", t.cost->gpus},
                     {"epoch_s", t.cost->epoch_s},
                     {"epoch_range_s", t.cost->epoch_range_s},
                     {"per_epoch", t.cost->per_epoch},
                     {"per_epoch_range", t.cost->per_epoch_range}};
    }
    row["unpriced"] = t.unpriced.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.unpriced);
    targets.push_back(row);
  }
  const auto& s = p.split;
  return {{"schema", "epochcost.projection/1"},
          {"projected", true},
          {"assumption", assumption},
          {"file", p.file},
          {"workload", p.workload},
          {"source",
           {{"gpu", p.source_gpu},
            {"device_name", p.source_device_name},
            {"precision", p.precision},
            {"peak_tflops", p.source_peak_tflops},
            {"bandwidth_gbs", p.source_bandwidth_gbs},
            {"t_batch_s", p.measured_t_batch_s},
            {"t_batch_ci95_s", optional_json(p.measured_ci95_s)},
            {"mfu", optional_json(p.measured_mfu)},
            {"flops_per_step", p.flops_per_step},
            {"forward_backward_bytes_per_step", p.bytes_per_step},
            {"batches_per_epoch", p.batches},
            {"memory_needed_bytes", p.memory_needed_bytes},
            {"memory_measured", p.memory_measured}}},
          {"split",
           {{"compute_s", s.compute_s},
            {"memory_s", s.memory_s},
            {"host_s", s.host_s},
            {"forward_backward_s", s.forward_backward_s},
            {"optimizer_s", s.optimizer_s},
            {"compute_share", s.compute_share}}},
          {"targets", targets},
          {"notes", p.notes}};
}

Grid projection_grid(const project::Projection& p) {
  Grid grid{{"gpu", std::string("peak ") + p.precision, "bandwidth", "memory", "fit",
             "T_batch (projected)", "range", "speed-up", "epoch (projected)", "epoch range"},
            {}};
  for (const auto& t : p.targets) {
    std::vector<std::string> row{
        t.gpu, t.unsupported.empty() ? significant(t.peak_tflops, 4) + " TFLOP/s" : "—",
        significant(t.bandwidth_gbs, 4) + " GB/s",
        significant(p.memory_needed_bytes / 1e9, 3) + " of " +
            significant(t.memory_capacity_bytes / 1e9, 4) + " GB",
        hardware::to_string(t.fit)};
    if (!t.projected()) {
      row.insert(row.end(), {t.unsupported.empty() ? "—" : t.unsupported, "—", "—", "—", "—"});
    } else {
      row.insert(row.end(),
                 {duration(t.t_batch_s),
                  duration(t.t_batch_range_s[0]) + " – " + duration(t.t_batch_range_s[1]),
                  significant(t.speedup, 3) + "×", duration(t.epoch_s),
                  duration(t.epoch_range_s[0]) + " – " + duration(t.epoch_range_s[1])});
    }
    grid.rows.push_back(std::move(row));
  }
  if (priced(p)) {
    grid.header.push_back("cost/epoch (projected)");
    for (std::size_t i = 0; i < p.targets.size(); ++i) {
      const auto& t = p.targets[i];
      std::string cell = t.unpriced.empty() ? "—" : t.unpriced;
      if (t.cost) {
        const auto& c = *t.cost;
        cell = money(c.per_epoch, c.currency) + " (" + money(c.per_epoch_range[0], c.currency) +
               " – " + money(c.per_epoch_range[1], c.currency) + "), " + c.priced_as + " ×" +
               std::to_string(c.gpus) + ", epoch " + duration(c.epoch_s);
      }
      grid.rows[i].push_back(cell);
    }
  }
  return grid;
}

std::string source_line(const project::Projection& p) {
  const auto& s = p.split;
  std::string line = "measured: " + p.source_gpu + " (" + p.source_device_name + "), " +
                     p.precision + ", T_batch " + duration(p.measured_t_batch_s) + " — " +
                     p.workload + "\nsplit of the measured step: compute " + duration(s.compute_s) +
                     ", memory " + duration(s.memory_s) + ", host " + duration(s.host_s) +
                     " (forward + backward " + significant(s.compute_share * 100, 3) +
                     "% compute-bound at peak)";
  if (p.measured_mfu) line += "; measured MFU " + significant(*p.measured_mfu * 100, 3) + "%";
  return line + "\n";
}

} // namespace

std::string render_projection(const project::Projection& p, Format format) {
  switch (format) {
  case Format::json: return projection_json(p).dump(2) + "\n";
  case Format::csv: {
    // Raw figures, one row per target; an empty cell where nothing is projected.
    Grid grid{{"projected", "measured_gpu", "precision", "gpu", "fit", "unsupported", "t_batch_s",
               "t_batch_low_s", "t_batch_high_s", "speedup", "epoch_s", "epoch_low_s",
               "epoch_high_s", "priced_as", "currency", "cost_per_epoch", "cost_per_epoch_low",
               "cost_per_epoch_high"},
              {}};
    const auto raw = [](double x) { return nlohmann::json(x).dump(); };
    for (const auto& t : p.targets) {
      std::vector<std::string> row{
          "true", p.source_gpu, p.precision, t.gpu, hardware::to_string(t.fit), t.unsupported};
      if (t.projected()) {
        for (double x : {t.t_batch_s, t.t_batch_range_s[0], t.t_batch_range_s[1], t.speedup,
                         t.epoch_s, t.epoch_range_s[0], t.epoch_range_s[1]})
          row.push_back(raw(x));
        if (t.cost) {
          row.insert(row.end(), {t.cost->priced_as, t.cost->currency, raw(t.cost->per_epoch),
                                 raw(t.cost->per_epoch_range[0]), raw(t.cost->per_epoch_range[1])});
        }
      }
      row.resize(grid.header.size());
      grid.rows.push_back(std::move(row));
    }
    return grid_csv(grid);
  }
  case Format::md: {
    std::string notes;
    for (const auto& n : p.notes)
      notes += "- " + markdown_escape(n) + "\n";
    return "## epochcost project — PROJECTED, not measured\n\n" + markdown_escape(source_line(p)) +
           "\n" + grid_markdown(projection_grid(p)) + "\n*" + assumption + "*\n" +
           (notes.empty() ? "" : "\n" + notes);
  }
  case Format::table: break;
  }
  std::string notes;
  for (const auto& n : p.notes)
    notes += "  note: " + n + "\n";
  return "epochcost project — PROJECTED, not measured\n" + source_line(p) + "\n" +
         grid_text(projection_grid(p)) + "\nassumption: " + assumption + "\n" + notes;
}

} // namespace epochcost::report
