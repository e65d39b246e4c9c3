// The page's elements (declared in index.html), looked up once.

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export const ui = {
  key: $<HTMLInputElement>('api-key'),
  keyError: $('key-error'),
  example: $<HTMLSelectElement>('example'),
  upload: $<HTMLInputElement>('upload'),
  snapshot: $<HTMLTextAreaElement>('snapshot'),
  snapshotInfo: $('snapshot-info'),
  snapshotError: $('snapshot-error'),
  weightsCard: $('weights-card'),
  weightsError: $('weights-error'),
  run: $<HTMLButtonElement>('run'),
  insights: $<HTMLInputElement>('insights'),
  runEndpoint: $('run-endpoint'),
  runPareto: $<HTMLButtonElement>('run-pareto'),
  steps: $<HTMLSelectElement>('pareto-steps'),
  stepsError: $('steps-error'),
  progress: $('progress'),
  cancel: $<HTMLButtonElement>('cancel'),
  error: $('error'),
  summaryTitle: $('summary-title'),
  summaryExtra: $('summary-extra'),
  downloadJson: $<HTMLAnchorElement>('download-json'),
  downloadCsv: $<HTMLAnchorElement>('download-csv'),
  paretoCard: $('pareto-card'),
  chartPareto: $('chart-pareto'),
  table: $('device-table'),
};
export const charts = {
  map: $('chart-map'),
  servers: $('chart-servers'),
  splits: $('chart-splits'),
  devices: $('chart-devices'),
  baselines: $('chart-baselines'),
  capacity: $('chart-capacity'),
};
export const WEIGHTS = ['delay', 'energy', 'stability'] as const;
export type WeightName = (typeof WEIGHTS)[number];
export const slider = (w: WeightName) => $<HTMLInputElement>(`w-${w}`);
