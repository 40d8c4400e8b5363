#pragma once
// Adam / AdamW through ATen's fused multi-tensor kernels (_fused_adam_ / _fused_adamw_): one
// launch for all parameters instead of several per parameter, as torch.optim.AdamW(fused=True).
// LibTorch's own optimizers have no fused or foreach path. If the kernel is not available for the
// parameters' device or dtype, the first step falls back to the plain optimizer and says so.
#include "config/config.hpp"

#include <memory>
#include <string>
#include <torch/optim/optimizer.h>
#include <vector>

namespace epochcost::runner {

// LibTorch's own Adam or AdamW (per-parameter loop) for the spec.
[[nodiscard]] std::unique_ptr<torch::optim::Optimizer>
make_plain_adam(const std::vector<torch::Tensor>& params, const config::OptimizerSpec& spec);

class FusedAdam : public torch::optim::Optimizer {
public:
  FusedAdam(std::vector<torch::Tensor> params, const config::OptimizerSpec& spec);
  torch::Tensor step(LossClosure closure = nullptr) override;
  // "fused" until a fallback happened, then "plain (reason)".
  [[nodiscard]] const std::string& implementation() const { return implementation_; }

private:
  config::OptimizerSpec spec_;
  std::vector<torch::Tensor> exp_avgs_, exp_avg_sqs_, steps_;
  std::unique_ptr<torch::optim::Optimizer> fallback_;
  std::string implementation_ = "fused";
  bool stepped_ = false;
};

} // namespace epochcost::runner
