#include "pipeline/reprice.hpp"

#include "config/config_json.hpp"
#include "config/section.hpp"
#include "cost/cost_model.hpp"
#include "hardware/gpu_specs.hpp"
#include "pipeline/build_result.hpp"
#include "report/json_document.hpp"
#include "report/result_reader.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace epochcost::pipeline {
namespace {

// What re-pricing reads of a result, checked up front (figures in range, and present) so that a
// hand-edited or truncated file is an InputError naming the file and the key, never a crash.
void check_priceable(const report::ResultReader& r) {
  r.check();
  (void)r.integer("config.data.samples");
  (void)r.integer("config.data.batch_size");
  (void)r.object("config.pricing");
  (void)r.integer("epoch.devices_billed");
  (void)r.text("cost.currency");
  if (r.measured()) (void)r.integer("epoch.devices_measured");
  (void)r.number(r.measured() ? "timing.t_batch_s.mean" : "epoch.t_batch_s");
}

// The GPU a catalog entry must have to price this result.
std::string gpu_of(const report::ResultReader& r) {
  const std::string& file = r.file();
  if (r.measured()) {
    const std::string device = r.has("environment.device") ? r.text("environment.device") : "";
    const std::string name =
        r.has("environment.device_name") ? r.text("environment.device_name") : "";
    if (!device.starts_with("cuda")) {
      throw InputError(file + ": measured on " + device + " (" + name +
                       "); a catalog prices GPUs, so give a pricing file with a pricing section");
    }
    const hardware::GpuSpec* gpu = hardware::find_gpu(name);
    if (!gpu) throw InputError(file + ": '" + name + "' is not in the GPU spec table");
    return gpu->name;
  }
  if (!r.has("config.pricing.gpu")) {
    throw InputError(file + ": an estimate that names no pricing.gpu; a catalog cannot tell "
                            "which entry prices it");
  }
  return r.text("config.pricing.gpu");
}

// The catalog's entry with `gpu`, preferring one with `devices` GPUs; nullptr when none has it.
const catalog::Instance* entry_for(const catalog::Catalog& prices, const std::string& gpu,
                                   std::int64_t devices) {
  const catalog::Instance* chosen = nullptr;
  for (const auto& instance : prices.instances) {
    if (instance.gpu != gpu) continue;
    if (!chosen || (instance.gpus == devices && chosen->gpus != devices)) chosen = &instance;
  }
  return chosen;
}

std::string instances_of(const catalog::Catalog& prices) {
  std::string list;
  for (const auto& instance : prices.instances)
    list += (list.empty() ? "" : ", ") + instance.name + " (" + instance.gpu + ")";
  return list;
}

// The entry's price for a job of `devices` GPUs: the job keeps its size (whole instances are
// billed when the entry is priced per instance).
config::PricingSpec pricing_of(const catalog::Catalog& prices, const catalog::Instance& entry,
                               std::int64_t devices) {
  config::PricingSpec pricing;
  pricing.currency = prices.currency;
  pricing.unit = entry.unit;
  pricing.amount = entry.price;
  pricing.gpus = devices;
  if (pricing.unit == config::PriceUnit::instance_hour) pricing.gpus_per_instance = entry.gpus;
  pricing.gpu = entry.gpu;
  pricing.catalog = prices.name;
  pricing.instance = entry.name;
  pricing.source = prices.citation();
  return pricing;
}

// The catalog's entry for the result's GPU, with the result's GPU count when there is one.
config::PricingSpec catalog_pricing(const catalog::Catalog& prices, const report::ResultReader& r) {
  const std::string gpu = gpu_of(r);
  const auto devices = r.integer("epoch.devices_billed");
  const auto* entry = entry_for(prices, gpu, devices);
  if (!entry) {
    throw InputError(r.file() + ": catalog " + prices.name + " has no instance with " + gpu +
                     "; it has " + instances_of(prices));
  }
  return pricing_of(prices, *entry, devices);
}

// The reader's check() has vetted every key this reads, so a json exception here is a bug.
config::Config result_cost_inputs(const nlohmann::json& config, const std::string& file) {
  try {
    return config::cost_inputs_from_json(config);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file +
                     ": the result's config lacks what prices an epoch: " + untagged_message(e));
  } catch (const InputError& e) {
    throw InputError(file + ": " + e.what());
  }
}

std::int64_t steps_of(const config::Config& config, const std::string& file) {
  try {
    return config::steps_per_epoch(config.data, config.pricing.gpus,
                                   config.train.accumulation_steps);
  } catch (const InputError& e) {
    throw InputError(file + ": " + e.what());
  }
}

void apply_document(config::Config& config, const config::PricingDocument& document) {
  config.pricing = document.pricing;
  if (document.extra_costs) config.extra_costs = *document.extra_costs;
  if (document.job) config.job = *document.job;
  if (document.parallel) config.parallel = *document.parallel;
  if (document.epochs) config.epochs = *document.epochs;
}

config::Config cost_inputs(const report::ResultReader& r, const Repricing& repricing) {
  config::Config config = result_cost_inputs(r.at("config"), r.file());
  if (const auto* document = std::get_if<config::PricingDocument>(&repricing)) {
    apply_document(config, *document);
  } else {
    config.pricing = catalog_pricing(std::get<catalog::Catalog>(repricing), r);
  }
  return config;
}

template <typename Predicate> void erase_strings(nlohmann::json& list, Predicate matches) {
  if (!list.is_array()) return;
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& item : list) {
    if (!(item.is_string() && matches(item.get<std::string>()))) kept.push_back(item);
  }
  list = kept;
}

} // namespace

Repricing load_repricing(const std::filesystem::path& file) {
  // A bare name that is no file is a catalog of the search path: --pricing ciuic.
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !file.has_parent_path() && !file.has_extension()) {
    try {
      return catalog::load(file.string(), catalog::search_path("."));
    } catch (const InputError& e) {
      throw InputError(std::string("--pricing: ") + e.what());
    }
  }
  const YAML::Node document =
      config::detail::load_document(read_text_file(file, "pricing file"), file.string());
  if (document.IsMap() && document["instances"]) return catalog::load(file.string(), {});
  return config::load_pricing_document(file);
}

namespace {

// The epoch priced anew; a cost beyond a double names what was priced and with what.
cost::CostBreakdown priced_with(const cost::EpochTime& epoch, const config::Config& config,
                                const std::string& what, const std::string& pricing_file) {
  try {
    return cost::price_epoch(epoch, config);
  } catch (const InputError& e) {
    throw InputError(what + " priced with " + pricing_file + ": " + e.what());
  }
}

} // namespace

nlohmann::json reprice(const nlohmann::json& original, const std::string& file,
                       const Repricing& repricing, const std::string& pricing_file) {
  const report::ResultReader r(original, file);
  check_priceable(r);
  const config::Config config = cost_inputs(r, repricing);
  const bool was_measured = r.measured();
  const auto devices_billed = r.integer("epoch.devices_billed");

  const double t_batch_s = r.number(was_measured ? "timing.t_batch_s.mean" : "epoch.t_batch_s");
  const auto ci95_s = was_measured ? r.interval("timing.t_batch_s") : std::nullopt;
  // A given time is the job's: no scaling.
  const std::int64_t devices_measured =
      was_measured ? r.integer("epoch.devices_measured") : config.pricing.gpus;
  nlohmann::json result = original;
  auto& epoch = result["epoch"];
  const std::int64_t batches = steps_of(config, file);
  const auto step = cost::job_step_time(t_batch_s, ci95_s, devices_measured, config);
  const cost::EpochTime epoch_time = cost::epoch_time(batches, step);
  const cost::CostBreakdown cost = priced_with(epoch_time, config, file, pricing_file);

  auto& config_json = result["config"];
  config_json["pricing"] = config::pricing_json(config.pricing);
  config_json["job"] = config::job_json(config.job);
  config_json["extra_costs"] = config::extra_costs_json(config.extra_costs);
  config_json["parallel"]["scaling_efficiency"] = config.parallel.scaling_efficiency;
  config_json["epochs"] = config.epochs;
  epoch["batches"] = batches;
  epoch["seconds"] = epoch_time.seconds;
  epoch["seconds_ci95"] = report::optional_json(epoch_time.seconds_ci95);
  epoch["t_batch_s"] = step.t_batch_s;
  epoch["devices_billed"] = config.pricing.gpus;
  epoch["scaled_by_assumption"] = step.scaled;
  epoch["scaling_efficiency"] = step.scaling_efficiency;
  result["cost"] = report::cost_json(cost, config.pricing);
  result["budget"] = nullptr;
  if (auto& throughput = result["throughput"]; throughput.is_object()) {
    const double per_step = static_cast<double>(
        config.data.batch_size * config.train.accumulation_steps * config.pricing.gpus);
    throughput["samples_per_s"] = per_step / step.t_batch_s;
    if (config.data.seq_len > 0) {
      throughput["tokens_per_s"] =
          per_step * static_cast<double>(config.data.seq_len) / step.t_batch_s;
    }
  }

  erase_strings(result["warnings"], [](const std::string& w) { return w.starts_with("MISMATCH"); });
  erase_strings(result["notes"], [](const std::string& n) {
    return n.find("-device step time is an assumption") != std::string::npos;
  });
  if (was_measured) {
    const auto& env = result["environment"];
    if (auto warning = price_mismatch(config.pricing.gpu, env.value("device", ""),
                                      env.value("device_name", ""))) {
      result["warnings"].push_back(*warning);
    }
    if (step.scaled) result["notes"].push_back(scaling_note(config, devices_measured));
  }
  std::ostringstream note;
  note.precision(15); // a catalog's price as written (27.44705), not to six digits
  note << "re-priced with " << pricing_file << ": " << config.pricing.amount << " "
       << config.pricing.currency << " per " << config::to_string(config.pricing.unit) << " × "
       << config.pricing.gpus << " GPU(s)";
  if (!config.pricing.instance.empty()) {
    note << " (" << config.pricing.catalog << " " << config.pricing.instance << ")";
  }
  if (config.pricing.unit == config::PriceUnit::instance_hour) {
    note << ", billed as " << cost::billed_units(config.pricing) << " whole instance(s) of "
         << config.pricing.gpus_per_instance << " GPU(s)";
  }
  if (!was_measured && devices_billed != config.pricing.gpus) {
    note << "; the given step time was for " << devices_billed << " device(s) and is kept";
  }
  result["notes"].push_back(note.str());
  return result;
}

void price_projection(project::Projection& projection, const nlohmann::json& result,
                      const Repricing& repricing, const std::string& pricing_file) {
  const report::ResultReader r(result, projection.file);
  check_priceable(r);
  const config::Config base = result_cost_inputs(result.at("config"), projection.file);
  const auto* document = std::get_if<config::PricingDocument>(&repricing);
  const auto devices = r.integer("epoch.devices_billed");
  for (auto& target : projection.targets) {
    if (!target.projected()) continue;
    config::Config config = base;
    if (document) {
      if (!document->pricing.gpu.empty() && document->pricing.gpu != target.gpu) {
        target.unpriced = pricing_file + " prices " + document->pricing.gpu;
        continue;
      }
      apply_document(config, *document);
    } else {
      const auto& prices = std::get<catalog::Catalog>(repricing);
      const auto* entry = entry_for(prices, target.gpu, devices);
      if (!entry) {
        target.unpriced = "catalog " + prices.name + " has no " + target.gpu;
        continue;
      }
      config.pricing = pricing_of(prices, *entry, devices);
    }
    const std::int64_t batches =
        config::steps_per_epoch(config.data, config.pricing.gpus, config.train.accumulation_steps);
    const auto step = cost::job_step_time(target.t_batch_s, target.t_batch_range_s,
                                          projection.devices_measured, config);
    const auto epoch = cost::epoch_time(batches, step);
    const auto priced =
        priced_with(epoch, config, projection.file + " on " + target.gpu, pricing_file);
    project::ProjectedCost cost;
    cost.priced_as = config.pricing.instance.empty()
                         ? pricing_file
                         : config.pricing.catalog + " " + config.pricing.instance;
    cost.currency = priced.currency;
    cost.gpus = config.pricing.gpus;
    cost.epoch_s = epoch.seconds;
    cost.epoch_range_s = *epoch.seconds_ci95;
    cost.per_epoch = priced.per_epoch;
    cost.per_epoch_range = *priced.per_epoch_ci95;
    target.cost = cost;
  }
}

nlohmann::json convert_currency(const nlohmann::json& original, const std::string& file,
                                const std::string& currency,
                                const std::map<std::string, double>& rates) {
  const report::ResultReader reader(original, file);
  check_priceable(reader);
  const std::string from = reader.text("cost.currency");
  if (from == currency) return original;
  const auto rate = rates.find(from);
  if (rate == rates.end()) {
    throw InputError(file + ": priced in " + from + "; give --rate " + from + "=<" + currency +
                     " per " + from + "> to compare in " + currency);
  }
  nlohmann::json result = original;
  const double r = rate->second;
  // Only numbers are amounts: a hand-edited budget may hold anything else, left as it is.
  const auto scaled = [&](double amount) {
    const double converted = amount * r;
    if (!std::isfinite(converted)) {
      std::ostringstream rate_text;
      rate_text << r;
      throw InputError("--rate " + from + "=" + rate_text.str() + ": " + file + "'s amounts in " +
                       currency + " would exceed what a number holds");
    }
    return converted;
  };
  const auto scale = [&](nlohmann::json& value) {
    if (value.is_number()) value = scaled(value.get<double>());
    if (value.is_array()) {
      for (auto& item : value) {
        if (item.is_number()) item = scaled(item.get<double>());
      }
    }
  };
  auto& cost = result["cost"];
  for (const char* key : {"price_per_hour", "compute_per_epoch", "eval_checkpoint_per_epoch",
                          "spot_overhead_per_epoch", "storage_transfer_per_epoch", "ops_per_epoch",
                          "per_epoch", "per_epoch_ci95", "fixed_per_run", "total"}) {
    if (cost.contains(key)) scale(cost[key]);
  }
  cost["currency"] = currency;
  auto& config = result["config"];
  scale(config["pricing"]["amount"]);
  config["pricing"]["currency"] = currency;
  for (auto& [key, value] : config["extra_costs"].items())
    scale(value);
  if (auto& budget = result["budget"]; budget.is_object()) {
    for (const char* key : {"amount", "full_epochs_cost", "fixed_costs"})
      scale(budget[key]);
  }
  std::ostringstream note;
  note.precision(15); // the rate as given
  note << "converted from " << from << " at " << r << " " << currency << " per " << from
       << " (the rate given with --rate)";
  result["notes"].push_back(note.str());
  return result;
}

} // namespace epochcost::pipeline
