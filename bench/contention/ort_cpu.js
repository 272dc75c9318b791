// ONNX Runtime (CPU EP, through onnxruntime-node) latency with each run's process CPU time, the
// peer's side of luodi-bench's "cpu time" line (see contend_models.py).
// usage: node ort_cpu.js MODEL.onnx INPUT.npy [--threads N] [--runs N]
// Prints one JSON line: median_ms, min_ms (wall) and cpu_median_ms, cpu_min_ms (process.cpuUsage,
// user + system, all threads: at one intra-op thread, the time the run had the CPU).
const fs = require('fs');
const ort = require(process.env.ORT_NODE || '/tmp/peers/node_modules/onnxruntime-node');

function loadNpy(file) {  // little-endian float32 .npy, C order
  const b = fs.readFileSync(file);
  const n = b.readUInt16LE(8), head = b.toString('latin1', 10, 10 + n);
  if (!/'descr': '<f4'/.test(head)) throw new Error(file + ': not float32');
  const dims = /'shape': \(([^)]*)\)/.exec(head)[1].split(',').map(s => s.trim()).filter(Boolean).map(Number);
  const bytes = b.subarray(10 + n);
  return { dims, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) };
}

async function main() {
  const a = process.argv.slice(2);
  const flag = (k, d) => { const i = a.indexOf(k); if (i < 0) return d; const v = a[i + 1]; a.splice(i, 2); return v; };
  const threads = Number(flag('--threads', 1)), runs = Number(flag('--runs', 20));
  const [model, input] = a;
  const s = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const x = loadNpy(input);
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims) };
  for (let i = 0; i < 4; i++) await s.run(feeds);
  const wall = [], cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    await s.run(feeds);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const med = v => [...v].sort((p, q) => p - q)[v.length >> 1];
  console.log(JSON.stringify({ median_ms: med(wall), min_ms: Math.min(...wall), cpu_median_ms: med(cpu), cpu_min_ms: Math.min(...cpu) }));
}
main().catch(e => { console.error(e.message); process.exit(1); });
