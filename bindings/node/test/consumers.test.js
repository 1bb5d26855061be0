'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const evbpf = require('evbpf');
const { PACKET, loadFixture, until } = require('./helpers');

test('ringbuf: every record, in order, as Buffers and decoded', async (t) => {
  const obj = loadFixture(evbpf, { multiplier: 2 }, t);
  const raw = [];
  const c = evbpf.ringbuf(obj.maps.events, (r) => raw.push(r));
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 100 });
  await until(() => raw.length === 100);
  assert.ok(raw.every((b) => Buffer.isBuffer(b) && b.length === 32));
  assert.deepEqual(raw.map((b) => Number(b.readBigUInt64LE(0))), [...Array(100).keys()]);
  c.close();

  const dec = [];
  const d = evbpf.ringbuf(obj.maps.events, (r) => dec.push(r), { decode: true });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 10 });
  await until(() => dec.length === 10);
  assert.deepEqual(dec[3], {
    seq: 103, pid: process.pid, kind: 'NODE_KIND_RING', tag: 'evbpf', scaled: 206, flag: 1, level: 7,
  });
  assert.deepEqual(dec.map((r) => r.seq), [...Array(10).keys()].map((i) => 100 + i));
  const st = d.stats();
  assert.equal(st.records, 10);
  assert.equal(st.bytes, 320);
  assert.ok(st.drains >= 1);
  d.close();
  assert.throws(() => d.stats(), { code: 'EBADF' });
  assert.equal(obj.getGlobal('node_dropped'), 0);
  obj.close();
});

test('ringbuf: pause keeps records in the ring, resume delivers them', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const got = [];
  const c = evbpf.ringbuf(obj.maps.events, (r) => {
    got.push(r.seq);
    if (got.length === 5) c.pause(); // from inside the callback
  }, { decode: true });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 20 });
  await until(() => got.length === 5);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got.length, 5, 'no callback while paused');
  assert.equal(c.paused, true);
  assert.equal(c.hasRef(), false);
  c.resume();
  await until(() => got.length === 20);
  assert.deepEqual(got, [...Array(20).keys()]);
  c.close();
  obj.close();
});

test('ringbuf: close inside the callback stops delivery at once', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  let n = 0;
  const c = evbpf.ringbuf(obj.maps.events, () => {
    n++;
    c.close();
    c.close(); // twice is fine
  });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 10 });
  await until(() => n > 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(n, 1);
  // The other nine are still in the ring for the next consumer.
  const rest = [];
  const d = evbpf.ringbuf(obj.maps.events, (r) => rest.push(r.seq), { decode: true });
  await until(() => rest.length === 9);
  assert.deepEqual(rest, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  d.close();
  obj.close();
});

test('ringbuf: the budget bounds a drain; a slow callback yields to the loop', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  let got = 0;
  let timerRanAt = -1;
  const c = evbpf.ringbuf(obj.maps.events, () => {
    got++;
    const t = process.hrtime.bigint();
    while (process.hrtime.bigint() - t < 20000n); // 20 µs of work per record
  }, { budget: 100 });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 1000 });
  setTimeout(() => { timerRanAt = got; }, 0);
  await until(() => got === 1000);
  assert.ok(timerRanAt >= 0 && timerRanAt < 1000, `a timer ran between drains (at ${timerRanAt})`);
  assert.ok(c.stats().budgetHits >= 9);
  c.close();
  obj.close();
});

test('ringbuf: a throwing callback reaches uncaughtException, records after it follow', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const seen = [];
  const errors = [];
  const onErr = (e) => errors.push(e.message);
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onErr);
  const c = evbpf.ringbuf(obj.maps.events, (r) => {
    seen.push(r.seq);
    if (r.seq === 2) throw new Error('boom at 2');
  }, { decode: true });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 5 });
  await until(() => seen.length === 5);
  process.removeListener('uncaughtException', onErr);
  for (const l of saved) process.on('uncaughtException', l);
  assert.deepEqual(errors, ['boom at 2']);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  c.close();
  obj.close();
});

test('ringbuf: promise reactions queued by a callback run before the next record', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const order = [];
  const c = evbpf.ringbuf(obj.maps.events, (r) => {
    order.push(`rec${r.seq}`);
    Promise.resolve().then(() => order.push(`then${r.seq}`));
    process.nextTick(() => order.push(`tick${r.seq}`));
  }, { decode: true });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 2 });
  await until(() => order.length === 6);
  assert.deepEqual(order, ['rec0', 'tick0', 'then0', 'rec1', 'tick1', 'then1']);
  c.close();
  obj.close();
});

test('perfbuf: every record with its CPU, decoded; onLost is optional', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const got = [];
  const c = evbpf.perfbuf(obj.maps.samples, (r, cpu) => got.push([r, cpu]), {
    decode: true, onLost: () => assert.fail('nothing may be lost'),
  });
  obj.programs.perf_emit.testRun({ data: PACKET, repeat: 50 });
  await until(() => got.length === 50);
  assert.deepEqual(got.map(([r]) => r.seq), [...Array(50).keys()]);
  assert.ok(got.every(([r, cpu]) => r.kind === 'NODE_KIND_PERF' && Number.isInteger(cpu) && cpu >= 0));
  assert.equal(c.stats().records, 50);
  c.close();

  const bufs = [];
  const d = evbpf.perfbuf(obj.maps.samples, (b) => bufs.push(b));
  obj.programs.perf_emit.testRun({ data: PACKET, repeat: 3 });
  await until(() => bufs.length === 3);
  assert.ok(bufs.every((b) => Buffer.isBuffer(b) && b.length >= 32));
  d.close();
  obj.close();
});

test('pollMap: a snapshot, then deltas with changed and deleted keys', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const counts = obj.maps.counts;
  counts.set(0, 5).set(1, 6);
  const snaps = [];
  const c = evbpf.pollMap(counts, { intervalMs: 5, delta: true }, (s) => {
    snaps.push(s);
    if (s.seq === 1) {
      counts.set(1, 60);
      counts.delete(0);
      counts.set(3, 1);
    }
  });
  await until(() => snaps.length >= 3);
  c.close();
  const [first, second, third] = snaps;
  assert.equal(first.delta, false);
  assert.deepEqual(first.entries.sort((a, b) => a.key - b.key), [{ key: 0, value: 5 }, { key: 1, value: 6 }]);
  assert.equal(second.delta, true);
  assert.deepEqual(second.entries.sort((a, b) => a.key - b.key), [{ key: 1, value: 60 }, { key: 3, value: 1 }]);
  assert.deepEqual(second.deleted, [0]);
  assert.deepEqual(third.entries, []);
  assert.deepEqual(third.deleted, []);

  const raw = [];
  const d = evbpf.pollMap(counts, { intervalMs: 5, decode: false }, (s) => raw.push(s));
  await until(() => raw.length >= 1);
  d.close();
  assert.ok(raw[0].entries.every((e) => Buffer.isBuffer(e.key) && Buffer.isBuffer(e.value)));
  obj.close();
});

test('closing the object closes its consumers', async (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const c = evbpf.ringbuf(obj.maps.events, () => {});
  obj.close();
  assert.throws(() => c.stats(), { code: 'EBADF' });
  assert.throws(() => c.resume(), { code: 'EBADF' });
});
