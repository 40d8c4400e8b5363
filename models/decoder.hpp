#pragma once
// A LLaMA-family decoder as DeepSeek LLM uses it: token embedding, RMSNorm, rotary position
// embedding, causal grouped-query attention through at::scaled_dot_product_attention (flash /
// memory-efficient kernels on CUDA), SwiGLU MLP, LM head (untied, or the embedding when tied);
// optional LoRA adapters.
#include "workload.hpp"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace epochcost::models {

// y = x Wᵀ (+ b), initialised as torch::nn::Linear is, but created and initialised on `device`:
// Linear always initialises on the host, one thread drawing the numbers (about 25 s for the 6.9
// billion weights of the 7B preset, before anything is measured).
class DenseImpl : public torch::nn::Module {
public:
  DenseImpl(std::int64_t in, std::int64_t out, bool bias, torch::Device device);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias; // [out, in], [out] or undefined
};
TORCH_MODULE(Dense);

// y = W x (+ b), plus (alpha / r) · B A dropout(x) when the LoRA rank is positive. B starts at
// zero, as in LoRA, so the adapted model starts as the base model; the Decoder freezes W.
class ProjectionImpl : public torch::nn::Module {
public:
  ProjectionImpl(std::int64_t in, std::int64_t out, bool bias, const config::LoraSpec* lora,
                 torch::Device device);
  torch::Tensor forward(const torch::Tensor& x);

private:
  Dense base_{nullptr};
  torch::nn::Linear lora_a_{nullptr};
  torch::nn::Linear lora_b_{nullptr};
  double scaling_ = 0;
  double dropout_ = 0;
};
TORCH_MODULE(Projection);

// Rotary position embedding in the rotate-half convention of LLaMA and transformers: dimension j
// pairs with j + head_dim/2, rotated by position · theta^(-2j/head_dim). The sine table carries
// the rotation's sign (−sin on the first half), so rotating takes no negation pass.
struct RotaryTables {
  torch::Tensor cos, signed_sin; // [context, head_dim], fp32
};
[[nodiscard]] RotaryTables rotary_tables(std::int64_t head_dim, std::int64_t context, double theta);
// x [..., seq, head_dim] with tables sliced to [seq, head_dim].
[[nodiscard]] torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos,
                                   const torch::Tensor& signed_sin);

// x / rms(x) · weight over the last dimension, accumulated in fp32.
class RMSNormImpl : public torch::nn::Module {
public:
  RMSNormImpl(std::int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);

private:
  torch::Tensor weight_;
  double eps_;
};
TORCH_MODULE(RMSNorm);

class DecoderLayerImpl : public torch::nn::Module {
public:
  // The large weights are made on `device`, the rest on the host (the Decoder places them).
  DecoderLayerImpl(const config::DecoderSpec& spec, torch::Device device);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos,
                        const torch::Tensor& signed_sin);

private:
  std::int64_t heads_, kv_heads_, head_dim_;
  RMSNorm attention_norm_{nullptr}, mlp_norm_{nullptr};
  Projection q_{nullptr}, k_{nullptr}, v_{nullptr}, o_{nullptr};
  Projection gate_{nullptr}, up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(DecoderLayer);

class DecoderImpl : public torch::nn::Module {
public:
  // Each part is placed as soon as it is built (see Placement).
  DecoderImpl(const config::DecoderSpec& spec, bool checkpointing, const Placement& placement = {});
  // Token ids [batch, seq] → logits [batch, seq, vocab].
  torch::Tensor forward(const torch::Tensor& ids);

private:
  config::DecoderSpec spec_;
  bool checkpointing_;
  torch::nn::Embedding embed_{nullptr};
  torch::nn::ModuleList layers_;
  RMSNorm norm_{nullptr};
  Dense head_{nullptr};
  torch::Tensor cos_, signed_sin_; // RotaryTables
};
TORCH_MODULE(Decoder);

class DecoderWorkload : public Workload {
public:
  DecoderWorkload(const config::DecoderSpec& spec, std::int64_t seq_len, bool checkpointing = false,
                  const Placement& placement = {});
  torch::nn::Module& module() override { return *model_; }
  [[nodiscard]] Batch synthetic_samples(std::int64_t count) const override;
  // Next-token cross-entropy over the sequence.
  [[nodiscard]] torch::Tensor loss(const Batch& batch) override;

private:
  config::DecoderSpec spec_;
  std::int64_t seq_len_;
  Decoder model_;
};

} // namespace epochcost::models
