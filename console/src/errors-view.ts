// Errors: the box at the top of the answer, and the same message beside the control or the
// snapshot text the service's `field` names. 422 infeasibilities and 429/503 countdowns too.
import type { FailureInfo } from './api.js';
import { WEIGHTS, slider, ui } from './dom.js';
import { lineOf, locateField, syntaxErrorOffset } from './json-locate.js';

let retryTimer: number | undefined;

export function clearFieldErrors(): void {
  for (const el of [ui.snapshotError, ui.weightsError, ui.stepsError, ui.keyError]) {
    el.hidden = true;
    el.replaceChildren();
  }
  ui.snapshot.removeAttribute('aria-invalid');
  for (const w of WEIGHTS) slider(w).removeAttribute('aria-invalid');
}

export function clearError(): void {
  window.clearInterval(retryTimer);
  ui.error.hidden = true;
  ui.error.className = 'error';
  ui.error.replaceChildren();
  clearFieldErrors();
}

export function fieldMessage(field: string, reason: string, where?: string): HTMLElement[] {
  const code = document.createElement('code');
  code.textContent = field;
  const out: HTMLElement[] = [code];
  const span = document.createElement('span');
  span.textContent = `: ${reason}${where ? ` (${where})` : ''}`;
  out.push(span);
  return out;
}

/** Shows a 400's field and reason beside the control it names: a slider, the grid steps, or the snapshot text. */
function showFieldError(field: string, reason: string): void {
  if (field.startsWith('objective.weights')) {
    const w = WEIGHTS.find((name) => field.endsWith(`.${name}`));
    if (w) slider(w).setAttribute('aria-invalid', 'true');
    ui.weightsError.replaceChildren(...fieldMessage(field, reason));
    ui.weightsError.hidden = false;
    return;
  }
  if (field.startsWith('pareto')) {
    ui.stepsError.replaceChildren(...fieldMessage(field, reason));
    ui.stepsError.hidden = false;
    return;
  }
  const text = ui.snapshot.value;
  let start: number | undefined;
  let end: number | undefined;
  const offset = field === 'body' ? syntaxErrorOffset(reason) : undefined;
  if (offset !== undefined) {
    start = offset;
    end = Math.min(text.length, offset + 1);
  } else if (field !== 'body') {
    const span = locateField(text, field);
    if (span) ({ start, end } = span);
  }
  ui.snapshot.setAttribute('aria-invalid', 'true');
  ui.snapshotError.replaceChildren(...fieldMessage(field, reason, start !== undefined ? `line ${lineOf(text, start)}` : undefined));
  ui.snapshotError.hidden = false;
  if (start !== undefined && end !== undefined) {
    ui.snapshot.focus({ preventScroll: true });
    ui.snapshot.setSelectionRange(start, end);
    // Scroll the textarea so the selection is in view (about 17 px a line at 12 px / 1.4).
    const lineHeight = parseFloat(getComputedStyle(ui.snapshot).lineHeight) || 17;
    ui.snapshot.scrollTop = Math.max(0, (lineOf(text, start) - 4) * lineHeight);
  }
}

export interface FailureHooks {
  /** run the failed request again (the Retry button after a countdown) */
  retry: () => void;
  /** whether the buttons wait for Retry-After */
  holdButtons: (hold: boolean) => void;
}

export function showFailure(f: FailureInfo, hooks: FailureHooks): void {
  clearError();
  const head = document.createElement('strong');
  const statusText =
    f.label !== undefined
      ? `${f.label}${f.code ? ` (${f.code})` : ''}`
      : f.status === 0
        ? 'Unreachable'
        : `${f.status}${f.code ? ` ${f.code}` : ''}`;
  head.textContent = statusText;
  const body = document.createElement('span');
  ui.error.hidden = false;
  if (f.field !== undefined && f.reason !== undefined) {
    body.append(...fieldMessage(f.field, f.reason));
    ui.error.append(head, body);
    showFieldError(f.field, f.reason);
    return;
  }
  if (f.status === 401 || f.status === 403) {
    body.textContent = `${f.message}. Set the API key at the top right.`;
    ui.keyError.textContent = f.status === 401 ? 'key required' : 'key refused';
    ui.keyError.hidden = false;
    ui.error.append(head, body);
    return;
  }
  if ((f.status === 429 || f.status === 503) && f.retryAfterS !== undefined) {
    ui.error.className = 'error retry';
    let left = Math.max(1, Math.ceil(f.retryAfterS));
    const what = f.status === 429 ? 'Too many requests' : 'The service is busy';
    // The countdown says when; the service's own "retry after N s" would only repeat it.
    const reasonOnly = f.message.replace(/;?\s*retry after \d+ ?s\b/i, '');
    const tick = () => {
      body.textContent = left > 0 ? `${what}: ${reasonOnly}. Retry in ${left} s.` : `${what}: you can retry now.`;
      hooks.holdButtons(left > 0);
      if (left <= 0) {
        window.clearInterval(retryTimer);
        const again = document.createElement('button');
        again.type = 'button';
        again.textContent = 'Retry';
        again.addEventListener('click', hooks.retry);
        body.append(' ', again);
      }
      left--;
    };
    ui.error.append(head, body);
    tick();
    retryTimer = window.setInterval(tick, 1000);
    return;
  }
  body.textContent = f.status === 413 ? 'The snapshot is larger than the service accepts (BODY_LIMIT_BYTES).' : f.message;
  ui.error.append(head, body);
}

/**
 * Why there is no allocation: INFEASIBLE (a 422, proven) or NO_SOLUTION_FOUND (a 200 naming the
 * devices whose deadlines were missed).
 */
export function showInfeasible(
  list: { constraint: string; deviceIds?: string[]; blocks?: number[]; detail: string }[],
  status: 'INFEASIBLE' | 'NO_SOLUTION_FOUND' = 'INFEASIBLE',
): void {
  ui.error.hidden = false;
  ui.error.className = 'error';
  const head = document.createElement('strong');
  head.textContent = status === 'INFEASIBLE' ? '422 INFEASIBLE' : 'NO_SOLUTION_FOUND';
  const ul = document.createElement('ul');
  for (const i of list) {
    const li = document.createElement('li');
    const who = i.deviceIds ? ` devices ${i.deviceIds.join(', ')}` : i.blocks ? ` blocks ${i.blocks.join(', ')}` : '';
    li.textContent = `${i.constraint}${who}: ${i.detail}`;
    ul.append(li);
  }
  const summary =
    status === 'INFEASIBLE'
      ? 'No allocation satisfies every constraint.'
      : 'No allocation meeting every constraint was found in the time limit.';
  ui.error.append(head, document.createTextNode(summary), ul);
}
