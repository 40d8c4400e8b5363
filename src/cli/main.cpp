// epochcost: measure a training step, price the epoch. This executable never links LibTorch;
// `run` loads the runner plugin on demand so the other commands start in milliseconds.
#include "compare/compare.hpp"
#include "config/loader.hpp"
#include "cost/cost_model.hpp"
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
#include "util/build_info.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"
#include "util/utf8.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace {

using namespace epochcost;

std::atomic<int> pending_signal{0};

extern "C" void on_signal(int signal_number) {
  pending_signal.store(signal_number);
}

// The first SIGINT/SIGTERM asks the measurement to stop cleanly (no report, no file); a second
// one ends the process at once.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// CLI11's own range checks print their bounds to 300 digits and let NaN through; these say what
// is meant.
const CLI::Validator non_empty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : ""; }, "",
    "non-empty");

// A number ≥ min (> min when `exclusive`), checked before CLI11 converts it, whose own failure
// says only "Could not convert".
CLI::Validator number_from(double min, bool exclusive, bool whole) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        // A whole number is digits only: CLI11 converts it to an integer, which "3.0" is not.
        const bool parsed = !text.empty() && end == text.c_str() + text.size() &&
                            (!whole || text.find_first_not_of("0123456789") == std::string::npos);
        if (parsed && std::isfinite(value) && (exclusive ? value > min : value >= min) &&
            (!whole || (std::trunc(value) == value && value <= 1e15))) {
          return "";
        }
        std::ostringstream out;
        out << "must be " << (whole ? "a whole number" : "a finite number")
            << (exclusive ? " > " : " ≥ ") << min << (whole ? " and ≤ 10^15" : "") << ", got '"
            << text << "'";
        return out.str();
      },
      "", "number");
}

struct OutputOptions {
  std::string format = "table";
  std::string output;
};

// Google Benchmark's format exists for measured results only (`run`); every report has the four.
void add_output_options(CLI::App& command, OutputOptions& options, bool gbench = false) {
  std::vector<std::string> formats = {"table", "json", "csv", "md"};
  if (gbench) formats.emplace_back("gbench-json");
  command
      .add_option("--format", options.format,
                  gbench ? "table | json | csv | md | gbench-json" : "table | json | csv | md")
      ->check(CLI::IsMember(formats));
  command
      .add_option("--output", options.output,
                  "write the report to FILE (atomically) instead of standard output")
      ->check(non_empty);
}

// Fails before any measurement when the report could not be written afterwards.
void check_output_target(const std::string& output) {
  if (!output.empty()) epochcost::check_output_target(output, "--output");
}

// The plot writes three files next to its image; the report must not be one of them, or the two
// would overwrite each other.
void check_plot_target(const std::string& plot_file, const std::string& output) {
  plot::check_target(plot_file);
  if (output.empty()) return;
  const auto same = [](const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code ec_a, ec_b;
    // Absolute first: weakly_canonical leaves a relative name of a file yet to be written as it
    // is, so "out.svg" and "./out.svg" would differ.
    const auto canonical_a = std::filesystem::weakly_canonical(std::filesystem::absolute(a), ec_a);
    const auto canonical_b = std::filesystem::weakly_canonical(std::filesystem::absolute(b), ec_b);
    return !ec_a && !ec_b && canonical_a == canonical_b;
  };
  const plot::Files files = plot::files_for(plot_file);
  for (const auto& written : {files.image, files.data, files.script}) {
    if (same(output, written)) {
      throw InputError("--output: '" + output + "' is also written by --plot " + plot_file +
                       " (its image, .dat and .gp files); choose another name");
    }
  }
}

// A report that cannot reach standard output (a full disk, say) fails the command, as a failed
// --output does: exit 0 would tell a script the report is there.
void print(const std::string& text) {
  std::cout << text << std::flush;
  if (!std::cout) throw InputError("cannot write the report to standard output");
}

void emit(const std::string& text, const OutputOptions& options) {
  if (options.output.empty()) {
    print(text);
  } else {
    write_file_atomically(options.output, text);
    log::info("wrote " + options.output);
  }
}

nlohmann::json read_result_file(const std::string& file) {
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

// --rate FROM=X pairs for --currency; InputError naming the bad one.
std::map<std::string, double> parse_rates(const std::vector<std::string>& options,
                                          const std::string& currency) {
  using config::is_currency_code;
  if (!currency.empty() && !is_currency_code(currency)) {
    throw InputError("--currency: '" + currency + "' is not a 3-letter upper-case code");
  }
  if (currency.empty() && !options.empty()) throw InputError("--rate: needs --currency");
  std::map<std::string, double> rates;
  for (const auto& option : options) {
    const auto equals = option.find('=');
    const std::string from = option.substr(0, equals);
    const std::string number = equals == std::string::npos ? "" : option.substr(equals + 1);
    double rate = 0;
    try {
      std::size_t used = 0;
      rate = std::stod(number, &used);
      if (used != number.size()) rate = 0;
    } catch (const std::exception&) {
      rate = 0;
    }
    if (!is_currency_code(from) || !(std::isfinite(rate) && rate > 0)) {
      throw InputError("--rate: expected FROM=X with a currency code and a rate > 0, e.g. "
                       "--rate CNY=0.14; got '" +
                       option + "'");
    }
    if (from == currency && rate != 1) {
      throw InputError("--rate: " + from + " is the --currency itself, its rate is 1; got '" +
                       option + "'");
    }
    if (const auto known = rates.find(from); known != rates.end() && known->second != rate) {
      throw InputError("--rate: " + from + " is given twice with different rates");
    }
    rates[from] = rate;
  }
  return rates;
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

// "unknown command 'bogus'" where CLI11 would only say that a subcommand is required.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--log-level") {
      ++i;
      continue;
    }
    if (word.starts_with("-")) continue;
    std::string names;
    for (const CLI::App* command : app.get_subcommands({})) {
      if (command->get_name() == word) return std::nullopt;
      names += (names.empty() ? "" : ", ") + command->get_name();
    }
    return "unknown command '" + word + "'; the commands are " + names;
  }
  return std::nullopt;
}

// The commands being read, outermost first: history, check.
std::vector<const CLI::App*> command_path(const CLI::App& app) {
  std::vector<const CLI::App*> path;
  for (const CLI::App* level = &app; !level->get_subcommands().empty();) {
    level = level->get_subcommands().front();
    path.push_back(level);
  }
  return path;
}

// CLI11's "A subcommand is required" names neither the level nor the choices, and hides an
// option it could not place (epochcost --bogus).
std::optional<std::string> missing_command(const CLI::App& app) {
  const CLI::App* level = &app;
  std::string path;
  for (const CLI::App* command : command_path(app)) {
    level = command;
    path += command->get_name() + ": ";
  }
  if (level->get_require_subcommand_min() == 0) return std::nullopt;
  std::string names;
  for (const CLI::App* command : level->get_subcommands({}))
    names += (names.empty() ? "" : ", ") + command->get_name();
  const std::vector<std::string> unplaced = app.remaining(true);
  if (!unplaced.empty()) {
    const std::string& word = unplaced.front();
    return path + "unknown " + (word.starts_with("-") ? "option" : "command") + " '" + word +
           "'; the commands are " + names;
  }
  return path + "a command is required: " + names;
}

int run_main(int argc, char** argv) {
  CLI::App app{"epochcost — measure a training step, price the epoch"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string(build_info::version()) + " (" +
                                        build_info::git_revision() + ")");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace | debug | info | warn | error | off");

  std::string config_path;
  std::vector<std::string> overrides;
  OutputOptions output;
  const auto add_config = [&](CLI::App& command) {
    command.add_option("config", config_path, "YAML config")->required()->check(non_empty);
    command.add_option("--set", overrides, "override or add a key: key.path=value (repeatable)");
  };

  CLI::App* run = app.add_subcommand("run", "measure T_batch on the device and price the epoch");
  add_config(*run);
  add_output_options(*run, output, true);
  bool validate_epoch = false;
  run->add_flag("--validate-epoch", validate_epoch,
                "also run full real epochs, interleaved with the timed steps, and report "
                "predicted vs actual epoch time");
  bool find_max_batch = false;
  run->add_flag("--find-max-batch", find_max_batch,
                "find the largest data.batch_size that fits the CUDA device, by real steps");

  CLI::App* estimate = app.add_subcommand("estimate", "price an epoch from a given step time");
  add_config(*estimate);
  add_output_options(*estimate, output);
  std::optional<double> t_batch_s;
  std::optional<double> t_epoch_hours;
  const CLI::Validator positive = number_from(0, true, false);
  auto* t_batch_option =
      estimate->add_option("--t-batch", t_batch_s, "seconds per step")->check(positive);
  auto* t_epoch_option =
      estimate->add_option("--t-epoch-hours", t_epoch_hours, "hours per epoch")->check(positive);
  t_batch_option->excludes(t_epoch_option);
  std::optional<double> budget;
  for (CLI::App* command : {run, estimate}) {
    command
        ->add_option("--budget", budget,
                     "also say how many epochs (samples, tokens) this amount buys")
        ->check(positive);
  }

  CLI::App* validate = app.add_subcommand("validate", "check a config without running anything");
  add_config(*validate);
  std::string purpose = "run";
  validate->add_option("--for", purpose, "run | estimate")
      ->check(CLI::IsMember({"run", "estimate"}));

  CLI::App* info = app.add_subcommand(
      "info", "parameters, model FLOPs and a memory estimate, by formula (nothing runs)");
  add_config(*info);
  add_output_options(*info, output);
  std::string gpu_name;
  info->add_option("--gpu", gpu_name, "compare the memory estimate with this GPU (see gpus)")
      ->check(non_empty);

  CLI::App* compare = app.add_subcommand(
      "compare", "results of one workload side by side; the cheapest and the fastest marked");
  std::vector<std::string> result_files;
  compare->add_option("results", result_files, "result JSON files (run/estimate --format json)")
      ->required();
  std::size_t baseline = 1;
  std::string pricing_file, currency;
  std::vector<std::string> rate_options;
  compare
      ->add_option("--pricing", pricing_file,
                   "re-price every result: a pricing file (pricing, job, extra_costs, "
                   "epochs) or a catalog (each result by the entry for its GPU)")
      ->check(non_empty);
  compare->add_option("--currency", currency, "compare in this currency (needs --rate)")
      ->check(non_empty);
  compare->add_option("--rate", rate_options,
                      "FROM=X: 1 FROM is X of --currency (repeatable; no rates are fetched)");
  compare->add_option("--baseline", baseline, "the row ratios are taken against (1-based)")
      ->check(number_from(1, false, true));
  add_output_options(*compare, output);
  std::string plot_file;
  compare
      ->add_option("--plot", plot_file,
                   "also draw cost per epoch and epoch time to FILE.svg or FILE.png (gnuplot)")
      ->check(non_empty);

  CLI::App* project = app.add_subcommand(
      "project", "carry a step measured on one GPU to GPUs not measured (labelled projected)");
  std::string result_file;
  std::vector<std::string> target_gpus;
  project->add_option("result", result_file, "a result measured on a GPU (run --format json)")
      ->required();
  project->add_option("--to", target_gpus, "GPUs of the spec table, comma-separated (see gpus)")
      ->required()
      ->delimiter(',');
  project
      ->add_option("--pricing", pricing_file,
                   "also price each GPU: a catalog (its entry for that GPU) or a pricing file")
      ->check(non_empty);
  add_output_options(*project, output);

  std::string history_file;
  run->add_option("--history", history_file, "also record the result in this history (SQLite)")
      ->check(non_empty);
  CLI::App* history = app.add_subcommand("history", "the run history of nightly jobs (SQLite)");
  history->require_subcommand(1);
  const auto add_history = [&](CLI::App& command) {
    command.add_option("--history", history_file, "history file (SQLite, WAL)")
        ->required()
        ->check(non_empty);
  };
  CLI::App* history_import = history->add_subcommand("import", "record result files");
  add_history(*history_import);
  history_import->add_option("results", result_files, "result JSON files")->required();
  std::string workload_filter, gpu_filter;
  CLI::App* history_list = history->add_subcommand("list", "the recorded runs, oldest first");
  add_history(*history_list);
  add_output_options(*history_list, output);
  CLI::App* history_trend = history->add_subcommand(
      "trend", "T_batch and cost per epoch over time, per workload × GPU (and a plot)");
  add_history(*history_trend);
  add_output_options(*history_trend, output);
  history_trend
      ->add_option("--plot", plot_file, "also draw the trend to FILE.svg or FILE.png (gnuplot)")
      ->check(non_empty);
  CLI::App* history_show = history->add_subcommand("show", "one recorded result, as JSON");
  add_history(*history_show);
  std::int64_t run_id = 0;
  history_show->add_option("id", run_id, "run number (history list)")
      ->required()
      ->check(number_from(1, false, true));
  CLI::App* history_check =
      history->add_subcommand("check", "flag a slower step or dearer epoch; exit 1 if any");
  add_history(*history_check);
  double threshold_pct = 5;
  std::size_t window = 5;
  history_check->add_option("--threshold", threshold_pct, "percent slower (or dearer) to flag")
      ->check(number_from(0, false, false))
      ->capture_default_str();
  history_check->add_option("--window", window, "earlier runs whose median is the reference")
      ->check(number_from(1, false, true))
      ->capture_default_str();
  for (CLI::App* command : {history_list, history_trend, history_check}) {
    command->add_option("--workload", workload_filter, "only this workload (hash or words)")
        ->check(non_empty);
    command->add_option("--gpu", gpu_filter, "only GPUs whose name contains this")
        ->check(non_empty);
  }

  CLI::App* gpus = app.add_subcommand("gpus", "the GPU spec table: dense peaks, memory, sources");
  add_output_options(*gpus, output);

  for (int i = 1; i < argc; ++i) {
    if (!is_valid_utf8(argv[i])) {
      std::cerr << "epochcost: argument " << i << " is not valid UTF-8 text (results are JSON, "
                << "which holds only UTF-8): rename the file or re-encode the value\n";
      return static_cast<int>(ExitCode::bad_input);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    auto message = unknown_command(app, argc, argv);
    if (!message && dynamic_cast<const CLI::RequiredError*>(&e)) message = missing_command(app);
    // The help of the command that was being read: 'epochcost history check --help'.
    std::string command = "epochcost";
    for (const CLI::App* level : command_path(app))
      command += " " + level->get_name();
    std::cerr << "epochcost: " << message.value_or(e.what()) << "\nRun '" << command
              << " --help' for usage.\n";
    return static_cast<int>(ExitCode::bad_input);
  }
  log::set_level(log::parse_level(log_level));
  const pipeline::Invocation invocation{app.get_subcommands().front()->get_name(),
                                        std::vector<std::string>(argv, argv + argc)};

  const bool gbench = output.format == "gbench-json";
  if (gbench && find_max_batch) {
    throw InputError("--format gbench-json: --find-max-batch reports batch sizes, not a "
                     "measurement; use table, json, csv or md");
  }
  const auto format = gbench ? report::Format::json : report::parse_format(output.format);
  if (budget) cost::check_budget(*budget);
  if (*gpus) {
    check_output_target(output.output);
    emit(report::render_gpus(hardware::gpu_specs(), format), output);
    return 0;
  }
  if (*history) {
    if (*history_import) {
      std::vector<report::ResultFile> results;
      for (const auto& file : result_files)
        results.push_back({file, read_result_file(file)});
      const auto outcomes = history::record(history_file, results);
      for (std::size_t i = 0; i < outcomes.size(); ++i)
        std::cerr << result_files[i] << ": " << outcomes[i] << "\n";
      return 0;
    }
    if (*history_list) {
      check_output_target(output.output);
      emit(history::list(history_file, workload_filter, gpu_filter, format), output);
      return 0;
    }
    if (*history_trend) {
      check_output_target(output.output);
      if (!plot_file.empty()) check_plot_target(plot_file, output.output);
      // The report goes out first: a plot that fails does not take it along.
      const auto series = history::trend_series(history_file, workload_filter, gpu_filter);
      emit(history::trend(series, format), output);
      if (!plot_file.empty()) report_plot(history::plot_trend(series, plot_file));
      return 0;
    }
    if (*history_show) {
      print(history::show(history_file, run_id));
      return 0;
    }
    bool regressed = false;
    print(history::check(history_file, threshold_pct, window, workload_filter, gpu_filter,
                         regressed));
    return static_cast<int>(regressed ? ExitCode::regression : ExitCode::ok);
  }
  if (*compare) {
    const auto rates = parse_rates(rate_options, currency);
    std::optional<pipeline::Repricing> repricing;
    if (!pricing_file.empty()) {
      repricing = pipeline::load_repricing(pricing_file);
      log::info("re-pricing " + std::to_string(result_files.size()) + " result(s) with " +
                pricing_file);
    }
    std::vector<compare::Run> runs;
    for (const auto& file : result_files) {
      nlohmann::json result = read_result_file(file);
      if (repricing) result = pipeline::reprice(result, file, *repricing, pricing_file);
      if (!currency.empty()) result = pipeline::convert_currency(result, file, currency, rates);
      runs.push_back({file, std::move(result)});
    }
    const auto comparison = compare::compare(runs, baseline - 1);
    check_output_target(output.output);
    if (!plot_file.empty()) check_plot_target(plot_file, output.output);
    emit(report::render_comparison(comparison, format), output);
    if (!plot_file.empty())
      report_plot(plot::draw(report::comparison_figure(comparison), plot_file));
    return 0;
  }
  if (*project) {
    const nlohmann::json result = read_result_file(result_file);
    auto projection = project::project(result, result_file, target_gpus);
    if (!pricing_file.empty()) {
      pipeline::price_projection(projection, result, pipeline::load_repricing(pricing_file),
                                 pricing_file);
    }
    check_output_target(output.output);
    emit(report::render_projection(projection, format), output);
    return 0;
  }
  if (*info) {
    const auto config = config::load_config(config_path, overrides, config::Purpose::run);
    const hardware::GpuSpec* gpu = nullptr;
    if (!gpu_name.empty()) {
      const hardware::NamedGpu named = hardware::gpu_named(gpu_name);
      if (!named.gpu) throw InputError("--gpu: " + named.problem);
      gpu = named.gpu;
    }
    check_output_target(output.output);
    emit(report::render_info(report::make_info(config, gpu), format), output);
    return 0;
  }
  if (*validate) {
    const auto config =
        config::load_config(config_path, overrides,
                            purpose == "run" ? config::Purpose::run : config::Purpose::estimate);
    print(config_path + ": ok (" + config.name + ")\n");
    return 0;
  }
  if (*estimate) {
    const auto config = config::load_config(config_path, overrides, config::Purpose::estimate);
    check_output_target(output.output);
    auto result = pipeline::build_estimate_result(config, {t_batch_s, t_epoch_hours}, invocation);
    if (budget) pipeline::add_budget(result, *budget);
    emit(report::render(result, format), output);
    return 0;
  }
  const auto config = config::load_config(config_path, overrides, config::Purpose::run);
  check_output_target(output.output);
  if (!history_file.empty()) history::check_target(history_file);
  install_signal_handlers();
  ProgressLine progress(::isatty(STDERR_FILENO) && log_level != "off" && log_level != "error");
  measure::MeasureRequest request;
  request.config = &config;
  request.validate_epoch = validate_epoch;
  request.on_progress = [&progress](const measure::ProgressUpdate& u) { progress.update(u); };
  request.pending_signal = [] { return pending_signal.load(); };
  if (find_max_batch) {
    const measure::BatchSearch search = cli::load_batch_search()(request);
    emit(report::render_batch_search(config, search, format), output);
    return 0;
  }
  const measure::Measurement measurement = cli::load_measure()(request);
  progress.clear();
  report::Result result = pipeline::build_run_result(config, measurement, invocation);
  if (budget) pipeline::add_budget(result, *budget);
  for (const auto& warning : result.warnings)
    log::warn(warning);
  emit(gbench ? report::render_gbench_json(result) : report::render(result, format), output);
  if (!history_file.empty()) log::info(history::record(history_file, report::to_json(result)));
  return 0;
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
