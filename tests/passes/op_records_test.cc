// Every op kind of ir/op_kinds.h has a complete record, and the records
// agree with each other: the lookups the importers and passes rely on.
// docs/onnx.md stays true to the ONNX ops the importer takes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "compiler/import/onnx/importer.h"
#include "compiler/ops/op_record.h"
#include "compiler/tflite/builtin_names.h"

namespace kiln {
namespace {

std::vector<ir::OpKind> all_kinds() {
  return {
#define KILN_TEST_KIND(kind, name, min_inputs, max_inputs, outputs) ir::OpKind::kind,
      KILN_OP_KINDS(KILN_TEST_KIND)
#undef KILN_TEST_KIND
  };
}

TEST(OpRecords, EveryKindHasACompleteRecord) {
  for (ir::OpKind kind : all_kinds()) {
    SCOPED_TRACE(ir::op_kind_name(kind));
    const OpRecord* record = find_op_record(kind);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->kind, kind);
    EXPECT_NE(record->lower, nullptr);
    if (!record->traits.control_flow) {
      EXPECT_TRUE(record->tflite.builtins[0] >= 0 || record->tflite.custom_code != nullptr)
          << "no TFLite builtin or custom code reads as this kind";
    }
    const OpTraits& t = record->traits;
    if (t.weighted()) {
      EXPECT_EQ(t.inputs[0], InputRole::kData);
      EXPECT_EQ(t.inputs[2], InputRole::kBias);
      EXPECT_GE(t.weights_axis, 0);
    }
    if (t.int8_output == OutputQuantization::kFixed) {
      EXPECT_GT(t.fixed_scale, 0.0f);
    }
  }
  EXPECT_EQ(find_op_record(ir::OpKind::kUnsupported), nullptr);
}

TEST(OpRecords, EachTfliteCustomCodeReadsAsOneKind) {
  std::set<std::string> seen;
  for (ir::OpKind kind : all_kinds()) {
    const char* code = find_op_record(kind)->tflite.custom_code;
    if (code == nullptr) continue;
    SCOPED_TRACE(code);
    EXPECT_TRUE(seen.insert(code).second) << "claimed by two records";
    ASSERT_NE(find_tflite_custom_record(code), nullptr);
    EXPECT_EQ(find_tflite_custom_record(code)->kind, kind);
  }
  EXPECT_EQ(seen.size(), 11u);  // TFLite Micro's signal ops
  EXPECT_EQ(find_tflite_custom_record("SignalDelay"), nullptr);
}

TEST(OpRecords, EachTfliteBuiltinReadsAsOneKind) {
  std::set<int> seen;
  for (ir::OpKind kind : all_kinds()) {
    for (int16_t code : find_op_record(kind)->tflite.builtins) {
      if (code < 0) continue;
      SCOPED_TRACE(tflite_format::builtin_name(code));
      EXPECT_TRUE(seen.insert(code).second) << "claimed by two records";
      ASSERT_NE(find_tflite_record(code), nullptr);
      EXPECT_EQ(find_tflite_record(code)->kind, kind);
    }
  }
}

// The importer tries its own converters first: an op type with a converter
// and a record would never reach the record.
TEST(OpRecords, EachOnnxOpTypeReadsAsOneKindOrHasAConverter) {
  std::vector<std::string> converted;
  onnx_import::supported_op_types(&converted);
  std::set<std::string> seen(converted.begin(), converted.end());
  for (ir::OpKind kind : all_kinds()) {
    for (const char* type : find_op_record(kind)->onnx.op_types) {
      if (!type) continue;
      SCOPED_TRACE(type);
      EXPECT_TRUE(seen.insert(type).second)
          << "read by two records, or by a record and a converter";
      ASSERT_NE(find_onnx_record(type), nullptr);
      EXPECT_EQ(find_onnx_record(type)->kind, kind);
      EXPECT_NE(find_op_record(kind)->onnx.pattern, OnnxPattern::kNone);
    }
  }
}

// docs/onnx.md names every ONNX op kiln imports.
TEST(OpRecords, OnnxDocumentationListsEveryImportedOp) {
  std::ifstream file(std::string(KILN_SOURCE_DIR) + "/docs/onnx.md");
  ASSERT_TRUE(file) << "docs/onnx.md";
  std::stringstream doc;
  doc << file.rdbuf();
  for (const std::string& type : onnx_import::supported_op_types())
    EXPECT_NE(doc.str().find("`" + type + "`"), std::string::npos)
        << type << " is not in docs/onnx.md";
}

}  // namespace
}  // namespace kiln
