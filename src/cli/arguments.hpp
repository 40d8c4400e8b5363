#pragma once
// The command line, read: which command, and its flags and values, each checked as far as it can
// be without reading a file. CLI11 stays behind this header.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace epochcost::cli {

enum class Command {
  run,
  estimate,
  validate,
  info,
  compare,
  project,
  history_import,
  history_list,
  history_trend,
  history_show,
  history_check,
  gpus,
};

struct Arguments {
  Command command = Command::run;
  std::string command_name; // the top-level word: run, history, ...
  std::vector<std::string> argv;
  std::string log_level = "info";

  // Every report.
  std::string format = "table"; // table | json | csv | md | gbench-json (run only)
  std::string output;           // a file written atomically; empty: standard output

  // run, estimate, validate, info.
  std::string config_path;
  std::vector<std::string> overrides; // --set key.path=value
  bool validate_epoch = false;
  bool find_max_batch = false;
  std::optional<double> t_batch_s;
  std::optional<double> t_epoch_hours;
  std::optional<double> budget;
  std::string purpose = "run"; // validate --for
  std::string gpu_name;        // info --gpu

  // compare, project, history import.
  std::vector<std::string> result_files;
  std::string result_file;               // project
  std::vector<std::string> target_lists; // each --to A,B as given
  std::vector<std::string> target_gpus;  // their names, trimmed
  std::string pricing_file;
  std::string currency;
  std::vector<std::string> rate_options; // FROM=X
  std::map<std::string, double> rates;   // the options read: 1 FROM is X of `currency`
  std::size_t baseline = 1;              // 1-based row
  std::string plot_file;

  // history.
  std::string history_file;
  std::string workload_filter;
  std::string gpu_filter;
  std::int64_t run_id = 0;
  double threshold_pct = 5;
  std::size_t window = 5;
  std::string since; // history check: series measured since this RFC 3339 time only
  std::vector<std::string> series_of; // history check: the series of these results only
};

// The arguments, or the exit status when there is nothing to run: 0 after --help or --version
// (printed), 2 after a usage error (explained on standard error). InputError for a bad --rate or
// --currency.
std::variant<Arguments, int> parse_arguments(int argc, char** argv);

} // namespace epochcost::cli
