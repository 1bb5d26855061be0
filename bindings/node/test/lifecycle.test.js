'use strict';
// Node's loop rules, each in a child process: what keeps the process alive,
// what a clean exit is, workers, fds, and a million records.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runChild } = require('./helpers');

const PRELUDE = `
const evbpf = require('evbpf');
const PACKET = Buffer.alloc(64);
const obj = evbpf.open(process.env.EVBPF_FIXTURE).load();
const fds = () => require('node:fs').readdirSync('/proc/self/fd').length;
`;

function ok(r, what) {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal} (a consumer kept it alive?)\n${r.stderr}`);
  assert.equal(r.status, 0, `${what}: exit status ${r.status}\n${r.stderr}`);
  return r.stdout.trim().split('\n');
}

test('the process exits by itself once every consumer is closed', () => {
  const out = ok(runChild(`${PRELUDE}
    let n = 0;
    const rb = evbpf.ringbuf(obj.maps.events, () => { if (++n === 10) rb.close(); });
    let p = 0;
    const pb = evbpf.perfbuf(obj.maps.samples, () => { if (++p === 10) pb.close(); });
    const pm = evbpf.pollMap(obj.maps.counts, { intervalMs: 1 }, (s) => { if (s.seq === 3) pm.close(); });
    obj.programs.ring_emit.testRun({ data: PACKET, repeat: 10 });
    obj.programs.perf_emit.testRun({ data: PACKET, repeat: 10 });
    process.on('exit', () => console.log(n, p));
  `, { timeout: 120000 }), 'close');
  assert.deepEqual(out, ['10 10']);
});

test('an active consumer keeps the process alive; paused or unref()d ones do not', () => {
  // Active: still running when the timer fires, which then closes it.
  let out = ok(runChild(`${PRELUDE}
    const rb = evbpf.ringbuf(obj.maps.events, () => {});
    setTimeout(() => { console.log('alive', rb.hasRef()); rb.close(); }, 200).unref();
  `), 'active');
  assert.deepEqual(out, ['alive true']);
  // Paused: the process ends although the consumer is not closed.
  out = ok(runChild(`${PRELUDE}
    const rb = evbpf.ringbuf(obj.maps.events, () => {});
    const pm = evbpf.pollMap(obj.maps.counts, { intervalMs: 10 }, () => {});
    rb.pause(); pm.pause();
    setTimeout(() => console.log('timer ran'), 5000).unref();
    process.on('exit', () => console.log('exit', rb.closed, pm.closed));
  `), 'paused');
  assert.deepEqual(out, ['exit false false']);
  // unref(): still delivering while something else keeps the loop going.
  out = ok(runChild(`${PRELUDE}
    let n = 0;
    const rb = evbpf.ringbuf(obj.maps.events, () => n++).unref();
    obj.programs.ring_emit.testRun({ data: PACKET, repeat: 5 });
    setTimeout(() => console.log('delivered', n), 100);
    process.on('exit', () => console.log('exit', rb.closed));
  `), 'unref');
  assert.deepEqual(out, ['delivered 5', 'exit false']);
});

test('exit with consumers still open: no crash (process.exit and a natural end)', () => {
  for (const end of ['process.exit(0)', 'rb.unref(); pb.unref(); pm.unref()']) {
    const out = ok(runChild(`${PRELUDE}
      const rb = evbpf.ringbuf(obj.maps.events, () => {});
      const pb = evbpf.perfbuf(obj.maps.samples, () => {});
      const pm = evbpf.pollMap(obj.maps.counts, { intervalMs: 1 }, () => {});
      obj.programs.ring_emit.testRun({ data: PACKET, repeat: 3 });
      setTimeout(() => { console.log('ending'); ${end}; }, 20);
    `), end);
    assert.deepEqual(out, ['ending']);
  }
});

test('workers: each on its own loop; a worker ending with consumers open leaks no fds', () => {
  const out = ok(runChild(`
    const { Worker } = require('node:worker_threads');
    const fds = () => require('node:fs').readdirSync('/proc/self/fd').length;
    const code = \`
      const { parentPort } = require('node:worker_threads');
      ${PRELUDE.replace(/`/g, '\\`')}
      let n = 0;
      evbpf.ringbuf(obj.maps.events, (r) => {
        if (++n === 100) {
          parentPort.postMessage(n);
          // Leave everything open: the environment's cleanup closes it.
          evbpf.pollMap(obj.maps.counts, { intervalMs: 1 }, () => {});
          setTimeout(() => process.exit(0), 10);
        }
      });
      obj.programs.ring_emit.testRun({ data: PACKET, repeat: 100 });
    \`;
    // Two rounds of three concurrent workers: the first one warms up
    // what Node keeps per process (its own fds for workers), the second
    // must leave the fd count exactly where the first left it.
    function round(cb) {
      let done = 0;
      const results = [];
      for (let i = 0; i < 3; i++) {
        const w = new Worker(code, { eval: true, env: process.env });
        w.on('message', (m) => results.push(m));
        w.on('error', (e) => { console.log('error', e.message); process.exitCode = 1; });
        w.on('exit', () => { if (++done === 3) setTimeout(() => cb(results.join(',')), 50); });
      }
    }
    round((first) => {
      const before = fds();
      round((second) => console.log(first, second, fds() - before));
    });
  `, { timeout: 120000 }), 'workers');
  assert.deepEqual(out, ['100,100,100 100,100,100 0']);
});

test('no fd leaks: open, consume and close many times', () => {
  const out = ok(runChild(`${PRELUDE}
    obj.close();
    (async () => {
      const start = fds();
      for (let i = 0; i < 20; i++) {
        const o = evbpf.open(process.env.EVBPF_FIXTURE).load().attach();
        let n = 0;
        const rb = evbpf.ringbuf(o.maps.events, () => n++);
        const pb = evbpf.perfbuf(o.maps.samples, () => {});
        const pm = evbpf.pollMap(o.maps.counts, { intervalMs: 1 }, () => {});
        o.programs.ring_emit.testRun({ data: PACKET, repeat: 10 });
        await new Promise((r) => setTimeout(r, 5));
        if (n !== 10) throw new Error('got ' + n);
        if (i % 2) { rb.close(); pb.close(); pm.close(); }
        o.close(); // closes the consumers still open
      }
      await new Promise((r) => setImmediate(r));
      console.log('fds', fds() - start);
    })();
  `, { timeout: 120000 }), 'fds');
  assert.deepEqual(out, ['fds 0']);
});

test('1 M ring buffer records: nothing lost, in order, clean exit', () => {
  const out = ok(runChild(`${PRELUDE}
    const TOTAL = 1000000, CHUNK = 50000;
    let got = 0, bad = 0, produced = 0;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const rb = evbpf.ringbuf(obj.maps.events, (r) => {
      if (Number(r.readBigUInt64LE(0)) !== got) bad++;
      got++;
      if (got === TOTAL) {
        const s = rb.stats();
        rb.close();
        const ns = Number(process.hrtime.bigint() - t0);
        const cpu = process.cpuUsage(cpu0);
        console.log(JSON.stringify({ got, bad, dropped: obj.getGlobal('node_dropped'),
          records: s.records, lost: s.lost, budgetHits: s.budgetHits, rps: Math.round(TOTAL / ns * 1e9),
          cpuNsPerRecord: Math.round((cpu.user + cpu.system) * 1000 / TOTAL) }));
      } else if (got === produced) {
        produce();
      }
    });
    function produce() {
      obj.programs.ring_emit.testRun({ data: PACKET, repeat: CHUNK });
      produced += CHUNK;
    }
    produce();
  `, { timeout: 300000 }), '1M');
  const r = JSON.parse(out[0]);
  assert.equal(r.got, 1000000);
  assert.equal(r.bad, 0, 'every record in sequence');
  assert.equal(r.dropped, 0, 'the producer never found the ring full');
  // Stats are brought up to date at the end of a drain: the callback of
  // the last record sees those of the drains before its own.
  assert.ok(r.records <= 1000000 && r.records > 900000);
  assert.equal(r.lost, 0);
  process.stdout.write(`# 1M records: ${r.rps} records/s, ${r.cpuNsPerRecord} ns CPU/record\n`);
});
