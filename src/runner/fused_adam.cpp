#include "fused_adam.hpp"

#include "device.hpp"
#include "log/log.hpp"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adam.h>
#include <ATen/ops/_fused_adamw.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

namespace epochcost::runner {
namespace {

std::unique_ptr<torch::optim::OptimizerOptions> options_of(const config::OptimizerSpec& spec) {
  return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(spec.lr)
                                                          .betas({spec.beta1, spec.beta2})
                                                          .eps(spec.eps)
                                                          .weight_decay(spec.weight_decay));
}

} // namespace

std::unique_ptr<torch::optim::Optimizer> make_plain_adam(const std::vector<torch::Tensor>& params,
                                                         const config::OptimizerSpec& spec) {
  if (spec.name == config::OptimizerKind::adamw) {
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(spec.lr)
                                                             .betas({spec.beta1, spec.beta2})
                                                             .eps(spec.eps)
                                                             .weight_decay(spec.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(spec.lr)
                                                          .betas({spec.beta1, spec.beta2})
                                                          .eps(spec.eps)
                                                          .weight_decay(spec.weight_decay));
}

FusedAdam::FusedAdam(std::vector<torch::Tensor> params, const config::OptimizerSpec& spec)
    : torch::optim::Optimizer({torch::optim::OptimizerParamGroup(std::move(params))},
                              options_of(spec)),
      spec_(spec) {}

torch::Tensor FusedAdam::step(LossClosure closure) {
  if (fallback_ || !launch({})) return fallback_->step(std::move(closure));
  return {};
}

void FusedAdam::step_unless_inf(const torch::Tensor& found_inf) {
  if (!fallback_ && launch(found_inf)) return;
  if (found_inf.item<float>() == 0.0f) {
    fallback_->step();
  } else {
    ++skipped_on_host_;
  }
}

std::int64_t FusedAdam::skipped_steps() const {
  if (launches_ == 0) return skipped_on_host_;
  // A parameter with a gradient in every step counts the steps the kernel did not skip; the
  // largest count is such a parameter's. One read from the device, after the timed steps.
  const auto taken = static_cast<std::int64_t>(torch::stack(steps_).max().item<float>());
  return skipped_on_host_ + launches_ - taken;
}

bool FusedAdam::launch(const torch::Tensor& found_inf) {
  torch::NoGradGuard no_grad;
  auto& params = param_groups()[0].params();
  if (steps_.empty()) {
    for (const auto& p : params) {
      exp_avgs_.push_back(torch::zeros_like(p));
      exp_avg_sqs_.push_back(torch::zeros_like(p));
      steps_.push_back(torch::zeros({}, p.options().dtype(torch::kFloat)));
    }
  }
  std::vector<torch::Tensor> live, grads, avgs, sqs, steps;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;
    live.push_back(params[i]);
    grads.push_back(params[i].grad());
    avgs.push_back(exp_avgs_[i]);
    sqs.push_back(exp_avg_sqs_[i]);
    steps.push_back(steps_[i]);
  }
  const std::optional<torch::Tensor> inf =
      found_inf.defined() ? std::optional<torch::Tensor>(found_inf) : std::nullopt;
  try {
    // The caller advances the step counts (as torch.optim's _fused_adamw does); the kernel reads
    // them for the bias corrections.
    at::_foreach_add_(steps, 1);
    // AdamW decays the weights directly; Adam adds weight_decay · p to the gradient (L2).
    if (spec_.name == config::OptimizerKind::adamw) {
      at::_fused_adamw_(live, grads, avgs, sqs, {}, steps, spec_.lr, spec_.beta1, spec_.beta2,
                        spec_.weight_decay, spec_.eps, /*amsgrad=*/false, /*maximize=*/false,
                        /*grad_scale=*/std::nullopt, inf);
    } else {
      at::_fused_adam_(live, grads, avgs, sqs, {}, steps, spec_.lr, spec_.beta1, spec_.beta2,
                       spec_.weight_decay, spec_.eps, /*amsgrad=*/false, /*maximize=*/false,
                       /*grad_scale=*/std::nullopt, inf);
    }
    // A step the kernel skipped for inf/NaN gradients does not count for the bias corrections.
    if (inf) at::_foreach_add_(steps, inf->squeeze(), -1);
  } catch (const c10::Error& e) {
    // Out of memory: the plain optimizer would need the same state, so no reason to fall back.
    if (launches_ > 0 || is_memory_exhaustion(e)) throw; // or it worked before: a real failure
    implementation_ =
        std::string("plain (fused kernel unavailable: ") + e.what_without_backtrace() + ")";
    log::warn("optimizer: " + implementation_);
    // The plain optimizer keeps its own state; this one's would double the optimizer's memory.
    exp_avgs_.clear();
    exp_avg_sqs_.clear();
    steps_.clear();
    fallback_ = make_plain_adam(params, spec_);
    return false;
  }
  ++launches_;
  return true;
}

} // namespace epochcost::runner
