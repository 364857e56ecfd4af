// Graph -> Graph rewrites run when a model is loaded. Each throws kite::Error naming the node at
// fault.
#pragma once
#include "graph/graph.h"

namespace kite {

// Structural checks: value indices in range, every value produced once, nodes in an order where
// each input exists before it is read (reordered topologically if needed), operators known, input
// counts within each operator's range.
void validate_graph(Graph& g);

// Reorders nodes so each comes after the producers of its inputs (stable); throws on a cycle.
void sort_topologically(Graph& g);

// Infers every value's dtype and shape in node order and evaluates, at load time, every node
// whose inputs are all constant (the Shape -> Gather -> Concat -> Reshape arithmetic exporters
// emit). Folded nodes are removed; their outputs become constants.
void infer_and_fold(Graph& g);

// Drops the nodes a rewrite marked removed by clearing their op.
void remove_cleared_nodes(Graph& g);

// Removes nodes whose outputs nobody reads and constants nobody uses.
void prune_unused(Graph& g);

// All three, in order: what Model::from_graph does.
void prepare_graph(Graph& g);

// For inference (a Session's own copy of the graph): folds BatchNormalization, a residual Add
// and ReLU / Clip into the convolution before them (as FusedConv). See fuse_conv.cpp.
void fuse_conv_epilogues(Graph& g);

// For inference: a constant zero Pad of the spatial axes feeding an AveragePool (with no pads and
// count_include_pad off) becomes that pool's pads, with count_include_pad on. See fuse_pad.cpp.
void fuse_pad_into_pool(Graph& g);

// Only the BatchNormalization folding of fuse_conv_epilogues, the convolutions staying ONNX
// Conv nodes: the form a quantizer works on (weights are quantized after folding).
void fold_batch_norms(Graph& g);

// For inference with int8 kernels: rewrites DequantizeLinear -> Conv (-> Relu / Clip) ->
// QuantizeLinear, DequantizeLinear -> Add (-> Relu) -> QuantizeLinear and DequantizeLinear ->
// GlobalAveragePool -> QuantizeLinear into kite's int8 operators (FusedQLinearConv,
// FusedQLinearAdd, QLinearGlobalAveragePool), and DequantizeLinear -> Gemm with int8 weights and a
// float result into FusedQLinearGemm; MaxPool, Concat, Reshape and Flatten between
// DequantizeLinear and QuantizeLinear of the same scale and zero point run on the quantized
// values directly. What remains of DequantizeLinear on constant weights is computed once. See
// fuse_qdq.cpp.
void fuse_qdq(Graph& g);

}  // namespace kite
