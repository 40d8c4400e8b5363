#pragma once
// SGD with momentum through ATen's multi-tensor (foreach) kernels: a few launches per step for
// all parameters, as torch.optim.SGD does by default on CUDA, where LibTorch's own SGD launches
// several kernels per parameter (about 500 for a ResNet-50). The arithmetic is LibTorch's SGD
// without dampening or Nesterov (what the config offers), so the two give the same weights.
#include "config/config.hpp"

#include <torch/optim/optimizer.h>
#include <vector>

namespace epochcost::runner {

class ForeachSgd : public torch::optim::Optimizer {
public:
  ForeachSgd(std::vector<torch::Tensor> params, const config::OptimizerSpec& spec);
  torch::Tensor step(LossClosure closure = nullptr) override;

private:
  config::OptimizerSpec spec_;
  std::vector<torch::Tensor> momentum_; // per parameter, undefined until its first gradient
};

} // namespace epochcost::runner
