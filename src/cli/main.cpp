// epochcost: measure a training step, price the epoch. This executable never links LibTorch;
// `run` loads the runner plugin on demand so the other commands start in milliseconds.
#include "arguments.hpp"
#include "compare/compare.hpp"
#include "config/loader.hpp"
#include "hardware/gpu_specs.hpp"
#include "history/commands.hpp"
#include "log/log.hpp"
#include "pipeline/build_result.hpp"
#include "pipeline/reprice.hpp"
#include "plot/plot.hpp"
#include "project/projection.hpp"
#include "report/batch_reporter.hpp"
#include "report/compare_reporter.hpp"
#include "report/format.hpp"
#include "report/gbench_reporter.hpp"
#include "report/gpu_reporter.hpp"
#include "report/info_reporter.hpp"
#include "report/json_document.hpp"
#include "report/plots.hpp"
#include "report/projection_reporter.hpp"
#include "report/reporter.hpp"
#include "runner_plugin.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace {

using namespace epochcost;
using cli::Arguments;
using cli::Command;

std::atomic<int> pending_signal{0};
std::atomic<std::int64_t> first_signal_ns{0}; // CLOCK_MONOTONIC

std::int64_t monotonic_ns() { // clock_gettime is async-signal-safe
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Only lock-free atomics may be touched in a signal handler.
static_assert(std::atomic<int>::is_always_lock_free &&
              std::atomic<std::int64_t>::is_always_lock_free);

// SIGINT and SIGTERM are blocked while it runs (install_signal_handlers), so the handler never
// interrupts itself between reading and storing the first signal.
extern "C" void on_signal(int signal_number) {
  if (pending_signal.load() == 0) {
    first_signal_ns.store(monotonic_ns()); // before the signal, so its time is never missing
    pending_signal.store(signal_number);
    return;
  }
  // `timeout` and a terminal's Ctrl-C can deliver one interruption twice (to the process, then
  // to its group): another SIGINT or SIGTERM within a second is that one. A later one ends the
  // process at once.
  constexpr std::int64_t repeat_ns = 1'000'000'000;
  if (monotonic_ns() - first_signal_ns.load() < repeat_ns) return;
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// The first SIGINT/SIGTERM asks the measurement to stop cleanly (no report, no file); another
// one a second or more later ends the process at once.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = 0;
  // Neither handler runs on top of the other, so the first signal is the one reported.
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Fails before any measurement when the report could not be written afterwards.
void check_output_target(const std::string& output) {
  if (!output.empty()) epochcost::check_output_target(output, "--output");
}

// What a command writes must not be what it reads. The files read as text (config, results,
// pricing, catalogs) are refused by check_output_target once read; the history is opened by SQLite
// instead, and may not exist yet: --output h.sqlite would replace it. Nor may the report be one of
// the three files the plot writes next to its image, or the two would overwrite each other.
void check_outputs(const Arguments& a) {
  std::vector<std::pair<std::string, std::string>> outputs = {{a.output, "--output"}};
  if (!a.plot_file.empty()) {
    const plot::Files files = plot::files_for(a.plot_file);
    for (const auto& written : {files.image, files.data, files.script}) {
      if (!a.output.empty() && same_file(a.output, written)) {
        throw InputError("--output: '" + a.output + "' is also written by --plot " + a.plot_file +
                         " (its image, .dat and .gp files); choose another name");
      }
      outputs.emplace_back(written.string(), "--plot");
    }
  }
  if (a.history_file.empty()) return;
  for (const auto& [output, flag] : outputs) {
    if (!output.empty() && same_file(output, a.history_file)) {
      throw InputError(flag + ": '" + output + "' is the --history file (" + a.history_file +
                       "), which this command reads; choose another name");
    }
  }
}

// A report that cannot reach standard output (a full disk, say) fails the command (exit 4), as a
// failed --output does: exit 0 would tell a script the report is there.
void print(const std::string& text) {
  errno = 0;
  std::cout << text << std::flush;
  if (std::cout) return;
  throw RuntimeFailure("cannot write the report to standard output" +
                       (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
}

// A standard output closed (`>&-`) or open for reading only is how the command was called: said
// before anything runs, not after a measurement whose report has nowhere to go.
void check_standard_output(const Arguments& a) {
  if (!a.output.empty() || a.command == Command::history_import) return; // import reports on stderr
  const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
  if (flags == -1) {
    throw InputError("standard output is closed: the report needs it (or --output FILE)");
  }
  if ((flags & O_ACCMODE) == O_RDONLY) {
    throw InputError("standard output is open for reading only: the report needs to write it (or "
                     "--output FILE)");
  }
}

void emit(const std::string& text, const Arguments& a) {
  if (a.output.empty()) {
    print(text);
  } else {
    write_file_atomically(a.output, text);
    log::info("wrote " + a.output);
  }
}

nlohmann::json read_result_file(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && file.size() > 4 && file[3] == '=' &&
      config::is_currency_code(file.substr(0, 3))) {
    throw InputError("'" + file + "' is no result file but looks like a rate: give --rate once " +
                     "per rate, e.g. --rate USD=0.9 --rate CNY=0.14");
  }
  try {
    return nlohmann::json::parse(read_text_file(file, "result"));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file + ": not valid JSON: " + untagged_message(e));
  }
}

// The plot's line goes to standard error, which carries everything but the report.
void report_plot(const plot::Outcome& outcome) {
  if (outcome.rendered)
    log::info(outcome.message);
  else
    log::warn(outcome.message);
}

// A single progress line on a terminal's stderr, redrawn at most ten times a second.
class ProgressLine {
public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }
  void update(const measure::ProgressUpdate& u) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::string line = std::string("[") + u.stage + "] " + std::to_string(u.steps);
    if (u.steps_planned > 0) line += "/" + std::to_string(u.steps_planned);
    line += " steps";
    if (u.mean_step_s > 0) {
      line += ", mean " + report::duration(u.mean_step_s) + " ±" +
              report::significant(u.ci95_half_width_pct, 3) + "%";
    }
    line += ", " + report::duration(u.elapsed_s);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    drawn_ = true;
  }
  void clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

int history_command(const Arguments& a, report::Format format) {
  switch (a.command) {
  case Command::history_import: {
    history::check_target(a.history_file);
    std::vector<report::ResultFile> results;
    for (const auto& file : a.result_files)
      results.push_back({file, read_result_file(file)});
    const auto outcomes = history::record(a.history_file, results);
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      std::cerr << a.result_files[i] << ": " << outcomes[i] << "\n";
    return 0;
  }
  case Command::history_list:
    check_output_target(a.output);
    emit(history::list(a.history_file, a.workload_filter, a.gpu_filter, format), a);
    return 0;
  case Command::history_trend: {
    check_output_target(a.output);
    if (!a.plot_file.empty()) plot::check_target(a.plot_file);
    // The report goes out first: a plot that fails does not take it along.
    const auto series = history::trend_series(a.history_file, a.workload_filter, a.gpu_filter);
    // A filter that matches nothing is refused already; an empty history has nothing to draw.
    if (!a.plot_file.empty() && series.empty()) {
      throw InputError("history trend --plot: " + a.history_file +
                       " holds no recorded run, so there is nothing to plot");
    }
    emit(history::trend(series, format), a);
    if (!a.plot_file.empty()) report_plot(history::plot_trend(series, a.plot_file));
    return 0;
  }
  case Command::history_show: print(history::show(a.history_file, a.run_id)); return 0;
  default: { // history check; run_main hands over the history commands only
    bool regressed = false;
    std::vector<report::ResultFile> series_of;
    for (const auto& file : a.series_of)
      series_of.push_back({file, read_result_file(file)});
    print(history::check(a.history_file, {a.threshold_pct, a.window, a.since, std::nullopt},
                         series_of, a.workload_filter, a.gpu_filter, regressed));
    return static_cast<int>(regressed ? ExitCode::regression : ExitCode::ok);
  }
  }
}

int compare_command(const Arguments& a, report::Format format) {
  std::optional<pipeline::Repricing> repricing;
  if (!a.pricing_file.empty()) {
    repricing = pipeline::load_repricing(a.pricing_file);
    log::info("re-pricing " + std::to_string(a.result_files.size()) + " result(s) with " +
              a.pricing_file);
  }
  // A file twice (a glob and a name for it) would be two rows of one run.
  for (std::size_t i = 0; i < a.result_files.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code ec;
      if (std::filesystem::exists(a.result_files[i], ec) &&
          same_file(a.result_files[i], a.result_files[j])) {
        throw InputError("compare: '" + a.result_files[i] + "' is given twice (files " +
                         std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")");
      }
    }
  }
  // Every file is read before any is priced: a file that cannot be read is named first.
  std::vector<compare::Run> runs;
  for (const auto& file : a.result_files)
    runs.push_back({file, read_result_file(file)});
  for (auto& [file, result] : runs) {
    if (repricing) result = pipeline::reprice(result, file, *repricing, a.pricing_file);
    if (!a.currency.empty()) result = pipeline::convert_currency(result, file, a.currency, a.rates);
  }
  const auto comparison = compare::compare(runs, a.baseline - 1);
  check_output_target(a.output);
  if (!a.plot_file.empty()) plot::check_target(a.plot_file);
  emit(report::render_comparison(comparison, format), a);
  if (!a.plot_file.empty())
    report_plot(plot::draw(report::comparison_figure(comparison), a.plot_file));
  return 0;
}

int project_command(const Arguments& a, report::Format format) {
  const nlohmann::json result = read_result_file(a.result_file);
  auto projection = project::project(result, a.result_file, a.target_gpus);
  if (!a.pricing_file.empty()) {
    pipeline::price_projection(projection, result, pipeline::load_repricing(a.pricing_file),
                               a.pricing_file);
  }
  check_output_target(a.output);
  emit(report::render_projection(projection, format), a);
  return 0;
}

int info_command(const Arguments& a, report::Format format) {
  const auto config = config::load_config(a.config_path, a.overrides, config::Purpose::run);
  const hardware::GpuSpec* gpu = nullptr;
  if (!a.gpu_name.empty()) {
    const hardware::NamedGpu named = hardware::gpu_named(a.gpu_name);
    if (!named.gpu) throw InputError("--gpu: " + named.problem);
    gpu = named.gpu;
  }
  check_output_target(a.output);
  emit(report::render_info(pipeline::build_info(config, gpu), format), a);
  return 0;
}

int estimate_command(const Arguments& a, report::Format format,
                     const pipeline::Invocation& invocation) {
  const auto config = config::load_config(a.config_path, a.overrides, config::Purpose::estimate);
  check_output_target(a.output);
  auto result = pipeline::build_estimate_result(config, {a.t_batch_s, a.t_epoch_hours}, invocation);
  if (a.budget) pipeline::add_budget(result, *a.budget);
  emit(report::render(result, format), a);
  return 0;
}

int run_command(const Arguments& a, report::Format format, const pipeline::Invocation& invocation) {
  // First: a signal while the config loads or the history waits on its lock is not lost.
  install_signal_handlers();
  const auto stop_if_interrupted = [] {
    if (const int signal_number = pending_signal.load()) throw Interrupted(signal_number);
  };
  const auto config = config::load_config(a.config_path, a.overrides, config::Purpose::run);
  check_output_target(a.output);
  if (!a.history_file.empty()) history::check_target(a.history_file);
  stop_if_interrupted();
  ProgressLine progress(::isatty(STDERR_FILENO) && a.log_level != "off" && a.log_level != "error");
  measure::MeasureRequest request;
  request.config = &config;
  request.validate_epoch = a.validate_epoch;
  request.on_progress = [&progress](const measure::ProgressUpdate& u) { progress.update(u); };
  request.pending_signal = [] { return pending_signal.load(); };
  if (a.find_max_batch) {
    const measure::BatchSearch search = cli::load_batch_search()(request);
    emit(report::render_batch_search(config, search, format), a);
    return 0;
  }
  const measure::Measurement measurement = cli::load_measure()(request);
  progress.clear();
  stop_if_interrupted(); // an interrupted run reports and records nothing
  report::Result result = pipeline::build_run_result(config, measurement, invocation);
  if (a.budget) pipeline::add_budget(result, *a.budget);
  for (const auto& warning : result.warnings)
    log::warn(warning);
  emit(a.format == "gbench-json" ? report::render_gbench_json(result)
                                 : report::render(result, format),
       a);
  if (!a.history_file.empty()) {
    stop_if_interrupted();
    try {
      log::info(history::record(a.history_file, report::to_json(result)));
    } catch (const Error& e) {
      // The measurement is paid for: say where it is and how to record it once the file is free.
      throw Error(e.code(),
                  std::string(e.what()) + "; the result was not recorded, but " +
                      (a.output.empty()
                           ? std::string("printed above")
                           : "is in " + a.output + " (epochcost history import " + a.output +
                                 " --history " + a.history_file + " records it)"));
    }
  }
  return 0;
}

int run_main(int argc, char** argv) {
  auto parsed = cli::parse_arguments(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const Arguments& a = std::get<Arguments>(parsed);
  log::set_level(log::parse_level(a.log_level));
  const pipeline::Invocation invocation{a.command_name, a.argv};

  const bool gbench = a.format == "gbench-json";
  if (gbench && a.find_max_batch) {
    throw InputError("--format gbench-json: --find-max-batch reports batch sizes, not a "
                     "measurement; use table, json, csv or md");
  }
  if (gbench && a.budget) {
    throw InputError("--budget: Google Benchmark's format has no place for it; use json, table, "
                     "csv or md");
  }
  // The batch search measures no step to price, validate or record: a flag that would be
  // dropped without a word is refused.
  if (a.find_max_batch) {
    for (const auto& [given, flag] : {std::pair{a.budget.has_value(), "--budget"},
                                      std::pair{a.validate_epoch, "--validate-epoch"},
                                      std::pair{!a.history_file.empty(), "--history"}}) {
      if (given) {
        throw InputError(std::string(flag) +
                         ": --find-max-batch reports the largest batch that fits, not a "
                         "measurement; run without it to use " +
                         flag);
      }
    }
  }
  const auto format = gbench ? report::Format::json : report::parse_format(a.format);
  check_outputs(a);
  check_standard_output(a);
  switch (a.command) {
  case Command::gpus:
    check_output_target(a.output);
    emit(report::render_gpus(hardware::gpu_specs(), format), a);
    return 0;
  case Command::history_import:
  case Command::history_list:
  case Command::history_trend:
  case Command::history_show:
  case Command::history_check: return history_command(a, format);
  case Command::compare: return compare_command(a, format);
  case Command::project: return project_command(a, format);
  case Command::info: return info_command(a, format);
  case Command::validate: {
    const auto config =
        config::load_config(a.config_path, a.overrides,
                            a.purpose == "run" ? config::Purpose::run : config::Purpose::estimate);
    print(a.config_path + ": ok (" + config.name + ")\n");
    return 0;
  }
  case Command::estimate: return estimate_command(a, format, invocation);
  case Command::run: return run_command(a, format, invocation);
  }
  return static_cast<int>(ExitCode::runtime_failure);
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const epochcost::Error& e) {
    std::cerr << "epochcost: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "epochcost: internal error: " << e.what() << "\n";
    return static_cast<int>(epochcost::ExitCode::runtime_failure);
  }
}
