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
  const auto& config = r.at("config");
  const auto& epoch = r.at("epoch");
  const auto& cost = r.at("cost");
  Row row;
  row.file = run.file;
  row.measured = r.contains("timing") && r.at("timing").is_object();
  const auto& env = r.at("environment");
  const std::string priced = config.at("pricing").value("gpu", nlohmann::json()).is_string()
                                 ? config.at("pricing").at("gpu").get<std::string>()
                                 : "";
  row.gpu = row.measured ? env.value("device_name", "?") : (priced.empty() ? "(estimate)" : priced);
  row.gpus = epoch.at("devices_billed").get<std::int64_t>();
  row.precision = config.at("precision").get<std::string>();
  row.batch_per_device = config.at("data").at("batch_size").get<std::int64_t>();
  row.accumulation_steps = config.contains("train")
                               ? config.at("train").at("accumulation_steps").get<std::int64_t>()
                               : 1;
  row.t_batch_s = epoch.at("t_batch_s").get<double>();
  if (row.measured) {
    const auto& t = r.at("timing").at("t_batch_s");
    if (t.contains("ci95_half_width_pct") && t.at("ci95_half_width_pct").is_number())
      row.t_batch_ci95_pct = t.at("ci95_half_width_pct").get<double>();
  }
  row.epoch_s = epoch.at("seconds").get<double>();
  if (!(row.t_batch_s > 0) || !(row.epoch_s > 0)) {
    throw InputError(run.file + ": the result's step and epoch times must be > 0");
  }
  if (epoch.contains("seconds_ci95") && epoch.at("seconds_ci95").is_array()) {
    row.epoch_s_ci95 = std::array<double, 2>{epoch.at("seconds_ci95").at(0).get<double>(),
                                             epoch.at("seconds_ci95").at(1).get<double>()};
  }
  row.cost_per_epoch = cost.at("per_epoch").get<double>();
  if (cost.contains("per_epoch_ci95") && cost.at("per_epoch_ci95").is_array()) {
    row.cost_per_epoch_ci95 = std::array<double, 2>{cost.at("per_epoch_ci95").at(0).get<double>(),
                                                    cost.at("per_epoch_ci95").at(1).get<double>()};
  }
  row.epochs = cost.at("epochs").get<std::int64_t>();
  row.total = cost.at("total").get<double>();
  const auto samples = config.at("data").at("samples").get<double>();
  row.cost_per_million_samples = row.cost_per_epoch / samples * 1e6;
  if (config.at("data").value("seq_len", nlohmann::json()).is_number()) {
    row.cost_per_million_tokens =
        row.cost_per_epoch / (samples * config.at("data").at("seq_len").get<double>()) * 1e6;
  }
  const double per_step = double(row.batch_per_device * row.accumulation_steps);
  row.samples_per_s_per_device = per_step / row.t_batch_s;
  row.samples_per_s_job = per_step * double(row.gpus) / row.t_batch_s;
  for (const auto& [key, list] : {std::pair{"warnings", &row.warnings}, {"notes", &row.notes}}) {
    if (!r.contains(key) || !r[key].is_array()) continue;
    for (const auto& text : r[key]) {
      if (text.is_string()) list->push_back(text.get<std::string>());
    }
  }
  return row;
}

} // namespace

nlohmann::json workload_of(const nlohmann::json& config) {
  const auto& data = config.at("data");
  const auto& optimizer = config.at("optimizer");
  return {{"model", config.at("model")},
          {"seq_len", data.value("seq_len", nlohmann::json())},
          {"precision", config.at("precision")},
          {"optimizer", optimizer.is_object() ? optimizer.at("name") : nlohmann::json("none")},
          {"accumulation_steps", config.contains("train")
                                     ? config.at("train").at("accumulation_steps")
                                     : nlohmann::json(1)}};
}

namespace {

// A run's workload, refusing what is not a result with a workload; json exceptions (a missing or
// mistyped key) become InputErrors naming the file.
nlohmann::json checked_workload(const Run& run) {
  const auto& r = run.result;
  if (!r.is_object() || r.value("schema", "") != "epochcost.result/1") {
    throw InputError(run.file + ": not an epochcost result (schema epochcost.result/1)");
  }
  try {
    if (!r.at("config").contains("model") || !r.at("config").at("model").is_object()) {
      throw InputError(run.file + ": a cost-only result has no workload to compare");
    }
    return workload_of(r.at("config"));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(run.file + ": not a valid epochcost result: " + e.what());
  }
}

} // namespace

Comparison compare(const std::vector<Run>& runs, std::size_t baseline) {
  if (runs.empty()) throw InputError("compare: no result files given");
  if (baseline >= runs.size()) {
    throw InputError("--baseline: " + std::to_string(baseline + 1) + " is beyond the " +
                     std::to_string(runs.size()) + " results given");
  }
  std::vector<nlohmann::json> workloads;
  for (const auto& run : runs)
    workloads.push_back(checked_workload(run));
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
    try {
      const std::string currency = run.result.at("cost").at("currency").get<std::string>();
      if (i == 0) comparison.currency = currency;
      if (currency != comparison.currency) {
        throw InputError("compare: " + run.file + " is priced in " + currency + ", " +
                         runs[0].file + " in " + comparison.currency +
                         "; price them in one currency");
      }
      comparison.rows.push_back(row_of(run));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(run.file + ": not a valid epochcost result: " + e.what());
    }
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
