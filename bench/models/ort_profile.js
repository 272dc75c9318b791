// Per-node times of ONNX Runtime (CPU EP) on one model, to set beside `luodi-bench --profile`.
// usage: node ort_profile.js MODEL.onnx INPUT.npy [--threads N] [--runs N]
// Prints one JSON line per node: {"node","op","inputs","outputs","ms"} (shapes as "1x3x224x224") (median over the runs of the node's kernel
// time in ORT's own profiler), then a line {"total_ms"} with the median session.run latency.
// ORT names the nodes it fused after the first of them (e.g. a Conv that absorbed its Relu).
const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require(process.env.ORT_NODE || '/tmp/peers/node_modules/onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.slice(10, 10 + hlen).toString('latin1');
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  if (!header.includes("'<f4'")) throw new Error('only float32 npy: ' + header);
  return { shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + hlen, buf.byteOffset + buf.length)) };
}

const median = a => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

async function main() {
  const args = process.argv.slice(2);
  const opt = (k, d) => { const i = args.indexOf(k); if (i < 0) return d; const v = args[i + 1]; args.splice(i, 2); return v; };
  const threads = Number(opt('--threads', 1));
  const runs = Number(opt('--runs', 20));
  const [model, input] = args;
  const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ortprof-')), 'p');
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: prefix,
  });
  const x = readNpy(input);
  const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  for (let i = 0; i < 3; i++) await sess.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await sess.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await sess.endProfiling();
  const dir = path.dirname(prefix);
  const file = fs.readdirSync(dir).map(f => path.join(dir, f)).find(f => f.endsWith('.json'));
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  // Kernel-time events of the node runs; the first 3 + runs sessions are all in the file, keep
  // the last `runs` per node.
  const per = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!per.has(name)) {
      const a = e.args || {};
      const shapes = t => (t || []).map(o => Object.values(o)[0].join('x'));
      per.set(name, { op: a.op_name || '?', inputs: shapes(a.input_type_shape), outputs: shapes(a.output_type_shape), us: [] });
    }
    per.get(name).us.push(e.dur);
  }
  for (const [name, v] of per) {
    console.log(JSON.stringify({ node: name, op: v.op, inputs: v.inputs, outputs: v.outputs, ms: median(v.us.slice(-runs)) / 1000 }));
  }
  console.log(JSON.stringify({ total_ms: median(times) }));
}
main().catch(e => { console.error(e.message); process.exit(1); });
