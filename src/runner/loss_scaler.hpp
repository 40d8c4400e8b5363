#pragma once
// Dynamic loss scaling for fp16 training, as torch.amp.GradScaler does it, built on ATen's
// _amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_ (LibTorch has no GradScaler).
#include <torch/optim/optimizer.h>
#include <torch/types.h>
#include <vector>

namespace epochcost::runner {

class LossScaler {
public:
  // PyTorch's defaults: start at 2^16, double after 2000 clean steps, halve on inf/NaN.
  explicit LossScaler(torch::Device device, double initial_scale = 65536.0, double growth = 2.0,
                      double backoff = 0.5, std::int64_t growth_interval = 2000);

  [[nodiscard]] torch::Tensor scale(const torch::Tensor& loss) const { return loss * scale_; }
  // Divides the gradients of `params` by the scale in place and notes any inf/NaN among them.
  void unscale(const std::vector<torch::Tensor>& params);
  // Steps the optimizer unless unscale() found a non-finite gradient (a skipped step), then
  // updates the scale. Returns whether the optimizer stepped. Reads one flag from the device.
  bool step(torch::optim::Optimizer& optimizer);

  [[nodiscard]] double current_scale() const { return scale_.item<double>(); }
  [[nodiscard]] std::int64_t skipped_steps() const { return skipped_steps_; }

private:
  torch::Tensor scale_;
  torch::Tensor growth_tracker_;
  torch::Tensor found_inf_;
  double growth_, backoff_;
  std::int64_t growth_interval_;
  std::int64_t skipped_steps_ = 0;
};

} // namespace epochcost::runner
