#include "mlp.hpp"
#include "workload.hpp"

namespace epochcost::models {

std::unique_ptr<Workload> build_workload(const config::ModelSpec& spec) {
  return std::visit(
      [](const config::MlpSpec& mlp) -> std::unique_ptr<Workload> {
        return std::make_unique<MlpWorkload>(mlp);
      },
      spec);
}

} // namespace epochcost::models
