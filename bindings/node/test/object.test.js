'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const evbpf = require('evbpf');
const { FIXTURE, PACKET, loadFixture, until } = require('./helpers');

test('open: programs and maps as plain objects keyed by name', (t) => {
  const obj = evbpf.open(FIXTURE);
  assert.deepEqual(Object.keys(obj.programs).sort(), ['count_hit', 'on_getppid', 'perf_emit', 'ring_emit']);
  assert.equal(obj.programs.ring_emit.section, 'xdp');
  assert.equal(obj.programs.ring_emit.type, 'xdp');
  assert.equal(obj.maps.events.type, 'ringbuf');
  assert.equal(obj.maps.counts.keySize, 4);
  assert.equal(obj.maps.counts.valueSize, 8);
  assert.equal(obj.maps.raw.keyBtf, false);
  assert.equal(obj.maps.table.keyBtf, true);
  obj.close();
});

test('open from a Buffer', (t) => {
  const obj = evbpf.open(require('node:fs').readFileSync(FIXTURE), { objectName: 'fromBuffer' });
  assert.equal(obj.name, 'fromBuffer');
  obj.load();
  obj.close();
});

test('errors carry code, errno and evbpf\'s message', (t) => {
  assert.throws(() => evbpf.open('/nonexistent/x.bpf.o'), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.errno, -2);
    assert.match(e.message, /nonexistent/);
    return true;
  });
  assert.throws(() => evbpf.open(Buffer.from('not an ELF file at all')), { code: 'EINVAL' });
  const obj = evbpf.open(FIXTURE);
  assert.throws(() => obj.setGlobal('no_such_var', 1), { code: 'ENOENT' });
  assert.throws(() => obj.setGlobal('multiplier', 'three'), { code: 'EINVAL' });
  assert.throws(() => obj.setGlobal('multiplier', 2 ** 40), { code: 'EINVAL' }); // 4 bytes wide
  obj.load();
  assert.throws(() => obj.setGlobal('multiplier', 2), { code: 'EBUSY' });
  assert.throws(() => obj.maps.raw.get(1), { code: 'EINVAL', message: /no BTF type for its key/ });
  assert.throws(() => obj.maps.raw.get(Buffer.alloc(3)), { code: 'EINVAL', message: /3 bytes, expected 4/ });
  assert.throws(() => obj.maps.table.set({ id: 1 }, { kind: 'NOT_A_KIND' }), { code: 'EINVAL', message: /NOT_A_KIND/ });
  assert.throws(() => evbpf.ringbuf(obj.maps.counts, () => {}), { code: 'EINVAL' });
  assert.throws(() => evbpf.ringbuf(obj.maps.events, 'nope'), TypeError);
  obj.close();
  assert.throws(() => obj.maps.counts.get(0), { code: 'EBADF' });
});

test('setGlobal before load changes what the program does; getGlobal reads it back', async (t) => {
  const obj = loadFixture(evbpf, { multiplier: 7 }, t);
  assert.equal(obj.getGlobal('multiplier'), 7);
  const got = [];
  const c = evbpf.ringbuf(obj.maps.events, (r) => got.push(r), { decode: true });
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: 3 });
  await until(() => got.length === 3);
  assert.deepEqual(got.map((r) => r.scaled), [0, 7, 14]);
  assert.equal(obj.getGlobal('node_seq'), 3);
  c.close();
  obj.close();
});

test('maps: get/set/delete/keys with Buffers and with BTF-decoded values', (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const { counts, table, raw } = obj.maps;
  assert.equal(counts.get(1), undefined);
  counts.set(1, 10).set(2, 20n);
  assert.equal(counts.get(1), 10);
  assert.deepEqual(counts.get(2, { decode: false }), Buffer.from([20, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(counts.keys().sort(), [1, 2]);
  assert.equal(counts.delete(1), true);
  assert.equal(counts.delete(1), false);
  assert.deepEqual(counts.keys(), [2]);

  table.set({ id: 9, group: 3 }, { seq: 42, kind: 'NODE_KIND_RING', tag: 'abc', flag: 1, level: 6 });
  assert.deepEqual(table.get({ id: 9, group: 3 }), {
    seq: 42, pid: 0, kind: 'NODE_KIND_RING', tag: 'abc', scaled: 0, flag: 1, level: 6,
  });
  assert.deepEqual(table.keys(), [{ id: 9, group: 3 }]);
  assert.throws(() => table.set({ id: 1 }, { tag: 'much too long for 8' }), { code: 'EINVAL' });

  raw.set(Buffer.from([5, 0, 0, 0]), Buffer.alloc(8, 0xab));
  assert.deepEqual(raw.get(Buffer.from([5, 0, 0, 0])), Buffer.alloc(8, 0xab));
  assert.deepEqual(raw.keys(), [Buffer.from([5, 0, 0, 0])]);
  obj.close();
});

test('program.testRun returns retval and durationNs', (t) => {
  const obj = loadFixture(evbpf, {}, t);
  const r = obj.programs.count_hit.testRun({ data: PACKET, repeat: 10 });
  assert.equal(r.retval, 2); // XDP_PASS
  assert.equal(typeof r.durationNs, 'number');
  assert.equal(obj.maps.counts.keys().length, 4);
  assert.throws(() => obj.programs.count_hit.testRun({ data: 'x' }), TypeError);
  obj.close();
});

test('attach(): every program whose section says where; records from a raw tracepoint', async (t) => {
  const obj = loadFixture(evbpf, { target_pid: process.pid }, t);
  obj.attach();
  assert.deepEqual(obj.attached, ['on_getppid']);
  const got = [];
  const c = evbpf.ringbuf(obj.maps.events, (r) => got.push(r), { type: 'struct node_event' });
  for (let i = 0; i < 3; i++) assert.equal(typeof process.ppid, 'number'); // getppid()
  await until(() => got.length >= 3);
  assert.ok(got.every((r) => r.kind === 'NODE_KIND_SYSCALL' && r.pid === process.pid));
  c.close();
  obj.close();
});
