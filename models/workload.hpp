#pragma once
// A model together with its loss and the shape of its synthetic data: what one training step of
// a registered model family needs. New families implement this and register in registry.cpp.
#include "config/config.hpp"

#include <memory>
#include <optional>
#include <torch/nn/module.h>
#include <torch/types.h>

namespace epochcost::models {

struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
};

class Workload {
public:
  virtual ~Workload() = default;
  [[nodiscard]] virtual torch::nn::Module& module() = 0;
  // `count` synthetic samples of the configured shape on the CPU; the values do not change the
  // cost of a step, only the shapes and dtypes do.
  [[nodiscard]] virtual Batch synthetic_samples(std::int64_t count) const = 0;
  // Forward pass including the loss.
  [[nodiscard]] virtual torch::Tensor loss(const Batch& batch) = 0;
};

// Where the weights go as they are built. A large model is placed part by part (each decoder
// layer as soon as it exists), so that neither the host nor the device holds the whole model in
// fp32 first: a 7B decoder would need 28 GB of host memory, and bf16-pure would need 42 GB on
// the device for the moment of the cast.
struct Placement {
  torch::Device device = torch::kCPU;
  std::optional<torch::ScalarType> dtype; // the weights' dtype (bf16-pure); none: fp32 as built
  void apply(torch::nn::Module& module) const {
    module.to(device);
    if (dtype) module.to(*dtype);
  }
};

// The model registry: builds the family named by the spec (data gives the sequence length) and
// places it.
[[nodiscard]] std::unique_ptr<Workload> build_workload(const config::ModelSpec& spec,
                                                       const config::DataSpec& data = {},
                                                       const config::TrainSpec& train = {},
                                                       const Placement& placement = {});

} // namespace epochcost::models
