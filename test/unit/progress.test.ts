import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { progressLine, startProgress } from '../../shared/progress/index.js';

describe('progress of a long step', () => {
  it('says done / total, percent and rate', () => {
    assert.equal(progressLine('replay', 'records', { done: 12_345, total: 50_000, elapsedMs: 2_000 }), 'replay: progress 12,345 / 50,000 records (24.7%), 6,173 records/s');
    assert.equal(progressLine('replay', 'records', { done: 0, total: 0, elapsedMs: 0 }), 'replay: progress 0 / 0 records (100.0%), 0 records/s');
  });

  it('the percentage stays within 0..100 and grows with the figure done', () => {
    fc.assert(fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), fc.integer({ min: 1, max: 1e7 }), (a, b, total, elapsedMs) => {
      const pct = (done: number) => Number(/\(([\d.]+)%\)/.exec(progressLine('x', 'r', { done, total, elapsedMs }))![1]);
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      assert.ok(pct(lo) >= 0 && pct(hi) <= 100);
      assert.ok(pct(lo) <= pct(hi));
    }));
  });

  it('prints every interval while running, with the latest figure, and nothing after stop', async () => {
    const lines: string[] = [];
    const p = startProgress({ label: 'replay', unit: 'records', total: 10, write: (l) => lines.push(l), intervalMs: 20 });
    p.update(4);
    await sleep(70);
    p.stop();
    const printed = lines.length;
    assert.ok(printed >= 2, `${printed} lines`);
    assert.match(lines.at(-1)!, /^replay: progress 4 \/ 10 records \(40\.0%\), [\d,]+ records\/s$/);
    await sleep(50);
    assert.equal(lines.length, printed);
  });

  it('a step shorter than one interval prints nothing', async () => {
    const lines: string[] = [];
    const p = startProgress({ label: 'replay', unit: 'records', total: 10, write: (l) => lines.push(l), intervalMs: 1_000 });
    p.update(10);
    p.stop();
    await sleep(10);
    assert.deepEqual(lines, []);
  });
});
