#pragma once
// The published per-epoch cost formulas as pure functions of measured figures and config.
//   one GPU:  C_epoch = ceil(D/B) · T_batch / 3600 · P_hour
//   general:  Cost_epoch = T_epoch_h · P · N + D_cost + M_cost
// B is per device per step and N devices train in data parallel, so one step (T_batch) consumes
// B·N samples and an epoch has ceil(D / (B·N)) steps; with N = 1 both forms coincide.
#include "config/config.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace epochcost::cost {

constexpr double seconds_per_hour = 3600.0;

// The job's step time when it was measured on fewer devices than it will be billed for: data
// parallel with the configured scaling efficiency (an assumption, reported as such).
struct JobStepTime {
  double t_batch_s = 0;
  std::optional<std::array<double, 2>> ci95_s;
  bool scaled = false; // true when devices_measured < devices billed
  double scaling_efficiency = 1.0;
};
[[nodiscard]] JobStepTime job_step_time(double measured_t_batch_s,
                                        std::optional<std::array<double, 2>> measured_ci95_s,
                                        std::int64_t devices_measured,
                                        const config::Config& config);

struct EpochTime {
  std::int64_t batches = 0;
  double seconds = 0;
  std::optional<std::array<double, 2>> seconds_ci95;
};
[[nodiscard]] EpochTime epoch_time(std::int64_t batches, const JobStepTime& step);

struct CostBreakdown {
  std::string currency;
  double compute_per_epoch = 0; // the training steps: T_epoch · P · N
  double eval_checkpoint_per_epoch = 0;
  double spot_overhead_per_epoch = 0; // expected restarts and lost work
  double storage_transfer_per_epoch = 0;
  double ops_per_epoch = 0;
  double per_epoch = 0;
  std::optional<std::array<double, 2>> per_epoch_ci95;
  double epoch_wall_s = 0; // billed per epoch: steps, eval, checkpoints and spot overhead
  std::int64_t epochs = 1;
  double job_wall_s = 0;   // provisioning + epochs · epoch_wall_s
  double job_billed_s = 0; // rounded to the billing increment, at least the minimum charge
  double fixed_per_run = 0; // provisioning, rounding and minimum charge: total − epochs · per_epoch
  double total = 0;         // the whole run
  double price_per_hour = 0;     // as configured: per GPU-hour or per instance-hour
  std::int64_t billed_units = 0; // GPUs (gpu_hour) or whole instances (instance_hour)
};

// GPUs (gpu_hour) or whole instances, ceil(N / gpus_per_instance) (instance_hour).
[[nodiscard]] std::int64_t billed_units(const config::PricingSpec& pricing);

// Compute cost of running the job for `hours`: hours · P · N per GPU-hour, or hours · P ·
// ceil(N / gpus_per_instance) per instance-hour.
[[nodiscard]] double compute_cost(double hours, const config::PricingSpec& pricing);

// Expected extra wall time per unit of useful time on spot capacity: λ · (restart + interval / 2),
// λ interruptions per second; 0 on demand.
[[nodiscard]] double spot_overhead_share(const config::PricingSpec& pricing);

// Wall seconds as billed: rounded up to the billing increment, at least the minimum charge.
[[nodiscard]] double billed_seconds(double wall_s, const config::JobSpec& job);

[[nodiscard]] CostBreakdown price_epoch(const EpochTime& epoch, const config::Config& config);

// What a whole run of `epochs` (any real number ≥ 0) costs, epochs of `epoch_wall_s` each.
[[nodiscard]] double run_cost(double epochs, double epoch_wall_s, const config::Config& config);

// The inverse question: how much training a budget buys, fixed costs of the run included.
struct Affordable {
  double budget = 0;
  double epochs = 0;      // fractional: the last epoch may be partial
  double full_epochs = 0; // a whole number; a double, since a tiny price can buy over 2^63
  double samples = 0;
  std::optional<double> tokens; // language models
  double full_epochs_cost = 0;  // a run of full_epochs epochs (0 when there is none)
  double fixed_costs = 0;       // a run with no step at all: provisioning, minimum charge
  bool unlimited = false;       // an epoch costs nothing at this price
};
// InputError for a budget that is not a finite number > 0 (checked before a run measures).
void check_budget(double budget);
// InputError for a bad budget (check_budget).
[[nodiscard]] Affordable affordable(double budget, const CostBreakdown& cost,
                                    const config::Config& config);

} // namespace epochcost::cost
