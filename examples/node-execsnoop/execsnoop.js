#!/usr/bin/env node
'use strict';
// node-execsnoop: print every exec on the machine, from the
// sched/sched_process_exec tracepoint, until Ctrl-C (or for --count N
// execs). Needs root (CAP_BPF + CAP_PERFMON) and tracefs; see README.md.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = process.env.EVBPF_BUILD_DIR || path.join(ROOT, 'build');
const OBJECT = process.env.EXECSNOOP_OBJECT ||
  path.join(BUILD, 'examples', 'node-execsnoop', 'node_execsnoop.bpf.o');

// Tracepoints are found through tracefs. Where it is not mounted, run again
// in a private mount namespace that has it (Node is multi-threaded, so it
// cannot unshare(CLONE_NEWNS) itself).
function ensureTracefs() {
  const mounted = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'].some(fs.existsSync);
  if (mounted || process.env.EXECSNOOP_NO_REEXEC) return;
  process.stderr.write('execsnoop: tracefs is not mounted; using a private mount\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
    'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"', 'sh',
    process.execPath, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, EXECSNOOP_NO_REEXEC: '1' },
  });
  process.exit(r.status === null ? 1 : r.status);
}

function main() {
  ensureTracefs();
  const evbpf = require('evbpf');
  const countArg = process.argv.indexOf('--count');
  const limit = countArg > 0 ? Number(process.argv[countArg + 1]) : Infinity;

  const obj = evbpf.open(OBJECT).load().attach();
  let seen = 0;
  console.log(`${'PID'.padEnd(8)}${'COMM'.padEnd(17)}FILENAME`);
  const execs = evbpf.ringbuf(obj.maps.exec_events, (e) => {
    console.log(`${String(e.pid).padEnd(8)}${e.comm.padEnd(17)}${e.filename}`);
    if (++seen >= limit) stop();
  }, { decode: true });

  function stop() {
    execs.close();
    obj.close(); // detaches the tracepoint
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Once the consumer is closed nothing keeps the loop alive: node exits.
}

main();
