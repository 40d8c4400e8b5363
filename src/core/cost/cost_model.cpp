#include "cost/cost_model.hpp"

#include "util/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace epochcost::cost {

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

double spot_overhead_share(const config::PricingSpec& pricing) {
  if (!pricing.spot) return 0;
  const auto& spot = *pricing.spot;
  return spot.interruptions_per_hour / seconds_per_hour *
         (spot.restart_s + spot.checkpoint_interval_s / 2);
}

double billed_seconds(double wall_s, const config::JobSpec& job) {
  double increment_s = 0;
  switch (job.billing) {
  case config::Billing::exact: break;
  case config::Billing::per_second: increment_s = 1; break;
  case config::Billing::per_minute: increment_s = 60; break;
  case config::Billing::per_hour: increment_s = seconds_per_hour; break;
  }
  double billed = wall_s;
  if (increment_s > 0) {
    // A wall time that is a whole number of increments up to the rounding error of the products
    // it comes from (1.5 h × 10 epochs) is not rounded up; anything beyond that is billed the
    // next increment, however little it is.
    constexpr double rounding_noise = 16 * std::numeric_limits<double>::epsilon();
    const double increments = wall_s / increment_s;
    const double nearest = std::round(increments);
    const bool whole = std::abs(increments - nearest) <= rounding_noise * std::max(1.0, nearest);
    billed = (whole ? nearest : std::ceil(increments)) * increment_s;
  }
  return std::max(billed, job.minimum_billed_s);
}

double run_cost(double epochs, double epoch_wall_s, const config::Config& config) {
  const double wall_s = config.job.provisioning_s + epochs * epoch_wall_s;
  const double extras = config.extra_costs.storage_transfer + config.extra_costs.ops;
  return compute_cost(billed_seconds(wall_s, config.job) / seconds_per_hour, config.pricing) +
         epochs * extras;
}

namespace {

// Finite inputs can still overflow a double (a step of 1e308 s at any price, a spot restart of
// 1e300 s): such a cost could not be read back, compared or recorded, so none is made. The first
// figure that overflows is named with the inputs it comes from.
void check_finite(const CostBreakdown& cost, const EpochTime& epoch) {
  const std::pair<double, const char*> figures[] = {
      {epoch.seconds, "the epoch's seconds (T_batch × steps; a T_batch scaled to more devices is "
                      "divided by parallel.scaling_efficiency)"},
      {cost.compute_per_epoch, "cost.compute_per_epoch (the epoch's hours × pricing.amount × "
                               "GPUs or instances billed)"},
      {cost.eval_checkpoint_per_epoch,
       "cost.eval_checkpoint_per_epoch (job.eval_s_per_epoch, job.checkpoint_s_per_epoch)"},
      {cost.spot_overhead_per_epoch, "cost.spot_overhead_per_epoch (pricing.spot)"},
      {cost.epoch_wall_s, "cost.epoch_wall_s (the epoch with eval, checkpoints and pricing.spot)"},
      {cost.per_epoch, "cost.per_epoch (its terms with extra_costs.storage_transfer and "
                       "extra_costs.ops)"},
      {cost.per_epoch_ci95 ? (*cost.per_epoch_ci95)[1] : 0.0,
       "cost.per_epoch_ci95 (the high end of T_batch's interval)"},
      {cost.job_billed_s, "cost.job_billed_s (epochs × the epoch's wall time, job.provisioning_s, "
                          "job.minimum_billed_s)"},
      {cost.total, "cost.total (epochs × cost.per_epoch and the fixed costs of a run)"}};
  for (const auto& [value, what] : figures) {
    if (!std::isfinite(value))
      throw InputError(std::string("the cost of this job is beyond a double: ") + what);
  }
}

} // namespace

CostBreakdown price_epoch(const EpochTime& epoch, const config::Config& config) {
  const auto& pricing = config.pricing;
  CostBreakdown cost;
  cost.currency = pricing.currency;
  cost.price_per_hour = pricing.amount;
  cost.billed_units = billed_units(pricing);
  const double side_s = config.job.eval_s_per_epoch + config.job.checkpoint_s_per_epoch;
  const double spot_share = spot_overhead_share(pricing);
  const auto wall_s = [&](double training_s) { return (training_s + side_s) * (1 + spot_share); };
  const auto hours_cost = [&](double s) { return compute_cost(s / seconds_per_hour, pricing); };
  cost.compute_per_epoch = hours_cost(epoch.seconds);
  cost.eval_checkpoint_per_epoch = hours_cost(side_s);
  cost.epoch_wall_s = wall_s(epoch.seconds);
  // The overhead's own product, not a difference of two nearly equal walls.
  cost.spot_overhead_per_epoch = hours_cost((epoch.seconds + side_s) * spot_share);
  cost.storage_transfer_per_epoch = config.extra_costs.storage_transfer;
  cost.ops_per_epoch = config.extra_costs.ops;
  const double extras = cost.storage_transfer_per_epoch + cost.ops_per_epoch;
  cost.per_epoch = hours_cost(cost.epoch_wall_s) + extras;
  if (epoch.seconds_ci95) {
    cost.per_epoch_ci95 =
        std::array<double, 2>{hours_cost(wall_s((*epoch.seconds_ci95)[0])) + extras,
                              hours_cost(wall_s((*epoch.seconds_ci95)[1])) + extras};
  }
  cost.epochs = config.epochs;
  const auto epochs = static_cast<double>(config.epochs);
  cost.job_wall_s = config.job.provisioning_s + epochs * cost.epoch_wall_s;
  cost.job_billed_s = billed_seconds(cost.job_wall_s, config.job);
  cost.total = run_cost(epochs, cost.epoch_wall_s, config);
  // A difference of sums: below rounding noise it is no fixed cost at all.
  cost.fixed_per_run = cost.total - epochs * cost.per_epoch;
  if (std::abs(cost.fixed_per_run) <= 1e-9 * std::max(1.0, std::abs(cost.total))) {
    cost.fixed_per_run = 0;
  }
  check_finite(cost, epoch);
  return cost;
}

void check_budget(double budget) {
  if (!std::isfinite(budget) || budget <= 0) {
    std::ostringstream out;
    out << "--budget: must be a finite amount > 0, got " << budget;
    throw InputError(out.str());
  }
}

Affordable affordable(double budget, const CostBreakdown& cost, const config::Config& config) {
  check_budget(budget);
  Affordable a;
  a.budget = budget;
  a.fixed_costs = run_cost(0, cost.epoch_wall_s, config);
  const double extras = config.extra_costs.storage_transfer + config.extra_costs.ops;
  if (a.fixed_costs <= budget) {
    if (cost.epoch_wall_s * cost.price_per_hour <= 0 && extras <= 0) {
      a.unlimited = true; // an epoch costs nothing at this price
    } else {
      // run_cost grows with the epochs (never falls), so the largest affordable count is found by
      // bisection, between 0 and a count that costs more than the budget.
      double low = 0, high = 1;
      while (run_cost(high, cost.epoch_wall_s, config) <= budget)
        high *= 2;
      // The job's seconds overflowed on the way: the count would be made up, not computed.
      if (!std::isfinite(run_cost(high, cost.epoch_wall_s, config))) {
        std::ostringstream out;
        out << "--budget: " << budget << " buys more epochs than their run time in seconds can "
            << "hold as a number; give a smaller amount";
        throw InputError(out.str());
      }
      constexpr double resolution = 1e-12;
      const double bracket = high;
      for (int i = 0; i < 200 && high - low > resolution * high; ++i) {
        const double middle = (low + high) / 2;
        (run_cost(middle, cost.epoch_wall_s, config) <= budget ? low : high) = middle;
      }
      // Below the resolution of the first bracket is nothing: a budget that only pays the fixed
      // costs buys no epoch, not the 2e-15 of one that the billing's rounding slack lets in.
      a.epochs = low > resolution * bracket ? low : 0;
    }
  }
  if (a.unlimited) return a;
  a.full_epochs = std::floor(a.epochs);
  if (a.full_epochs > 0) {
    a.full_epochs_cost = run_cost(a.full_epochs, cost.epoch_wall_s, config);
  }
  const auto& data = config.data;
  const auto samples_per_epoch = static_cast<double>(
      data.drop_last
          ? config::steps_per_epoch(data, config.pricing.gpus, config.train.accumulation_steps) *
                data.batch_size * config.pricing.gpus * config.train.accumulation_steps
          : data.samples);
  a.samples = a.epochs * samples_per_epoch;
  if (data.seq_len > 0) a.tokens = a.samples * static_cast<double>(data.seq_len);
  return a;
}

} // namespace epochcost::cost
