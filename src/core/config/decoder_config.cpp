#include "config/decoder_config.hpp"

#include "util/errors.hpp"
#include "util/files.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace epochcost::config::detail {
namespace {

struct Preset {
  const char* name;
  std::int64_t layers, hidden, intermediate, heads, kv_heads, vocab, context;
  double rope_theta, norm_eps;
};

// DeepSeek LLM shapes from the Hugging Face configs of deepseek-ai/deepseek-llm-{7b,67b}-base
// (arXiv:2401.02954): 7B = 6,910,365,696 parameters, 67B = 67,425,001,472 (GQA, 8 kv heads).
// The tiny presets run a CPU step in milliseconds for tests and smoke runs.
constexpr Preset presets[] = {
    {"deepseek-llm-7b", 30, 4096, 11008, 32, 32, 102400, 4096, 10000.0, 1e-6},
    {"deepseek-llm-67b", 95, 8192, 22016, 64, 8, 102400, 4096, 10000.0, 1e-6},
    {"tiny", 2, 64, 176, 4, 2, 512, 256, 10000.0, 1e-6},
    {"tiny-mha", 2, 64, 176, 4, 4, 512, 256, 10000.0, 1e-6},
};

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& p : presets)
    names.emplace_back(p.name);
  return names;
}

void apply(DecoderSpec& d, const Preset& p) {
  d.preset = p.name;
  d.layers = p.layers;
  d.hidden = p.hidden;
  d.intermediate = p.intermediate;
  d.heads = p.heads;
  d.kv_heads = p.kv_heads;
  d.vocab = p.vocab;
  d.context = p.context;
  d.rope_theta = p.rope_theta;
  d.norm_eps = p.norm_eps;
}

// LLaMA, Mistral and Qwen2 config.json files, read offline; what is wrong goes to `s`.
void apply_hf_config(DecoderSpec& d, Section& s, const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    s.invalid("hf_config", "'" + path.string() + "' is a directory; name its config.json");
    return;
  }
  note_input_file(path, "hf_config file");
  std::ifstream in(path);
  if (!in) {
    s.invalid("hf_config", "cannot open '" + path.string() + "'");
    return;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    s.invalid("hf_config", "'" + path.string() + "' is not valid JSON: " + untagged_message(e));
    return;
  }
  if (!j.is_object()) {
    s.invalid("hf_config", "'" + path.string() + "' is not a JSON object");
    return;
  }
  if (!j.contains("model_type") || !j["model_type"].is_string()) {
    s.invalid("hf_config", "'" + path.string() +
                               "' has no model_type string; epochcost reads LLaMA-family configs "
                               "(llama, mistral, qwen2)");
    return;
  }
  const std::string type = j["model_type"].get<std::string>();
  if (type != "llama" && type != "mistral" && type != "qwen2") {
    s.invalid("hf_config", "'" + path.string() + "': model_type '" + type +
                               "' is not a LLaMA-family model (llama, mistral, qwen2)");
    return;
  }
  const auto integer = [&](const char* key, std::int64_t& into) {
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<std::int64_t>() < 1) {
      s.invalid("hf_config",
                "'" + path.string() + "': " + key + " is missing or not a positive integer");
      return;
    }
    into = j[key].get<std::int64_t>();
  };
  integer("num_hidden_layers", d.layers);
  integer("hidden_size", d.hidden);
  integer("intermediate_size", d.intermediate);
  integer("num_attention_heads", d.heads);
  integer("vocab_size", d.vocab);
  integer("max_position_embeddings", d.context);
  d.kv_heads = d.heads;
  if (j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null())
    integer("num_key_value_heads", d.kv_heads);
  const auto wrong = [&](const char* key, const char* what) {
    s.invalid("hf_config",
              "'" + path.string() + "': " + key + " must be " + what + ", got " + j[key].dump());
  };
  const auto optional_number = [&](const char* key, double fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number() || !(j[key].get<double>() > 0)) wrong(key, "a number > 0");
    return j[key].is_number() ? j[key].get<double>() : fallback;
  };
  const auto optional_flag = [&](const char* key, bool fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_boolean()) wrong(key, "true or false");
    return j[key].is_boolean() ? j[key].get<bool>() : fallback;
  };
  d.rope_theta = optional_number("rope_theta", 10000.0);
  d.norm_eps = optional_number("rms_norm_eps", 1e-6);
  d.tie_embeddings = optional_flag("tie_word_embeddings", false);
  // Qwen2 puts biases on q, k and v; LLaMA and Mistral configs say so with attention_bias.
  d.attention_bias = optional_flag("attention_bias", type == "qwen2");
  // A head_dim apart from hidden / heads (Mistral NeMo) changes every attention shape; the model
  // here derives it, so such a config would be timed and counted as another model.
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    if (!j["head_dim"].is_number_integer()) {
      wrong("head_dim", "an integer");
    } else if (d.heads > 0 && j["head_dim"].get<std::int64_t>() * d.heads != d.hidden) {
      s.invalid("hf_config", "'" + path.string() + "': head_dim " + j["head_dim"].dump() +
                                 " differs from hidden_size / num_attention_heads (" +
                                 std::to_string(d.hidden) + " / " + std::to_string(d.heads) +
                                 "); such models are not supported");
    }
  }
  // Mistral attends within a window; Qwen2 names one but switches it off with use_sliding_window.
  if (j.contains("sliding_window") && !j["sliding_window"].is_null() &&
      optional_flag("use_sliding_window", true)) {
    if (!j["sliding_window"].is_number_integer() || j["sliding_window"].get<std::int64_t>() < 1)
      wrong("sliding_window", "a positive integer or null");
    else
      d.sliding_window = j["sliding_window"].get<std::int64_t>();
  }
  d.hf_config = path.string();
}

} // namespace

const std::vector<std::string>& lora_target_names() {
  static const std::vector<std::string> names = {"q", "k", "v", "o", "gate", "up", "down"};
  return names;
}

DecoderSpec read_decoder(Section& s, const std::filesystem::path& config_dir) {
  DecoderSpec d;
  bool based = false;
  if (const auto preset = s.choice("preset", false, preset_names())) {
    apply(d, presets[*preset]);
    based = true;
  } else if (s.present("preset")) {
    based = true; // a misspelt preset is reported; the shape it would give is not "missing"
  }
  // Both would mix two shapes, and the result would name a preset it did not train.
  if (s.present("preset") && s.present("hf_config")) {
    s.invalid("hf_config", "give model.preset or model.hf_config, not both");
  } else if (const auto file = s.text("hf_config", false)) {
    const std::filesystem::path path = std::filesystem::path(*file).is_absolute()
                                           ? std::filesystem::path(*file)
                                           : config_dir / *file;
    // A config.json that fails has said why; the keys it should have given are not "missing".
    apply_hf_config(d, s, path);
    based = true;
  }
  // Keys override the preset / config.json one by one; without either, all are required.
  constexpr std::int64_t max_dim = std::int64_t{1} << 24;
  d.layers = s.integer("layers", !based, 1, 4096).value_or(d.layers);
  d.hidden = s.integer("hidden", !based, 1, max_dim).value_or(d.hidden);
  d.intermediate = s.integer("intermediate", !based, 1, max_dim).value_or(d.intermediate);
  d.heads = s.integer("heads", !based, 1, 4096).value_or(d.heads);
  d.kv_heads = s.integer("kv_heads", false, 1, 4096).value_or(d.kv_heads ? d.kv_heads : d.heads);
  d.vocab = s.integer("vocab", !based, 2, max_dim).value_or(d.vocab);
  d.context = s.integer("context", !based, 2, max_dim).value_or(d.context);
  d.rope_theta = s.number("rope_theta", false, 0.0, true).value_or(d.rope_theta);
  d.norm_eps = s.number("norm_eps", false, 0.0, true).value_or(d.norm_eps);
  d.attention_bias = s.boolean("attention_bias").value_or(d.attention_bias);
  d.tie_embeddings = s.boolean("tie_embeddings").value_or(d.tie_embeddings);
  d.sliding_window = s.integer("sliding_window", false, 0, max_dim).value_or(d.sliding_window);
  if (d.heads > 0 && d.hidden > 0 && d.hidden % d.heads != 0) {
    s.invalid("heads", "model.hidden (" + std::to_string(d.hidden) +
                           ") must be a multiple of model.heads (" + std::to_string(d.heads) + ")");
  } else if (d.heads > 0 && d.hidden > 0 && d.head_dim() % 2 != 0) {
    s.invalid("heads", "the head dimension hidden / heads (" + std::to_string(d.head_dim()) +
                           ") must be even for rotary embeddings");
  }
  if (d.kv_heads > 0 && d.heads % d.kv_heads != 0) {
    s.invalid("kv_heads", "model.heads (" + std::to_string(d.heads) +
                              ") must be a multiple of model.kv_heads (" +
                              std::to_string(d.kv_heads) + ")");
  }
  return d;
}

LoraSpec read_lora(Section& s) {
  LoraSpec lora;
  lora.rank = s.integer("rank", true, 0, 1 << 16).value_or(0);
  lora.alpha = s.positive_float("alpha").value_or(lora.alpha);
  lora.dropout = s.number("dropout", false, 0.0, false, 0.999).value_or(0.0);
  if (const YAML::Node* targets = s.get("targets", false)) {
    lora.targets.clear();
    if (!targets->IsSequence() || targets->size() == 0) {
      s.invalid("targets", "must be a non-empty list of q, k, v, o, gate, up, down");
      return lora;
    }
    for (std::size_t i = 0; i < targets->size(); ++i) {
      const YAML::Node& t = (*targets)[i];
      const std::string name = t.IsScalar() ? t.Scalar() : "";
      const auto& known = lora_target_names();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        s.invalid("targets", "must name q, k, v, o, gate, up or down; got '" + name + "'" +
                                 suggestion(name, known));
      } else if (std::find(lora.targets.begin(), lora.targets.end(), name) != lora.targets.end()) {
        s.invalid("targets", "'" + name + "' is listed twice");
      } else {
        lora.targets.push_back(name);
      }
    }
  }
  return lora;
}

} // namespace epochcost::config::detail
