// plantwin-viewer: replay a result file or watch a running simulation.
//
//   plantwin-viewer run.h5
//   plantwin-viewer --attach localhost:7000
//   plantwin-viewer run.h5 --time 2h --screenshot out.png [--size 1280x800] [--layout-json
//   boxes.json] plantwin-viewer run.h5 --benchmark-frames 300

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <fmt/format.h>
#include <imgui.h>
#include <CLI/CLI.hpp>

#include "app.h"
#include "layout.h"
#include "plantwin/units.h"
#include "png.h"

using namespace plantwin::viewer;

namespace {

std::string ini_path() {
  std::filesystem::path dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    dir = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    dir = std::filesystem::path(h) / ".config";
  else
    return "";
  dir /= "plantwin";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? "" : (dir / "viewer.ini").string();
}

constexpr const char* kUiFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kDiagramFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

/// `s` as a JSON string, quotes included.
std::string json_text(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    else
      out += c;
  }
  return out + "\"";
}

void apply_style() {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 3;
  s.FrameRounding = 2;
}

}  // namespace

namespace {
// The layout of the material flow as scenario positions, one `--set` override a line: the cell
// of each flow component (x to the right, y down, in cells of the diagram), so that a layout the
// viewer made can be kept and edited in the scenario. Written to a temporary file and renamed,
// so an interrupted write leaves the old file.
void write_positions(const DataSource& data, const std::string& path) {
  const Placement p = layout(data);
  std::string text = fmt::format(
      "# The layout plantwin-viewer made of {}, as scenario positions (x to the right, y down,\n"
      "# in cells of the diagram). Paste each under its component as `position: [x, y]`, or\n"
      "# pass the lines as overrides:\n"
      "#   plantwin run FILE $(grep -v '^#' {} | sed 's/^/--set /')\n",
      data.title, std::filesystem::path(path).filename().string());
  // Cells counted from the flow's top-left box, to two decimals (a wrapped row sits a little
  // lower than a whole cell).
  double left = INFINITY, top = INFINITY;
  for (const NodePlace& n : p.nodes)
    if (n.in_flow) left = std::min(left, double{n.box.x0}), top = std::min(top, double{n.box.y0});
  for (std::size_t i = 0; i < p.nodes.size() && i < data.components.size(); ++i) {
    const NodePlace& n = p.nodes[i];
    if (!n.in_flow) continue;  // the others are placed below the flow, by type
    const double x = std::round((n.box.x0 - left) / p.metrics.cell_w * 100) / 100;
    const double y = std::round((n.box.y0 - top) / p.metrics.cell_h * 100) / 100;
    text += fmt::format("components.{}.position=[{},{}]\n", data.components[i].name, x, y);
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::filesystem::remove(tmp);
      throw std::runtime_error("cannot write " + tmp);
    }
  }
  std::filesystem::rename(tmp, path);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"plantwin-viewer: watch a plant, replayed from a result file or live"};
  std::string file, attach_to, time_text, screenshot, size = "1280x800", layout_json;
  int benchmark_frames = 0;
  double wait_s = 0;
  bool play = false;
  cli.add_option("FILE", file, "result file (HDF5) written by plantwin run --output");
  cli.add_option("--attach", attach_to,
                 "watch a running simulation: HOST:PORT of plantwin run --serve");
  cli.add_option("--time", time_text,
                 "show the plant at this simulated time (e.g. \"6 s\", \"2 h\")");
  cli.add_option("--screenshot", screenshot, "render one frame to this PNG file and exit");
  cli.add_option("--size", size, "window size WIDTHxHEIGHT (default 1280x800)");
  cli.add_option("--layout-json", layout_json,
                 "with --screenshot: write where each component was drawn");
  cli.add_option("--benchmark-frames", benchmark_frames,
                 "render N frames while playing; print the frame time")
      ->check(CLI::PositiveNumber);
  cli.add_option("--wait", wait_s,
                 "with --attach and --screenshot: receive data this many seconds first");
  cli.add_flag("--play", play, "start playing");
  std::string select;
  cli.add_option("--select", select, "select this component, as a click on it does");
  std::string run_case;
  int run_replication = 0;
  cli.add_option("--case", run_case,
                 "an experiment file: open this case's recorded run (plantwin sweep "
                 "--record-signals) instead of the comparison");
  cli.add_option("--replication", run_replication, "with --case: which recorded replication")
      ->check(CLI::NonNegativeNumber);
  std::string chart_kpi;
  cli.add_option("--kpi", chart_kpi,
                 "an experiment's sweep: chart this KPI (component.name, e.g. line.throughput)");
  std::string save_positions;
  cli.add_option("--save-positions", save_positions,
                 "write the diagram's layout of the flow as `position:` overrides to this file "
                 "and exit (no window)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (file.empty() == attach_to.empty()) {
    fmt::print(stderr, "give a result file or --attach HOST:PORT (one of them)\n");
    return 2;
  }
  int width = 1280, height = 800;
  if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 || width < 200 || height < 150) {
    fmt::print(stderr, "--size: expected WIDTHxHEIGHT such as 1280x800, got \"{}\"\n", size);
    return 2;
  }
  std::unique_ptr<DataSource> data;
  try {
    data = file.empty() ? attach(attach_to) : open_file(file);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 2;
  }
  if (!save_positions.empty()) {
    try {
      write_positions(*data, save_positions);
    } catch (const std::exception& e) {
      fmt::print(stderr, "--save-positions: {}\n", e.what());
      return 2;
    }
    return 0;
  }
  App app(std::move(data));
  if (!run_case.empty()) {
    const auto& cases = app.data().cases;
    const auto it = std::find(cases.begin(), cases.end(), run_case);
    if (it == cases.end()) {
      fmt::print(stderr, "--case: no case \"{}\" in {}{}\n", run_case, file,
                 cases.empty() ? " (not an experiment file)" : "");
      return 2;
    }
    try {
      app.open_run(static_cast<int>(it - cases.begin()), run_replication);
    } catch (const std::exception& e) {
      fmt::print(stderr, "--case: {}\n", e.what());
      return 2;
    }
  }
  if (!time_text.empty()) {
    std::string why;
    auto t = plantwin::parse_quantity(time_text, plantwin::Dimension::kTime, &why);
    if (!t) {
      fmt::print(stderr, "--time: {}\n", why);
      return 2;
    }
    app.set_time(*t);
  }
  app.set_playing(play || benchmark_frames > 0);
  if (!select.empty()) {
    const int i = app.data().component_index(select);
    if (i < 0) {
      fmt::print(stderr, "--select: no component \"{}\" in {}\n", select, app.data().title);
      return 2;
    }
    app.select_component(i);
  }

  if (!chart_kpi.empty() && !app.set_chart_kpi(chart_kpi)) {
    fmt::print(stderr, "--kpi: no KPI \"{}\" in the cases of {}\n", chart_kpi, app.data().title);
    return 2;
  }

  const bool headless = !screenshot.empty() || benchmark_frames > 0;
  if (!glfwInit()) {
    fmt::print(stderr, "cannot open a window: no display (under CI, run it with xvfb-run)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_RESIZABLE, headless ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(
      width, height, ("plantwin-viewer: " + app.data().title).c_str(), nullptr, nullptr);
  if (!window) {
    fmt::print(stderr,
               "cannot create an OpenGL 3.0 window (no GL driver? under CI: xvfb-run with Mesa, "
               "LIBGL_ALWAYS_SOFTWARE=1)\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(headless ? 0 : 1);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  static std::string ini;
  ImGuiIO& io = ImGui::GetIO();
  if (headless) {
    io.IniFilename = nullptr;  // a screenshot must not depend on the user's saved layout
  } else {
    ini = ini_path();
    io.IniFilename = ini.empty() ? nullptr : ini.c_str();
  }
  apply_style();
  // DejaVu (fonts-dejavu-core) reads better than ImGui's bitmap font, above all scaled in the
  // diagram, which draws names with the monospaced one (the layout counts characters).
  if (std::filesystem::exists(kUiFont) && std::filesystem::exists(kDiagramFont)) {
    io.Fonts->AddFontFromFileTTF(kUiFont, 15.0f);
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    app.set_diagram_font(io.Fonts->AddFontFromFileTTF(kDiagramFont, 26.0f, &cfg));
  }
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  auto render = [&](float dt) {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    app.frame(dt, static_cast<float>(fw), static_cast<float>(fh));
    ImGui::Render();
    glViewport(0, 0, fw, fh);
    glClearColor(0.09f, 0.10f, 0.12f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  };

  int rc = 0;
  if (!screenshot.empty()) {
    const double keep = app.time();
    const auto start = std::chrono::steady_clock::now();
    // Live: receive for `wait` seconds first; then a few frames settle ImGui's layout.
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
           wait_s) {
      render(0);
      glfwSwapBuffers(window);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!time_text.empty()) app.set_time(keep);
    for (int i = 0; i < 3; ++i) {
      render(0);
      if (i < 2) glfwSwapBuffers(window);
    }
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    glFinish();
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(fw) * fh * 4), flipped(pixels.size());
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, fw, fh, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    for (int y = 0; y < fh; ++y)
      std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(y) * fw * 4, fw * 4,
                  flipped.begin() + static_cast<std::ptrdiff_t>(fh - 1 - y) * fw * 4);
    try {
      write_png(screenshot, fw, fh, flipped);
      if (!layout_json.empty()) {
        std::ofstream j(layout_json);
        j << "{\"width\": " << fw << ", \"height\": " << fh << ", \"time\": " << app.time()
          << ", \"status\": \"" << app.data().status()
          << "\", \"samples\": " << (app.data().series.empty() ? 0 : app.data().series[0].t.size())
          << ", \"first_sample\": "
          << (app.data().series.empty() || app.data().series[0].t.empty()
                  ? std::string("null")
                  : fmt::format("{}", app.data().series[0].t.front()))
          << ", \"alarms\": " << app.alarms_raised()
          << ", \"active_alarms\": " << app.alarms_active()
          << ", \"kpi_rows\": " << app.kpi_rows().size() << ", \"plotted\": ["
          << fmt::format("\"{}\"", fmt::join(app.plotted(), "\", \"")) << "]"
          << ", \"kpis\": " << app.data().kpis.size() << ", \"kpi_time\": "
          << (std::isfinite(app.data().kpi_time) ? fmt::format("{}", app.data().kpi_time)
                                                 : std::string("null"))
          << ", \"boxes\": [";
        for (std::size_t i = 0; i < app.boxes().size(); ++i) {
          const auto& b = app.boxes()[i];
          j << (i ? ", " : "") << "{\"name\": " << json_text(b.name)
            << ", \"type\": " << json_text(b.type) << ", \"x0\": " << b.x0 << ", \"y0\": " << b.y0
            << ", \"x1\": " << b.x1 << ", \"y1\": " << b.y1 << ", \"label\": [" << b.label.x0
            << ", " << b.label.y0 << ", " << b.label.x1 << ", " << b.label.y1
            << "], \"next_to\": " << json_text(b.next_to) << "}";
        }
        j << "], \"gantt\": [";
        for (std::size_t i = 0; i < app.gantt_rows().size(); ++i) {
          const auto& g = app.gantt_rows()[i];
          j << (i ? ", " : "") << "{\"name\": " << json_text(g.name) << ", \"x0\": " << g.x0
            << ", \"y0\": " << g.y0 << ", \"x1\": " << g.x1 << ", \"y1\": " << g.y1
            << ", \"t0\": " << g.t0 << ", \"t1\": " << g.t1 << "}";
        }
        j << "], \"feeds\": [";
        for (std::size_t i = 0; i < app.feeds().size(); ++i) {
          const auto& name = app.data().components[static_cast<std::size_t>(app.feeds()[i])].name;
          auto at = [&](const char* sig) {
            const auto* s = app.data().find(name + "." + sig);
            const double v = s ? s->at(app.time()) : std::nan("");
            return std::isfinite(v) ? fmt::format("{}", v) : std::string("null");
          };
          j << (i ? ", " : "") << "{\"name\": " << json_text(name)
            << ", \"received\": " << at("received") << ", \"applied\": " << at("applied")
            << ", \"rejected\": " << at("rejected") << "}";
        }
        j << "], \"wear\": [";
        for (std::size_t i = 0; i < app.wear_bars().size(); ++i) {
          const auto& w = app.wear_bars()[i];
          j << (i ? ", " : "") << "{\"name\": " << json_text(w.name) << ", \"x0\": " << w.x0
            << ", \"y0\": " << w.y0 << ", \"x1\": " << w.x1 << ", \"y1\": " << w.y1
            << ", \"wear\": " << fmt::format("{}", w.wear) << "}";
        }
        j << "], \"bars\": [";
        for (std::size_t i = 0; i < app.bars().size(); ++i) {
          const auto& b = app.bars()[i];
          j << (i ? ", " : "") << "{\"kpi\": " << json_text(b.kpi)
            << ", \"case\": " << json_text(b.case_name) << ", \"x0\": " << b.x0
            << ", \"y0\": " << b.y0 << ", \"x1\": " << b.x1 << ", \"y1\": " << b.y1
            << ", \"lo\": " << b.lo << ", \"hi\": " << b.hi << ", \"y\": " << b.y
            << ", \"mean\": " << fmt::format("{}", b.mean) << ", \"half_width\": "
            << (std::isfinite(b.half_width) ? fmt::format("{}", b.half_width) : "null")
            << ", \"different\": " << (b.different ? "true" : "false") << "}";
        }
        const DrawnSweep& sw = app.sweep_chart();
        j << "], \"sweep\": {\"kind\": " << json_text(sw.kind) << ", \"kpi\": " << json_text(sw.kpi)
          << ", \"keys\": [";
        if (app.sweep())
          for (std::size_t i = 0; i < app.sweep()->axes.size(); ++i)
            j << (i ? ", " : "") << json_text(app.sweep()->axes[i].key);
        j << "], \"x0\": " << sw.x0 << ", \"y0\": " << sw.y0 << ", \"x1\": " << sw.x1
          << ", \"y1\": " << sw.y1 << fmt::format(", \"x_lo\": {}, \"x_hi\": {}", sw.x_lo, sw.x_hi)
          << fmt::format(", \"y_lo\": {}, \"y_hi\": {}", sw.y_lo, sw.y_hi)
          << fmt::format(", \"v_lo\": {}, \"v_hi\": {}", sw.v_lo, sw.v_hi) << ", \"points\": [";
        for (std::size_t i = 0; i < sw.points.size(); ++i) {
          const auto& p = sw.points[i];
          j << (i ? ", " : "") << "{\"case\": " << json_text(p.case_name)
            << fmt::format(", \"x\": {}, \"y\": {}, \"mean\": {}", p.x, p.y, p.mean)
            << ", \"half_width\": "
            << (std::isfinite(p.half_width) ? fmt::format("{}", p.half_width) : "null")
            << ", \"px\": " << p.px << ", \"py\": " << p.py << ", \"cell\": [" << p.cx0 << ", "
            << p.cy0 << ", " << p.cx1 << ", " << p.cy1 << "]}";
        }
        j << "]}}\n";
      }
      fmt::print("{}: {}x{} at t = {} s ({})\n", screenshot, fw, fh, app.time(),
                 app.data().status());
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", e.what());
      rc = 1;
    }
  } else if (benchmark_frames > 0) {
    render(0);
    glfwSwapBuffers(window);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < benchmark_frames; ++i) {
      render(1.0f / 60);
      glFinish();
      glfwSwapBuffers(window);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
        benchmark_frames;
    fmt::print("components: {}\nframes: {}\nframe_ms: {:.2f}\n", app.data().components.size(),
               benchmark_frames, ms);
  } else {
    auto last = std::chrono::steady_clock::now();
    while (!glfwWindowShouldClose(window)) {
      const auto now = std::chrono::steady_clock::now();
      const float dt = std::chrono::duration<float>(now - last).count();
      last = now;
      render(dt);
      glfwSwapBuffers(window);
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return rc;
}
