// Number formatting for people, and the per-device table as rows (shown and exported as CSV).
import type { AllocateAnswer, BlocksAnswer, Shown } from './types.js';

/** Four significant digits, exponent form outside [1e-3, 1e5). */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3)
    return x
      .toExponential(digits - 1)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(x.toPrecision(digits)));
}

/** The objective as the summary shows it: six significant digits. */
export function objectiveText(x: number | undefined): string {
  return num(x, 6);
}

/** A gap (a fraction) as a percentage with three significant digits. */
export function gapText(gap: number | undefined): string {
  if (gap === undefined || !Number.isFinite(gap)) return '–';
  if (gap === 0) return '0%';
  return `${Number((gap * 100).toPrecision(3))}%`;
}

export function secondsText(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '–';
  if (s < 1e-3) return `${num(s * 1e6, 3)} µs`;
  if (s < 1) return `${num(s * 1e3, 3)} ms`;
  return `${num(s, 4)} s`;
}

export interface Table {
  columns: string[];
  rows: (string | number)[][];
}

function allocateTable(a: AllocateAnswer): Table {
  const columns = [
    'deviceId',
    'serverId',
    'splitLayer',
    'trainingMode',
    'queries',
    'parallelism',
    'cpuFrequencyHz',
    'transmitPowerW',
    'bandwidthHz',
    'bandwidthShare',
    'serverFrequencyHz',
    'delayLocalS',
    'delayUplinkS',
    'delayEdgeS',
    'delayTotalS',
    'energyLocalJ',
    'energyUplinkJ',
    'energyEdgeJ',
    'energyTotalJ',
    'stabilityBound',
    'peakMemoryBytes',
  ];
  const rows = a.allocations.map((d) => [
    d.deviceId,
    d.serverId,
    d.splitLayer,
    d.trainingMode,
    d.queries ?? '',
    d.parallelism ?? '',
    d.cpuFrequencyHz,
    d.transmitPowerW,
    d.bandwidthHz,
    d.bandwidthShare,
    d.serverFrequencyHz,
    d.delayS.local,
    d.delayS.uplink,
    d.delayS.edge,
    d.delayS.total,
    d.energyJ.local,
    d.energyJ.uplink,
    d.energyJ.edge,
    d.energyJ.total,
    d.stabilityBound,
    d.peakMemoryBytes,
  ]);
  return { columns, rows };
}

function blocksTable(a: BlocksAnswer): Table {
  const columns = ['deviceId', 'blocks', 'bandwidthHz', 'computeS', 'uploadS', 'latencyS', 'memoryBytes'];
  const rows = a.assignments.map((d) => [d.deviceId, d.blocks.join(' '), d.bandwidthHz, d.computeS, d.uploadS, d.latencyS, d.memoryBytes]);
  return { columns, rows };
}

export function deviceTable(shown: Shown): Table {
  return shown.kind === 'allocate' ? allocateTable(shown.answer) : blocksTable(shown.answer);
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV, full precision (numbers as JSON writes them). */
export function toCsv(t: Table): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
