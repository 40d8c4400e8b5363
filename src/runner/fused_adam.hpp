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
  // A step that the kernel itself skips when `found_inf` (one float, from the loss scaler) is
  // non-zero: no host synchronisation, as torch.amp.GradScaler with a fused optimizer. After a
  // fallback to the plain optimizer the flag is read on the host instead.
  void step_unless_inf(const torch::Tensor& found_inf);
  // Steps step_unless_inf skipped, derived from the step counts (no per-step work for it); reads
  // the device once, so call it after the timed steps.
  [[nodiscard]] std::int64_t skipped_steps() const;
  // "fused" until a fallback happened, then "plain (reason)".
  [[nodiscard]] const std::string& implementation() const { return implementation_; }

private:
  // The fused kernel; false when it is unavailable and the plain optimizer took over.
  bool launch(const torch::Tensor& found_inf);
  config::OptimizerSpec spec_;
  std::vector<torch::Tensor> exp_avgs_, exp_avg_sqs_, steps_;
  std::unique_ptr<torch::optim::Optimizer> fallback_;
  std::string implementation_ = "fused";
  std::int64_t launches_ = 0;        // of the fused kernel
  std::int64_t skipped_on_host_ = 0; // after a fallback
};

} // namespace epochcost::runner
