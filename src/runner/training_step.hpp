#pragma once
// One real optimizer step, split into the phases the report breaks down:
// data (the batch made ready on the device) → forward+loss → backward → optimizer.
#include "config/config.hpp"
#include "loss_scaler.hpp"
#include "phase_clock.hpp"
#include "workload.hpp"

#include <memory>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

namespace epochcost::runner {

// A shuffled synthetic dataset of the configured size, held on the host (pinned for CUDA) and
// gathered batch by batch as a data loader would. Large datasets are represented by a pool of at
// most pool_budget_bytes that the epoch order wraps around.
class SyntheticDataset {
public:
  static constexpr std::int64_t pool_budget_bytes = std::int64_t{256} << 20;

  SyntheticDataset(const models::Workload& workload, const config::DataSpec& data,
                   torch::Device device);
  // Batch number `step` of the epoch order, `size` samples, on the device.
  [[nodiscard]] models::Batch batch(std::int64_t step, std::int64_t size) const;
  [[nodiscard]] std::int64_t pool_samples() const { return pool_samples_; }

private:
  models::Batch pool_;
  torch::Tensor order_; // a permutation of the pool, followed by its first batch_size entries
  std::int64_t pool_samples_ = 0;
  std::int64_t batch_size_ = 0;
  torch::Device device_;
};

// Scales the gradients so that their global L2 norm is at most max_norm, as
// torch.nn.utils.clip_grad_norm_(foreach=True) does, without reading the norm on the host.
void clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm);

class TrainingStep {
public:
  TrainingStep(models::Workload& workload, const config::Config& config, torch::Device device);
  ~TrainingStep();

  // One optimizer step over `samples` samples of this device (at most accumulation × batch),
  // from micro-batch step × accumulation on in the epoch order. With `phases`, marks the end of
  // the data, forward and backward phase of each micro-batch and of the optimizer phase (the
  // caller marks the start of the step): 3 × micro-batches + 1 marks.
  void run(const SyntheticDataset& data, std::int64_t step, std::int64_t samples,
           PhaseClock* phases);
  // The two halves of run(): gradients of the step's mean loss, then the update.
  void accumulate_gradients(const SyntheticDataset& data, std::int64_t step, std::int64_t samples,
                            PhaseClock* phases);
  void apply_update(PhaseClock* phases);

  [[nodiscard]] std::int64_t samples_per_step() const { return batch_size_ * accumulation_; }
  [[nodiscard]] std::int64_t marks_per_full_step() const { return 3 * accumulation_ + 1; }
  // fp16 only: optimizer steps the loss scaler skipped for inf/NaN gradients (a device read).
  [[nodiscard]] std::int64_t skipped_steps() const;
  // Optimizer steps taken (skipped ones included), counted on the host.
  [[nodiscard]] std::int64_t steps_run() const { return steps_run_; }
  // "fused" (ATen's multi-tensor Adam kernels), "foreach" (SGD's multi-tensor kernels, on CUDA),
  // "plain" (LibTorch's per-parameter loop), or why
  // a fused optimizer fell back.
  [[nodiscard]] std::string optimizer_implementation() const;

private:
  models::Workload& workload_;
  std::vector<torch::Tensor> trainable_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  torch::Device device_;
  config::Precision precision_;
  std::int64_t batch_size_;
  std::int64_t accumulation_;
  double grad_clip_;
  std::unique_ptr<LossScaler> scaler_; // fp16 only
  std::int64_t steps_run_ = 0;
};

} // namespace epochcost::runner
