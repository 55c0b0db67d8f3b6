import { formatDate } from './parts.js';

/** GET /api/v2/logs/histogram's answer (services/audit/logs-routes.ts). */
export interface HistogramAnswer {
  interval: string;
  interval_ms: number;
  total: number;
  buckets: Array<{ date: string; total: number; counts: Record<string, number> }>;
}

const ORDER = ['sapi', 'fapi', 'mgmt_api_read'];
const WIDTH = 900;
const HEIGHT = 120;
/** A few buckets still draw as bars, not as one slab across the width. */
const MIN_SLOTS = 24;

function typesIn(answer: HistogramAnswer): string[] {
  const seen = new Set<string>();
  for (const b of answer.buckets) for (const t of Object.keys(b.counts)) seen.add(t);
  return [...seen].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/** Actions over time by type: stacked bars on a time axis, and the same figures as a table. */
export function Histogram(props: { answer: HistogramAnswer | undefined }) {
  const a = props.answer;
  if (!a || a.buckets.length === 0) return null;
  const types = typesIn(a);
  const first = Date.parse(a.buckets[0]!.date);
  const last = Date.parse(a.buckets.at(-1)!.date);
  const used = Math.round((last - first) / a.interval_ms) + 1;
  const slots = Math.max(MIN_SLOTS, used);
  const slot = WIDTH / slots;
  const max = Math.max(...a.buckets.map((b) => b.total));
  const label = `${a.total} entries per ${a.interval} from ${formatDate(a.buckets[0]!.date)} to ${formatDate(a.buckets.at(-1)!.date)}, busiest ${a.interval}: ${max}`;
  return (
    <figure class="histogram">
      <figcaption>
        Actions per {a.interval} by type
        <ul class="legend">
          {types.map((t) => (
            <li key={t}><span class={`swatch t-${ORDER.includes(t) ? t : 'other'}`} aria-hidden="true" />{t}</li>
          ))}
        </ul>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={label}>
        {a.buckets.map((b) => {
          const x = ((Date.parse(b.date) - first) / a.interval_ms) * slot;
          let y = HEIGHT;
          return types.map((t) => {
            const n = b.counts[t] ?? 0;
            if (n === 0) return null;
            const h = (n / max) * (HEIGHT - 4);
            y -= h;
            return (
              <rect key={`${b.date}-${t}`} x={x + slot * 0.1} width={Math.max(1, slot * 0.8)} y={y} height={h} class={`t-${ORDER.includes(t) ? t : 'other'}`}>
                <title>{`${formatDate(b.date)}: ${n} ${t}`}</title>
              </rect>
            );
          });
        })}
      </svg>
      <p class="axis" aria-hidden="true">
        <span>{formatDate(a.buckets[0]!.date)}</span>
        <span>{formatDate(new Date(first + slots * a.interval_ms).toISOString())}</span>
      </p>
      <details class="histogram-table">
        <summary>Show as a table</summary>
        <table>
          <thead>
            <tr><th scope="col">{a.interval} starting (UTC)</th>{types.map((t) => <th key={t} scope="col">{t}</th>)}<th scope="col">total</th></tr>
          </thead>
          <tbody>
            {a.buckets.map((b) => (
              <tr key={b.date}><th scope="row">{formatDate(b.date)}</th>{types.map((t) => <td key={t}>{b.counts[t] ?? 0}</td>)}<td>{b.total}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
