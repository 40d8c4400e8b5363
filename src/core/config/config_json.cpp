#include "config/config_json.hpp"

#include "util/errors.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::config {
namespace {

nlohmann::json model_json(const MlpSpec& mlp) {
  return {{"name", "mlp"},
          {"input_dim", mlp.input_dim},
          {"hidden", mlp.hidden},
          {"output_dim", mlp.output_dim},
          {"loss", to_string(mlp.loss)},
          {"activation", to_string(mlp.activation)}};
}

nlohmann::json model_json(const DecoderSpec& d) {
  nlohmann::json out = {
      {"name", "decoder"},
      {"preset", d.preset.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.preset)},
      {"hf_config", d.hf_config.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.hf_config)},
      {"layers", d.layers},
      {"hidden", d.hidden},
      {"intermediate", d.intermediate},
      {"heads", d.heads},
      {"kv_heads", d.kv_heads},
      {"vocab", d.vocab},
      {"context", d.context},
      {"rope_theta", d.rope_theta},
      {"norm_eps", d.norm_eps},
      {"attention_bias", d.attention_bias},
      {"tie_embeddings", d.tie_embeddings}};
  // Only when set, so that the workloads recorded in a history before the key existed keep their
  // identity.
  if (d.sliding_window > 0) out["sliding_window"] = d.sliding_window;
  out["lora"] = {{"rank", d.lora.rank},
                 {"alpha", d.lora.alpha},
                 {"dropout", d.lora.dropout},
                 {"targets", d.lora.targets}};
  return out;
}

nlohmann::json model_json(const ResNetSpec& r) {
  return {{"name", "resnet"},
          {"depth", r.depth},
          {"classes", r.classes},
          {"image_size", r.image_size},
          {"channels_last", r.channels_last}};
}

nlohmann::json model_json(const ModelSpec& model) {
  return std::visit([](const auto& spec) { return model_json(spec); }, model);
}

} // namespace

nlohmann::json pricing_json(const PricingSpec& pricing) {
  nlohmann::json out = {{"currency", pricing.currency},
                        {"unit", to_string(pricing.unit)},
                        {"amount", pricing.amount},
                        {"gpus", pricing.gpus}};
  const auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  out["gpu"] = text_or_null(pricing.gpu);
  out["catalog"] = text_or_null(pricing.catalog);
  out["instance"] = text_or_null(pricing.instance);
  out["source"] = text_or_null(pricing.source);
  if (pricing.unit == PriceUnit::instance_hour)
    out["gpus_per_instance"] = pricing.gpus_per_instance;
  if (pricing.spot) {
    out["spot"] = {{"interruptions_per_hour", pricing.spot->interruptions_per_hour},
                   {"restart_s", pricing.spot->restart_s},
                   {"checkpoint_interval_s", pricing.spot->checkpoint_interval_s}};
  }
  return out;
}

nlohmann::json job_json(const JobSpec& job) {
  return {{"provisioning_s", job.provisioning_s},
          {"billing", to_string(job.billing)},
          {"minimum_billed_s", job.minimum_billed_s},
          {"eval_s_per_epoch", job.eval_s_per_epoch},
          {"checkpoint_s_per_epoch", job.checkpoint_s_per_epoch}};
}

nlohmann::json extra_costs_json(const ExtraCostsSpec& extra) {
  return {{"storage_transfer", extra.storage_transfer}, {"ops", extra.ops}};
}

Config cost_inputs_from_json(const nlohmann::json& config) {
  Config c;
  const auto& data = config.at("data");
  c.data.samples = data.at("samples").get<std::int64_t>();
  c.data.batch_size = data.at("batch_size").get<std::int64_t>();
  c.data.drop_last = data.value("drop_last", false);
  if (data.contains("seq_len") && data["seq_len"].is_number())
    c.data.seq_len = data["seq_len"].get<std::int64_t>();
  if (config.contains("train"))
    c.train.accumulation_steps = config["train"].value("accumulation_steps", std::int64_t{1});
  if (config.contains("parallel"))
    c.parallel.scaling_efficiency = config["parallel"].value("scaling_efficiency", 1.0);
  if (config.contains("extra_costs")) {
    c.extra_costs.storage_transfer = config["extra_costs"].value("storage_transfer", 0.0);
    c.extra_costs.ops = config["extra_costs"].value("ops", 0.0);
  }
  if (config.contains("job") && config["job"].is_object()) {
    const auto& job = config["job"];
    c.job.provisioning_s = job.value("provisioning_s", 0.0);
    const std::string billing = job.value("billing", "exact");
    bool known = false;
    for (const auto b :
         {Billing::exact, Billing::per_second, Billing::per_minute, Billing::per_hour}) {
      if (billing == to_string(b)) {
        c.job.billing = b;
        known = true;
      }
    }
    if (!known) throw InputError("config.job.billing: unknown billing '" + billing + "'");
    c.job.minimum_billed_s = job.value("minimum_billed_s", 0.0);
    c.job.eval_s_per_epoch = job.value("eval_s_per_epoch", 0.0);
    c.job.checkpoint_s_per_epoch = job.value("checkpoint_s_per_epoch", 0.0);
  }
  c.epochs = config.value("epochs", std::int64_t{1});
  return c;
}

nlohmann::json to_json(const Config& c) {
  nlohmann::json out;
  out["name"] = c.name;
  out["source"] = c.source;
  out["model"] = c.model ? model_json(*c.model) : nlohmann::json(nullptr);
  out["data"] = {
      {"samples", c.data.samples},
      {"batch_size", c.data.batch_size},
      {"drop_last", c.data.drop_last},
      {"seq_len", c.data.seq_len > 0 ? nlohmann::json(c.data.seq_len) : nlohmann::json(nullptr)}};
  if (c.optimizer) {
    const auto& o = *c.optimizer;
    out["optimizer"] = {
        {"name", to_string(o.name)}, {"lr", o.lr}, {"weight_decay", o.weight_decay}};
    if (o.name == OptimizerKind::sgd) {
      out["optimizer"]["momentum"] = o.momentum;
    } else {
      out["optimizer"]["beta1"] = o.beta1;
      out["optimizer"]["beta2"] = o.beta2;
      out["optimizer"]["eps"] = o.eps;
      out["optimizer"]["fused"] = o.fused ? nlohmann::json(*o.fused) : nlohmann::json("auto");
    }
  } else {
    out["optimizer"] = nullptr;
  }
  out["precision"] = to_string(c.precision);
  out["device"] = c.device.to_string();
  out["timing"] = {
      {"warmup_steps", c.timing.warmup_steps}, {"min_steps", c.timing.min_steps},
      {"min_seconds", c.timing.min_seconds},   {"max_steps", c.timing.max_steps},
      {"max_seconds", c.timing.max_seconds},   {"target_ci_pct", c.timing.target_ci_pct}};
  out["pricing"] = pricing_json(c.pricing);
  out["job"] = job_json(c.job);
  out["parallel"] = {{"scaling_efficiency", c.parallel.scaling_efficiency}};
  out["extra_costs"] = extra_costs_json(c.extra_costs);
  out["train"] = {{"accumulation_steps", c.train.accumulation_steps},
                  {"grad_clip", c.train.grad_clip},
                  {"checkpointing", c.train.checkpointing}};
  out["epochs"] = c.epochs;
  out["seed"] = c.seed;
  return out;
}

} // namespace epochcost::config
