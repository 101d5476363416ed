#include "compiler/report/report_html.h"

#include <string_view>

#include "compiler/common/error.h"

// compiler/report/report_assets.S.in: the page template and the libraries.
extern "C" const char kiln_report_template[], kiln_report_template_end[];
extern "C" const char kiln_vega_js[], kiln_vega_js_end[];
extern "C" const char kiln_vega_lite_js[], kiln_vega_lite_js_end[];

namespace kiln {
namespace {

std::string_view asset(const char* begin, const char* end) {
  return {begin, static_cast<size_t>(end - begin)};
}

// Puts `value` where `marker` stands in `page` (once).
void fill(std::string& page, std::string_view marker, std::string_view value) {
  const size_t at = page.find(marker);
  if (at == std::string::npos)
    throw Error(ErrorKind::kBadModel, "report template: marker missing: " + std::string(marker));
  page.replace(at, marker.size(), value);
}

}  // namespace

const char* report_chart_libraries() { return KILN_REPORT_CHART_LIBRARIES; }

std::string report_html(const nlohmann::json& report) {
  // Inside <script>, "</" could end the element: JSON allows "<\/" instead.
  // Names from a model file need not be UTF-8: invalid bytes become U+FFFD.
  std::string data = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 3))
    data.replace(at, 2, "<\\/");
  std::string page(asset(kiln_report_template, kiln_report_template_end));
  // The data goes in last: it may hold any text, markers included.
  fill(page, "/*KILN_VEGA*/", asset(kiln_vega_js, kiln_vega_js_end));
  fill(page, "/*KILN_VEGA_LITE*/", asset(kiln_vega_lite_js, kiln_vega_lite_js_end));
  fill(page, "/*KILN_DATA*/", data);
  return page;
}

}  // namespace kiln
