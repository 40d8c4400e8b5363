#include "decoder.hpp"
#include "mlp.hpp"
#include "resnet.hpp"
#include "workload.hpp"

namespace epochcost::models {

std::unique_ptr<Workload> build_workload(const config::ModelSpec& spec,
                                         const config::DataSpec& data,
                                         const config::TrainSpec& train) {
  if (const auto* mlp = std::get_if<config::MlpSpec>(&spec)) {
    return std::make_unique<MlpWorkload>(*mlp);
  }
  if (const auto* resnet = std::get_if<config::ResNetSpec>(&spec)) {
    return std::make_unique<ResNetWorkload>(*resnet);
  }
  return std::make_unique<DecoderWorkload>(std::get<config::DecoderSpec>(spec), data.seq_len,
                                           train.checkpointing);
}

} // namespace epochcost::models
