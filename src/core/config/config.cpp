#include "config/config.hpp"

#include "util/errors.hpp"

#include <algorithm>
#include <string>

namespace epochcost::config {

bool LoraSpec::adapts(std::string_view projection) const {
  return rank > 0 && std::find(targets.begin(), targets.end(), projection) != targets.end();
}

std::array<DecoderSpec::Projection, 7> DecoderSpec::projections() const {
  const std::int64_t q_dim = heads * head_dim(), kv_dim = kv_heads * head_dim();
  return {{{"q", hidden, q_dim},
           {"k", hidden, kv_dim},
           {"v", hidden, kv_dim},
           {"o", q_dim, hidden},
           {"gate", hidden, intermediate},
           {"up", hidden, intermediate},
           {"down", intermediate, hidden}}};
}

std::string DeviceSpec::to_string() const {
  switch (kind) {
  case Kind::automatic: return "auto";
  case Kind::cpu: return "cpu";
  case Kind::cuda: return index < 0 ? "cuda" : "cuda:" + std::to_string(index);
  }
  return "auto";
}

const char* to_string(Loss loss) {
  return loss == Loss::mse ? "mse" : "cross_entropy";
}

const char* to_string(Activation activation) {
  switch (activation) {
  case Activation::relu: return "relu";
  case Activation::gelu: return "gelu";
  case Activation::tanh: return "tanh";
  }
  return "relu";
}

const char* to_string(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::sgd: return "sgd";
  case OptimizerKind::adam: return "adam";
  case OptimizerKind::adamw: return "adamw";
  }
  return "adam";
}

const char* to_string(Precision precision) {
  switch (precision) {
  case Precision::fp32: return "fp32";
  case Precision::tf32: return "tf32";
  case Precision::bf16: return "bf16";
  case Precision::fp16: return "fp16";
  case Precision::bf16_pure: return "bf16-pure";
  }
  return "fp32";
}

const char* to_string(PriceUnit unit) {
  return unit == PriceUnit::gpu_hour ? "gpu_hour" : "instance_hour";
}

const char* to_string(Billing billing) {
  switch (billing) {
  case Billing::exact: return "exact";
  case Billing::per_second: return "per_second";
  case Billing::per_minute: return "per_minute";
  case Billing::per_hour: return "per_hour";
  }
  return "exact";
}

bool is_currency_code(std::string_view code) {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

const char* model_name(const ModelSpec& model) {
  if (std::holds_alternative<MlpSpec>(model)) return "mlp";
  return std::holds_alternative<DecoderSpec>(model) ? "decoder" : "resnet";
}

std::int64_t steps_per_epoch(const DataSpec& data, std::int64_t devices,
                             std::int64_t accumulation_steps) {
  const std::int64_t per_step = data.batch_size * devices * accumulation_steps;
  if (per_step <= 0) throw InputError("data.batch_size × devices must be ≥ 1");
  const std::int64_t steps =
      data.drop_last ? data.samples / per_step : (data.samples + per_step - 1) / per_step;
  if (steps == 0) {
    throw InputError("data: an epoch of " + std::to_string(data.samples) + " samples in steps of " +
                     std::to_string(per_step) + " samples has no step (drop_last)");
  }
  return steps;
}

std::int64_t device_step_samples(const Config& config, std::int64_t step) {
  const auto& data = config.data;
  const std::int64_t devices = config.pricing.gpus;
  const std::int64_t per_step = data.batch_size * config.train.accumulation_steps;
  if (data.drop_last) return per_step;
  const std::int64_t remaining = data.samples - step * per_step * devices;
  return std::min(per_step, (remaining + devices - 1) / devices);
}

} // namespace epochcost::config
