// Console table and Markdown: the same content, laid out for a terminal or for a CI log.
#include "report/format.hpp"
#include "report/reporter.hpp"

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
struct Grid {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
struct Document {
  std::string heading;
  std::vector<Block> blocks;
  std::optional<Grid> phases;
  std::vector<std::string> notes;
};

std::string model_line(const config::Config& c) {
  if (!c.model) return "cost only";
  std::ostringstream out;
  std::visit(
      [&](const config::MlpSpec& mlp) {
        out << "mlp " << mlp.input_dim;
        for (const auto width : mlp.hidden)
          out << "→" << width;
        out << "→" << mlp.output_dim << " (" << config::to_string(mlp.loss) << ")";
      },
      *c.model);
  if (c.optimizer) out << ", " << config::to_string(c.optimizer->name);
  out << ", " << config::to_string(c.precision);
  return out.str();
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
  if (r.params) {
    block.rows.push_back({"parameters", std::to_string(r.params->params_total) + " (" +
                                            std::to_string(r.params->params_trainable) +
                                            " trainable)"});
  }
  return block;
}

Grid phase_grid(const TimingResult& t) {
  Grid grid{"Phases (instrumented pass, " + std::to_string(t.instrumented_step_s.count) +
                " steps, overhead " + significant(t.instrumentation_overhead_pct, 3) + "%)",
            {"phase", "mean", "median", "p95", "share"},
            {}};
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
    doc.phases = phase_grid(*r.timing);
  }
  const auto& e = r.epoch;
  Block epoch{"Epoch", {}};
  const std::string per_device = std::to_string(r.config.data.batch_size) + " per device × " +
                                 std::to_string(e.devices_billed) + " device(s)";
  epoch.rows.push_back({"batches", std::to_string(e.batches) + " steps of " + per_device +
                                       (r.config.data.drop_last ? ", drop_last" : "")});
  epoch.rows.push_back(
      {"T_batch used", duration(e.t_batch_s) + " (" + e.t_batch_source +
                           (e.scaled_by_assumption ? ", scaled by assumption" : "") + ")"});
  epoch.rows.push_back(
      {"epoch time", duration(e.seconds) +
                         (e.seconds_ci95 ? "  (" + range(e.seconds_ci95, duration) + ")" : "")});
  if (e.validated) {
    epoch.rows.push_back(
        {"validated epoch", "actual " + duration(e.validated->actual_seconds) + ", predicted " +
                                duration(e.validated->predicted_seconds) + ", error " +
                                significant(e.validated->error_pct, 3) + "%"});
  }
  doc.blocks.push_back(epoch);

  const auto& c = r.cost;
  const auto cur = [&](double x) { return money(x, c.currency); };
  Block cost{"Cost", {}};
  const bool per_gpu = r.config.pricing.unit == config::PriceUnit::gpu_hour;
  cost.rows.push_back(
      {"price", cur(c.price_per_hour) + (per_gpu ? " per GPU-hour × " : " per instance-hour × ") +
                    std::to_string(c.billed_units) + (per_gpu ? " GPU(s)" : " instance(s)")});
  cost.rows.push_back({"compute per epoch", cur(c.compute_per_epoch)});
  cost.rows.push_back({"storage/transfer per epoch", cur(c.storage_transfer_per_epoch)});
  cost.rows.push_back({"ops per epoch", cur(c.ops_per_epoch)});
  std::string per_epoch = cur(c.per_epoch);
  if (c.per_epoch_ci95) {
    per_epoch +=
        "  (95% CI " + cur((*c.per_epoch_ci95)[0]) + " – " + cur((*c.per_epoch_ci95)[1]) + ")";
  }
  cost.rows.push_back({"cost per epoch", per_epoch});
  cost.rows.push_back({"total for " + std::to_string(c.epochs) + " epoch(s)", cur(c.total)});
  doc.blocks.push_back(cost);
  doc.notes = r.notes;
  return doc;
}

// Width in code points, so "µ" and "–" do not break alignment.
std::size_t display_width(const std::string& text) {
  std::size_t length = 0;
  for (const unsigned char ch : text)
    length += (ch & 0xC0) != 0x80;
  return length;
}

std::string pad(const std::string& text, std::size_t width) {
  const std::size_t length = display_width(text);
  return text + std::string(width > length ? width - length : 0, ' ');
}

} // namespace

std::string render_table(const Result& result) {
  const Document doc = document(result);
  std::ostringstream out;
  out << doc.heading << "\n";
  const auto write_block = [&](const Block& block) {
    std::size_t width = 0;
    for (const auto& row : block.rows)
      width = std::max(width, display_width(row.label));
    out << "\n" << block.title << "\n";
    for (const auto& row : block.rows)
      out << "  " << pad(row.label, width) << "  " << row.value << "\n";
  };
  for (std::size_t i = 0; i < doc.blocks.size(); ++i) {
    write_block(doc.blocks[i]);
    if (i == 0 && doc.phases) {
      const Grid& grid = *doc.phases;
      std::vector<std::size_t> widths(grid.header.size());
      for (std::size_t c = 0; c < widths.size(); ++c) {
        widths[c] = display_width(grid.header[c]);
        for (const auto& row : grid.rows)
          widths[c] = std::max(widths[c], display_width(row[c]));
      }
      out << "\n" << grid.title << "\n";
      const auto line = [&](const std::vector<std::string>& cells) {
        out << " ";
        for (std::size_t c = 0; c < cells.size(); ++c)
          out << " " << pad(cells[c], widths[c]) << " ";
        out << "\n";
      };
      line(grid.header);
      for (const auto& row : grid.rows)
        line(row);
    }
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
  const auto escape = [](const std::string& text) {
    std::string escaped;
    for (const char c : text)
      escaped += c == '|' ? std::string("\\|") : std::string(1, c);
    return escaped;
  };
  const auto write_block = [&](const Block& block) {
    out << "\n### " << block.title << "\n\n| | |\n|---|---|\n";
    for (const auto& row : block.rows) {
      out << "| " << escape(row.label) << " | " << escape(row.value) << " |\n";
    }
  };
  for (std::size_t i = 0; i < doc.blocks.size(); ++i) {
    write_block(doc.blocks[i]);
    if (i == 0 && doc.phases) {
      out << "\n### " << doc.phases->title << "\n\n|";
      for (const auto& h : doc.phases->header)
        out << " " << h << " |";
      out << "\n|";
      for (std::size_t c = 0; c < doc.phases->header.size(); ++c)
        out << (c ? "---:|" : "---|");
      out << "\n";
      for (const auto& row : doc.phases->rows) {
        out << "|";
        for (const auto& cell : row)
          out << " " << escape(cell) << " |";
        out << "\n";
      }
    }
  }
  if (!doc.notes.empty()) {
    out << "\n### Notes\n\n";
    for (const auto& note : doc.notes)
      out << "- " << note << "\n";
  }
  return out.str();
}

} // namespace epochcost::report
