#include "compiler/tflite/builtin_names.h"

#include <cstring>

#include "tflite_schema_generated.h"

namespace kiln {
namespace tflite_format {

std::string builtin_name(int code) {
  const char* name = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code));
  return name && *name ? name : "BUILTIN_" + std::to_string(code);
}

int builtin_code(const std::string& name) {
  for (tflite::BuiltinOperator op : tflite::EnumValuesBuiltinOperator()) {
    if (name == tflite::EnumNameBuiltinOperator(op)) return static_cast<int>(op);
  }
  return -1;
}

}  // namespace tflite_format
}  // namespace kiln
