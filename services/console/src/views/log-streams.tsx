import { useEffect, useState } from 'preact/hooks';
import { apiJson } from '../api.js';
import type { LogStreamResponse } from '../../../../shared/log-streams/schema.js';
import type { LogStreamHealth } from '../../../../shared/log-streams/health-view.js';
import { Badge, ErrorBox, formatDate } from './parts.js';

interface Row {
  stream: LogStreamResponse;
  health: LogStreamHealth | undefined;
  healthError: unknown;
}

async function load(): Promise<Row[]> {
  const streams = await apiJson<LogStreamResponse[]>('/log-streams');
  return Promise.all(
    streams.map(async (stream) => {
      try {
        return { stream, health: await apiJson<LogStreamHealth>(`/log-streams/${encodeURIComponent(stream.id)}/health`), healthError: undefined };
      } catch (err) {
        return { stream, health: undefined, healthError: err };
      }
    }),
  );
}

export function LogStreams() {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | undefined>();
  const [announce, setAnnounce] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    load()
      .then((r) => live && (setRows(r), setError(undefined)))
      .catch((err: unknown) => live && setError(err));
    return () => void (live = false);
  }, [tick]);

  async function setStatus(stream: LogStreamResponse, status: 'active' | 'paused') {
    setBusy(stream.id);
    setError(undefined);
    try {
      await apiJson(`/log-streams/${encodeURIComponent(stream.id)}`, { method: 'PATCH', body: { status } });
      setAnnounce(`${stream.name} ${status === 'paused' ? 'paused' : 'resumed'}.`);
      setTick((t) => t + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section aria-labelledby="streams-title">
      <h1 id="streams-title" tabIndex={-1}>Log streams</h1>
      <p class="toolbar">
        <button type="button" class="secondary" onClick={() => setTick((t) => t + 1)}>Refresh</button>
        <span role="status" aria-live="polite">{announce}</span>
      </p>
      <ErrorBox error={error} />
      {rows && rows.length === 0 && <p>No log streams yet. Create one with <code>POST /api/v2/log-streams</code> (see README, "Log streams").</p>}
      {rows && rows.length > 0 && (
        <table class="results streams">
          <caption class="sr-only">Log streams and their delivery health</caption>
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Lag</th><th scope="col">Last delivery</th>
              <th scope="col">Last error</th><th scope="col">Dead-lettered</th><th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ stream, health, healthError }) => (
              <tr key={stream.id} data-stream-id={stream.id}>
                <th scope="row">{stream.name}<br /><code class="small">{stream.id}</code></th>
                <td>{stream.type}</td>
                <td>
                  <Badge kind={stream.status}>{stream.status}</Badge>
                  {stream.status === 'suspended' && health?.suspension && <div class="small">{health.suspension.message}</div>}
                </td>
                <td>{health ? (health.lag === null ? 'unknown' : String(health.lag)) : '—'}</td>
                <td>{health?.last_success_at ? formatDate(health.last_success_at) : 'never'}</td>
                <td>
                  {health?.last_error ? (
                    <>
                      {formatDate(health.last_error.at)}: {health.last_error.status ?? 'no answer'} {health.last_error.message}
                      {health.failing_since && <div class="small">failing since {formatDate(health.failing_since)}</div>}
                    </>
                  ) : 'none'}
                  <ErrorBox error={healthError} />
                </td>
                <td>
                  {health ? String(health.dead_letters.count) : '—'}
                  {health?.dead_letters.last && <div class="small">last: {health.dead_letters.last.reason}</div>}
                </td>
                <td>
                  {stream.status === 'paused' || stream.status === 'suspended' ? (
                    <button type="button" disabled={busy === stream.id} onClick={() => setStatus(stream, 'active')}>Resume<span class="sr-only"> {stream.name}</span></button>
                  ) : (
                    <button type="button" class="secondary" disabled={busy === stream.id} onClick={() => setStatus(stream, 'paused')}>Pause<span class="sr-only"> {stream.name}</span></button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
