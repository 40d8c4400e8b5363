#include "decoder.hpp"
#include "mlp.hpp"
#include "resnet.hpp"
#include "workload.hpp"

namespace epochcost::models {

std::unique_ptr<Workload> build_workload(const config::ModelSpec& spec,
                                         const config::DataSpec& data,
                                         const config::TrainSpec& train,
                                         const Placement& placement) {
  std::unique_ptr<Workload> workload;
  if (const auto* mlp = std::get_if<config::MlpSpec>(&spec)) {
    workload = std::make_unique<MlpWorkload>(*mlp);
  } else if (const auto* resnet = std::get_if<config::ResNetSpec>(&spec)) {
    workload = std::make_unique<ResNetWorkload>(*resnet);
  } else {
    workload = std::make_unique<DecoderWorkload>(std::get<config::DecoderSpec>(spec), data.seq_len,
                                                 train.checkpointing, placement);
  }
  placement.apply(workload->module()); // what is left: the small families, buffers
  return workload;
}

} // namespace epochcost::models
