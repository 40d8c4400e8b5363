#pragma once
// The decoder's keys: a preset, a Hugging Face config.json, or the shape key by key (in that
// order, later ones overriding), and the LoRA section.
#include "config/section.hpp"

#include <filesystem>

namespace epochcost::config::detail {

// `config_dir` resolves a relative hf_config path.
[[nodiscard]] DecoderSpec read_decoder(Section& s, const std::filesystem::path& config_dir);
[[nodiscard]] LoraSpec read_lora(Section& s);
[[nodiscard]] const std::vector<std::string>& lora_target_names();

} // namespace epochcost::config::detail
