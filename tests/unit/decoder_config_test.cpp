#include "config/loader.hpp"
#include "model/analysis.hpp"
#include "util/errors.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace epochcost::config {
namespace {

const std::string tail = "optimizer: {name: adamw}\npricing: {currency: USD, amount: 1}\n";

Config decoder(const std::string& model,
               const std::string& data = "{samples: 1000, batch_size: 2, seq_len: 128}",
               const std::string& extra = "") {
  return parse_config("model: " + model + "\ndata: " + data + "\n" + tail + extra, "d.yaml", {},
                      Purpose::run);
}

std::string error_of(const std::string& model,
                     const std::string& data = "{samples: 1000, batch_size: 2, seq_len: 128}",
                     const std::string& extra = "") {
  try {
    (void)decoder(model, data, extra);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(DecoderConfig, DeepSeekPresetsMatchThePublishedParameterCounts) {
  const Config seven = decoder("{name: decoder, preset: deepseek-llm-7b}");
  const auto& d = std::get<DecoderSpec>(*seven.model);
  EXPECT_EQ(d.layers, 30);
  EXPECT_EQ(d.hidden, 4096);
  EXPECT_EQ(d.kv_heads, 32);
  EXPECT_EQ(model::analyze(*seven.model, 128).params_total, 6910365696);
  const Config sixty_seven = decoder("{name: decoder, preset: deepseek-llm-67b}");
  EXPECT_EQ(model::analyze(*sixty_seven.model, 128).params_total, 67425001472);
}

TEST(DecoderConfig, FlopsFollowThePalmConvention) {
  const Config c = decoder("{name: decoder, preset: deepseek-llm-7b}",
                           "{samples: 10, batch_size: 1, seq_len: 2048}");
  const auto a = model::analyze(*c.model, 2048);
  // Matmul weights: 30 layers × (4·4096² + 3·4096·11008) + the 102400×4096 head.
  const double matmul = 30.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) + 102400.0 * 4096;
  const double attention = 12.0 * 30 * 32 * 128 * 2048;
  EXPECT_DOUBLE_EQ(a.flops_per_sample, (6 * matmul + attention) * 2048);
  EXPECT_EQ(a.tokens_per_sample, 2048);

  // LoRA r=8 on q and v: base weights skip their weight gradients (≈ 4N instead of 6N).
  const Config lora = decoder("{name: decoder, preset: deepseek-llm-7b}",
                              "{samples: 10, batch_size: 1, seq_len: 2048}",
                              "lora: {rank: 8, alpha: 16, targets: [q, v]}\n");
  const auto l = model::analyze(*lora.model, 2048);
  const double adapters = 30.0 * 2 * 8 * (4096 + 4096);
  EXPECT_EQ(l.params_trainable, static_cast<std::int64_t>(adapters));
  EXPECT_EQ(l.params_total, 6910365696 + static_cast<std::int64_t>(adapters));
  EXPECT_DOUBLE_EQ(l.flops_per_sample, (4 * matmul + 6 * adapters + attention) * 2048);
}

TEST(DecoderConfig, PrecisionsAndMemory) {
  for (const auto& [name, precision] : std::vector<std::pair<std::string, Precision>>{
           {"fp16", Precision::fp16}, {"bf16-pure", Precision::bf16_pure}}) {
    const Config c =
        decoder("{name: decoder, preset: tiny}", "{samples: 8, batch_size: 2, seq_len: 32}",
                "precision: " + name + "\n");
    EXPECT_EQ(c.precision, precision);
  }
  const Config pure = decoder("{name: decoder, preset: tiny}",
                              "{samples: 8, batch_size: 2, seq_len: 32}", "precision: bf16-pure\n");
  const Config mixed = decoder("{name: decoder, preset: tiny}",
                               "{samples: 8, batch_size: 2, seq_len: 32}", "precision: bf16\n");
  // Pure bf16 halves weights, gradients and Adam state; autocast keeps them in fp32.
  EXPECT_DOUBLE_EQ(model::estimate_memory(pure).weights_bytes * 2,
                   model::estimate_memory(mixed).weights_bytes);
  EXPECT_DOUBLE_EQ(model::estimate_memory(pure).optimizer_bytes * 2,
                   model::estimate_memory(mixed).optimizer_bytes);
  EXPECT_DOUBLE_EQ(model::estimate_memory(pure).activations_bytes,
                   model::estimate_memory(mixed).activations_bytes);
}

TEST(DecoderConfig, KeysOverrideThePreset) {
  const Config c = decoder("{name: decoder, preset: deepseek-llm-7b, layers: 2, kv_heads: 8}");
  const auto& d = std::get<DecoderSpec>(*c.model);
  EXPECT_EQ(d.layers, 2);
  EXPECT_EQ(d.kv_heads, 8);
  EXPECT_EQ(d.hidden, 4096);
  EXPECT_EQ(d.preset, "deepseek-llm-7b");
}

TEST(DecoderConfig, LoraRankIsBoundByTheNarrowestTargetedWeight) {
  const std::string tiny = "{name: decoder, preset: tiny}"; // hidden 64, 4 heads, 2 kv heads
  const std::string data = "{samples: 1000, batch_size: 2, seq_len: 128}";
  // q is 64 × 64; v is 64 × 32 (2 kv heads of 16).
  EXPECT_NO_THROW((void)decoder(tiny, data, "lora: {rank: 64, targets: [q]}\n"));
  EXPECT_NO_THROW((void)decoder(tiny, data, "lora: {rank: 32, targets: [q, v]}\n"));
  const std::string over = error_of(tiny, data, "lora: {rank: 33, targets: [q, v]}\n");
  EXPECT_NE(over.find("lora.rank: must be ≤ 32 for target v (a 64 × 32 weight"), std::string::npos)
      << over;
  // Full fine-tuning (rank 0) has no adapter to bound.
  EXPECT_NO_THROW((void)decoder(tiny, data, "lora: {rank: 0, targets: [v]}\n"));
}

TEST(DecoderConfig, ShapeErrors) {
  EXPECT_NE(error_of("{name: decoder, preset: deepseek-7b}").find("model.preset: must be one of"),
            std::string::npos);
  const std::string missing = error_of("{name: decoder, hidden: 64}");
  EXPECT_NE(missing.find("model.layers: required key is missing"), std::string::npos) << missing;
  EXPECT_NE(
      error_of("{name: decoder, preset: tiny, heads: 5}").find("must be a multiple of model.heads"),
      std::string::npos);
  EXPECT_NE(error_of("{name: decoder, preset: tiny, kv_heads: 3}")
                .find("must be a multiple of model.kv_heads"),
            std::string::npos);
  EXPECT_NE(error_of("{name: decoder, preset: tiny}", "{samples: 10, batch_size: 2}")
                .find("data.seq_len is required"),
            std::string::npos);
  EXPECT_NE(error_of("{name: decoder, preset: tiny, hf_config: config.json}")
                .find("model.hf_config: give model.preset or model.hf_config, not both"),
            std::string::npos);
  // A misspelt preset is one error, not also every shape key it would have given.
  EXPECT_EQ(error_of("{name: decoder, preset: tinny}").find("required key is missing"),
            std::string::npos);
  EXPECT_NE(error_of("{name: decoder, preset: tinny}").find("(did you mean 'tiny'?)"),
            std::string::npos);
  // A seq_len refused for its value is not also reported missing.
  const std::string too_short =
      error_of("{name: decoder, preset: tiny}", "{samples: 10, batch_size: 2, seq_len: 1}");
  EXPECT_NE(too_short.find("data.seq_len: must be ≥ 2, got 1"), std::string::npos) << too_short;
  EXPECT_EQ(too_short.find("required"), std::string::npos) << too_short;
  EXPECT_NE(error_of("{name: decoder, preset: tiny}", "{samples: 10, batch_size: 2, seq_len: 4096}")
                .find("data.seq_len (4096) must be ≤ model.context (256)"),
            std::string::npos);
  EXPECT_NE(error_of("{name: mlp, input_dim: 4, output_dim: 1}",
                     "{samples: 10, batch_size: 2, seq_len: 8}")
                .find("data.seq_len applies only to model decoder"),
            std::string::npos);
  EXPECT_NE(error_of("{name: mlp, input_dim: 4, output_dim: 1}", "{samples: 10, batch_size: 2}",
                     "lora: {rank: 8}\n")
                .find("lora applies only to model decoder"),
            std::string::npos);
  EXPECT_NE(error_of("{name: mlp, input_dim: 4, output_dim: 1}", "{samples: 10, batch_size: 2}",
                     "train: {checkpointing: true}\n")
                .find("train.checkpointing applies only to model decoder"),
            std::string::npos);
  EXPECT_NE(
      error_of("{name: decoder, preset: tiny}", "{samples: 10, batch_size: 2, seq_len: 8}",
               "lora: {rank: 8, targets: [q, vv]}\n")
          .find(
              "lora.targets: must name q, k, v, o, gate, up or down; got 'vv' (did you mean 'v'?)"),
      std::string::npos);
}

class HfConfig : public ::testing::Test {
public:
  // One directory per test: CTest runs the tests of this suite in parallel processes.
  std::filesystem::path dir;
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "epochcost-hf-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  Config load(const std::string& json) {
    std::ofstream(dir / "config.json") << json;
    std::ofstream(dir / "job.yaml") << "model: {name: decoder, hf_config: config.json}\n"
                                       "data: {samples: 10, batch_size: 1, seq_len: 64}\n" +
                                           tail;
    return load_config(dir / "job.yaml", {}, Purpose::run);
  }
};

TEST_F(HfConfig, ReadsLlamaFamilyShapesOffline) {
  const Config c = load(R"({"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
      "num_hidden_layers": 30, "num_attention_heads": 32, "num_key_value_heads": 32,
      "vocab_size": 102400, "max_position_embeddings": 4096, "rms_norm_eps": 1e-06,
      "rope_theta": 10000.0, "tie_word_embeddings": false})");
  EXPECT_EQ(model::analyze(*c.model, 64).params_total, 6910365696);
  // Qwen2: biases on q, k and v, tied embeddings in the small sizes.
  const Config qwen = load(R"({"model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864,
      "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
      "vocab_size": 151936, "max_position_embeddings": 32768, "tie_word_embeddings": true})");
  const auto& q = std::get<DecoderSpec>(*qwen.model);
  EXPECT_TRUE(q.attention_bias);
  EXPECT_TRUE(q.tie_embeddings);
  EXPECT_EQ(model::analyze(*qwen.model, 64).params_total, 494032768); // Qwen2-0.5B
}

TEST_F(HfConfig, RefusesWhatItCannotRead) {
  EXPECT_THROW(load(R"({"model_type": "gpt2", "n_embd": 768})"), InputError);
  try {
    load(R"({"hidden_size": 64})");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has no model_type string"), std::string::npos)
        << e.what();
  }
  try {
    load("not json");
    FAIL();
  } catch (const InputError& e) {
    // The parser's words without the library's "[json.exception.parse_error.101]" tag.
    EXPECT_NE(std::string(e.what()).find("is not valid JSON: parse error"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "job.yaml") << "model: {name: decoder, hf_config: .}\n"
                                     "data: {samples: 10, batch_size: 1, seq_len: 64}\n" +
                                         tail;
  try {
    (void)load_config(dir / "job.yaml", {}, Purpose::run);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.hf_config: '"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  try {
    load(R"({"model_type": "llama", "hidden_size": 64})");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("num_hidden_layers is missing"), std::string::npos)
        << e.what();
  }
}

const std::string small_mistral = R"("model_type": "mistral", "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 4096)";

std::string error_of_loading(HfConfig& test, const std::string& json) {
  try {
    test.load(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(HfConfig, NamesEachWrongFieldWithoutBlamingTheYaml) {
  const std::string wrong_types =
      error_of_loading(*this, "{" + small_mistral + R"(, "rope_theta": "big",
          "tie_word_embeddings": "yes", "head_dim": 32})");
  EXPECT_NE(wrong_types.find("rope_theta must be a number > 0, got \"big\""), std::string::npos)
      << wrong_types;
  EXPECT_NE(wrong_types.find("tie_word_embeddings must be true or false"), std::string::npos)
      << wrong_types;
  // Mistral NeMo-style heads would be timed as another model.
  EXPECT_NE(wrong_types.find("head_dim 32 differs from hidden_size / num_attention_heads (64 / 4)"),
            std::string::npos)
      << wrong_types;
  EXPECT_EQ(wrong_types.find("required key is missing"), std::string::npos) << wrong_types;
  EXPECT_NE(error_of_loading(*this, "[1]").find("is not a JSON object"), std::string::npos);
  EXPECT_NO_THROW(load("{" + small_mistral + R"(, "head_dim": 16})"));
}

TEST_F(HfConfig, AWindowShorterThanTheSequenceMakesTheStepAnUpperBound) {
  const Config windowed = load("{" + small_mistral + R"(, "sliding_window": 32})");
  EXPECT_EQ(std::get<DecoderSpec>(*windowed.model).sliding_window, 32);
  const auto notes = model::analyze(*windowed.model, 64).notes;
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("model.sliding_window (32) is shorter than data.seq_len (64)"),
            std::string::npos)
      << notes[0];
  EXPECT_TRUE(model::analyze(*windowed.model, 32).notes.empty());
  // Qwen2 names a window and turns it off.
  const Config qwen =
      load("{" + small_mistral + R"(, "sliding_window": 32, "use_sliding_window": false})");
  EXPECT_EQ(std::get<DecoderSpec>(*qwen.model).sliding_window, 0);
}

} // namespace
} // namespace epochcost::config
