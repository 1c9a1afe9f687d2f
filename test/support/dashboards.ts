import { readdirSync, readFileSync } from 'node:fs';

// The Grafana dashboards in grafana/dashboards and the PromQL they hold.

const DASHBOARDS = new URL('../../grafana/dashboards/', import.meta.url);

export interface Target { readonly refId?: string; readonly expr?: string; readonly datasource?: { readonly type?: string; readonly uid?: string } }
export interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query?: string };
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly multi?: boolean;
  readonly includeAll?: boolean;
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}
/** One PromQL expression of a dashboard, and where it is. */
export interface Query { readonly where: string; readonly expr: string; readonly variable: boolean }

export const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort();

export function load(file: string): Dashboard {
  return JSON.parse(readFileSync(new URL(file, DASHBOARDS), 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Panel targets, and query variables (`label_values(<selector>, <label>)` gives its selector). */
export function queriesOf(file: string, dashboard: Dashboard): Query[] {
  const targets = panelsOf(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `${file} "${p.title}" ${t.refId}`, expr: t.expr ?? '', variable: false })));
  const variables = dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const selector = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
      return { where: `${file} variable ${v.name}`, expr: selector ? `count by (${selector[2]}) (${selector[1]})` : query, variable: true };
    });
  return [...targets, ...variables];
}

