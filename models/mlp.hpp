#pragma once
#include "workload.hpp"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace epochcost::models {

// input_dim → hidden... → output_dim with an activation between layers; hidden = [] is a linear
// regression.
class MlpImpl : public torch::nn::Module {
public:
  explicit MlpImpl(const config::MlpSpec& spec);
  torch::Tensor forward(const torch::Tensor& x);

private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Mlp);

class MlpWorkload : public Workload {
public:
  explicit MlpWorkload(const config::MlpSpec& spec) : spec_(spec), model_(spec) {}
  torch::nn::Module& module() override { return *model_; }
  [[nodiscard]] Batch synthetic_samples(std::int64_t count) const override;
  [[nodiscard]] torch::Tensor loss(const Batch& batch) override;

private:
  config::MlpSpec spec_;
  Mlp model_;
};

} // namespace epochcost::models
