#include "measure.hpp"

#include "device.hpp"
#include "log/log.hpp"
#include "model/analysis.hpp"
#include "report/format.hpp"
#include "stats/stopping_criterion.hpp"
#include "training_step.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <numeric>
#include <sstream>
#include <torch/cuda.h>
#include <torch/utils.h>

namespace epochcost::runner {
namespace {

using Clock = std::chrono::steady_clock;

// How long one window of steps runs between reads of the clock (a synchronisation on CUDA).
constexpr double window_target_s = 0.05;
constexpr std::int64_t max_window_steps = 1000;
// A real epoch longer than this is announced before it starts.
constexpr double long_epoch_s = 60;
// The instrumented pass only has to give a breakdown, not the headline figure.
constexpr std::int64_t max_phase_steps = 1000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Session {
  const measure::MeasureRequest& request;
  const config::Config& config;
  ResolvedDevice device;
  std::unique_ptr<models::Workload> workload;
  std::unique_ptr<SyntheticDataset> data;
  std::unique_ptr<TrainingStep> step;
  std::unique_ptr<PhaseClock> clock, spare_clock; // two windows in flight, see run_windows
  std::int64_t next_batch = 0;   // step in the epoch order, so batches differ step to step
  std::int64_t full_batches = 1; // full optimizer steps in one epoch
  measure::Measurement result;

  void check_interrupt() const {
    if (request.pending_signal) {
      if (const int signal = request.pending_signal()) throw Interrupted(signal);
    }
  }
  void run_step(PhaseClock* phases) {
    check_interrupt();
    step->run(*data, next_batch, step->samples_per_step(), phases);
    next_batch = (next_batch + 1) % full_batches;
  }
  void synchronize() const {
    if (device.device.is_cuda()) torch::cuda::synchronize(device.device.index());
  }
  void progress(const char* stage, std::int64_t steps, std::int64_t planned, double mean_s,
                double ci_pct, double elapsed_s) const {
    if (request.on_progress)
      request.on_progress({stage, steps, planned, mean_s, ci_pct, elapsed_s});
  }
};

std::int64_t next_window(double mean_step_s) {
  if (!(mean_step_s > 0)) return 1;
  return std::clamp<std::int64_t>(std::llround(window_target_s / mean_step_s), 1, max_window_steps);
}

std::string describe_settings(const config::Config& c) {
  std::ostringstream out;
  out << "model " << config::model_name(*c.model) << ", batch_size " << c.data.batch_size
      << ", precision " << config::to_string(c.precision);
  return out.str();
}

// The seeded model on its device, in the precision's weight dtype, with the math mode set.
std::unique_ptr<models::Workload> build_on_device(const config::Config& config,
                                                  const torch::Device& device) {
  torch::manual_seed(config.seed);
  apply_math_mode(config.precision);
  models::Placement placement{device, std::nullopt};
  if (config.precision == config::Precision::bf16_pure) placement.dtype = torch::kBFloat16;
  return models::build_workload(*config.model, config.data, config.train, placement);
}

// A run the memory estimate says cannot fit is stopped before allocating anything, with the
// numbers, instead of failing deep inside an allocation.
void refuse_what_cannot_fit(const config::Config& config, const measure::DeviceInfo& device) {
  const model::MemoryEstimate estimate = model::estimate_memory(config);
  if (device.memory_bytes <= 0 || estimate.total_bytes() <= double(device.memory_bytes)) return;
  const auto gib = [](double bytes) {
    std::ostringstream out;
    out.precision(3);
    out << bytes / double(1 << 30) << " GiB";
    return out.str();
  };
  throw OutOfMemoryError("cannot fit " + describe_settings(config) + ": the memory estimate is " +
                         gib(estimate.total_bytes()) + " (weights " + gib(estimate.weights_bytes) +
                         ", gradients " + gib(estimate.gradients_bytes) + ", optimizer " +
                         gib(estimate.optimizer_bytes) + ", activations " +
                         gib(estimate.activations_bytes) + ") but " + device.device + " (" +
                         device.device_name + ") has " + gib(double(device.memory_bytes)) + "; " +
                         model::memory_advice(config));
}

void prepare(Session& s) {
  const auto& config = s.config;
  s.device = resolve_device(config.device);
  s.result.device = s.device.info;
  s.result.device.devices_measured = 1;
  reset_memory_peaks(s.device.device);
  log::info("measuring on " + s.device.info.device + " (" + s.device.info.device_name + ")");
  refuse_what_cannot_fit(config, s.device.info);
  s.workload = build_on_device(config, s.device.device);
  for (const auto& p : s.workload->module().parameters()) {
    s.result.model.params_total += p.numel();
    if (p.requires_grad()) s.result.model.params_trainable += p.numel();
  }
  s.data = std::make_unique<SyntheticDataset>(*s.workload, config.data, s.device.device);
  if (s.data->pool_samples() < config.data.samples) {
    s.result.notes.push_back("synthetic data: a pool of " + std::to_string(s.data->pool_samples()) +
                             " samples stands for the " + std::to_string(config.data.samples) +
                             " of the epoch (the epoch order wraps around it)");
  }
  s.full_batches = std::max<std::int64_t>(
      1, config.data.samples / (config.data.batch_size * config.train.accumulation_steps));
  s.step = std::make_unique<TrainingStep>(*s.workload, config, s.device.device);
  const auto make_clock = s.device.device.is_cuda() ? make_cuda_event_clock : make_steady_clock;
  s.clock = make_clock();
  s.spare_clock = make_clock();
  s.result.clock = s.clock->name();
}

// Not synchronised at the end: the first timed window is queued behind the warmup, as every
// later step is queued behind its predecessor.
void run_warmup(Session& s) {
  const std::int64_t steps = s.config.timing.warmup_steps;
  const auto start = Clock::now();
  for (std::int64_t i = 0; i < steps; ++i)
    s.run_step(nullptr);
  s.result.warmup_steps = steps;
  s.progress("warmup", steps, steps, 0, 0, seconds_since(start));
}

// Runs windows of steps and hands each window's intervals to `take`, in order, until `take`
// returns true or `next_size` (given the steps queued but not yet read) returns 0. On CUDA two
// windows are in flight: the next one is queued before the host waits for the current one, so
// the device never drains between windows. A drained queue would put the host's work for the
// first step of every window (gathering and pinning its batch) on the device's timeline, which
// training, where the host runs ahead, hides; with one long step per window that would be every
// step. A synchronous clock (the CPU) gains nothing from it and would decide a window late.
template <typename NextSize, typename Take>
void run_windows(Session& s, bool instrumented, NextSize next_size, Take take) {
  PhaseClock* pending = s.clock.get();
  PhaseClock* filling = s.spare_clock.get();
  const bool overlap = pending->asynchronous();
  const std::int64_t marks_per_step = instrumented ? s.step->marks_per_full_step() : 1;
  const auto enqueue = [&](PhaseClock& clock, std::int64_t steps) {
    clock.reserve(static_cast<std::size_t>(1 + steps * marks_per_step));
    clock.mark();
    for (std::int64_t i = 0; i < steps; ++i) {
      s.run_step(instrumented ? &clock : nullptr);
      if (!instrumented) clock.mark();
    }
  };
  std::int64_t pending_steps = next_size(0);
  if (pending_steps <= 0) return;
  enqueue(*pending, pending_steps);
  while (true) {
    const std::int64_t ahead = overlap ? next_size(pending_steps) : 0;
    if (ahead > 0) enqueue(*filling, ahead);
    const bool done = take(pending->read_intervals_s());
    if (done) {
      // The window queued past the end is not used; reading it empties its clock.
      if (ahead > 0) (void)filling->read_intervals_s();
      return;
    }
    const std::int64_t next_steps = overlap ? ahead : next_size(0);
    if (next_steps <= 0) return;
    if (!overlap) enqueue(*filling, next_steps);
    std::swap(pending, filling);
    pending_steps = next_steps;
  }
}

// One real epoch through the whole shuffled dataset, timed by the wall clock between two
// synchronisations: a figure the prediction is checked against. Returns its seconds.
double run_epoch(Session& s, std::int64_t steps) {
  s.synchronize();
  const auto start = Clock::now();
  auto last_report = start;
  for (std::int64_t k = 0; k < steps; ++k) {
    s.check_interrupt();
    s.step->run(*s.data, k, config::device_step_samples(s.config, k), nullptr);
    if (Clock::now() - last_report > std::chrono::milliseconds(200)) {
      last_report = Clock::now();
      s.progress("epoch", k + 1, steps, 0, 0, seconds_since(start));
    }
  }
  s.synchronize();
  const double seconds = seconds_since(start);
  s.result.epochs_actual_s.push_back(seconds);
  return seconds;
}

// Only step-boundary marks: this pass gives T_batch. With --validate-epoch, real epochs are
// interleaved with its windows, each side holding half of the time, so that a machine whose speed
// wanders over seconds (a shared cloud host) is seen in the same states by the prediction and by
// the epochs it is checked against (Google Benchmark's random interleaving answers the same
// drift). The criterion's clock counts only the windows, so the step is measured as without it.
void run_timed_steps(Session& s) {
  const auto& timing = s.config.timing;
  stats::StoppingCriterion criterion({timing.min_steps, timing.min_seconds, timing.max_steps,
                                      timing.max_seconds, timing.target_ci_pct});
  const auto start = Clock::now();
  const auto& epochs = s.result.epochs_actual_s;
  const std::int64_t epoch_steps = config::steps_per_epoch(s.config.data, s.config.pricing.gpus,
                                                           s.config.train.accumulation_steps);
  double epochs_s = 0;
  const auto measuring_s = [&] { return seconds_since(start) - epochs_s; };
  const auto predicted_epoch_s = [&] {
    return static_cast<double>(epoch_steps) * criterion.mean_s();
  };
  const auto run_one_epoch = [&] {
    if (const double expected_s = predicted_epoch_s();
        epochs.empty() && expected_s > long_epoch_s) {
      log::warn("--validate-epoch: one real epoch of " + std::to_string(epoch_steps) +
                " steps will take about " + report::duration(expected_s) +
                " (steps × T_batch so far); interrupt to stop it");
    }
    epochs_s += run_epoch(s, epoch_steps);
  };
  // The next epoch is due once the windows are half an epoch ahead of the epochs, so the two
  // alternate with their midpoints level.
  const auto catch_up_epochs = [&](double windows_s) {
    bool ran = false;
    while (s.request.validate_epoch) {
      const double next_s = epochs.empty() ? predicted_epoch_s() : epochs.back();
      if (epochs_s + next_s / 2 > windows_s) break;
      run_one_epoch();
      ran = true;
    }
    return ran;
  };
  const auto next_size = [&](std::int64_t queued) {
    // Before any step is read, small windows: on CUDA two are queued before the first read.
    const std::int64_t wanted = criterion.count() == 0 ? 2 : next_window(criterion.mean_s());
    return std::max<std::int64_t>(0,
                                  std::min(wanted, timing.max_steps - criterion.count() - queued));
  };
  const auto take = [&](const std::vector<double>& intervals) {
    for (const double interval : intervals) {
      criterion.add_measurement(interval);
      s.result.step_s.push_back(interval);
    }
    const double elapsed = measuring_s();
    s.progress("measure", criterion.count(), 0, criterion.mean_s(), criterion.ci95_half_width_pct(),
               elapsed);
    if (!criterion.is_finished(elapsed)) {
      // An epoch leaves the device idle: one untimed step queues work ahead of the next window
      // (the CPU's clock, read as the work runs, has no queue to refill).
      if (catch_up_epochs(elapsed) && s.clock->asynchronous()) s.run_step(nullptr);
      return false;
    }
    s.result.stable = criterion.is_stable(elapsed);
    s.result.stop_reason = criterion.reason(elapsed);
    s.result.measure_wall_s = elapsed;
    return true;
  };
  run_windows(s, false, next_size, take);
  if (s.request.validate_epoch && epochs.empty()) run_one_epoch();
  catch_up_epochs(s.result.measure_wall_s);
  if (!s.result.stable) log::warn("unstable result: " + s.result.stop_reason);
}

// Marks after every phase; its step time is compared with the timed pass to expose the cost of
// the instrumentation itself.
void run_phase_steps(Session& s) {
  const auto measured = static_cast<std::int64_t>(s.result.step_s.size());
  const std::int64_t planned = std::min(measured, max_phase_steps);
  const std::int64_t at_least = std::min(measured, s.config.timing.min_steps);
  const double budget_s = std::max(s.config.timing.max_seconds / 2, 0.0);
  auto& phases = s.result.phases;
  const auto start = Clock::now();
  std::int64_t done = 0;
  // The timed pass or the epoch left the device idle: one untimed step queues work ahead of the
  // first window, as the warmup does for the timed pass.
  s.run_step(nullptr);
  const auto next_size = [&](std::int64_t queued) {
    const std::int64_t wanted =
        done == 0 ? 2
                  : next_window(std::accumulate(phases.step_s.begin(), phases.step_s.end(), 0.0) /
                                static_cast<double>(phases.step_s.size()));
    return std::max<std::int64_t>(0, std::min(wanted, planned - done - queued));
  };
  const auto take = [&](const std::vector<double>& intervals) {
    // Per step: data, forward, backward of each micro-batch, then the optimizer.
    const auto per_step = static_cast<std::size_t>(s.step->marks_per_full_step());
    for (std::size_t first = 0; first + per_step <= intervals.size(); first += per_step) {
      double data = 0, forward = 0, backward = 0;
      for (std::size_t k = first; k + 1 < first + per_step; k += 3) {
        data += intervals[k];
        forward += intervals[k + 1];
        backward += intervals[k + 2];
      }
      const double optimizer = intervals[first + per_step - 1];
      phases.data_s.push_back(data);
      phases.forward_s.push_back(forward);
      phases.backward_s.push_back(backward);
      phases.optimizer_s.push_back(optimizer);
      phases.step_s.push_back(data + forward + backward + optimizer);
      ++done;
    }
    const double elapsed = seconds_since(start);
    s.progress("phases", done, planned, 0, 0, elapsed);
    return done >= at_least && elapsed > budget_s;
  };
  run_windows(s, true, next_size, take);
}

} // namespace

measure::Measurement measure(const measure::MeasureRequest& request) {
  const config::Config& config = *request.config;
  if (!config.model || !config.optimizer) {
    throw InputError(config.source + ": run needs model and optimizer sections");
  }
  Session s{request, config, {}, nullptr, nullptr, nullptr, nullptr, nullptr, 0, 1, {}};
  try {
    prepare(s);
    run_warmup(s);
    run_timed_steps(s);
    run_phase_steps(s);
    s.result.skipped_steps = s.step->skipped_steps();
    s.result.steps_run = s.step->steps_run();
    s.result.optimizer_implementation = s.step->optimizer_implementation();
    if (const auto peaks = memory_peaks(s.device.device)) {
      s.result.peak_allocated_bytes = peaks->allocated_bytes;
      s.result.peak_reserved_bytes = peaks->reserved_bytes;
    }
  } catch (const c10::OutOfMemoryError& e) {
    throw OutOfMemoryError("out of memory on " + s.result.device.device + " with " +
                           describe_settings(config) + ": " + e.what_without_backtrace());
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    if (is_memory_exhaustion(e)) {
      throw OutOfMemoryError("out of memory on " + s.result.device.device + " with " +
                             describe_settings(config) + ": " + what);
    }
    throw RuntimeFailure("LibTorch failed on " + s.result.device.device + " with " +
                         describe_settings(config) + ": " + what);
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError("out of host memory with " + describe_settings(config));
  }
  return std::move(s.result);
}

measure::BatchSearch find_max_batch(const measure::MeasureRequest& request) {
  const config::Config& config = *request.config;
  const ResolvedDevice device = resolve_device(config.device);
  if (!device.device.is_cuda()) {
    throw InputError("--find-max-batch needs a CUDA device (device: " + device.info.device +
                     "): on the CPU a try would exhaust host memory; `epochcost info --gpu` "
                     "answers from the estimate");
  }
  measure::BatchSearch search;
  search.device = device.info;
  auto workload = build_on_device(config, device.device);

  const auto fits = [&](std::int64_t batch) {
    if (request.pending_signal) {
      if (const int signal = request.pending_signal()) throw Interrupted(signal);
    }
    config::Config trial = config;
    trial.data.batch_size = batch;
    measure::BatchTry attempt{batch, false, std::nullopt};
    reset_memory_peaks(device.device);
    try {
      const SyntheticDataset data(*workload, trial.data, device.device);
      TrainingStep step(*workload, trial, device.device);
      for (std::int64_t i = 0; i < 2; ++i)
        step.run(data, i, step.samples_per_step(), nullptr);
      torch::cuda::synchronize(device.device.index());
      attempt.fits = true;
      attempt.peak_reserved_bytes = memory_peaks(device.device)->reserved_bytes;
    } catch (const c10::Error& e) {
      // Running out is not an error here but the answer to this try.
      if (!is_memory_exhaustion(e)) throw;
    }
    for (auto& p : workload->module().parameters())
      p.mutable_grad() = torch::Tensor();
    release_cached_memory(device.device);
    search.tries.push_back(attempt);
    log::info("batch " + std::to_string(batch) + (attempt.fits ? ": fits" : ": out of memory"));
    return attempt.fits;
  };

  // Grow by doubling while it fits (up to the dataset), then bisect the last gap.
  const std::int64_t limit = config.data.samples;
  std::int64_t good = 0, bad = 0;
  for (std::int64_t batch = std::min(config.data.batch_size, limit);;) {
    if (fits(batch)) {
      good = batch;
      if (batch == limit) break;
      batch = std::min(batch * 2, limit);
    } else {
      bad = batch;
      break;
    }
  }
  if (good == 0 && bad > 1) { // even the configured size failed: halve down to the first fit
    for (std::int64_t batch = bad / 2; batch >= 1 && good == 0; batch /= 2) {
      if (fits(batch))
        good = batch;
      else
        bad = batch;
    }
  }
  while (bad > good + 1 && good > 0) {
    const std::int64_t middle = good + (bad - good) / 2;
    if (fits(middle))
      good = middle;
    else
      bad = middle;
  }
  search.max_batch_size = good;
  return search;
}

} // namespace epochcost::runner

extern "C" __attribute__((visibility("default"))) epochcost::measure::BatchSearch
epochcost_runner_find_max_batch_v1(const epochcost::measure::MeasureRequest& request) {
  return epochcost::runner::find_max_batch(request);
}

// The plugin's entry point, looked up by the CLI with dlsym.
extern "C" __attribute__((visibility("default"))) epochcost::measure::Measurement
epochcost_runner_measure_v1(const epochcost::measure::MeasureRequest& request) {
  return epochcost::runner::measure(request);
}
