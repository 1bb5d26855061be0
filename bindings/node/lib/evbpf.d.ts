// Type declarations for evbpf (bindings/node). See README.md.

/** An Error from evbpf: code is the errno name, errno the negative errno. */
export interface EvbpfError extends Error {
  code: string;
  errno: number;
}

/** A map key or value: raw bytes, or a value encoded through the map's BTF. */
export type BtfValue = Buffer | Uint8Array | number | bigint | boolean | string | BtfValue[] | { [member: string]: BtfValue };

export interface OpenOptions {
  btfPath?: string;
  pinRoot?: string;
  objectName?: string;
  logLevel?: number;
}

export interface TestRunOptions {
  data?: Buffer | Uint8Array;
  ctx?: Buffer | Uint8Array;
  repeat?: number;
}

export class BpfProgram {
  readonly object: BpfObject;
  readonly name: string;
  readonly section: string;
  readonly type: string;
  attach(): this;
  testRun(opts?: TestRunOptions): { retval: number; durationNs: number };
}

export class BpfMap {
  readonly object: BpfObject;
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly keyBtf: boolean;
  readonly valueBtf: boolean;
  /** undefined when the key is absent. */
  get(key: BtfValue, opts?: { decode?: boolean }): any;
  set(key: BtfValue, value: BtfValue, opts?: { flags?: number }): this;
  /** Whether the key was there. */
  delete(key: BtfValue): boolean;
  keys(opts?: { decode?: boolean }): any[];
}

export class BpfObject {
  readonly name: string;
  readonly license: string;
  readonly programs: Record<string, BpfProgram>;
  readonly maps: Record<string, BpfMap>;
  /** Names of the programs attach() attached. */
  readonly attached: string[];
  readonly closed: boolean;
  setGlobal(name: string, value: BtfValue): this;
  getGlobal(name: string, opts?: { decode?: boolean }): any;
  load(): this;
  attach(): this;
  close(): void;
}

export interface ConsumerStats {
  records?: number;
  bytes?: number;
  wakeups?: number;
  timerDrains?: number;
  budgetHits?: number;
  lost?: number;
  drains?: number;
  polls?: number;
  offloopPolls?: number;
  batchPolls?: number;
  skipped?: number;
  entries?: number;
}

export class Consumer {
  readonly paused: boolean;
  readonly closed: boolean;
  pause(): this;
  resume(): this;
  close(): void;
  stats(): ConsumerStats;
  ref(): this;
  unref(): this;
  hasRef(): boolean;
}

export interface RecordOptions {
  /** Decode records through BTF into plain objects. */
  decode?: boolean;
  /** The record's BTF type, e.g. 'struct event' (implies decode). */
  type?: string;
  /** Records per drain before yielding to the loop (default 8192). */
  budget?: number;
  drainIntervalMs?: number;
}

export interface PerfOptions extends RecordOptions {
  onLost?: (count: number, cpu: number) => void;
  pagesPerCpu?: number;
}

export interface Snapshot {
  seq: number;
  delta: boolean;
  entries: { key: any; value: any }[];
  deleted: any[];
}

export function open(pathOrBuffer: string | Buffer | Uint8Array, opts?: OpenOptions): BpfObject;
export function ringbuf(map: BpfMap, onRecord: (record: any) => void, opts?: RecordOptions): Consumer;
export function perfbuf(map: BpfMap, onRecord: (record: any, cpu: number) => void, opts?: PerfOptions): Consumer;
export function pollMap(map: BpfMap, opts: { intervalMs?: number; delta?: boolean; decode?: boolean },
  cb: (snapshot: Snapshot) => void): Consumer;
export function pollMap(map: BpfMap, cb: (snapshot: Snapshot) => void): Consumer;
