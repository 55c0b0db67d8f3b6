// The Grafana dashboard in deploy/grafana names only metrics and labels this build exports, so it
// cannot drift silently when a metric is renamed or loses a label.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { collectRuntimeMetrics, metricsRegistry } from '../../shared/metrics/index.js';

interface Panel {
  title: string;
  targets?: Array<{ expr: string; legendFormat?: string }>;
}

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/apptrail.json', import.meta.url), 'utf8')) as { panels: Panel[] };
// Labels Prometheus adds or histograms carry, not declared by the metric.
const IMPLIED = new Set(['le', 'instance', 'job']);

function metricOf(series: string): { labelNames: string[] } | undefined {
  const base = series.replace(/_(bucket|count|sum)$/, '');
  const metric = (metricsRegistry.getSingleMetric(series) ?? metricsRegistry.getSingleMetric(base)) as unknown as { labelNames?: string[] } | undefined;
  return metric ? { labelNames: metric.labelNames ?? [] } : undefined;
}

describe('Grafana dashboard', () => {
  collectRuntimeMetrics();
  const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('has panels with queries', () => {
    assert.ok(targets.length >= 10);
  });

  for (const t of targets) {
    it(`${t.panel}: ${t.expr}`, () => {
      const series = [...t.expr.matchAll(/\b((?:apptrail|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
      assert.ok(series.length > 0, 'the query names a metric');
      const labels = new Set<string>(IMPLIED);
      for (const s of series) {
        const metric = metricOf(s);
        assert.ok(metric, `${s} is a metric this build exports`);
        for (const l of metric.labelNames) labels.add(l);
      }
      const used = [
        ...[...t.expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim())),
        ...[...t.expr.matchAll(/[{,]\s*([a-z_]+)\s*=~?/g)].map((m) => m[1]!),
        ...[...(t.legendFormat ?? '').matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!),
      ];
      for (const l of used) assert.ok(labels.has(l), `label ${l} is one of ${[...labels].join(', ')}`);
    });
  }
});
