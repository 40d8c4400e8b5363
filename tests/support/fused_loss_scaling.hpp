#pragma once
// One check for the CPU (runner tests) and the CUDA device (gpu tests): with the fused Adam, the
// loss scaler's inf/NaN step is skipped inside the kernel, with no host read of the flag, and
// leaves the same weights, moments and step count as a plain Adam that skipped it on the host.
#include "fused_adam.hpp"
#include "loss_scaler.hpp"

#include <gtest/gtest.h>
#include <limits>
#include <torch/optim/adam.h>

namespace epochcost::runner::testing {

inline void expect_fused_skip_matches_plain(torch::Device device) {
  config::OptimizerSpec spec;
  spec.name = config::OptimizerKind::adam;
  spec.lr = 0.01;
  torch::manual_seed(3);
  torch::Tensor fused_weight = torch::randn({4, 3}, device).requires_grad_();
  torch::Tensor plain_weight = fused_weight.detach().clone().requires_grad_();
  FusedAdam fused({fused_weight}, spec);
  torch::optim::Adam plain({plain_weight}, torch::optim::AdamOptions(0.01));
  LossScaler fused_scaler(device, 1024.0), plain_scaler(device, 1024.0);
  const double inf = std::numeric_limits<double>::infinity();
  for (const double factor : {1.0, inf, 1.0, 1.0}) {
    for (auto* weight : {&fused_weight, &plain_weight})
      weight->mutable_grad() = torch::Tensor();
    fused_scaler.scale((fused_weight * fused_weight).sum() * factor).backward();
    plain_scaler.scale((plain_weight * plain_weight).sum() * factor).backward();
    fused_scaler.unscale({fused_weight});
    plain_scaler.unscale({plain_weight});
    fused_scaler.step(fused);
    plain_scaler.step(plain);
  }
  EXPECT_EQ(fused.implementation(), "fused");
  EXPECT_EQ(fused_scaler.skipped_steps(), 1);
  EXPECT_EQ(plain_scaler.skipped_steps(), 1);
  EXPECT_DOUBLE_EQ(fused_scaler.current_scale(), 512.0);
  EXPECT_TRUE(torch::allclose(fused_weight, plain_weight, 1e-5, 1e-6))
      << fused_weight - plain_weight;
}

} // namespace epochcost::runner::testing
