#include "resnet.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>

namespace epochcost::models {
namespace {

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                       std::int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

} // namespace

ResidualBlockImpl::ResidualBlockImpl(std::int64_t in, std::int64_t width, std::int64_t stride,
                                     bool bottleneck)
    : out_(bottleneck ? 4 * width : width) {
  if (bottleneck) {
    body_->push_back(conv(in, width, 1, 1));
    body_->push_back(torch::nn::BatchNorm2d(width));
    body_->push_back(torch::nn::ReLU(true));
    body_->push_back(conv(width, width, 3, stride));
    body_->push_back(torch::nn::BatchNorm2d(width));
    body_->push_back(torch::nn::ReLU(true));
    body_->push_back(conv(width, out_, 1, 1));
  } else {
    body_->push_back(conv(in, width, 3, stride));
    body_->push_back(torch::nn::BatchNorm2d(width));
    body_->push_back(torch::nn::ReLU(true));
    body_->push_back(conv(width, width, 3, 1));
  }
  body_->push_back(torch::nn::BatchNorm2d(out_));
  register_module("body", body_);
  if (stride != 1 || in != out_) {
    shortcut_ = register_module(
        "shortcut", torch::nn::Sequential(conv(in, out_, 1, stride), torch::nn::BatchNorm2d(out_)));
  }
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  return torch::relu(body_->forward(x) + (shortcut_ ? shortcut_->forward(x) : x));
}

ResNetImpl::ResNetImpl(const config::ResNetSpec& spec) {
  const bool bottleneck = spec.depth == 50;
  const std::vector<int> blocks =
      bottleneck ? std::vector<int>{3, 4, 6, 3} : std::vector<int>{2, 2, 2, 2};
  stem_->push_back(conv(3, 64, 7, 2));
  stem_->push_back(torch::nn::BatchNorm2d(64));
  stem_->push_back(torch::nn::ReLU(true));
  stem_->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  register_module("stem", stem_);
  std::int64_t in = 64;
  for (std::size_t stage = 0; stage < blocks.size(); ++stage) {
    const std::int64_t width = std::int64_t{64} << stage;
    for (int b = 0; b < blocks[stage]; ++b) {
      ResidualBlock block(in, width, stage > 0 && b == 0 ? 2 : 1, bottleneck);
      in = block->out_channels();
      stages_->push_back(block);
    }
  }
  register_module("stages", stages_);
  fc_ = register_module("fc", torch::nn::Linear(in, spec.classes));
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& images) {
  const torch::Tensor features = stages_->forward(stem_->forward(images));
  return fc_->forward(torch::adaptive_avg_pool2d(features, {1, 1}).flatten(1));
}

ResNetWorkload::ResNetWorkload(const config::ResNetSpec& spec) : spec_(spec), model_(spec) {
  if (spec_.channels_last) {
    torch::NoGradGuard no_grad;
    for (auto& p : model_->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
}

Batch ResNetWorkload::synthetic_samples(std::int64_t count) const {
  return {torch::randn({count, 3, spec_.image_size, spec_.image_size}),
          torch::randint(spec_.classes, {count}, torch::kLong)};
}

torch::Tensor ResNetWorkload::loss(const Batch& batch) {
  const torch::Tensor images = spec_.channels_last
                                   ? batch.inputs.contiguous(torch::MemoryFormat::ChannelsLast)
                                   : batch.inputs;
  return torch::nn::functional::cross_entropy(model_->forward(images).to(torch::kFloat),
                                              batch.targets);
}

} // namespace epochcost::models
