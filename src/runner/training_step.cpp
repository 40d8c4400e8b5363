#include "training_step.hpp"

#include "autocast.hpp"
#include "foreach_sgd.hpp"
#include "fused_adam.hpp"

#include <map>
#include <torch/optim/sgd.h>

namespace epochcost::runner {
namespace {

std::int64_t bytes_per_sample(const models::Batch& one) {
  return static_cast<std::int64_t>(one.inputs.nbytes() +
                                   (one.targets.defined() ? one.targets.nbytes() : 0));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(std::vector<torch::Tensor> parameters,
                                                        const config::OptimizerSpec& spec,
                                                        torch::Device device) {
  switch (spec.name) {
  case config::OptimizerKind::sgd:
    // Multi-tensor kernels where launches cost (CUDA), as torch.optim.SGD's default.
    if (device.is_cuda()) return std::make_unique<ForeachSgd>(std::move(parameters), spec);
    return std::make_unique<torch::optim::SGD>(
        parameters,
        torch::optim::SGDOptions(spec.lr).momentum(spec.momentum).weight_decay(spec.weight_decay));
  case config::OptimizerKind::adam:
  case config::OptimizerKind::adamw:
    if (spec.fused.value_or(device.is_cuda())) {
      return std::make_unique<FusedAdam>(std::move(parameters), spec);
    }
    return make_plain_adam(parameters, spec);
  }
  throw std::logic_error("unknown optimizer");
}

} // namespace

void clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  // Grouped by dtype: a multi-tensor norm takes one dtype (bf16-pure keeps fp32 LoRA adapters
  // next to bf16 weights only in theory, but the grouping costs nothing).
  std::map<at::ScalarType, std::vector<torch::Tensor>> groups;
  for (const auto& p : parameters) {
    if (p.grad().defined()) groups[p.grad().scalar_type()].push_back(p.grad());
  }
  if (groups.empty()) return;
  std::vector<torch::Tensor> norms;
  for (const auto& [dtype, grads] : groups) {
    for (auto& norm : at::_foreach_norm(grads, 2, torch::kFloat)) // fp32 norms in one launch
      norms.push_back(std::move(norm));
  }
  const torch::Tensor total = torch::stack(norms).norm(2);
  // A tensor factor, never a host number: LibTorch's clip_grad_norm_ reads the norm back with
  // .item(), a synchronisation in every step that training in Python (foreach) does not have.
  const torch::Tensor factor = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& [dtype, grads] : groups)
    at::_foreach_mul_(grads, factor.to(dtype));
}

SyntheticDataset::SyntheticDataset(const models::Workload& workload, const config::DataSpec& data,
                                   torch::Device device)
    : batch_size_(data.batch_size), device_(device) {
  const std::int64_t per_sample =
      std::max<std::int64_t>(1, bytes_per_sample(workload.synthetic_samples(1)));
  const std::int64_t affordable = std::max(data.batch_size, pool_budget_bytes / per_sample);
  pool_samples_ = std::min(data.samples, affordable);
  pool_ = workload.synthetic_samples(pool_samples_);
  const torch::Tensor permutation = torch::randperm(pool_samples_, torch::kLong);
  order_ = torch::cat({permutation, permutation.slice(0, 0, std::min(batch_size_, pool_samples_))});
  if (device_.is_cuda()) {
    pool_.inputs = pool_.inputs.pin_memory();
    if (pool_.targets.defined()) pool_.targets = pool_.targets.pin_memory();
  }
}

models::Batch SyntheticDataset::batch(std::int64_t step, std::int64_t size) const {
  const std::int64_t start = (step * batch_size_) % pool_samples_;
  const torch::Tensor indices = order_.slice(0, start, start + size);
  // Pinned staging from the caching host allocator, then an asynchronous copy, as a DataLoader
  // with pin_memory=True does. Language models carry no separate targets.
  const auto gather = [&](const torch::Tensor& pool) {
    if (!pool.defined()) return pool;
    torch::Tensor part = pool.index_select(0, indices);
    return device_.is_cuda() ? part.pin_memory().to(device_, /*non_blocking=*/true) : part;
  };
  return {gather(pool_.inputs), gather(pool_.targets)};
}

TrainingStep::TrainingStep(models::Workload& workload, const config::Config& config,
                           torch::Device device)
    : workload_(workload), device_(device), precision_(config.precision),
      batch_size_(config.data.batch_size), accumulation_(config.train.accumulation_steps),
      grad_clip_(config.train.grad_clip) {
  for (const auto& p : workload_.module().parameters()) {
    if (p.requires_grad()) trainable_.push_back(p);
  }
  optimizer_ = make_optimizer(trainable_, *config.optimizer, device);
  if (precision_ == config::Precision::fp16) scaler_ = std::make_unique<LossScaler>(device);
}

std::string TrainingStep::optimizer_implementation() const {
  if (const auto* fused = dynamic_cast<const FusedAdam*>(optimizer_.get())) {
    return fused->implementation();
  }
  return dynamic_cast<const ForeachSgd*>(optimizer_.get()) ? "foreach" : "plain";
}

std::int64_t TrainingStep::skipped_steps() const {
  return scaler_ ? scaler_->skipped_steps() : 0;
}

TrainingStep::~TrainingStep() = default;

void TrainingStep::accumulate_gradients(const SyntheticDataset& data, std::int64_t step,
                                        std::int64_t samples, PhaseClock* phases) {
  const auto mark = [phases] {
    if (phases) phases->mark();
  };
  for (std::int64_t k = 0, done = 0; done < samples; ++k) {
    const std::int64_t size = std::min(batch_size_, samples - done);
    models::Batch batch = data.batch(step * accumulation_ + k, size);
    if (precision_ == config::Precision::bf16_pure && batch.inputs.is_floating_point()) {
      batch.inputs = batch.inputs.to(torch::kBFloat16);
    }
    mark();
    torch::Tensor loss;
    {
      const bool autocast =
          precision_ == config::Precision::bf16 || precision_ == config::Precision::fp16;
      models::AutocastRegion region(autocast, device_.type(),
                                    precision_ == config::Precision::fp16 ? at::kHalf
                                                                          : at::kBFloat16);
      loss = workload_.loss(batch);
      // Weighted so the accumulated gradient is that of the mean loss over the step's samples;
      // a whole step in one batch needs no weight, and gets no extra kernel in the timed path.
      if (size != samples) loss = loss * (static_cast<double>(size) / static_cast<double>(samples));
    }
    mark();
    (scaler_ ? scaler_->scale(loss) : loss).backward();
    mark();
    done += size;
  }
}

void TrainingStep::apply_update(PhaseClock* phases) {
  ++steps_run_;
  if (scaler_) scaler_->unscale(trainable_); // clipping must see true gradient norms
  if (grad_clip_ > 0) clip_gradients(trainable_, grad_clip_);
  if (scaler_) {
    scaler_->step(*optimizer_);
  } else {
    optimizer_->step();
  }
  optimizer_->zero_grad();
  if (phases) phases->mark();
}

void TrainingStep::run(const SyntheticDataset& data, std::int64_t step, std::int64_t samples,
                       PhaseClock* phases) {
  accumulate_gradients(data, step, samples, phases);
  apply_update(phases);
}

} // namespace epochcost::runner
