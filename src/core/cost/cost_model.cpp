#include "cost/cost_model.hpp"

#include "util/errors.hpp"

namespace epochcost::cost {

std::int64_t steps_per_epoch(const config::DataSpec& data, std::int64_t devices,
                             std::int64_t accumulation_steps) {
  const std::int64_t per_step = data.batch_size * devices * accumulation_steps;
  if (per_step <= 0) throw InputError("data.batch_size × devices must be ≥ 1");
  const std::int64_t steps =
      data.drop_last ? data.samples / per_step : (data.samples + per_step - 1) / per_step;
  if (steps == 0) {
    throw InputError("data: an epoch of " + std::to_string(data.samples) + " samples in steps of " +
                     std::to_string(per_step) + " samples has no step (drop_last)");
  }
  return steps;
}

JobStepTime job_step_time(double measured_t_batch_s,
                          std::optional<std::array<double, 2>> measured_ci95_s,
                          std::int64_t devices_measured, const config::Config& config) {
  JobStepTime step{measured_t_batch_s, measured_ci95_s, false, 1.0};
  if (devices_measured < config.pricing.gpus) {
    step.scaled = true;
    step.scaling_efficiency = config.parallel.scaling_efficiency;
    step.t_batch_s /= step.scaling_efficiency;
    if (step.ci95_s) {
      for (double& bound : *step.ci95_s)
        bound /= step.scaling_efficiency;
    }
  }
  return step;
}

EpochTime epoch_time(std::int64_t batches, const JobStepTime& step) {
  EpochTime epoch{batches, static_cast<double>(batches) * step.t_batch_s, std::nullopt};
  if (step.ci95_s) {
    epoch.seconds_ci95 = std::array<double, 2>{static_cast<double>(batches) * (*step.ci95_s)[0],
                                               static_cast<double>(batches) * (*step.ci95_s)[1]};
  }
  return epoch;
}

std::int64_t billed_units(const config::PricingSpec& pricing) {
  if (pricing.unit == config::PriceUnit::gpu_hour) return pricing.gpus;
  return (pricing.gpus + pricing.gpus_per_instance - 1) / pricing.gpus_per_instance;
}

double compute_cost(double hours, const config::PricingSpec& pricing) {
  return hours * pricing.amount * static_cast<double>(billed_units(pricing));
}

CostBreakdown price_epoch(const EpochTime& epoch, const config::Config& config) {
  const auto& pricing = config.pricing;
  CostBreakdown cost;
  cost.currency = pricing.currency;
  cost.price_per_hour = pricing.amount;
  cost.billed_units = billed_units(pricing);
  cost.compute_per_epoch = compute_cost(epoch.seconds / seconds_per_hour, pricing);
  cost.storage_transfer_per_epoch = config.extra_costs.storage_transfer;
  cost.ops_per_epoch = config.extra_costs.ops;
  const double extras = cost.storage_transfer_per_epoch + cost.ops_per_epoch;
  cost.per_epoch = cost.compute_per_epoch + extras;
  if (epoch.seconds_ci95) {
    cost.per_epoch_ci95 = std::array<double, 2>{
        compute_cost((*epoch.seconds_ci95)[0] / seconds_per_hour, pricing) + extras,
        compute_cost((*epoch.seconds_ci95)[1] / seconds_per_hour, pricing) + extras};
  }
  cost.epochs = config.epochs;
  cost.total = cost.per_epoch * static_cast<double>(config.epochs);
  return cost;
}

} // namespace epochcost::cost
