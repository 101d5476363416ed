// A `kiln report` as one HTML page that needs nothing else: Vega and
// Vega-Lite (from npm at build time) and the report's JSON are inlined, and
// the page draws its charts when opened, offline.
#ifndef KILN_COMPILER_REPORT_REPORT_HTML_H
#define KILN_COMPILER_REPORT_REPORT_HTML_H

#include <nlohmann/json.hpp>
#include <string>

namespace kiln {

std::string report_html(const nlohmann::json& report);

// The chart libraries the page inlines, "vega 5.33.1, vega-lite 5.23.0".
const char* report_chart_libraries();

}  // namespace kiln

#endif
