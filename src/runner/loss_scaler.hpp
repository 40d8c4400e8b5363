#pragma once
// Dynamic loss scaling for fp16 training, as torch.amp.GradScaler does it, built on ATen's
// _amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_ (LibTorch has no GradScaler).
#include <cstdint>
#include <torch/optim/optimizer.h>
#include <torch/types.h>
#include <vector>

namespace epochcost::runner {

class FusedAdam;

class LossScaler {
public:
  // PyTorch's defaults: start at 2^16, double after 2000 clean steps, halve on inf/NaN.
  explicit LossScaler(torch::Device device, double initial_scale = 65536.0, double growth = 2.0,
                      double backoff = 0.5, std::int64_t growth_interval = 2000);

  [[nodiscard]] torch::Tensor scale(const torch::Tensor& loss) const { return loss * scale_; }
  // Divides the gradients of `params` by the scale in place and notes any inf/NaN among them.
  void unscale(const std::vector<torch::Tensor>& params);
  // Steps the optimizer unless unscale() found a non-finite gradient (a skipped step), then
  // updates the scale. A FusedAdam skips on the device without a host synchronisation; any other
  // optimizer needs the flag on the host, read once per step.
  void step(torch::optim::Optimizer& optimizer);

  [[nodiscard]] double current_scale() const { return scale_.item<double>(); }
  // Reads the device's count: call it after the timed steps.
  [[nodiscard]] std::int64_t skipped_steps() const;

private:
  torch::Tensor scale_;
  torch::Tensor growth_tracker_;
  torch::Tensor found_inf_;
  double growth_, backoff_;
  std::int64_t growth_interval_;
  std::int64_t skipped_on_host_ = 0;
  // The fused optimizer stepped last, which counts its own skips; it outlives this scaler's use.
  const FusedAdam* fused_ = nullptr;
};

} // namespace epochcost::runner
