#pragma once
// ResNet-18 / ResNet-50 in torchvision's layout (v1.5: the stride sits on the 3×3 convolution of
// the bottleneck), trained with cross-entropy on synthetic ImageNet-shaped batches.
#include "workload.hpp"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace epochcost::models {

class ResidualBlockImpl : public torch::nn::Module {
public:
  // bottleneck: 1×1 → 3×3 (stride) → 1×1 with `width` inner channels and 4 × width out;
  // basic: 3×3 (stride) → 3×3 with `width` channels.
  ResidualBlockImpl(std::int64_t in, std::int64_t width, std::int64_t stride, bool bottleneck);
  torch::Tensor forward(const torch::Tensor& x);
  [[nodiscard]] std::int64_t out_channels() const { return out_; }

private:
  std::int64_t out_;
  torch::nn::Sequential body_;
  torch::nn::Sequential shortcut_{nullptr}; // 1×1 projection where the shape changes
};
TORCH_MODULE(ResidualBlock);

class ResNetImpl : public torch::nn::Module {
public:
  explicit ResNetImpl(const config::ResNetSpec& spec);
  torch::Tensor forward(const torch::Tensor& images);

private:
  torch::nn::Sequential stem_, stages_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

class ResNetWorkload : public Workload {
public:
  explicit ResNetWorkload(const config::ResNetSpec& spec);
  torch::nn::Module& module() override { return *model_; }
  [[nodiscard]] Batch synthetic_samples(std::int64_t count) const override;
  [[nodiscard]] torch::Tensor loss(const Batch& batch) override;

private:
  config::ResNetSpec spec_;
  ResNet model_;
};

} // namespace epochcost::models
