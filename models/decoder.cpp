#include "decoder.hpp"

#include "autocast.hpp"

#include <ATen/ops/rms_norm.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <cmath>
#include <torch/autograd.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/init.h>

namespace epochcost::models {
namespace {

const config::LoraSpec* lora_for(const config::DecoderSpec& spec, const char* target) {
  return spec.lora.adapts(target) ? &spec.lora : nullptr;
}

} // namespace

RotaryTables rotary_tables(std::int64_t head_dim, std::int64_t context, double theta) {
  const torch::Tensor inv_freq =
      1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, torch::kFloat) / double(head_dim));
  const torch::Tensor angles = torch::outer(torch::arange(context, torch::kFloat), inv_freq);
  const torch::Tensor cos = angles.cos(), sin = angles.sin();
  return {torch::cat({cos, cos}, -1), torch::cat({-sin, sin}, -1)};
}

torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos,
                     const torch::Tensor& signed_sin) {
  const auto half = x.size(-1) / 2;
  const torch::Tensor swapped = torch::cat({x.slice(-1, half), x.slice(-1, 0, half)}, -1);
  return x * cos + swapped * signed_sin;
}

DenseImpl::DenseImpl(std::int64_t in, std::int64_t out, bool bias, torch::Device device) {
  // torch::nn::Linear's reset_parameters: Kaiming-uniform with a = sqrt(5), bias U(±1/sqrt(in)).
  torch::NoGradGuard no_grad;
  weight = register_parameter("weight", torch::empty({out, in}, torch::TensorOptions(device)));
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    this->bias = register_parameter("bias", torch::empty({out}, torch::TensorOptions(device)));
    this->bias.uniform_(-bound, bound);
  }
}

torch::Tensor DenseImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, weight, bias);
}

ProjectionImpl::ProjectionImpl(std::int64_t in, std::int64_t out, bool bias,
                               const config::LoraSpec* lora, torch::Device device)
    : base_(register_module("base", Dense(in, out, bias, device))) {
  if (!lora) return;
  lora_a_ = register_module(
      "lora_a", torch::nn::Linear(torch::nn::LinearOptions(in, lora->rank).bias(false)));
  lora_b_ = register_module(
      "lora_b", torch::nn::Linear(torch::nn::LinearOptions(lora->rank, out).bias(false)));
  torch::NoGradGuard no_grad;
  lora_b_->weight.zero_();
  scaling_ = lora->alpha / static_cast<double>(lora->rank);
  dropout_ = lora->dropout;
}

torch::Tensor ProjectionImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = base_->forward(x);
  if (!lora_a_) return y;
  const torch::Tensor dropped =
      dropout_ > 0
          ? torch::nn::functional::dropout(
                x, torch::nn::functional::DropoutFuncOptions().p(dropout_).training(is_training()))
          : x;
  // The scaling rides on the addition (one kernel) instead of a pass of its own.
  return torch::add(y, lora_b_->forward(lora_a_->forward(dropped)), scaling_);
}

RMSNormImpl::RMSNormImpl(std::int64_t dim, double eps)
    : weight_(register_parameter("weight", torch::ones({dim}))), eps_(eps) {}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  // On CUDA at::rms_norm is one fused kernel each way (_fused_rms_norm), where the LLaMA
  // reference's eight elementwise ops (transformers' LlamaRMSNorm) each pass over the activations;
  // both accumulate in fp32. The fused path needs x and the weight in one dtype: the residual
  // stream is fp32 under autocast and bf16 with pure bf16 weights, as the weight is.
  return at::rms_norm(x, {x.size(-1)}, weight_, eps_);
}

DecoderLayerImpl::DecoderLayerImpl(const config::DecoderSpec& spec, torch::Device device)
    : heads_(spec.heads), kv_heads_(spec.kv_heads), head_dim_(spec.head_dim()) {
  const std::int64_t h = spec.hidden, i = spec.intermediate;
  const std::int64_t q_dim = heads_ * head_dim_, kv_dim = kv_heads_ * head_dim_;
  const auto projection = [&](const char* name, std::int64_t in, std::int64_t out, bool bias) {
    return register_module(name, Projection(in, out, bias, lora_for(spec, name), device));
  };
  attention_norm_ = register_module("attention_norm", RMSNorm(h, spec.norm_eps));
  mlp_norm_ = register_module("mlp_norm", RMSNorm(h, spec.norm_eps));
  q_ = projection("q", h, q_dim, spec.attention_bias);
  k_ = projection("k", h, kv_dim, spec.attention_bias);
  v_ = projection("v", h, kv_dim, spec.attention_bias);
  o_ = projection("o", q_dim, h, false);
  gate_ = projection("gate", h, i, false);
  up_ = projection("up", h, i, false);
  down_ = projection("down", i, h, false);
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                        const torch::Tensor& signed_sin) {
  const auto batch = x.size(0), seq = x.size(1);
  const torch::Tensor a = attention_norm_->forward(x);
  const auto heads_first = [&](const torch::Tensor& t, std::int64_t heads) {
    return t.view({batch, seq, heads, head_dim_}).transpose(1, 2);
  };
  torch::Tensor q = heads_first(q_->forward(a), heads_);
  torch::Tensor k = heads_first(k_->forward(a), kv_heads_);
  const torch::Tensor v = heads_first(v_->forward(a), kv_heads_);
  // In q's dtype (bf16 under autocast) the rotation stays in that dtype, as in transformers,
  // instead of promoting q and k to fp32 for SDPA to cast back. The decoder casts the tables to it
  // once per forward, so this is no copy; it only guards a caller that did not.
  const torch::Tensor c = cos.to(q.scalar_type()), s = signed_sin.to(q.scalar_type());
  q = rotate(q, c, s);
  k = rotate(k, c, s);
  const torch::Tensor attended = at::scaled_dot_product_attention(
      q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/true, /*scale=*/std::nullopt,
      /*enable_gqa=*/kv_heads_ != heads_);
  const torch::Tensor h =
      x + o_->forward(attended.transpose(1, 2).reshape({batch, seq, heads_ * head_dim_}));
  const torch::Tensor m = mlp_norm_->forward(h);
  return h + down_->forward(torch::silu(gate_->forward(m)) * up_->forward(m));
}

// Activation checkpointing of one layer (LibTorch has no torch.utils.checkpoint): the forward
// keeps only the layer's inputs; the backward recomputes the layer under the autocast state the
// forward ran in and back-propagates through it, as PyTorch's reentrant checkpoint does.
// Recomputed LoRA dropout draws new masks: the gradient values differ, the cost does not.
struct CheckpointedLayer : torch::autograd::Function<CheckpointedLayer> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& cos, const torch::Tensor& signed_sin,
                               DecoderLayerImpl* layer) {
    const auto device = x.device().type();
    ctx->saved_data["layer"] = reinterpret_cast<std::int64_t>(layer);
    ctx->saved_data["autocast"] = at::autocast::is_autocast_enabled(device);
    ctx->saved_data["autocast_dtype"] = at::autocast::get_autocast_dtype(device);
    ctx->save_for_backward({x, cos, signed_sin});
    return layer->forward(x, cos, signed_sin);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    auto* layer = reinterpret_cast<DecoderLayerImpl*>(ctx->saved_data["layer"].toInt());
    const torch::Tensor x = saved[0].detach().requires_grad_(true);
    torch::Tensor out;
    {
      torch::AutoGradMode grad_mode(true);
      AutocastRegion region(ctx->saved_data["autocast"].toBool(), x.device().type(),
                            ctx->saved_data["autocast_dtype"].toScalarType());
      out = layer->forward(x, saved[1], saved[2]);
    }
    torch::autograd::backward({out}, {grads[0]});
    return {x.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

DecoderImpl::DecoderImpl(const config::DecoderSpec& spec, bool checkpointing,
                         const Placement& placement)
    : spec_(spec), checkpointing_(checkpointing) {
  // Embedding's N(0, 1) drawn on the device: the host took 4.4 s to draw the 7B preset's 420
  // million numbers on the development machine.
  const torch::Tensor table =
      torch::empty({spec.vocab, spec.hidden}, torch::TensorOptions(placement.device)).normal_();
  embed_ = register_module(
      "embed",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(spec.vocab, spec.hidden)._weight(table)));
  placement.apply(*embed_);
  for (std::int64_t l = 0; l < spec.layers; ++l) {
    DecoderLayer layer(spec, placement.device);
    placement.apply(*layer);
    layers_->push_back(layer);
  }
  register_module("layers", layers_);
  norm_ = register_module("norm", RMSNorm(spec.hidden, spec.norm_eps));
  if (!spec.tie_embeddings) {
    head_ = register_module("head", Dense(spec.hidden, spec.vocab, false, placement.device));
    placement.apply(*head_);
  }
  if (spec.lora.rank > 0) {
    // LoRA trains the adapters only: every base weight is frozen, adapted or not.
    for (auto& item : named_parameters()) {
      item.value().requires_grad_(item.key().find("lora_") != std::string::npos);
    }
  }
  const RotaryTables tables = rotary_tables(spec.head_dim(), spec.context, spec.rope_theta);
  cos_ = register_buffer("rope_cos", tables.cos);
  signed_sin_ = register_buffer("rope_signed_sin", tables.signed_sin);
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& ids) {
  const auto seq = ids.size(1);
  torch::Tensor x = embed_->forward(ids);
  // The fp32 tables in the dtype q and k have: autocast's where it is on (the projections'
  // output; the residual stream stays fp32), else the activations'. Cast here once, not in each
  // layer: two casts a layer were 60 small kernels per micro-batch of the 7B preset.
  const auto device = x.device().type();
  const auto rotation_dtype = at::autocast::is_autocast_enabled(device)
                                  ? at::autocast::get_autocast_dtype(device)
                                  : x.scalar_type();
  const torch::Tensor cos = cos_.slice(0, 0, seq).to(rotation_dtype);
  const torch::Tensor signed_sin = signed_sin_.slice(0, 0, seq).to(rotation_dtype);
  const bool checkpoint = checkpointing_ && is_training() && torch::GradMode::is_enabled();
  // With a frozen embedding (LoRA) no checkpoint input would require grad, and autograd would
  // never call back into the layers; make the embedding output a leaf that does, as
  // transformers' enable_input_require_grads does for PEFT.
  if (checkpoint && !x.requires_grad()) x = x.detach().requires_grad_(true);
  for (auto& layer : *layers_) {
    auto* decoder_layer = layer->as<DecoderLayer>();
    x = checkpoint ? CheckpointedLayer::apply(x, cos, signed_sin, decoder_layer)
                   : decoder_layer->forward(x, cos, signed_sin);
  }
  x = norm_->forward(x);
  return head_ ? head_->forward(x) : torch::matmul(x, embed_->weight.t());
}

DecoderWorkload::DecoderWorkload(const config::DecoderSpec& spec, std::int64_t seq_len,
                                 bool checkpointing, const Placement& placement)
    : spec_(spec), seq_len_(seq_len), model_(spec, checkpointing, placement) {}

Batch DecoderWorkload::synthetic_samples(std::int64_t count) const {
  // The targets are the inputs shifted by one token, taken inside the loss: no second tensor.
  return {torch::randint(spec_.vocab, {count, seq_len_}, torch::kLong), torch::Tensor()};
}

torch::Tensor DecoderWorkload::loss(const Batch& batch) {
  const torch::Tensor logits = model_->forward(batch.inputs);
  const auto seq = batch.inputs.size(1);
  const torch::Tensor predicted = logits.slice(1, 0, seq - 1).reshape({-1, spec_.vocab});
  const torch::Tensor next = batch.inputs.slice(1, 1, seq).reshape({-1});
  return torch::nn::functional::cross_entropy(predicted.to(torch::kFloat), next);
}

} // namespace epochcost::models
