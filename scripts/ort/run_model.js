// Runs an ONNX model with ONNX Runtime (CPU, all graph optimizations) on one .npy input and
// writes its first output as .npy: the peer kite's outputs are checked against.
// Usage: node run_model.js MODEL.onnx INPUT.npy OUTPUT.npy [THREADS]
'use strict';
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

async function main() {
  const [model, input, output, threads] = process.argv.slice(2);
  if (!output) throw new Error('usage: node run_model.js MODEL.onnx INPUT.npy OUTPUT.npy [THREADS]');
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(threads || 1),
    interOpNumThreads: 1,
  });
  const x = readNpy(input);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  const result = await session.run(feeds);
  const y = result[session.outputNames[0]];
  writeNpy(output, y.dims, y.data);
}

main().catch((e) => {
  console.error(`run_model.js: ${e.message}`);
  process.exit(1);
});
