#include "model/analysis.hpp"

namespace epochcost::model {
namespace {

Analysis analyze_mlp(const config::MlpSpec& mlp) {
  Analysis a;
  double matmul_weights = 0; // multiply-adds per sample in the forward pass
  std::int64_t width = mlp.input_dim;
  const auto layer = [&](std::int64_t out) {
    a.params_total += width * out + out;
    matmul_weights += static_cast<double>(width) * static_cast<double>(out);
    width = out;
  };
  for (const std::int64_t hidden : mlp.hidden)
    layer(hidden);
  layer(mlp.output_dim);
  a.params_trainable = a.params_total;
  a.flops_per_sample = 6 * matmul_weights; // 2 forward + 4 backward per multiply-add
  return a;
}

double activations_mlp(const config::MlpSpec& mlp, std::int64_t batch, double bytes) {
  // Each layer keeps its input; each hidden layer also its pre-activation.
  double elements = static_cast<double>(mlp.input_dim + mlp.output_dim);
  for (const std::int64_t hidden : mlp.hidden)
    elements += 2.0 * static_cast<double>(hidden);
  return elements * static_cast<double>(batch) * bytes;
}

} // namespace

Analysis analyze(const config::ModelSpec& model) {
  return std::visit([](const config::MlpSpec& mlp) { return analyze_mlp(mlp); }, model);
}

MemoryEstimate estimate_memory(const config::Config& config) {
  MemoryEstimate m;
  const Analysis a = analyze(*config.model);
  const double weight_bytes = 4; // fp32 master weights (autocast keeps them fp32)
  m.weights_bytes = static_cast<double>(a.params_total) * weight_bytes;
  m.gradients_bytes = static_cast<double>(a.params_trainable) * weight_bytes;
  double states = 0;
  if (config.optimizer) {
    switch (config.optimizer->name) {
    case config::OptimizerKind::sgd: states = config.optimizer->momentum > 0 ? 1 : 0; break;
    case config::OptimizerKind::adam:
    case config::OptimizerKind::adamw: states = 2; break; // exp_avg and exp_avg_sq
    }
  }
  m.optimizer_bytes = states * static_cast<double>(a.params_trainable) * 4;
  const double activation_bytes = config.precision == config::Precision::bf16 ? 2 : 4;
  m.activations_bytes = std::visit(
      [&](const config::MlpSpec& mlp) {
        return activations_mlp(mlp, config.data.batch_size, activation_bytes);
      },
      *config.model);
  return m;
}

} // namespace epochcost::model
