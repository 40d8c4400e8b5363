#pragma once
// Figures drawn by gnuplot. A Figure holds what a command already computed (labels, values and
// their 95% intervals); this module writes it as a gnuplot data file and script next to the
// requested image and runs gnuplot on them. It never computes a figure itself.
//
// For an image `dir/out.svg` it writes `dir/out.dat` (one tab-separated block per panel and
// series, blocks separated by two blank lines, so gnuplot's `index N` selects one) and
// `dir/out.gp` (the script; run it from `dir` to render again), then renders the image into a
// temporary file that takes the image's place only once gnuplot succeeded. All three are written
// as reports are (util/files.hpp): through a symbolic link to its target, into a FIFO or device in
// place, keeping an existing file's permissions. Without gnuplot the data and the script are
// still written, and the outcome says how to render them later.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::plot {

struct Point {
  std::string x; // a category label, or an RFC 3339 UTC timestamp on a time axis
  double y = 0;
  std::optional<double> low, high; // the 95% interval, drawn as an error bar when both are set
  std::string text;                // printed above a bar (category axes only); may be empty
};

struct Series {
  std::string name; // the legend entry; the same name has the same colour in every panel
  std::vector<Point> points;
};

struct Panel {
  std::string y_label; // with its unit: "cost per epoch (USD)"
  std::vector<Series> series;
  bool log_y = false; // for series decades apart, whose changes a linear axis flattens
};

// Categories: one bar per point, labelled with its x (meant for one series per panel).
// Time: one line per series over x read as RFC 3339 timestamps.
enum class XAxis { categories, time };

struct Figure {
  std::string title;
  XAxis x_axis = XAxis::categories;
  std::vector<Panel> panels; // stacked top to bottom
};

enum class Terminal { svg, png };

// From the image's extension (.svg → svg, .png → pngcairo); InputError naming any other.
[[nodiscard]] Terminal terminal_for(const std::filesystem::path& image);

struct Files {
  std::filesystem::path image, data, script;
};
// out.svg → out.dat and out.gp in the same directory.
[[nodiscard]] Files files_for(const std::filesystem::path& image);

// InputError (naming --plot) for an unknown extension, or when check_output_target refuses the
// image, the data file or the script: call it before anything is written.
void check_target(const std::filesystem::path& image);

// The data file and the script, as written to `files.data` and `files.script`.
[[nodiscard]] std::string data_text(const Figure& figure);
[[nodiscard]] std::string script_text(const Figure& figure, const Files& files);

// The gnuplot to run: $EPOCHCOST_GNUPLOT when set (a path, or a name looked up on PATH), else
// `gnuplot` on PATH; nullopt when there is no such executable.
[[nodiscard]] std::optional<std::filesystem::path> find_gnuplot();

struct Outcome {
  bool rendered = false;
  std::string message; // the line for the user: what was written, or how to render it later
};

// Writes the data and the script, then renders the image when gnuplot is there. InputError as
// check_target, or for a figure without a single point; RuntimeFailure with gnuplot's own
// messages when gnuplot fails (the image is then neither written nor left half-written).
Outcome draw(const Figure& figure, const std::filesystem::path& image);

} // namespace epochcost::plot
