'use strict';
// evbpf for Node.js: the JavaScript face of build/evbpf.node (see
// README.md). Everything here runs on the calling thread; record callbacks
// run on this thread's event loop (the main thread's, or a worker's).

const path = require('node:path');

const native = require(process.env.EVBPF_NODE_ADDON || path.join(__dirname, '..', 'build', 'evbpf.node'));

const kHandle = Symbol('evbpf.handle');

// JSON text from the BTF decoder (the same as `evbpf run` prints) to a
// value; Buffers pass through.
function parsed(v) {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function handleOf(map, what) {
  if (!(map instanceof BpfMap)) {
    throw new TypeError(`${what}: expected a map from object.maps`);
  }
  return map.object[kHandle];
}

class BpfProgram {
  constructor(object, info) {
    this.object = object;
    this.name = info.name;
    this.section = info.section;
    this.type = info.type;
  }

  // Attach by section (tracepoint/..., kprobe/..., raw_tp/...).
  attach() {
    native.attach(this.object[kHandle], this.name);
    return this;
  }

  // BPF_PROG_TEST_RUN: {retval, durationNs}.
  testRun({ data, ctx, repeat = 0 } = {}) {
    return native.testRun(this.object[kHandle], this.name, data, repeat, ctx);
  }
}

class BpfMap {
  constructor(object, info) {
    this.object = object;
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    // Keys and values decode through BTF where the map has it.
    this.keyBtf = info.keyBtf;
    this.valueBtf = info.valueBtf;
  }

  get(key, { decode = true } = {}) {
    return parsed(native.mapGet(this.object[kHandle], this.name, key, decode));
  }

  set(key, value, { flags = 0 } = {}) {
    native.mapSet(this.object[kHandle], this.name, key, value, flags);
    return this;
  }

  delete(key) {
    return native.mapDelete(this.object[kHandle], this.name, key);
  }

  keys({ decode = true } = {}) {
    return native.mapKeys(this.object[kHandle], this.name, decode).map(parsed);
  }
}

class BpfObject {
  constructor(handle) {
    this[kHandle] = handle;
    const info = native.info(handle);
    this.name = info.name;
    this.license = info.license;
    this.programs = Object.create(null);
    this.maps = Object.create(null);
    for (const p of info.programs) this.programs[p.name] = new BpfProgram(this, p);
    for (const m of info.maps) this.maps[m.name] = new BpfMap(this, m);
    this.attached = [];
    this.closed = false;
  }

  // Before load(): a global variable (const volatile for .rodata) from a
  // number, BigInt, boolean, string, object or Buffer.
  setGlobal(name, value) {
    native.setGlobal(this[kHandle], name, value);
    return this;
  }

  getGlobal(name, { decode = true } = {}) {
    return parsed(native.getGlobal(this[kHandle], name, decode));
  }

  load() {
    native.load(this[kHandle]);
    return this;
  }

  // Attach every loaded program whose section says where it goes.
  attach() {
    this.attached.push(...native.attach(this[kHandle]));
    return this;
  }

  // Closes the consumers of this object's maps, detaches, closes every fd.
  close() {
    if (this.closed) return;
    this.closed = true;
    native.close(this[kHandle]);
  }
}

function open(pathOrBuffer, opts = {}) {
  return new BpfObject(native.open(pathOrBuffer, opts));
}

class Consumer {
  constructor(handle) {
    this[kHandle] = handle;
    this.paused = false;
    this.closed = false;
    this.refed = true;
  }

  pause() {
    native.pause(this[kHandle]);
    if (!this.closed) this.paused = true;
    return this;
  }

  resume() {
    native.resume(this[kHandle]);
    this.paused = false;
    return this;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    native.consumerClose(this[kHandle]);
  }

  stats() {
    return native.stats(this[kHandle]);
  }

  // As for Node's timers and sockets: an unref()'d consumer keeps working
  // but does not keep the process alive.
  ref() {
    native.setRef(this[kHandle], true);
    this.refed = true;
    return this;
  }

  unref() {
    native.setRef(this[kHandle], false);
    this.refed = false;
    return this;
  }

  hasRef() {
    return this.refed && !this.paused && !this.closed;
  }
}

function checkFn(fn, what) {
  if (typeof fn !== 'function') throw new TypeError(`${what} must be a function`);
}

function ringbuf(map, onRecord, opts = {}) {
  checkFn(onRecord, 'onRecord');
  const h = handleOf(map, 'ringbuf');
  const decode = Boolean(opts.decode || opts.type);
  const cb = decode ? (r) => onRecord(parsed(r)) : (r) => onRecord(r);
  return new Consumer(native.ringbuf(h, map.name, cb, { ...opts, decode }));
}

function perfbuf(map, onRecord, opts = {}) {
  checkFn(onRecord, 'onRecord');
  if (opts.onLost !== undefined) checkFn(opts.onLost, 'opts.onLost');
  const h = handleOf(map, 'perfbuf');
  const decode = Boolean(opts.decode || opts.type);
  const cb = decode ? (r, cpu) => onRecord(parsed(r), cpu) : (r, cpu) => onRecord(r, cpu);
  const onLost = opts.onLost ? (n, cpu) => opts.onLost(n, cpu) : undefined;
  return new Consumer(native.perfbuf(h, map.name, cb, { ...opts, decode, onLost }));
}

function pollMap(map, opts, cb) {
  if (typeof opts === 'function') [opts, cb] = [{}, opts];
  checkFn(cb, 'callback');
  const h = handleOf(map, 'pollMap');
  const o = opts || {};
  const decode = o.decode === undefined ? true : Boolean(o.decode);
  const wrapped = (snap) => {
    if (decode) {
      for (const e of snap.entries) {
        e.key = parsed(e.key);
        e.value = parsed(e.value);
      }
      snap.deleted = snap.deleted.map(parsed);
    }
    cb(snap);
  };
  return new Consumer(native.pollMap(h, map.name, wrapped, { ...o, decode }));
}

module.exports = { open, ringbuf, perfbuf, pollMap, BpfObject, BpfMap, BpfProgram, Consumer };
