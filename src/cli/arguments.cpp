#include "arguments.hpp"

#include "config/config.hpp"
#include "util/build_info.hpp"
#include "util/errors.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace epochcost::cli {
namespace {

// CLI11's own range checks print their bounds to 300 digits and let NaN through; these say what
// is meant.
const CLI::Validator non_empty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : ""; }, "",
    "non-empty");

// A number in decimal notation, all of `text`: strtod alone also reads " 5", "0x10" and "inf".
std::optional<double> decimal_number(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos)
    return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// A number ≥ min (> min when `exclusive`), checked before CLI11 converts it, whose own failure
// says only "Could not convert".
CLI::Validator number_from(double min, bool exclusive, bool whole) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const auto value = decimal_number(text);
        // A whole number is digits only: CLI11 converts it to an integer, which "3.0" is not.
        const bool digits = text.find_first_not_of("0123456789") == std::string::npos;
        if (value && std::isfinite(*value) && (exclusive ? *value > min : *value >= min) &&
            (!whole || (digits && *value <= 1e15))) {
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

// Google Benchmark's format exists for measured results only (`run`); every report has the four.
void add_output_options(CLI::App& command, Arguments& a, bool gbench = false) {
  std::vector<std::string> formats = {"table", "json", "csv", "md"};
  if (gbench) formats.emplace_back("gbench-json");
  const auto known = [formats, gbench](const std::string& value) -> std::string {
    if (std::find(formats.begin(), formats.end(), value) != formats.end()) return "";
    if (value == "gbench-json" && !gbench)
      return "gbench-json is for run only: Google Benchmark's format holds measured steps";
    return "'" + value + "' is not one of " + joined(formats, ", ");
  };
  command
      .add_option("--format", a.format,
                  gbench ? "table | json | csv | md | gbench-json" : "table | json | csv | md")
      ->check(CLI::Validator(known, "FORMAT"));
  command
      .add_option("--output", a.output,
                  "write the report to FILE (atomically) instead of standard output")
      ->check(non_empty);
}

std::string command_names(const CLI::App& level) {
  std::string names;
  for (const CLI::App* command : level.get_subcommands({}))
    names += (names.empty() ? "" : ", ") + command->get_name();
  return names;
}

// "unknown command 'bogus'" where CLI11 would only say that a subcommand is required.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--log-level") {
      ++i;
      continue;
    }
    if (word.starts_with("-")) continue;
    for (const CLI::App* command : app.get_subcommands({})) {
      if (command->get_name() == word) return std::nullopt;
    }
    return "unknown command '" + word + "'; the commands are " + command_names(app);
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
  const std::vector<std::string> unplaced = app.remaining(true);
  if (!unplaced.empty()) {
    const std::string& word = unplaced.front();
    return path + "unknown " + (word.starts_with("-") ? "option" : "command") + " '" + word +
           "'; the commands are " + command_names(*level);
  }
  return path + "a command is required: " + command_names(*level);
}

// --to A,B (the flag repeated or not): the names with the blanks around them trimmed
// ("H200, RTX-3090" is two GPUs); an empty one is a mistake to name, not to drop.
void parse_targets(const std::string& list, std::vector<std::string>& names) {
  std::size_t start = 0;
  for (std::size_t item = 1;; ++item) {
    const std::size_t comma = list.find(',', start);
    const std::string name =
        trimmed(list.substr(start, comma == std::string::npos ? comma : comma - start), " \t");
    if (name.empty()) {
      throw InputError("--to: GPU " + std::to_string(item) + " of '" + list +
                       "' is empty; name GPUs of the spec table, e.g. --to H100-SXM5-80GB,H200 "
                       "(epochcost gpus)");
    }
    names.push_back(name);
    if (comma == std::string::npos) return;
    start = comma + 1;
  }
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
    const auto rate = decimal_number(number).value_or(0);
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

} // namespace

std::variant<Arguments, int> parse_arguments(int argc, char** argv) {
  Arguments a;
  a.argv.assign(argv, argv + argc);
  CLI::App app{"epochcost — measure a training step, price the epoch"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string(build_info::version()) + " (" +
                                        build_info::git_revision() + ")");
  app.add_option("--log-level", a.log_level,
                 "trace | debug | info | warn (or warning) | error | off");

  const auto add_config = [&](CLI::App& command) {
    command.add_option("config", a.config_path, "YAML config")->required()->check(non_empty);
    command.add_option("--set", a.overrides, "override or add a key: key.path=value (repeatable)")
        ->allow_extra_args(false);
  };

  CLI::App* run = app.add_subcommand("run", "measure T_batch on the device and price the epoch");
  add_config(*run);
  add_output_options(*run, a, true);
  run->add_flag("--validate-epoch", a.validate_epoch,
                "also run full real epochs, interleaved with the timed steps, and report "
                "predicted vs actual epoch time");
  run->add_flag("--find-max-batch", a.find_max_batch,
                "find the largest data.batch_size that fits the CUDA device, by real steps");

  CLI::App* estimate = app.add_subcommand("estimate", "price an epoch from a given step time");
  add_config(*estimate);
  add_output_options(*estimate, a);
  const CLI::Validator positive = number_from(0, true, false);
  auto* t_batch_option =
      estimate->add_option("--t-batch", a.t_batch_s, "seconds per step")->check(positive);
  auto* t_epoch_option =
      estimate->add_option("--t-epoch-hours", a.t_epoch_hours, "hours per epoch")->check(positive);
  t_batch_option->excludes(t_epoch_option);
  for (CLI::App* command : {run, estimate}) {
    command
        ->add_option("--budget", a.budget,
                     "also say how many epochs (samples, tokens) this amount buys")
        ->check(positive);
  }

  CLI::App* validate = app.add_subcommand("validate", "check a config without running anything");
  add_config(*validate);
  validate->add_option("--for", a.purpose, "run | estimate")
      ->check(CLI::IsMember({"run", "estimate"}));

  CLI::App* info = app.add_subcommand(
      "info", "parameters, model FLOPs and a memory estimate, by formula (nothing runs)");
  add_config(*info);
  add_output_options(*info, a);
  info->add_option("--gpu", a.gpu_name, "compare the memory estimate with this GPU (see gpus)")
      ->check(non_empty);

  CLI::App* compare = app.add_subcommand(
      "compare", "results of one workload side by side; the cheapest and the fastest marked");
  compare->add_option("results", a.result_files, "result JSON files (run/estimate --format json)")
      ->required();
  compare
      ->add_option("--pricing", a.pricing_file,
                   "re-price every result: a pricing file (pricing, job, extra_costs, "
                   "epochs) or a catalog (each result by the entry for its GPU)")
      ->check(non_empty);
  compare->add_option("--currency", a.currency, "compare in this currency (needs --rate)")
      ->check(non_empty);
  compare
      ->add_option("--rate", a.rate_options,
                   "FROM=X: 1 FROM is X of --currency (repeatable; no rates are fetched)")
      ->allow_extra_args(false);
  compare->add_option("--baseline", a.baseline, "the row ratios are taken against (1-based)")
      ->check(number_from(1, false, true));
  add_output_options(*compare, a);
  compare
      ->add_option("--plot", a.plot_file,
                   "also draw cost per epoch and epoch time to FILE.svg or FILE.png (gnuplot)")
      ->check(non_empty);

  CLI::App* project = app.add_subcommand(
      "project", "carry a step measured on one GPU to GPUs not measured (labelled projected)");
  project->add_option("result", a.result_file, "a result measured on a GPU (run --format json)")
      ->required();
  project->add_option("--to", a.target_lists, "GPUs of the spec table, comma-separated (see gpus)")
      ->required()
      ->allow_extra_args(false);
  project
      ->add_option("--pricing", a.pricing_file,
                   "also price each GPU: a catalog (its entry for that GPU) or a pricing file")
      ->check(non_empty);
  add_output_options(*project, a);

  run->add_option("--history", a.history_file, "also record the result in this history (SQLite)")
      ->check(non_empty);
  CLI::App* history = app.add_subcommand("history", "the run history of nightly jobs (SQLite)");
  history->require_subcommand(1);
  const auto add_history = [&](CLI::App& command) {
    command.add_option("--history", a.history_file, "history file (SQLite, WAL)")
        ->required()
        ->check(non_empty);
  };
  CLI::App* history_import = history->add_subcommand("import", "record result files");
  add_history(*history_import);
  history_import->add_option("results", a.result_files, "result JSON files")->required();
  CLI::App* history_list =
      history->add_subcommand("list", "the recorded runs, in the order recorded (run id)");
  add_history(*history_list);
  add_output_options(*history_list, a);
  CLI::App* history_trend = history->add_subcommand(
      "trend", "T_batch and cost per epoch over time, per series (and a plot)");
  add_history(*history_trend);
  add_output_options(*history_trend, a);
  history_trend
      ->add_option("--plot", a.plot_file, "also draw the trend to FILE.svg or FILE.png (gnuplot)")
      ->check(non_empty);
  CLI::App* history_show = history->add_subcommand("show", "one recorded result, as JSON");
  add_history(*history_show);
  history_show->add_option("id", a.run_id, "run number (history list)")
      ->required()
      ->check(number_from(1, false, true));
  CLI::App* history_check =
      history->add_subcommand("check", "flag a slower step or dearer epoch; exit 1 if any");
  add_history(*history_check);
  history_check->add_option("--threshold", a.threshold_pct, "percent slower (or dearer) to flag")
      ->check(number_from(0, false, false))
      ->capture_default_str();
  history_check->add_option("--window", a.window, "earlier runs whose median is the reference")
      ->check(number_from(1, false, true))
      ->capture_default_str();
  history_check
      ->add_option("--since", a.since, "only series with a run measured since this time (RFC 3339)")
      ->check(non_empty);
  history_check
      ->add_option("--series-of", a.series_of,
                   "RESULT.json: only the series of this result (repeatable)")
      ->allow_extra_args(false);
  for (CLI::App* command : {history_list, history_trend, history_check}) {
    command->add_option("--workload", a.workload_filter, "only this workload (hash or words)")
        ->check(non_empty);
    command->add_option("--gpu", a.gpu_filter, "only GPUs whose name contains this")
        ->check(non_empty);
  }

  CLI::App* gpus = app.add_subcommand("gpus", "the GPU spec table: dense peaks, memory, sources");
  add_output_options(*gpus, a);

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
    // --set a=1 b=2: the second value is an extra argument to CLI11.
    const std::vector<std::string> words(argv + 1, argv + argc);
    const bool one_value_flag = std::any_of(words.begin(), words.end(), [](const auto& word) {
      return word == "--set" || word == "--rate" || word == "--to" || word == "--series-of";
    });
    if (!message && dynamic_cast<const CLI::ExtrasError*>(&e) && one_value_flag) {
      message = std::string(e.what()) +
                " (--set, --rate, --to and --series-of take one value each: repeat the flag for "
                "the next)";
    }
    // The help of the command that was being read: 'epochcost history check --help'.
    std::string command = "epochcost";
    for (const CLI::App* level : command_path(app))
      command += " " + level->get_name();
    std::cerr << "epochcost: " << message.value_or(e.what()) << "\nRun '" << command
              << " --help' for usage.\n";
    return static_cast<int>(ExitCode::bad_input);
  }

  a.rates = parse_rates(a.rate_options, a.currency);
  for (const auto& list : a.target_lists)
    parse_targets(list, a.target_gpus);
  a.threshold_pct += 0.0; // -0 is 0, and printed so
  a.command_name = app.get_subcommands().front()->get_name();
  const std::vector<std::pair<const CLI::App*, Command>> commands = {
      {run, Command::run},
      {estimate, Command::estimate},
      {validate, Command::validate},
      {info, Command::info},
      {compare, Command::compare},
      {project, Command::project},
      {history_import, Command::history_import},
      {history_list, Command::history_list},
      {history_trend, Command::history_trend},
      {history_show, Command::history_show},
      {history_check, Command::history_check},
      {gpus, Command::gpus}};
  for (const auto& [parsed, command] : commands) {
    if (parsed->parsed()) a.command = command;
  }
  return a;
}

} // namespace epochcost::cli
