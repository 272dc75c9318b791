// ONNX Runtime's time for each single-op model made by make_ops_models.py, from ORT's own
// profiler: per run, the sum of the kernel times of every node ORT executed (for pooling that
// includes the NCHW <-> NCHWc reorders ORT inserts around the op, since luodi's kernel works on
// NCHW as given), both the median and the minimum over `runs` (on a loaded machine the minimum
// is the run that was not preempted). One thread. (Process CPU time is no good here: the
// binding copies the input and output tensors on every run.)
// Usage: node ort_ops.js MODELS_DIR [--runs 30] [--filter SUBSTRING]
// (needs onnxruntime-node in /tmp/peers, see /work/shared/guide/PERFORMANCE.md)
const fs = require('fs');
const path = require('path');
const ort = require(process.env.ORT_NODE || '/tmp/peers/node_modules/onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.slice(10, 10 + hlen).toString('latin1');
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + hlen, buf.byteOffset + buf.length));
  return { shape, data };
}

async function main() {
  const args = process.argv.slice(2);
  const dir = args[0];
  const ri = args.indexOf('--runs');
  const runs = ri >= 0 ? Number(args[ri + 1]) : 30;
  const fi = args.indexOf('--filter');
  const filter = fi >= 0 ? args[fi + 1].replace(/\//g, '__') : '';
  for (const name of fs.readdirSync(dir).sort()) {
    if (filter && !name.includes(filter)) continue;
    const d = path.join(dir, name);
    const prefix = path.join('/tmp', 'ort_prof_' + name);
    const sess = await ort.InferenceSession.create(path.join(d, 'model.onnx'), {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      enableProfiling: true, profileFilePrefix: prefix,
    });
    const x = readNpy(path.join(d, 'input.npy'));
    const feeds = { x: new ort.Tensor('float32', x.data, x.shape) };
    for (let i = 0; i < 5; i++) await sess.run(feeds);
    for (let i = 0; i < runs; i++) await sess.run(feeds);
    await sess.endProfiling();
    await sess.release();
    const base = path.basename(prefix);
    const file = fs.readdirSync('/tmp').filter(f => f.startsWith(base) && f.endsWith('.json')).map(f => path.join('/tmp', f))[0];
    const events = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.unlinkSync(file);
    // per run: sum the node kernel times inside each model_run event
    const runsEv = events.filter(e => e.name === 'model_run').slice(-runs);
    const nodes = events.filter(e => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    const within = (r) => nodes.filter(e => e.ts >= r.ts && e.ts <= r.ts + r.dur);
    const totals = runsEv.map(r => within(r).reduce((a, e) => a + e.dur, 0)).sort((a, b) => a - b);
    const ops_only = runsEv.map(r => within(r).filter(e => !(e.args && /^Reorder/.test(e.args.op_name)))
                                              .reduce((a, e) => a + e.dur, 0)).sort((a, b) => a - b);
    const ops = [...new Set(nodes.filter(e => e.args && e.args.op_name).map(e => e.args.op_name))];
    console.log(`${name.replace(/__/g, '/').padEnd(40)} min ${String(totals[0]).padStart(7)} us  median ${String(totals[totals.length >> 1]).padStart(7)} us  ` +
                `op only min ${String(ops_only[0]).padStart(7)} us  (${ops.join(',')})`);
  }
}
main().catch(e => { console.error(e.message); process.exit(1); });
