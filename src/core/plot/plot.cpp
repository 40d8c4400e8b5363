#include "plot/plot.hpp"

#include "util/errors.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace epochcost::plot {
namespace {

namespace fs = std::filesystem;

// Paul Tol's "bright" scheme: distinguishable for colour-blind readers and in grey.
constexpr const char* colours[] = {"#4477aa", "#ee6677", "#228833", "#ccbb44",
                                   "#66ccee", "#aa3377", "#bbbbbb"};
constexpr int panel_height_px = 320;
constexpr int width_px = 900;

// One data block: a non-empty series of a panel, selected in the script with `index`.
struct Block {
  std::size_t panel = 0;
  std::size_t series = 0;
  std::size_t colour = 0; // 1-based gnuplot line type, by series name
};

std::vector<Block> blocks_of(const Figure& figure) {
  std::vector<std::string> names;
  std::vector<Block> blocks;
  for (std::size_t p = 0; p < figure.panels.size(); ++p) {
    const auto& panel = figure.panels[p];
    for (std::size_t s = 0; s < panel.series.size(); ++s) {
      if (panel.series[s].points.empty()) continue;
      auto it = std::find(names.begin(), names.end(), panel.series[s].name);
      if (it == names.end()) it = names.insert(names.end(), panel.series[s].name);
      blocks.push_back({p, s, static_cast<std::size_t>(it - names.begin()) + 1});
    }
  }
  return blocks;
}

// The shortest text that reads back as the same double; empty (missing to gnuplot) when not
// finite.
std::string number(double value) {
  if (!std::isfinite(value)) return "";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "";
}

std::string number(const std::optional<double>& value) {
  return value ? number(*value) : "";
}

// Tabs and line breaks would split a field or a record.
std::string one_line(std::string text) {
  for (char& ch : text) {
    if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
  }
  return text;
}

// A data field in double quotes, so a label may start with '#' or hold spaces.
std::string quoted_field(const std::string& text) {
  std::string field = one_line(text);
  std::replace(field.begin(), field.end(), '"', '\'');
  return '"' + field + '"';
}

// A gnuplot string literal: single quotes take no escapes but a doubled quote.
std::string literal(const std::string& text) {
  std::string out = "'";
  for (const char ch : one_line(text)) {
    out += ch;
    if (ch == '\'') out += '\'';
  }
  return out + "'";
}

// A gnuplot file name: relative ones from the script's directory start with "./", since gnuplot
// reads a name starting with '$' as a datablock, '<' as a command to read from and '|' (output)
// as a command to write to. Double quotes, with octal escapes, because a single-quoted string
// cannot hold a line break and a file name may.
std::string file_literal(const fs::path& path) {
  const std::string name = path.is_absolute() ? path.string() : "./" + path.string();
  std::string out = "\"";
  for (const char ch : name) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (byte < 0x20 || byte == 0x7f) {
      const char octal[] = {'\\', static_cast<char>('0' + (byte >> 6)),
                            static_cast<char>('0' + ((byte >> 3) & 7)),
                            static_cast<char>('0' + (byte & 7))};
      out.append(octal, sizeof octal);
    } else {
      out += ch;
    }
  }
  return out + '"';
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (const char ch : text) {
    if (ch == '\'')
      out += "'\\''";
    else
      out += ch;
  }
  return out + "'";
}

fs::path directory_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

bool is_executable(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// An absolute path, since gnuplot runs in the image's directory.
std::optional<fs::path> find_executable(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (is_executable(name)) return fs::absolute(name);
    return std::nullopt;
  }
  const char* path_variable = std::getenv("PATH");
  std::istringstream path(path_variable ? path_variable : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(path, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (is_executable(candidate)) return fs::absolute(candidate);
  }
  return std::nullopt;
}

struct ProcessResult {
  int exit_status = -1; // 128 + signal when killed by one
  std::string output;   // standard output and error together
};

// fork/exec with an argument vector (no shell, so no quoting of paths), in `cwd`, standard input
// from /dev/null, standard output and error captured.
ProcessResult run_process(const fs::path& program, const std::vector<std::string>& arguments,
                          const fs::path& cwd) {
  std::vector<std::string> storage{program.string()};
  storage.insert(storage.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : storage)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  const std::string cwd_text = cwd.string();

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw RuntimeFailure(std::string("cannot run gnuplot: pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string reason = std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw RuntimeFailure("cannot run gnuplot: fork: " + reason);
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    if (::chdir(cwd_text.c_str()) == 0) ::execv(argv[0], argv.data());
    constexpr const char message[] = "could not change directory or execute\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProcessResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// The last few lines of gnuplot's messages, enough to see the error.
std::string tail(const std::string& text, std::size_t limit = 2000) {
  std::string out = text.size() > limit ? "…" + text.substr(text.size() - limit) : text;
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
    out.pop_back();
  return out;
}

// The earliest and the latest timestamp (RFC 3339 UTC, so they order as text).
std::pair<std::string, std::string> time_range(const Figure& figure) {
  std::pair<std::string, std::string> range;
  for (const auto& panel : figure.panels) {
    for (const auto& series : panel.series) {
      for (const auto& point : series.points) {
        if (range.first.empty() || point.x < range.first) range.first = point.x;
        if (range.second.empty() || point.x > range.second) range.second = point.x;
      }
    }
  }
  return range;
}

void plot_panel(std::ostringstream& gp, const Figure& figure, const std::vector<Block>& blocks,
                std::size_t panel, const fs::path& data_name) {
  const bool categories = figure.x_axis == XAxis::categories;
  gp << "\n# panel " << panel + 1 << "\n";
  gp << "set ylabel " << literal(figure.panels[panel].y_label) << "\n"
     << (figure.panels[panel].log_y ? "set logscale y\n" : "unset logscale y\n");
  if (categories) {
    std::size_t count = 0;
    for (const auto& block : blocks) {
      if (block.panel == panel)
        count = std::max(count, figure.panels[panel].series[block.series].points.size());
    }
    gp << "set xrange [-0.5:" << count << "-0.5]\n";
  }
  std::vector<std::string> layers;
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    const Block& block = blocks[index];
    if (block.panel != panel) continue;
    const std::string& name = figure.panels[panel].series[block.series].name;
    // The data file is named once per plot command; '' repeats it.
    const std::string block_text = " index " + std::to_string(index);
    const std::string source = (layers.empty() ? file_literal(data_name) : "''") + block_text;
    const std::string again = "''" + block_text;
    const std::string title = name.empty() ? "notitle" : "title " + literal(name);
    const std::string lt = " lt " + std::to_string(block.colour);
    // The 95% interval as an I-beam from low to high (a row without one is skipped); gnuplot's own
    // error bars blank a gap around the point, which hides a narrow interval.
    const auto& points = figure.panels[panel].series[block.series].points;
    const bool has_interval =
        std::any_of(points.begin(), points.end(), [](const Point& p) { return p.low && p.high; });
    const std::string interval =
        std::string(" using ") + (categories ? "0" : "1") +
        ":3:(0):(column(4) - column(3)) with vectors heads size screen 0.008,90 lw 1.5";
    if (categories) {
      layers.push_back(source + " using 0:2:xtic(1) with boxes" + lt + " " + title);
      if (has_interval) layers.push_back(again + interval + " lc 'black' notitle");
      // Above the interval when there is one, else above the bar.
      layers.push_back(again +
                       " using 0:(valid(4) ? column(4) : column(2)):5 with labels offset char "
                       "0,0.8 notitle");
    } else {
      layers.push_back(source + " using 1:2 with linespoints" + lt + " " + title);
      if (has_interval) layers.push_back(again + interval + lt + " notitle");
    }
  }
  gp << "plot ";
  for (std::size_t i = 0; i < layers.size(); ++i)
    gp << (i ? ", \\\n     " : "") << layers[i];
  gp << "\n";
}

} // namespace

Terminal terminal_for(const fs::path& image) {
  const std::string extension = ascii_lower(image.extension().string());
  if (extension == ".svg") return Terminal::svg;
  if (extension == ".png") return Terminal::png;
  throw InputError(
      "--plot: '" + image.string() + "': cannot draw a '" +
      (extension.empty() ? std::string("(no extension)") : image.extension().string()) +
      "' image; name it .svg or .png");
}

Files files_for(const fs::path& image) {
  Files files{image, image, image};
  files.data.replace_extension(".dat");
  files.script.replace_extension(".gp");
  return files;
}

void check_target(const fs::path& image) {
  [[maybe_unused]] const Terminal terminal = terminal_for(image);
  const Files files = files_for(image);
  for (const fs::path& path : {files.image, files.data, files.script})
    check_output_target(path, "--plot");
}

std::string data_text(const Figure& figure) {
  std::ostringstream out;
  out << "# epochcost plot data: " << one_line(figure.title) << "\n"
      << "# one block per panel and series, separated by two blank lines (gnuplot: index N)\n";
  const auto blocks = blocks_of(figure);
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    const auto& panel = figure.panels[blocks[index].panel];
    const auto& series = panel.series[blocks[index].series];
    out << (index ? "\n\n" : "\n") << "# index " << index << ": panel " << blocks[index].panel + 1
        << " '" << one_line(panel.y_label) << "'";
    if (!series.name.empty()) out << ", series '" << one_line(series.name) << "'";
    const bool time = figure.x_axis == XAxis::time;
    out << (time ? "\n# time\ty\tci95_low\tci95_high\n"
                 : "\n# label\ty\tci95_low\tci95_high\ttext\n");
    for (const auto& point : series.points) {
      const bool interval = point.low && point.high;
      out << (time ? one_line(point.x) : quoted_field(point.x)) << '\t' << number(point.y) << '\t'
          << (interval ? number(point.low) : "") << '\t' << (interval ? number(point.high) : "");
      if (!time) out << '\t' << quoted_field(point.text);
      out << "\n";
    }
  }
  return out.str();
}

std::string script_text(const Figure& figure, const Files& files) {
  const auto blocks = blocks_of(figure);
  std::vector<std::size_t> panels;
  std::size_t named_series = 0;
  for (const auto& block : blocks) {
    if (panels.empty() || panels.back() != block.panel) panels.push_back(block.panel);
    named_series = std::max(named_series, block.colour);
  }
  const bool time = figure.x_axis == XAxis::time;
  // A time figure's legend sits below each panel, one line per series.
  const std::size_t height =
      panels.size() * (panel_height_px + (time ? 18 * named_series : 0)) + 40;
  std::ostringstream gp;
  gp << "# epochcost plot: " << one_line(figure.title) << "\n"
     << "# The data is in " << one_line(files.data.filename().string())
     << "; to render again, run from this directory:\n"
     << "#   gnuplot " << one_line(files.script.filename().string()) << "\n"
     << "if (!exists(\"outfile\")) outfile = " << file_literal(files.image.filename()) << "\n"
     << "set encoding utf8\n";
  if (terminal_for(files.image) == Terminal::svg) {
    gp << "set terminal svg size " << width_px << "," << height
       << " dynamic noenhanced font 'sans,11' background '#ffffff'\n";
  } else {
    gp << "set terminal pngcairo size " << width_px << "," << height
       << " noenhanced font 'sans,10' background '#ffffff'\n";
  }
  gp << "set output outfile\n"
     << "set datafile separator \"\\t\"\n";
  for (std::size_t i = 0; i < std::size(colours); ++i)
    gp << "set linetype " << i + 1 << " lc rgb '" << colours[i] << "' lw 2 pt 7 ps 0.8\n";
  gp << "set linetype cycle " << std::size(colours) << "\n"
     << "set grid ytics\n"
     << "set lmargin 13\n" // the same for every panel, so their x axes line up
     << "set format y '%g'\n";
  if (time) {
    // One time range for every panel, so a run sits at the same x in each, with a margin so the
    // first and last points are not cut in half; seconds on the axis when the runs are minutes
    // apart.
    const auto [first, last] = time_range(figure);
    gp << "set xdata time\n"
       << "time_format = '%Y-%m-%dT%H:%M:%SZ'\n"
       << "set timefmt time_format\n"
       << "t0 = strptime(time_format, " << literal(first) << ")\n"
       << "t1 = strptime(time_format, " << literal(last) << ")\n"
       << "if (t1 > t0) { pad = (t1 - t0) * 0.03; set xrange [t0 - pad:t1 + pad] }\n"
       << "set format x (t1 - t0 < 600 ? \"%H:%M:%S\" : \"%Y-%m-%d\\n%H:%M\")\n"
       << "set key below left Left reverse\n"
       << "set rmargin 6\n"
       << "set offsets 0, 0, graph 0.05, graph 0.05\n";
  } else {
    gp << "set style fill solid 0.6 border -1\n"
       << "set boxwidth 0.6\n"
       << "set xtics rotate by -20 left nomirror\n"
       << "set yrange [0:*]\n"
       << "set offsets 0, 0, graph 0.12, 0\n"
       << "set key off\n";
  }
  gp << "set multiplot layout " << panels.size() << ",1 title " << literal(figure.title) << "\n";
  for (const std::size_t panel : panels)
    plot_panel(gp, figure, blocks, panel, files.data.filename());
  gp << "unset multiplot\n";
  return gp.str();
}

std::optional<fs::path> find_gnuplot() {
  const char* configured = std::getenv("EPOCHCOST_GNUPLOT");
  return find_executable(configured && *configured ? configured : "gnuplot");
}

Outcome draw(const Figure& figure, const fs::path& image) {
  check_target(image);
  if (blocks_of(figure).empty()) throw InputError("--plot: nothing to plot (no data)");
  const Files files = files_for(image);
  write_file_atomically(files.data, data_text(figure));
  write_file_atomically(files.script, script_text(figure, files));
  const fs::path dir = directory_of(image);
  const std::string written =
      "the data to " + files.data.string() + " and the script to " + files.script.string();

  const auto gnuplot = find_gnuplot();
  if (!gnuplot) {
    const char* configured = std::getenv("EPOCHCOST_GNUPLOT");
    return {false,
            std::string("gnuplot not found (") +
                (configured && *configured ? "EPOCHCOST_GNUPLOT=" + std::string(configured)
                                           : std::string("not on PATH; install gnuplot-nox")) +
                "): wrote " + written + " but no image; render it later with: " +
                (dir == "." ? "" : "cd " + shell_quoted(dir.string()) + " && ") + "gnuplot " +
                shell_quoted(files.script.filename().string())};
  }

  // gnuplot writes a temporary file, which replaces the image (or is copied into it) only once
  // gnuplot succeeded.
  const OutputTarget target = resolve_output_target(image);
  const auto staged = create_staging_file(target);
  ::close(staged.fd);
  const std::string& temporary = staged.path;
  const auto fail = [&](const std::string& message) {
    ::unlink(temporary.c_str());
    throw RuntimeFailure(message);
  };
  // Absolute: gnuplot runs in the image's directory, and the staging file may lie elsewhere.
  ProcessResult run;
  try {
    run = run_process(*gnuplot,
                      {"-e", "outfile=" + file_literal(fs::absolute(temporary)),
                       files.script.filename().string()},
                      dir);
  } catch (...) { // no pipe or no fork: the staging file must not stay behind
    ::unlink(temporary.c_str());
    throw;
  }
  if (run.exit_status != 0) {
    fail("gnuplot (" + gnuplot->string() + ") failed with exit status " +
         std::to_string(run.exit_status) + " drawing " + image.string() + " from " +
         files.script.string() + ":\n" + tail(run.output));
  }
  std::error_code ec;
  if (fs::file_size(temporary, ec) == 0 || ec) {
    fail("gnuplot (" + gnuplot->string() + ") wrote no image for " + image.string() +
         (run.output.empty() ? "" : ":\n" + tail(run.output)));
  }
  install_temporary(temporary, target, image);
  return {true, "wrote " + image.string() + " (data " + files.data.string() + ", script " +
                    files.script.string() + ")"};
}

} // namespace epochcost::plot
