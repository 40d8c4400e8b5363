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

} // namespace

std::string describe_workload(const nlohmann::json& workload) {
  const auto& model = workload["model"];
  std::string text = model.value("name", "?");
  if (model.contains("preset") && model["preset"].is_string())
    text += " " + model["preset"].get<std::string>();
  if (model.contains("layers"))
    text += " " + std::to_string(model["layers"].get<std::int64_t>()) + " layers";
  if (model.contains("lora") && model["lora"]["rank"].get<std::int64_t>() > 0) {
    text += ", LoRA r=" + std::to_string(model["lora"]["rank"].get<std::int64_t>());
  }
  if (workload["seq_len"].is_number()) text += ", seq " + workload["seq_len"].dump();
  text += ", " + workload["precision"].get<std::string>();
  text += ", " + workload["optimizer"].get<std::string>();
  if (workload["accumulation_steps"].get<std::int64_t>() > 1) {
    text += ", accumulation " + workload["accumulation_steps"].dump();
  }
  return text;
}

namespace {

Row row_of(const Run& run) {
  const auto& r = run.result;
  const auto& config = r["config"];
  const auto& epoch = r["epoch"];
  const auto& cost = r["cost"];
  Row row;
  row.file = run.file;
  row.measured = r["timing"].is_object();
  const auto& env = r["environment"];
  const std::string priced = config["pricing"].value("gpu", nlohmann::json()).is_string()
                                 ? config["pricing"]["gpu"].get<std::string>()
                                 : "";
  row.gpu = row.measured ? env.value("device_name", "?") : (priced.empty() ? "(estimate)" : priced);
  row.gpus = epoch["devices_billed"].get<std::int64_t>();
  row.precision = config["precision"].get<std::string>();
  row.batch_per_device = config["data"]["batch_size"].get<std::int64_t>();
  row.accumulation_steps =
      config.contains("train") ? config["train"]["accumulation_steps"].get<std::int64_t>() : 1;
  row.t_batch_s = epoch["t_batch_s"].get<double>();
  if (row.measured) {
    const auto& t = r["timing"]["t_batch_s"];
    if (t["ci95_half_width_pct"].is_number())
      row.t_batch_ci95_pct = t["ci95_half_width_pct"].get<double>();
  }
  row.epoch_s = epoch["seconds"].get<double>();
  row.cost_per_epoch = cost["per_epoch"].get<double>();
  if (cost["per_epoch_ci95"].is_array()) {
    row.cost_per_epoch_ci95 = std::array<double, 2>{cost["per_epoch_ci95"][0].get<double>(),
                                                    cost["per_epoch_ci95"][1].get<double>()};
  }
  row.epochs = cost["epochs"].get<std::int64_t>();
  row.total = cost["total"].get<double>();
  const auto samples = config["data"]["samples"].get<double>();
  row.cost_per_million_samples = row.cost_per_epoch / samples * 1e6;
  if (config["data"].value("seq_len", nlohmann::json()).is_number()) {
    row.cost_per_million_tokens =
        row.cost_per_epoch / (samples * config["data"]["seq_len"].get<double>()) * 1e6;
  }
  const double per_step = double(row.batch_per_device * row.accumulation_steps);
  row.samples_per_s_per_device = per_step / row.t_batch_s;
  row.samples_per_s_job = per_step * double(row.gpus) / row.t_batch_s;
  if (r.contains("warnings")) {
    for (const auto& w : r["warnings"])
      row.warnings.push_back(w.get<std::string>());
  }
  return row;
}

} // namespace

nlohmann::json workload_of(const nlohmann::json& config) {
  const auto& data = config["data"];
  const auto& optimizer = config["optimizer"];
  return {{"model", config["model"]},
          {"seq_len", data.value("seq_len", nlohmann::json())},
          {"precision", config["precision"]},
          {"optimizer", optimizer.is_object() ? optimizer["name"] : nlohmann::json("none")},
          {"accumulation_steps",
           config.contains("train") ? config["train"]["accumulation_steps"] : nlohmann::json(1)}};
}

Comparison compare(const std::vector<Run>& runs, std::size_t baseline) {
  if (runs.empty()) throw InputError("compare: no result files given");
  if (baseline >= runs.size()) {
    throw InputError("--baseline: " + std::to_string(baseline + 1) + " is beyond the " +
                     std::to_string(runs.size()) + " results given");
  }
  for (const auto& run : runs) {
    if (!run.result.is_object() || run.result.value("schema", "") != "epochcost.result/1") {
      throw InputError(run.file + ": not an epochcost result (schema epochcost.result/1)");
    }
    if (!run.result["config"]["model"].is_object()) {
      throw InputError(run.file + ": a cost-only result has no workload to compare");
    }
  }
  Comparison comparison;
  const nlohmann::json workload = workload_of(runs[0].result["config"]);
  comparison.workload = describe_workload(workload);
  comparison.currency = runs[0].result["cost"]["currency"].get<std::string>();
  for (const auto& run : runs) {
    const nlohmann::json other = workload_of(run.result["config"]);
    if (other != workload) {
      throw InputError("compare: " + run.file + " trains another workload than " + runs[0].file +
                       " (" + describe_workload(other) + " vs " + describe_workload(workload) +
                       "; first difference: " + first_difference(workload, other, "") +
                       "); compare runs of one workload");
    }
    const std::string currency = run.result["cost"]["currency"].get<std::string>();
    if (currency != comparison.currency) {
      throw InputError("compare: " + run.file + " is priced in " + currency + ", " + runs[0].file +
                       " in " + comparison.currency + "; price them in one currency");
    }
    comparison.rows.push_back(row_of(run));
  }
  comparison.baseline = baseline;
  const Row& base = comparison.rows[baseline];
  const double base_epoch = base.epoch_s, base_cost = base.cost_per_epoch;
  auto cheapest = comparison.rows.begin(), fastest = comparison.rows.begin();
  for (auto it = comparison.rows.begin(); it != comparison.rows.end(); ++it) {
    it->speedup = base_epoch / it->epoch_s;
    it->cost_ratio = it->cost_per_epoch / base_cost;
    if (it->cost_per_epoch < cheapest->cost_per_epoch) cheapest = it;
    if (it->epoch_s < fastest->epoch_s) fastest = it;
  }
  cheapest->cheapest = true;
  fastest->fastest = true;
  return comparison;
}

} // namespace epochcost::compare
