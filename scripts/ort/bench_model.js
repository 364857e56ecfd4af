// Times an ONNX model in ONNX Runtime (CPU, all graph optimizations) the way `kite bench` times
// kite: batch as the model says, --warmup untimed runs, then --loops timed ones.
// Usage: node bench_model.js MODEL.onnx THREADS LOOPS WARMUP
// Prints one JSON line: min/median/max ms, the process's peak RSS, and its RSS before the
// session was created (Node.js itself), so both can be reported.
'use strict';
const ort = require('onnxruntime-node');

function input(dims) {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let state = 12345;
  for (let i = 0; i < n; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = ((state | 0) >> 8) / (1 << 23) * 1.7;
  }
  return new ort.Tensor('float32', data, dims);
}

async function main() {
  const [model, threads, loops, warmup] = process.argv.slice(2);
  if (!warmup) throw new Error('usage: node bench_model.js MODEL.onnx THREADS LOOPS WARMUP');
  const baseRss = process.resourceUsage().maxRSS * 1024;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : 1)) : null;
  if (!dims) throw new Error('cannot read the input shape');
  const feeds = { [session.inputNames[0]]: input(dims) };
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < Number(loops); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const median = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ min_ms: ms[0], median_ms: median, max_ms: ms[ms.length - 1], peak_bytes: peak, node_base_bytes: baseRss }));
}

main().catch((e) => {
  console.error(`bench_model.js: ${e.message}`);
  process.exit(1);
});
