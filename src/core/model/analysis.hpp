#pragma once
// What a model costs by formula, without building it: parameters, model FLOPs of a training
// step and an estimate of the memory it needs. LibTorch-free, so `info` and the cost side can
// use it; the runner's tests check it against the built model.
#include "config/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::model {

struct Analysis {
  std::int64_t params_total = 0;
  std::int64_t params_trainable = 0;
  // Model FLOPs of one training step (forward + backward) per sample, PaLM/torchtitan
  // convention: matmuls only, 2 FLOPs per multiply-add, backward = 2× forward for weights that
  // train, recomputation not counted.
  double flops_per_sample = 0;
  std::optional<std::int64_t> tokens_per_sample; // language models: the sequence length
  std::vector<std::string> notes; // where the timed model departs from the configured one
};

// `seq_len` (data.seq_len) is the tokens per sample of a language model; ignored otherwise.
[[nodiscard]] Analysis analyze(const config::ModelSpec& model, std::int64_t seq_len = 0);

// Model FLOPs of one optimizer step of one device (micro-batch × accumulation steps samples).
struct StepFlops {
  double per_sample = 0;
  double per_step = 0;
  std::optional<double> per_token; // language models
};
[[nodiscard]] StepFlops step_flops(const Analysis& analysis, const config::Config& config);

struct MemoryEstimate {
  double weights_bytes = 0;
  double gradients_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0; // saved for backward, one micro-batch of batch_size samples
  [[nodiscard]] double total_bytes() const {
    return weights_bytes + gradients_bytes + optimizer_bytes + activations_bytes;
  }
};

// Per device, for the config's model, batch, precision and optimizer.
[[nodiscard]] MemoryEstimate estimate_memory(const config::Config& config);

// What would make the config need less device memory, of the settings it does not use yet:
// "lower data.batch_size (…), use lora, precision bf16-pure, train.checkpointing, or a larger
// device".
[[nodiscard]] std::string memory_advice(const config::Config& config);

} // namespace epochcost::model
