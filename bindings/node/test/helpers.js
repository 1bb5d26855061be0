'use strict';
// Shared by the tests: where the BPF fixture is, fd counting, child
// processes for the lifecycle tests.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PKG = path.resolve(__dirname, '..');
const config = JSON.parse(fs.readFileSync(path.join(PKG, 'build', 'config.json'), 'utf8'));
// tests/bpf/node_events.bpf.c, compiled by the repository's CMake build.
const FIXTURE = path.join(config.buildDir, 'tests', 'bpf', 'node_events.bpf.o');
// XDP test runs need a packet of at least an Ethernet header.
const PACKET = Buffer.alloc(64);

function fdCount() {
  return fs.readdirSync('/proc/self/fd').length;
}

// Run JavaScript in a fresh node process (cwd: the package, so that
// require('evbpf') resolves to it); {status, signal, stdout, stderr}.
function runChild(code, { timeout = 60000 } = {}) {
  const r = spawnSync(process.execPath, ['-e', code], {
    cwd: PKG,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, EVBPF_FIXTURE: FIXTURE },
  });
  return r;
}

// Open and load the fixture with the given globals; closed (with its
// consumers) when test t ends, so that a failed assertion cannot leave a
// consumer keeping the test process alive.
function loadFixture(evbpf, globals = {}, t = null) {
  const obj = evbpf.open(FIXTURE);
  if (t) t.after(() => obj.close());
  for (const [k, v] of Object.entries(globals)) obj.setGlobal(k, v);
  return obj.load();
}

// Resolve once cond() is true, checking after each loop turn.
function until(cond, { timeoutMs = 20000 } = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out waiting'));
      setImmediate(check);
    };
    check();
  });
}

module.exports = { FIXTURE, PACKET, fdCount, runChild, loadFixture, until, config };
