#include "foreach_sgd.hpp"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_mul.h>
#include <torch/optim/sgd.h>

namespace epochcost::runner {

ForeachSgd::ForeachSgd(std::vector<torch::Tensor> params, const config::OptimizerSpec& spec)
    : torch::optim::Optimizer(
          {torch::optim::OptimizerParamGroup(std::move(params))},
          std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(spec.lr)
                                                         .momentum(spec.momentum)
                                                         .weight_decay(spec.weight_decay))),
      spec_(spec) {}

torch::Tensor ForeachSgd::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) loss = closure();
  const auto& params = param_groups()[0].params();
  momentum_.resize(params.size());
  std::vector<torch::Tensor> live, grads, buffers;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;
    live.push_back(params[i]);
    grads.push_back(params[i].grad());
  }
  if (live.empty()) return loss;
  // d = grad + weight_decay · p (L2), as LibTorch's SGD.
  std::vector<torch::Tensor> updates =
      spec_.weight_decay != 0 ? at::_foreach_add(grads, live, spec_.weight_decay) : grads;
  if (spec_.momentum != 0) {
    // buf = d on a parameter's first step, then buf = momentum · buf + d; the update is buf.
    std::vector<torch::Tensor> running, running_updates;
    for (std::size_t k = 0, i = 0; i < params.size(); ++i) {
      if (!params[i].grad().defined()) continue;
      if (!momentum_[i].defined()) {
        momentum_[i] = updates[k].clone().detach();
      } else {
        running.push_back(momentum_[i]);
        running_updates.push_back(updates[k]);
      }
      buffers.push_back(momentum_[i]);
      ++k;
    }
    if (!running.empty()) {
      at::_foreach_mul_(running, spec_.momentum);
      at::_foreach_add_(running, running_updates);
    }
    updates = buffers;
  }
  at::_foreach_add_(live, updates, -spec_.lr);
  return loss;
}

} // namespace epochcost::runner
