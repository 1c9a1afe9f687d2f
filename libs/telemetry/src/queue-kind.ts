/**
 * A queue's or topic's kind, for metric labels: names carry run ids, and a label must
 * not grow with every run, so `pff.<run>.stage.2` counts as `stage`.
 */
export function queueKindOf(name: string): string {
  const base = name.replace(/\.dlq$/, '').replace(/\.parts\..*$/, '');
  if (/\.stage\.\d+(\.shard\.\d+)?$/.test(base)) return 'stage';
  if (/\.stage\.\d+\.bus$/.test(base)) return 'stage-bus';
  if (base.endsWith('.events')) return 'events';
  if (base === 'pff.runs') return 'runs';
  if (base.startsWith('pff.scheduler.')) return base.slice('pff.scheduler.'.length);
  return 'other';
}
