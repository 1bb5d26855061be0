'use strict';
// The bpftrace side of bench/node.sh: bpftrace prints one line per getppid()
// of a producer process (tracepoint raw_syscalls:sys_enter, filtered in BPF), and
// this script parses its stdout line by line, the way a Node.js program
// would consume bpftrace. Usage: node bpftrace_parse.js RECORDS
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const readline = require('node:readline');

const TOTAL = Number(process.argv[2]);
const cpuTicks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 Hz)
};
// The producer waits on stdin, then calls getppid() TOTAL times.
const producer = spawn(process.execPath, ['-e', `
  process.stdin.once('data', () => { for (let i = 0; i < ${TOTAL}; i++) process.ppid; process.exit(0); });
`], { stdio: ['pipe', 'inherit', 'inherit'] });
// bpftrace 0.17 finds tracepoints through tracefs: a private mount of it
// when the machine has none (unshare and sh exec, so bt.pid is bpftrace's).
const script = `tracepoint:raw_syscalls:sys_enter /pid == ${producer.pid} && args->id == 110/ { printf("%d\\n", nsecs); }`;
const bt = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
  '[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing; exec bpftrace -B line -e "$0"',
  script], { stdio: ['ignore', 'pipe', 'pipe'] });
let got = 0, lost = 0, t0 = 0, c0;
let stderr = '';
bt.stderr.on('data', (d) => {
  stderr += d;
  for (const m of String(d).matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
});
const rl = readline.createInterface({ input: bt.stdout });
let started = false;
rl.on('line', (line) => {
  if (!started) {
    if (!/^Attaching/.test(line)) return;
    started = true;
    t0 = process.hrtime.bigint();
    c0 = process.cpuUsage();
    producer.stdin.write('go\n');
    return;
  }
  if (Number.isFinite(Number(line))) got++;
  if (got === TOTAL) finish();
});
producer.on('exit', () => setTimeout(finish, 2000)); // what is still in flight
let done = false;
function finish() {
  if (done) return;
  done = true;
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const btCpuNs = cpuTicks(bt.pid) * 1e7;
  bt.kill('SIGINT');
  console.log(JSON.stringify({ records: got, lost, wallNs, parserCpuNs: (cpu.user + cpu.system) * 1000, bpftraceCpuNs: btCpuNs }));
  setTimeout(() => process.exit(0), 200);
}
bt.on('exit', (c) => { if (!done) { console.error(stderr); process.exit(1); } });
