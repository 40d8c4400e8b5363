#include "mlp.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

namespace epochcost::models {

MlpImpl::MlpImpl(const config::MlpSpec& spec) {
  std::int64_t width = spec.input_dim;
  for (const std::int64_t hidden : spec.hidden) {
    layers_->push_back(torch::nn::Linear(width, hidden));
    switch (spec.activation) {
    case config::Activation::relu: layers_->push_back(torch::nn::ReLU()); break;
    case config::Activation::gelu: layers_->push_back(torch::nn::GELU()); break;
    case config::Activation::tanh: layers_->push_back(torch::nn::Tanh()); break;
    }
    width = hidden;
  }
  layers_->push_back(torch::nn::Linear(width, spec.output_dim));
  register_module("layers", layers_);
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return layers_->forward(x);
}

Batch MlpWorkload::synthetic_samples(std::int64_t count) const {
  Batch batch;
  batch.inputs = torch::randn({count, spec_.input_dim});
  batch.targets = spec_.loss == config::Loss::mse
                      ? torch::randn({count, spec_.output_dim})
                      : torch::randint(spec_.output_dim, {count}, torch::kLong);
  return batch;
}

torch::Tensor MlpWorkload::loss(const Batch& batch) {
  const torch::Tensor output = model_->forward(batch.inputs);
  if (spec_.loss == config::Loss::mse) {
    // Under autocast the output may be bf16; the loss is taken in fp32 as PyTorch's autocast does.
    return torch::nn::functional::mse_loss(output.to(torch::kFloat), batch.targets);
  }
  return torch::nn::functional::cross_entropy(output.to(torch::kFloat), batch.targets);
}

} // namespace epochcost::models
