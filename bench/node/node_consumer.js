'use strict';
// The Node.js side of bench/node.sh (see c_consumer.c): the same chunks,
// one JavaScript callback per record, reading the sequence number from the
// Buffer. Usage: node node_consumer.js node_events.bpf.o RECORDS
const evbpf = require('evbpf');

const [file, n] = process.argv.slice(2);
const TOTAL = Number(n);
const CHUNK = 50000;
const PACKET = Buffer.alloc(64);
const obj = evbpf.open(file).load();
let got = 0, produced = 0, bad = 0;

function produce() {
  obj.programs.ring_emit.testRun({ data: PACKET, repeat: CHUNK });
  produced += CHUNK;
}

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const rb = evbpf.ringbuf(obj.maps.events, (r) => {
  if (Number(r.readBigUInt64LE(0)) !== got || r.length !== 32) bad++;
  if (++got === TOTAL) {
    rb.close();
    const cpu = process.cpuUsage(c0);
    console.log(JSON.stringify({ records: got, bad, wallNs: Number(process.hrtime.bigint() - t0),
      cpuNs: (cpu.user + cpu.system) * 1000 }));
    obj.close();
  } else if (got === produced) {
    produce();
  }
});
produce();
