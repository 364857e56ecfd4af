// --precision fp32|fp16|int8 of kite run, eval and bench: which model each precision runs.
#pragma once
#include <string>

#include "kite/model.h"
#include "kite/session.h"

namespace kite::cli {

// For --precision's validator (CLI11): "" for a precision kite knows, else the message (exit 2).
std::string check_precision(const std::string& precision);

// The model to run at `precision`:
//   fp32: the model as loaded;
//   fp16: every weight that `kite convert --fp16` stores as fp16 rounded to fp16 and back, the
//         numbers a --fp16 .kite file gives (a model loaded from such a file is returned as it is);
//   int8: quantize_for_precision.
// Throws UsageError (exit 2) for a precision kite does not know or cannot run yet.
Model apply_precision(const Model& model, const std::string& precision);

// The session options `precision` asks for: fp16 turns on SessionOptions::fp16_arithmetic.
void apply_precision(const std::string& precision, SessionOptions& options);
// Says on stderr what --precision fp16 means on a CPU without fp16 arithmetic (fp16 weights, fp32
// sums); nothing otherwise. Once per command.
void note_precision(const std::string& precision);

// Whether the model is quantized already (QDQ or QLinear operators): it runs in int8 as it is.
bool holds_int8(const Model& model);

// --precision int8: the model the int8 path runs (tools/kite/precision_int8.cpp).
Model quantize_for_precision(const Model& model);

}  // namespace kite::cli
