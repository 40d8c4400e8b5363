// Console table and Markdown: the same content, laid out for a terminal or for a CI log.
#include "compare/compare.hpp"
#include "config/config_json.hpp"
#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/reporter.hpp"
#include "report/result_reader.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace epochcost::report {
namespace {

std::string range(const std::optional<std::array<double, 2>>& bounds,
                  std::string (*format)(double)) {
  if (!bounds) return "";
  return "95% CI " + format((*bounds)[0]) + " – " + format((*bounds)[1]);
}

struct Row {
  std::string label;
  std::string value;
};
struct Block {
  std::string title;
  std::vector<Row> rows;
};
struct Document {
  std::string heading;
  std::vector<Block> blocks;
  std::string phases_title;
  std::optional<Grid> phases;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
};

std::string model_line(const config::Config& c) {
  if (!c.model) return "cost only";
  // The words compare and history use for the same workload.
  const nlohmann::json result = {{"config", config::to_json(c)}};
  const std::string name = c.name;
  return compare::describe_workload(compare::workload_of(ResultReader(result, name)));
}

Block measurement_block(const Result& r) {
  const auto& t = *r.timing;
  const auto& s = t.t_batch_s;
  Block block{"Measurement", {}};
  block.rows.push_back({"device", r.environment.device.value_or("?") + " — " +
                                      r.environment.device_name.value_or("?")});
  block.rows.push_back(
      {"T_batch (mean)",
       duration(s.mean) + " ± " + significant(s.ci95_half_width_pct(), 3) + "% (95% CI)"});
  block.rows.push_back({"median / p05 / p95",
                        duration(s.median) + " / " + duration(s.p05) + " / " + duration(s.p95)});
  block.rows.push_back({"steps", std::to_string(t.measured_steps) + " measured after " +
                                     std::to_string(t.warmup_steps) + " warmup, " + t.clock});
  block.rows.push_back({"stable", std::string(t.stable ? "yes" : "NO") + " — " + t.stop_reason});
  if (r.config.optimizer) {
    block.rows.push_back({"optimizer", std::string(config::to_string(r.config.optimizer->name)) +
                                           " (" + t.optimizer_implementation + ")"});
  }
  if (r.throughput) {
    const auto& th = *r.throughput;
    const bool one_device = r.epoch.devices_billed == 1;
    std::string text = significant(th.samples_per_s_per_device, 4) + " samples/s";
    if (th.tokens_per_s_per_device)
      text += ", " + significant(*th.tokens_per_s_per_device, 4) + " tokens/s";
    text += " per device";
    if (!one_device) {
      text += "; job of " + std::to_string(r.epoch.devices_billed) + ": " +
              significant(th.samples_per_s, 4) + " samples/s";
      if (th.tokens_per_s) text += ", " + significant(*th.tokens_per_s, 4) + " tokens/s";
    }
    block.rows.push_back({"throughput", text});
  }
  if (r.flops && r.flops->achieved_tflops) {
    std::string text = significant(r.flops->per_step, 4) + " model FLOPs/step and " +
                       significant(*r.flops->achieved_tflops, 4) + " TFLOP/s per device";
    text += r.flops->mfu
                ? ", MFU " + significant(*r.flops->mfu * 100, 3) + "% of " +
                      significant(*r.flops->peak_tflops, 5) + " (" + *r.flops->gpu_spec + ")"
                : ", MFU n/a";
    block.rows.push_back({"compute", text});
  }
  if (r.memory) {
    std::string text = "estimate " + bytes(r.memory->estimate.total_bytes());
    if (r.memory->peak_allocated_bytes) {
      text = "peak allocated " + bytes(double(*r.memory->peak_allocated_bytes)) + ", reserved " +
             bytes(double(*r.memory->peak_reserved_bytes)) + "; " + text;
    }
    block.rows.push_back({"memory", text});
  }
  if (r.params) {
    block.rows.push_back({"parameters", std::to_string(r.params->params_total) + " (" +
                                            std::to_string(r.params->params_trainable) +
                                            " trainable)"});
  }
  return block;
}

std::string phase_title(const TimingResult& t) {
  return "Phases (instrumented pass, " + std::to_string(t.instrumented_step_s.count) +
         " steps, overhead " + significant(t.instrumentation_overhead_pct, 3) + "%)";
}

Grid phase_grid(const TimingResult& t) {
  Grid grid{{"phase", "mean", "median", "p95", "share"}, {}};
  for (const auto& [name, s] : t.phases) {
    grid.rows.push_back({name, duration(s.mean), duration(s.median), duration(s.p95),
                         significant(s.mean / t.instrumented_step_s.mean * 100, 3) + "%"});
  }
  const auto& step = t.instrumented_step_s;
  grid.rows.push_back(
      {"step", duration(step.mean), duration(step.median), duration(step.p95), "100%"});
  return grid;
}

Document document(const Result& r) {
  Document doc;
  doc.heading =
      "epochcost " + r.command + " — " + r.config.name + " (" + model_line(r.config) + ")";
  if (r.timing) {
    doc.blocks.push_back(measurement_block(r));
    doc.phases_title = phase_title(*r.timing);
    doc.phases = phase_grid(*r.timing);
  }
  const auto& e = r.epoch;
  Block epoch{"Epoch", {}};
  const auto accumulation = r.config.train.accumulation_steps;
  const std::string per_device =
      std::to_string(r.config.data.batch_size) + " per device" +
      (accumulation > 1 ? " × " + std::to_string(accumulation) + " micro-batches" : "") + " × " +
      std::to_string(e.devices_billed) + " device(s)";
  epoch.rows.push_back({"batches", std::to_string(e.batches) + " optimizer steps of " + per_device +
                                       (r.config.data.drop_last ? ", drop_last" : "")});
  epoch.rows.push_back(
      {"T_batch used", duration(e.t_batch_s) + " (" + e.t_batch_source +
                           (e.scaled_by_assumption ? ", scaled by assumption" : "") + ")"});
  epoch.rows.push_back(
      {"epoch time", duration(e.seconds) +
                         (e.seconds_ci95 ? "  (" + range(e.seconds_ci95, duration) + ")" : "")});
  if (const auto& v = e.validated) {
    const auto epochs = v->actual_epoch_s.count;
    const std::string actual = epochs == 1 ? duration(v->actual_epoch_s.mean)
                                           : duration(v->actual_epoch_s.mean) + " (mean of " +
                                                 std::to_string(epochs) + " real epochs, " +
                                                 duration(v->actual_epoch_s.min) + " – " +
                                                 duration(v->actual_epoch_s.max) + ")";
    epoch.rows.push_back({"validated epoch", "actual " + actual + ", predicted " +
                                                 duration(v->predicted_seconds) + ", error " +
                                                 significant(v->error_pct, 3) + "%"});
    if (v->pi95_seconds) {
      const auto inside = *v->epochs_within_pi95;
      const std::string verdict =
          epochs == 1
              ? (inside == 1 ? "the real epoch is inside" : "the real epoch is OUTSIDE")
              : std::to_string(inside) + " of " + std::to_string(epochs) + " real epochs inside";
      epoch.rows.push_back({"one epoch, 95%", duration((*v->pi95_seconds)[0]) + " – " +
                                                  duration((*v->pi95_seconds)[1]) + " (" + verdict +
                                                  ")"});
    }
  }
  doc.blocks.push_back(epoch);

  const auto& c = r.cost;
  const auto cur = [&](double x) { return money(x, c.currency); };
  Block cost{"Cost", {}};
  const bool per_gpu = r.config.pricing.unit == config::PriceUnit::gpu_hour;
  cost.rows.push_back(
      {"price", cur(c.price_per_hour) + (per_gpu ? " per GPU-hour × " : " per instance-hour × ") +
                    std::to_string(c.billed_units) + (per_gpu ? " GPU(s)" : " instance(s)")});
  if (const auto& spot = r.config.pricing.spot) {
    cost.rows.push_back({"market", "spot: " + significant(spot->interruptions_per_hour, 3) +
                                       " interruptions/h, " + duration(spot->restart_s) +
                                       " restart, checkpoint every " +
                                       duration(spot->checkpoint_interval_s)});
  }
  cost.rows.push_back({"compute per epoch", cur(c.compute_per_epoch)});
  if (c.eval_checkpoint_per_epoch > 0) {
    cost.rows.push_back({"eval + checkpoints per epoch", cur(c.eval_checkpoint_per_epoch)});
  }
  if (c.spot_overhead_per_epoch > 0) {
    cost.rows.push_back({"spot restarts and lost work", cur(c.spot_overhead_per_epoch)});
  }
  cost.rows.push_back({"storage/transfer per epoch", cur(c.storage_transfer_per_epoch)});
  cost.rows.push_back({"ops per epoch", cur(c.ops_per_epoch)});
  std::string per_epoch = cur(c.per_epoch);
  if (c.per_epoch_ci95) {
    per_epoch +=
        "  (95% CI " + cur((*c.per_epoch_ci95)[0]) + " – " + cur((*c.per_epoch_ci95)[1]) + ")";
  }
  cost.rows.push_back({"cost per epoch", per_epoch});
  if (c.fixed_per_run != 0) {
    cost.rows.push_back({"run: wall / billed", duration(c.job_wall_s) + " / " +
                                                   duration(c.job_billed_s) + " (" +
                                                   config::to_string(r.config.job.billing) + ")"});
    cost.rows.push_back(
        {"fixed per run",
         cur(c.fixed_per_run) + "  (provisioning, billing rounding, minimum charge)"});
  }
  cost.rows.push_back({"total for " + std::to_string(c.epochs) + " epoch(s)", cur(c.total)});
  doc.blocks.push_back(cost);
  if (const auto& b = r.budget) {
    Block budget{"Budget " + cur(b->budget), {}};
    if (b->unlimited) {
      budget.rows.push_back({"buys", "unlimited epochs (an epoch costs nothing at this price)"});
    } else {
      budget.rows.push_back({"buys", significant(b->epochs, 4) + " epochs (" +
                                         significant(b->full_epochs, 15) + " full, " +
                                         cur(b->full_epochs_cost) + ")"});
      // Whole counts while they are exact in a double, then significant digits.
      const auto count = [](double x) {
        return x < 1e15 ? std::to_string(std::llround(x)) : significant(x, 4);
      };
      std::string work = count(b->samples) + " samples";
      if (b->tokens) work += ", " + count(*b->tokens) + " tokens";
      budget.rows.push_back({"samples", work});
    }
    budget.rows.push_back({"cost of a run with no epoch", cur(b->fixed_costs)});
    doc.blocks.push_back(budget);
  }
  doc.warnings = r.warnings;
  doc.notes = r.notes;
  return doc;
}

Grid rows_of(const Block& block) {
  Grid grid;
  for (const auto& row : block.rows)
    grid.rows.push_back({row.label, row.value});
  return grid;
}

} // namespace

std::string render_table(const Result& result) {
  const Document doc = document(result);
  std::ostringstream out;
  out << doc.heading << "\n";
  for (std::size_t i = 0; i < doc.blocks.size(); ++i) {
    out << "\n" << doc.blocks[i].title << "\n" << grid_text(rows_of(doc.blocks[i]));
    if (i == 0 && doc.phases) out << "\n" << doc.phases_title << "\n" << grid_text(*doc.phases);
  }
  if (!doc.warnings.empty()) {
    out << "\nWARNINGS\n";
    for (const auto& warning : doc.warnings)
      out << "  !! " << warning << "\n";
  }
  if (!doc.notes.empty()) {
    out << "\nNotes\n";
    for (const auto& note : doc.notes)
      out << "  ! " << note << "\n";
  }
  return out.str();
}

std::string render_markdown(const Result& result) {
  const Document doc = document(result);
  std::ostringstream out;
  out << "## " << doc.heading << "\n";
  for (std::size_t i = 0; i < doc.blocks.size(); ++i) {
    Grid block = rows_of(doc.blocks[i]);
    block.header = {"", ""};
    out << "\n### " << doc.blocks[i].title << "\n\n" << grid_markdown(block, false);
    if (i == 0 && doc.phases) {
      out << "\n### " << doc.phases_title << "\n\n" << grid_markdown(*doc.phases);
    }
  }
  if (!doc.warnings.empty()) {
    out << "\n### Warnings\n\n";
    for (const auto& warning : doc.warnings)
      out << "- **" << markdown_escape(warning) << "**\n";
  }
  if (!doc.notes.empty()) {
    out << "\n### Notes\n\n";
    for (const auto& note : doc.notes)
      out << "- " << markdown_escape(note) << "\n";
  }
  return out.str();
}

} // namespace epochcost::report
