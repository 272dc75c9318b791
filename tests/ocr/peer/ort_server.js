// ONNX Runtime as a reference backend for the OCR tests: a long-lived process that runs models
// on .npy files. One request per stdin line, one reply per stdout line:
//   run <model.onnx> <input.npy> <output.npy>   ->  ok <milliseconds> | error <message>
// Sessions are cached per model path. Single thread, all graph optimisations (as ort_run.js).
// The module comes from ORT_NODE or /tmp/peers/node_modules/onnxruntime-node.
'use strict';
const fs = require('fs');
const readline = require('readline');
let ort;
try {
  ort = require(process.env.ORT_NODE || '/tmp/peers/node_modules/onnxruntime-node');
} catch (e) {
  process.stdout.write('error onnxruntime-node is not installed: ' + e.message.split('\n')[0] + '\n');
  process.exit(3);
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.slice(10, 10 + hlen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error('only float32 .npy: ' + header);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + hlen, buf.byteOffset + buf.length));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

const sessions = new Map();
async function session(model) {
  if (!sessions.has(model)) {
    sessions.set(model, await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    }));
  }
  return sessions.get(model);
}

async function handle(line) {
  const [cmd, model, input, output] = line.trim().split(' ');
  if (cmd !== 'run' || !output) throw new Error('bad request: ' + line);
  const s = await session(model);
  const x = readNpy(input);
  const t0 = process.hrtime.bigint();
  const res = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const y = res[s.outputNames[0]];
  writeNpy(output, y.dims, y.data);
  return ms;
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', line => {
  chain = chain.then(() => handle(line))
    .then(ms => process.stdout.write(`ok ${ms.toFixed(3)}\n`))
    .catch(e => process.stdout.write('error ' + String(e.message).replace(/\n/g, ' ') + '\n'));
});
