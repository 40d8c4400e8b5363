#include "compare/compare.hpp"

#include "util/errors.hpp"

#include <algorithm>
#include <cmath>

namespace epochcost::compare {
namespace {

// The first JSON path at which two documents differ, for the refusal message.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b,
                             const std::string& path) {
  if (a.is_object() && b.is_object()) {
    // A different model family differs in every key; its name says so first, not the alphabet.
    if (a.contains("name") && b.contains("name") && a["name"] != b["name"]) {
      return first_difference(a["name"], b["name"], path.empty() ? "name" : path + ".name");
    }
    for (const auto& [key, value] : a.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (!b.contains(key)) return child;
      if (value != b[key]) return first_difference(value, b[key], child);
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) return path.empty() ? key : path + "." + key;
    }
  }
  return path + " (" + a.dump() + " vs " + b.dump() + ")";
}

// The member `key` of `object` when it has the type `is` tests, else null: a workload comes from a
// result file, and its description must never be what makes a command fail.
const nlohmann::json& member(const nlohmann::json& object, const char* key,
                             bool (nlohmann::json::*is)() const noexcept) {
  static const nlohmann::json none;
  if (!object.is_object() || !object.contains(key)) return none;
  const auto& value = object[key];
  return (value.*is)() ? value : none;
}

} // namespace

std::string describe_workload(const nlohmann::json& workload) {
  using json = nlohmann::json;
  const auto& model = member(workload, "model", &json::is_object);
  const auto& name = member(model, "name", &json::is_string);
  const auto count = [&model](const char* key) {
    const auto& value = member(model, key, &json::is_number_integer);
    return value.is_null() ? std::string("?") : value.dump();
  };
  // The shape too: two MLPs of other widths are two workloads, and their labels must say so.
  std::string text = name.is_null() ? "?" : name.get<std::string>();
  if (text == "mlp") {
    text += " " + count("input_dim");
    for (const auto& width : member(model, "hidden", &json::is_array))
      text += "→" + width.dump();
    text += "→" + count("output_dim");
    if (const auto& loss = member(model, "loss", &json::is_string); !loss.is_null())
      text += " (" + loss.get<std::string>() + ")";
  } else if (text == "resnet") {
    text += "-" + count("depth") + " " + count("image_size") + "px";
    if (member(model, "channels_last", &json::is_boolean) == true) text += ", channels-last";
  } else if (text == "decoder") {
    if (const auto& preset = member(model, "preset", &json::is_string); !preset.is_null())
      text += " " + preset.get<std::string>();
    text += " " + count("layers") + "×" + count("hidden");
    const auto& rank =
        member(member(model, "lora", &json::is_object), "rank", &json::is_number_integer);
    if (!rank.is_null() && rank.get<std::int64_t>() > 0) text += ", LoRA r=" + rank.dump();
  }
  if (const auto& seq_len = member(workload, "seq_len", &json::is_number); !seq_len.is_null())
    text += ", seq " + seq_len.dump();
  for (const char* key : {"precision", "optimizer"}) {
    if (const auto& value = member(workload, key, &json::is_string);
        !value.is_null() && value != "none")
      text += ", " + value.get<std::string>();
  }
  const auto& accumulation = member(workload, "accumulation_steps", &json::is_number_integer);
  if (!accumulation.is_null() && accumulation.get<std::int64_t>() > 1)
    text += ", accumulation " + accumulation.dump();
  return text;
}

nlohmann::json workload_of(const report::ResultReader& r) {
  (void)r.object("config");
  if (!r.has("config.model")) {
    throw InputError(r.file() + ": a cost-only result (config.model is null) has no workload to "
                                "compare or record");
  }
  // The same JSON, key for key, as the config holds it: history identifies workloads by its hash.
  return {{"model", r.object("config.model")},
          {"seq_len", r.has("config.data.seq_len")
                          ? nlohmann::json(r.integer("config.data.seq_len"))
                          : nlohmann::json()},
          {"precision", r.text("config.precision")},
          {"optimizer", r.has("config.optimizer") ? r.text("config.optimizer.name") : "none"},
          {"accumulation_steps", r.integer_or("config.train.accumulation_steps", 1)}};
}

std::string gpu_of(const report::ResultReader& r) {
  if (r.measured()) {
    return r.has("environment.device_name") ? r.text("environment.device_name") : "?";
  }
  return r.has("config.pricing.gpu") ? r.text("config.pricing.gpu") : "(estimate)";
}

namespace {

Row row_of(const report::ResultReader& r) {
  Row row;
  row.file = r.file();
  row.measured = r.measured();
  row.gpu = gpu_of(r);
  row.gpus = r.integer("epoch.devices_billed");
  row.precision = r.text("config.precision");
  row.batch_per_device = r.integer("config.data.batch_size");
  row.accumulation_steps = r.integer_or("config.train.accumulation_steps", 1);
  row.t_batch_s = r.number("epoch.t_batch_s");
  if (row.measured && r.has("timing.t_batch_s.ci95_half_width_pct"))
    row.t_batch_ci95_pct = r.number("timing.t_batch_s.ci95_half_width_pct");
  row.epoch_s = r.number("epoch.seconds");
  row.epoch_s_ci95 = r.interval("epoch.seconds_ci95");
  row.cost_per_epoch = r.number("cost.per_epoch");
  row.cost_per_epoch_ci95 = r.interval("cost.per_epoch_ci95");
  row.epochs = r.integer("cost.epochs");
  row.total = r.number("cost.total");
  if (r.has("cost.job_wall_s")) row.job_wall_s = r.number("cost.job_wall_s");
  row.samples = r.integer("config.data.samples");
  const auto samples = static_cast<double>(row.samples);
  row.cost_per_million_samples = row.cost_per_epoch / samples * 1e6;
  if (r.has("config.data.seq_len")) {
    row.cost_per_million_tokens =
        row.cost_per_epoch / (samples * r.number("config.data.seq_len")) * 1e6;
  }
  const double per_step = double(row.batch_per_device * row.accumulation_steps);
  row.samples_per_s_per_device = per_step / row.t_batch_s;
  row.samples_per_s_job = per_step * double(row.gpus) / row.t_batch_s;
  for (const auto& [key, list] : {std::pair{"warnings", &row.warnings}, {"notes", &row.notes}}) {
    if (!r.has(key) || !r.at(key).is_array()) continue;
    for (const auto& text : r.at(key)) {
      if (text.is_string()) list->push_back(text.get<std::string>());
    }
  }
  return row;
}

} // namespace

Comparison compare(const std::vector<Run>& runs, std::size_t baseline) {
  if (runs.empty()) throw InputError("compare: no result files given");
  if (baseline >= runs.size()) {
    throw InputError("--baseline: " + std::to_string(baseline + 1) + " is beyond the " +
                     std::to_string(runs.size()) + " results given");
  }
  std::vector<report::ResultReader> readers;
  std::vector<nlohmann::json> workloads;
  for (const auto& run : runs) {
    const auto& r = readers.emplace_back(run);
    r.check();
    workloads.push_back(workload_of(r));
  }
  Comparison comparison;
  const nlohmann::json& workload = workloads[0];
  comparison.workload = describe_workload(workload);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& run = runs[i];
    if (workloads[i] != workload) {
      throw InputError("compare: " + run.file + " trains another workload than " + runs[0].file +
                       " (" + describe_workload(workloads[i]) + " vs " +
                       describe_workload(workload) +
                       "; first difference: " + first_difference(workload, workloads[i], "") +
                       "); compare runs of one workload");
    }
    const std::string currency = readers[i].text("cost.currency");
    if (i == 0) comparison.currency = currency;
    if (currency != comparison.currency) {
      throw InputError("compare: " + run.file + " is priced in " + currency + ", " + runs[0].file +
                       " in " + comparison.currency + "; price them in one currency");
    }
    comparison.rows.push_back(row_of(readers[i]));
  }
  comparison.baseline = baseline;
  const Row& base = comparison.rows[baseline];
  const double base_epoch = base.epoch_s, base_cost = base.cost_per_epoch;
  for (auto& row : comparison.rows) {
    row.speedup = base_epoch / row.epoch_s;
    row.cost_ratio = base_cost > 0 ? std::optional(row.cost_per_epoch / base_cost) : std::nullopt;
  }
  const auto& rows = comparison.rows;
  // Totals compare only jobs of one size; otherwise what a sample costs and takes does.
  const bool same_job = std::all_of(rows.begin(), rows.end(), [&](const Row& row) {
    return row.epochs == rows[0].epochs && row.samples == rows[0].samples;
  });
  const bool whole_jobs = same_job && std::all_of(rows.begin(), rows.end(), [](const Row& row) {
                            return row.job_wall_s.has_value();
                          });
  const auto cost = [&](const Row& row) {
    return same_job ? row.total : row.cost_per_million_samples;
  };
  const auto time = [&](const Row& row) {
    return whole_jobs ? *row.job_wall_s : row.epoch_s / static_cast<double>(row.samples);
  };
  const auto least = [&rows](auto figure) {
    double best = figure(rows[0]);
    for (const auto& row : rows)
      best = std::min(best, figure(row));
    return best;
  };
  const double cheapest = least(cost), fastest = least(time);
  for (auto& row : comparison.rows) {
    row.cheapest = cost(row) == cheapest;
    row.fastest = time(row) == fastest;
  }
  return comparison;
}

} // namespace epochcost::compare
