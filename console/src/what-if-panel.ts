// The what-if panel: pick a server of the answer on screen, scale its bandwidth or frequency or take
// it out, and see the change against that answer (POST /allocate/what-if, docs/what-if.md).
import { ApiFailure, postJson } from './api.js';
import { $ } from './dom.js';
import { num } from './format.js';
import type { AllocateRequest, Shown } from './types.js';

interface Outcome {
  name: string;
  status: string;
  limit?: string;
  delta?: { objective: number; delayS: number; energyJ: number; stability: number };
  migrations: { deviceId: string; fromServerId: string; toServerId: string }[];
  infeasibilities?: { constraint: string; detail: string }[];
}

interface WhatIfAnswer {
  base: { objective?: number; status: string };
  scenarios: Outcome[];
  solveTimeMs: number;
}

const el = {
  card: () => $('whatif-card'),
  server: () => $<HTMLSelectElement>('whatif-server'),
  op: () => $<HTMLSelectElement>('whatif-op'),
  factor: () => $<HTMLInputElement>('whatif-factor'),
  run: () => $<HTMLButtonElement>('whatif-run'),
  result: () => $('whatif-result'),
  error: () => $('whatif-error'),
};

let request: AllocateRequest | undefined;

/** Shows the panel for an /allocate answer with an allocation (its servers to pick from), hides it otherwise. */
export function updateWhatIf(shown: Shown | undefined): void {
  const usable = shown?.kind === 'allocate' && shown.answer.allocations.length > 0;
  el.card().hidden = !usable;
  if (!usable) return;
  request = shown.request;
  const select = el.server();
  const keep = select.value;
  select.replaceChildren(
    ...request.servers.map((s) => {
      const o = document.createElement('option');
      o.value = o.textContent = s.id;
      return o;
    }),
  );
  if (request.servers.some((s) => s.id === keep)) select.value = keep;
  el.result().replaceChildren();
  el.error().hidden = true;
}

/** The scenario the controls describe. */
function scenario(): { name: string; changes: unknown[] } {
  const serverId = el.server().value;
  const op = el.op().value;
  const factor = Number(el.factor().value);
  if (op === 'removeServer') return { name: `${serverId} down`, changes: [{ op, serverId }] };
  const what = op === 'scaleBandwidth' ? 'bandwidth' : 'frequency';
  return { name: `${serverId} ${what} ×${factor}`, changes: [{ op, serverId, factor }] };
}

function row(cells: string[], header = false): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement(header ? 'th' : 'td');
    td.textContent = c;
    tr.append(td);
  }
  return tr;
}

const signed = (x: number, digits = 4) => (x > 0 ? '+' : '') + num(x, digits);

function render(answer: WhatIfAnswer): void {
  const table = document.createElement('table');
  table.dataset.testid = 'whatif-table';
  table.append(row(['scenario', 'status', 'Δ objective (base scales)', 'Δ delay (s)', 'Δ energy (J)', 'migrations'], true));
  for (const s of answer.scenarios) {
    const tr = row([
      s.name,
      s.status + (s.limit ? ` (${s.limit})` : ''),
      s.delta ? `${signed(s.delta.objective)} (${signed((100 * s.delta.objective) / (answer.base.objective ?? 1), 3)}%)` : '–',
      s.delta ? signed(s.delta.delayS) : '–',
      s.delta ? signed(s.delta.energyJ) : '–',
      String(s.migrations.length),
    ]);
    tr.dataset.status = s.status;
    if (s.delta) tr.dataset.deltaObjective = String(s.delta.objective);
    table.append(tr);
    if (s.infeasibilities?.length)
      table.append(row([`  ${s.infeasibilities.map((i) => `${i.constraint}: ${i.detail}`).join('; ')}`, '', '', '', '', '']));
  }
  el.result().replaceChildren(table);
}

async function runWhatIf(): Promise<void> {
  if (!request) return;
  el.error().hidden = true;
  el.run().disabled = true;
  el.result().textContent = 'Solving…';
  try {
    const body = { ...request, scenarios: [scenario()] };
    const answer = await postJson<WhatIfAnswer>('/allocate/what-if', JSON.stringify(body));
    render(answer.body);
  } catch (err) {
    el.result().replaceChildren();
    const e = el.error();
    e.hidden = false;
    e.textContent =
      err instanceof ApiFailure
        ? `${err.info.status}: ${err.info.field ? `${err.info.field}: ` : ''}${err.info.reason ?? err.info.message}`
        : String(err);
  } finally {
    el.run().disabled = false;
  }
}

export function setupWhatIf(): void {
  el.run().addEventListener('click', () => void runWhatIf());
  el.op().addEventListener('change', () => {
    el.factor().disabled = el.op().value === 'removeServer';
  });
}
