#pragma once
// One check for the CPU (runner tests) and the CUDA device (gpu tests): the foreach SGD takes the
// same steps as LibTorch's SGD, momentum and weight decay included, also for a parameter whose
// first gradient comes late.
#include "foreach_sgd.hpp"

#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

namespace epochcost::runner::testing {

inline void expect_foreach_sgd_matches_libtorch(torch::Device device) {
  config::OptimizerSpec spec;
  spec.name = config::OptimizerKind::sgd;
  spec.lr = 0.1;
  spec.momentum = 0.9;
  spec.weight_decay = 0.01;
  torch::manual_seed(5);
  std::vector<torch::Tensor> ours, reference;
  for (const auto& shape : {std::vector<std::int64_t>{3, 4}, {5}, {2, 2}}) {
    const torch::Tensor start = torch::randn(shape, device);
    ours.push_back(start.clone().requires_grad_(true));
    reference.push_back(start.clone().requires_grad_(true));
  }
  ForeachSgd foreach_sgd(ours, spec);
  torch::optim::SGD sgd(
      reference,
      torch::optim::SGDOptions(spec.lr).momentum(spec.momentum).weight_decay(spec.weight_decay));
  for (int step = 0; step < 4; ++step) {
    for (std::size_t i = 0; i < ours.size(); ++i) {
      // The last parameter gets its first gradient at step 2: its momentum starts late.
      if (i == ours.size() - 1 && step < 2) continue;
      const torch::Tensor grad = torch::randn(ours[i].sizes(), device);
      ours[i].mutable_grad() = grad.clone();
      reference[i].mutable_grad() = grad.clone();
    }
    foreach_sgd.step();
    sgd.step();
    for (std::size_t i = 0; i < ours.size(); ++i) {
      EXPECT_TRUE(torch::allclose(ours[i], reference[i], 1e-6, 1e-7))
          << "step " << step << ", parameter " << i;
    }
    foreach_sgd.zero_grad();
    sgd.zero_grad();
  }
}

} // namespace epochcost::runner::testing
