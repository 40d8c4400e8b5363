#include "loss_scaler.hpp"

#include "fused_adam.hpp"

#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>
#include <ATen/ops/_amp_update_scale.h>

namespace epochcost::runner {

LossScaler::LossScaler(torch::Device device, double initial_scale, double growth, double backoff,
                       std::int64_t growth_interval)
    : scale_(torch::full({1}, initial_scale, torch::TensorOptions(device).dtype(torch::kFloat))),
      growth_tracker_(torch::zeros({1}, torch::TensorOptions(device).dtype(torch::kInt))),
      found_inf_(torch::zeros({1}, torch::TensorOptions(device).dtype(torch::kFloat))),
      growth_(growth), backoff_(backoff), growth_interval_(growth_interval) {}

void LossScaler::unscale(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.mutable_grad());
  }
  found_inf_.zero_();
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, scale_.reciprocal());
}

void LossScaler::step(torch::optim::Optimizer& optimizer) {
  if (auto* fused = dynamic_cast<FusedAdam*>(&optimizer)) {
    fused->step_unless_inf(found_inf_);
    fused_ = fused;
  } else if (found_inf_.item<float>() == 0.0f) {
    optimizer.step();
  } else {
    ++skipped_on_host_;
  }
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, growth_, backoff_, growth_interval_);
}

std::int64_t LossScaler::skipped_steps() const {
  return skipped_on_host_ + (fused_ ? fused_->skipped_steps() : 0);
}

} // namespace epochcost::runner
