// Plots: the data file and gnuplot script written for a known figure, the terminal chosen from
// the extension, the path without gnuplot and with a failing one, and the figures of compare and
// history trend.
#include "../support/scratch_dir.hpp"
#include "plot/plot.hpp"
#include "report/plots.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace epochcost::plot {
namespace {

using epochcost::testing::ScratchDir;
using epochcost::testing::slurp;

// Sets EPOCHCOST_GNUPLOT for one test and restores it after.
class GnuplotOverride {
public:
  explicit GnuplotOverride(const std::string& value) {
    if (const char* old = std::getenv("EPOCHCOST_GNUPLOT")) old_ = old;
    ::setenv("EPOCHCOST_GNUPLOT", value.c_str(), 1);
  }
  ~GnuplotOverride() {
    if (old_)
      ::setenv("EPOCHCOST_GNUPLOT", old_->c_str(), 1);
    else
      ::unsetenv("EPOCHCOST_GNUPLOT");
  }

private:
  std::optional<std::string> old_;
};

// A stand-in gnuplot in `dir`, installed for one test: `body` runs with $out set to the file it
// is told to draw to.
class FakeGnuplot {
public:
  FakeGnuplot(const ScratchDir& dir, const std::string& body) : override_(install(dir, body)) {}

private:
  static std::string install(const ScratchDir& dir, const std::string& body) {
    dir.write("gnuplot", "#!/bin/sh\n"
                         "out=$(printf '%s' \"$2\" | sed 's/^outfile=\"\\(.*\\)\"$/\\1/')\n" +
                             body);
    ::chmod((dir / "gnuplot").c_str(), 0755);
    return (dir / "gnuplot").string();
  }
  GnuplotOverride override_;
};

Figure bars() {
  Figure figure;
  figure.title = "two 'bars'";
  figure.panels = {
      {"cost per epoch (USD)",
       {{"", {{"#1 A100 ×4", 1.5, 1.25, 1.75, "1.50 USD"}, {"V100\tx2", 3, {}, {}, ""}}}}},
      {"epoch time (s)", {{"", {{"#1 A100 ×4", 60, {}, {}, ""}, {"V100\tx2", 120, {}, {}, ""}}}}}};
  return figure;
}

Figure lines() {
  Figure figure;
  figure.title = "trend";
  figure.x_axis = XAxis::time;
  figure.panels = {
      {"T_batch (ms)",
       {{"mlp on H100",
         {{"2026-01-02T00:00:00.000Z", 10, 9.5, 10.5, ""},
          {"2026-01-03T00:00:00.000Z", 11, {}, {}, ""}}},
        {"mlp on L4", {{"2026-01-01T00:00:00.000Z", 30, {}, {}, ""}}}}},
      {"cost per epoch (USD)", {{"mlp on L4", {{"2026-01-01T00:00:00.000Z", 0.25, {}, {}, ""}}}}}};
  return figure;
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Plot, TerminalFromTheExtension) {
  EXPECT_EQ(terminal_for("out.svg"), Terminal::svg);
  EXPECT_EQ(terminal_for("dir/out.PNG"), Terminal::png);
  for (const std::string bad : {"out.pdf", "out", "out.svg.txt"}) {
    try {
      (void)terminal_for(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("name it .svg or .png"), std::string::npos) << e.what();
    }
  }
  try {
    (void)terminal_for("out.pdf");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'.pdf'"), std::string::npos) << e.what();
  }
}

TEST(Plot, DataAndScriptGoNextToTheImage) {
  const Files files = files_for("some/dir/out.svg");
  EXPECT_EQ(files.data, "some/dir/out.dat");
  EXPECT_EQ(files.script, "some/dir/out.gp");
  EXPECT_EQ(files.image, "some/dir/out.svg");
}

TEST(Plot, DataFileOfAKnownFigure) {
  EXPECT_EQ(data_text(bars()),
            "# epochcost plot data: two 'bars'\n"
            "# one block per panel and series, separated by two blank lines (gnuplot: index N)\n"
            "\n"
            "# index 0: panel 1 'cost per epoch (USD)'\n"
            "# label\ty\tci95_low\tci95_high\ttext\n"
            "\"#1 A100 ×4\"\t1.5\t1.25\t1.75\t\"1.50 USD\"\n"
            "\"V100 x2\"\t3\t\t\t\"\"\n"
            "\n\n"
            "# index 1: panel 2 'epoch time (s)'\n"
            "# label\ty\tci95_low\tci95_high\ttext\n"
            "\"#1 A100 ×4\"\t60\t\t\t\"\"\n"
            "\"V100 x2\"\t120\t\t\t\"\"\n");
}

TEST(Plot, ScriptOfAKnownBarFigure) {
  const std::string gp = script_text(bars(), files_for("dir/out.svg"));
  for (const std::string line :
       {"if (!exists(\"outfile\")) outfile = \"./out.svg\"\n", "set terminal svg size 900,680",
        "set output outfile\n", "set datafile separator \"\\t\"\n", "set yrange [0:*]\n",
        "set multiplot layout 2,1 title 'two ''bars'''\n",
        "set ylabel 'cost per epoch (USD)'\nunset logscale y\nset xrange [-0.5:2-0.5]\n",
        "plot \"./out.dat\" index 0 using 0:2:xtic(1) with boxes lt 1 notitle, \\\n"
        "     '' index 0 using 0:3:(0):(column(4) - column(3)) with vectors heads size screen "
        "0.008,90 lw 1.5 lc 'black' notitle, \\\n",
        // No interval in the second panel, so no interval layer.
        "plot \"./out.dat\" index 1 using 0:2:xtic(1) with boxes lt 1 notitle, \\\n     '' index 1 "
        "using 0:(valid(4)",
        "unset multiplot\n"}) {
    EXPECT_NE(gp.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << gp;
  }
  EXPECT_EQ(gp.find("xdata time"), std::string::npos);
  EXPECT_NE(script_text(bars(), files_for("out.png")).find("set terminal pngcairo size 900,680"),
            std::string::npos);
}

TEST(Plot, ScriptOfAKnownTimeFigure) {
  const std::string gp = script_text(lines(), files_for("trend.png"));
  for (const std::string line :
       {"set terminal pngcairo", "set xdata time\n",
        "time_format = '%Y-%m-%dT%H:%M:%SZ'\nset timefmt time_format\n",
        "t0 = strptime(time_format, '2026-01-01T00:00:00.000Z')\n"
        "t1 = strptime(time_format, '2026-01-03T00:00:00.000Z')\n",
        "plot \"./trend.dat\" index 0 using 1:2 with linespoints lt 1 title 'mlp on H100', \\\n"
        "     '' index 0 using 1:3:(0):(column(4) - column(3)) with vectors heads size screen "
        "0.008,90 lw 1.5 lt 1 notitle, \\\n"
        "     '' index 1 using 1:2 with linespoints lt 2 title 'mlp on L4'",
        // The same series keeps its colour in the next panel.
        "plot \"./trend.dat\" index 2 using 1:2 with linespoints lt 2 title 'mlp on L4'"}) {
    EXPECT_NE(gp.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << gp;
  }
  const std::string data = data_text(lines());
  EXPECT_NE(data.find("# time\ty\tci95_low\tci95_high\n2026-01-02T00:00:00.000Z\t10\t9.5\t10.5\n"
                      "2026-01-03T00:00:00.000Z\t11\t\t\n"),
            std::string::npos)
      << data;
}

TEST(Plot, WithoutGnuplotTheDataAndScriptAreWrittenAndTheOutcomeSaysSo) {
  const ScratchDir dir;
  const GnuplotOverride none((dir / "no-such-gnuplot").string());
  EXPECT_FALSE(find_gnuplot());
  const Outcome outcome = draw(bars(), dir / "out.svg");
  EXPECT_FALSE(outcome.rendered);
  EXPECT_NE(outcome.message.find("gnuplot not found"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("&& gnuplot 'out.gp'"), std::string::npos) << outcome.message;
  EXPECT_EQ(slurp(dir / "out.dat"), data_text(bars()));
  EXPECT_EQ(slurp(dir / "out.gp"), script_text(bars(), files_for(dir / "out.svg")));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"out.dat", "out.gp"}));
}

TEST(Plot, AFailingGnuplotIsARuntimeFailureAndLeavesNoImage) {
  const ScratchDir dir;
  // Writes half an image to the file it is told to, complains and fails, as a broken gnuplot might.
  const FakeGnuplot fake(dir, "printf '<svg' > \"$out\"\n"
                              "echo 'line 3: unknown terminal' >&2\nexit 1\n");
  try {
    (void)draw(bars(), dir / "out.svg");
    ADD_FAILURE() << "no error";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("unknown terminal"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exit status 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"gnuplot", "out.dat", "out.gp"}));
}

TEST(Plot, AnImageBehindASymbolicLinkReplacesItsTargetKeepingItsMode) {
  const ScratchDir dir;
  const FakeGnuplot fake(dir, "printf '<svg/>' > \"$out\"\n");
  std::filesystem::create_directory(dir / "images");
  dir.write("images/real.svg", "old");
  ::chmod((dir / "images" / "real.svg").c_str(), 0600);
  std::filesystem::create_symlink("images/real.svg", dir / "out.svg");
  EXPECT_TRUE(draw(bars(), dir / "out.svg").rendered);
  EXPECT_TRUE(std::filesystem::is_symlink(std::filesystem::symlink_status(dir / "out.svg")));
  EXPECT_EQ(slurp(dir / "images" / "real.svg"), "<svg/>");
  struct stat info {};
  ASSERT_EQ(::stat((dir / "images" / "real.svg").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(names_in(dir.path()),
            (std::vector<std::string>{"gnuplot", "images", "out.dat", "out.gp", "out.svg"}));
  EXPECT_EQ(names_in(dir / "images"), (std::vector<std::string>{"real.svg"}));
}

TEST(Plot, AnImageThatIsAFifoIsWrittenIntoNotReplaced) {
  const ScratchDir dir;
  const FakeGnuplot fake(dir, "printf '<svg/>' > \"$out\"\n");
  ASSERT_EQ(::mkfifo((dir / "out.svg").c_str(), 0600), 0);
  // Opened before drawing and without blocking, so the image waits in the pipe for this read.
  const int reader = ::open((dir / "out.svg").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  EXPECT_NO_THROW(check_target(dir / "out.svg"));
  EXPECT_TRUE(draw(bars(), dir / "out.svg").rendered);
  char image[64] = {};
  const ssize_t size = ::read(reader, image, sizeof image);
  ::close(reader);
  EXPECT_EQ(std::string(image, static_cast<std::size_t>(std::max<ssize_t>(size, 0))), "<svg/>");
  EXPECT_EQ(std::filesystem::symlink_status(dir / "out.svg").type(),
            std::filesystem::file_type::fifo);
  EXPECT_EQ(names_in(dir.path()),
            (std::vector<std::string>{"gnuplot", "out.dat", "out.gp", "out.svg"}));
}

TEST(Plot, ABadTargetIsRefusedBeforeAnythingIsWritten) {
  const ScratchDir dir;
  EXPECT_THROW((void)draw(bars(), dir / "out.pdf"), InputError);
  EXPECT_THROW((void)draw(bars(), dir / "missing" / "out.svg"), InputError);
  std::filesystem::create_directory(dir / "out.svg");
  EXPECT_THROW((void)draw(bars(), dir / "out.svg"), InputError);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"out.svg"}));
  EXPECT_THROW((void)draw(Figure{}, dir / "empty.svg"), InputError);
}

TEST(Plot, GnuplotRendersAnSvg) {
  if (!find_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  const ScratchDir dir;
  const Outcome outcome = draw(bars(), dir / "out.svg");
  EXPECT_TRUE(outcome.rendered) << outcome.message;
  const std::string svg = slurp(dir / "out.svg");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << svg.substr(0, 200);
  EXPECT_NE(svg.find("#1 A100 ×4"), std::string::npos);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"out.dat", "out.gp", "out.svg"}));
}

// A '$' (a datablock to gnuplot), quotes of both kinds and a line break (a new command) in the
// file names and in every string of both kinds of figure.
TEST(Plot, OddNamesAndLabelsMakeAWorkingScript) {
  const std::string odd = "$x\n\"q'";
  const std::string odd_file_name = "$x\\012\\\"q'"; // inside a double-quoted gnuplot string
  for (Figure figure : {bars(), lines()}) {
    const bool time = figure.x_axis == XAxis::time;
    const std::string extension = time ? ".png" : ".svg";
    const std::string plain_script = script_text(figure, files_for("out" + extension));
    figure.title = odd;
    for (auto& panel : figure.panels) {
      panel.y_label = odd;
      for (auto& series : panel.series) {
        series.name = odd + series.name;
        for (auto& point : series.points) {
          if (time) continue; // the x of a time axis is a timestamp
          point.x = odd + point.x;
          point.text = odd;
        }
      }
    }
    const ScratchDir dir;
    const std::string image = odd + extension;
    const std::string gp = script_text(figure, files_for(dir / image));
    for (const std::string& line :
         {"outfile = \"./" + odd_file_name + extension + "\"\n",
          "plot \"./" + odd_file_name + ".dat\" index 0 ", std::string("title '$x \"q'''"),
          std::string("set ylabel '$x \"q'''\n")}) {
      EXPECT_NE(gp.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << gp;
    }
    // No line break got into a comment or a string and split a command.
    EXPECT_EQ(std::count(gp.begin(), gp.end(), '\n'),
              std::count(plain_script.begin(), plain_script.end(), '\n'))
        << gp;
    if (!find_gnuplot()) continue;
    const Outcome outcome = draw(figure, dir / image);
    EXPECT_TRUE(outcome.rendered) << outcome.message;
    EXPECT_GT(std::filesystem::file_size(dir / image), 0u);
    EXPECT_EQ(names_in(dir.path()),
              (std::vector<std::string>{odd + ".dat", odd + ".gp", odd + extension}));
  }
}

} // namespace
} // namespace epochcost::plot

namespace epochcost::report {
namespace {

compare::Row row(const std::string& gpu, std::int64_t gpus, double epoch_s, double cost) {
  compare::Row r;
  r.gpu = gpu;
  r.gpus = gpus;
  r.precision = "bf16";
  r.batch_per_device = 8;
  r.epoch_s = epoch_s;
  r.cost_per_epoch = cost;
  return r;
}

TEST(PlotFigures, ComparisonHasCostAndEpochTimePerRow) {
  compare::Comparison c;
  c.workload = "decoder tiny";
  c.currency = "CNY";
  c.rows = {row("A100-SXM4-80GB", 4, 600, 1.5), row("RTX-3090", 1, 1200, 0.5),
            row("RTX-3090", 1, 1300, 0.6)};
  c.rows[0].cost_per_epoch_ci95 = std::array<double, 2>{1.4, 1.6};
  c.rows[1].epoch_s_ci95 = std::array<double, 2>{1140, 1260};
  c.rows[1].accumulation_steps = 2;
  const plot::Figure f = comparison_figure(c);
  ASSERT_EQ(f.panels.size(), 2u);
  EXPECT_EQ(f.x_axis, plot::XAxis::categories);
  EXPECT_EQ(f.panels[0].y_label, "cost per epoch (CNY)");
  EXPECT_EQ(f.panels[1].y_label, "epoch time (min)");
  const auto& cost = f.panels[0].series.at(0).points;
  ASSERT_EQ(cost.size(), 3u);
  EXPECT_EQ(cost[0].x, "A100-SXM4-80GB ×4 bf16 b8");
  EXPECT_EQ(cost[1].x, "RTX-3090 ×1 bf16 b8×2");
  EXPECT_EQ(cost[2].x, "RTX-3090 ×1 bf16 b8");
  EXPECT_DOUBLE_EQ(cost[0].y, 1.5);
  EXPECT_EQ(cost[0].low, 1.4);
  EXPECT_EQ(cost[0].high, 1.6);
  EXPECT_FALSE(cost[1].low);
  EXPECT_EQ(cost[0].text, "1.50 CNY");
  const auto& epoch = f.panels[1].series.at(0).points;
  EXPECT_DOUBLE_EQ(epoch[1].y, 20); // 1200 s in minutes, with its CI
  EXPECT_DOUBLE_EQ(*epoch[1].low, 19);
  EXPECT_DOUBLE_EQ(*epoch[1].high, 21);
  EXPECT_FALSE(epoch[0].low);
  // Two rows that would read the same are told apart by their number.
  c.rows[1].accumulation_steps = 1;
  EXPECT_EQ(comparison_label(c, 1), "RTX-3090 ×1 bf16 b8 (#2)");
  EXPECT_EQ(comparison_label(c, 0), "A100-SXM4-80GB ×4 bf16 b8");
}

history::Entry entry(const std::string& gpu, const std::string& when, double t_batch_s,
                     const std::string& currency) {
  history::Entry e;
  e.workload = "w1";
  e.workload_description = "mlp";
  e.gpu = gpu;
  e.batch_size = 32;
  e.devices = 1;
  e.timestamp = when;
  e.t_batch_s = t_batch_s;
  e.t_batch_ci95_low = t_batch_s * 0.9;
  e.t_batch_ci95_high = t_batch_s * 1.1;
  e.cost_per_epoch = 2;
  e.currency = currency;
  return e;
}

TEST(PlotFigures, TrendHasOneLinePerWorkloadAndGpuAndOneCostPanelPerCurrency) {
  const plot::Figure f = trend_figure({entry("H100", "2026-01-01T00:00:00.000Z", 0.02, "USD"),
                                       entry("H100", "2026-01-02T00:00:00.000Z", 0.03, "EUR"),
                                       entry("L4", "2026-01-01T00:00:00.000Z", 0.05, "USD")});
  EXPECT_EQ(f.x_axis, plot::XAxis::time);
  ASSERT_EQ(f.panels.size(), 3u);
  EXPECT_EQ(f.panels[0].y_label, "T_batch (ms)");
  EXPECT_EQ(f.panels[1].y_label, "cost per epoch (USD)");
  EXPECT_EQ(f.panels[2].y_label, "cost per epoch (EUR)");
  ASSERT_EQ(f.panels[0].series.size(), 2u);
  EXPECT_EQ(f.panels[0].series[0].name, "mlp on H100, batch 32 × 1");
  EXPECT_EQ(f.panels[0].series[1].name, "mlp on L4, batch 32 × 1");
  const auto& h100 = f.panels[0].series[0].points;
  ASSERT_EQ(h100.size(), 2u);
  EXPECT_EQ(h100[1].x, "2026-01-02T00:00:00.000Z");
  EXPECT_DOUBLE_EQ(h100[1].y, 30);
  EXPECT_NEAR(*h100[1].low, 27, 1e-9);
  EXPECT_EQ(f.panels[1].series.size(), 2u);
  ASSERT_EQ(f.panels[2].series.size(), 1u);
  EXPECT_EQ(f.panels[2].series[0].points.size(), 1u);
  EXPECT_FALSE(f.panels[2].series[0].points[0].low); // no cost interval recorded
}

} // namespace
} // namespace epochcost::report
