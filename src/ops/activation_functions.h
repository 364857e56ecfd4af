// The reference definitions of the activations that FusedConv can apply after its clamp, shared
// by the Sigmoid / HardSwish reference kernels and FusedConv's reference so the two agree.
#pragma once

namespace kite {

struct Node;

// FusedConv's "activation" attribute; throws on a name it does not know.
enum class FusedActivation { kNone, kSiLU, kHardSwish };
FusedActivation fused_activation(const Node& node);

float sigmoid_reference(float x);     // 1 / (1 + e^-x), evaluated in double
float hard_swish_reference(float x);  // x * max(0, min(1, x / 6 + 1 / 2))
float silu_reference(float x);        // x * sigmoid(x)

}  // namespace kite
