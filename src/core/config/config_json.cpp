#include "config/config_json.hpp"

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
  out["pricing"] = {{"currency", c.pricing.currency},
                    {"unit", to_string(c.pricing.unit)},
                    {"amount", c.pricing.amount},
                    {"gpus", c.pricing.gpus}};
  const auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  out["pricing"]["gpu"] = text_or_null(c.pricing.gpu);
  out["pricing"]["catalog"] = text_or_null(c.pricing.catalog);
  out["pricing"]["instance"] = text_or_null(c.pricing.instance);
  out["pricing"]["source"] = text_or_null(c.pricing.source);
  if (c.pricing.unit == PriceUnit::instance_hour) {
    out["pricing"]["gpus_per_instance"] = c.pricing.gpus_per_instance;
  }
  out["parallel"] = {{"scaling_efficiency", c.parallel.scaling_efficiency}};
  out["extra_costs"] = {{"storage_transfer", c.extra_costs.storage_transfer},
                        {"ops", c.extra_costs.ops}};
  out["train"] = {{"accumulation_steps", c.train.accumulation_steps},
                  {"grad_clip", c.train.grad_clip},
                  {"checkpointing", c.train.checkpointing}};
  out["epochs"] = c.epochs;
  out["seed"] = c.seed;
  return out;
}

} // namespace epochcost::config
