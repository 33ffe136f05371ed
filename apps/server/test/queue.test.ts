// RequestQueue on its own: slots, FIFO hand-over, the queue limit, and aborts while waiting.
import { describe, expect, it } from 'vitest';
import { QueueFullError, RequestQueue } from '../src/queue.ts';

describe('RequestQueue', () => {
  it('grants up to maxConcurrent slots at once and hands slots over in arrival order', async () => {
    const q = new RequestQueue(2, 10);
    const r1 = await q.acquire();
    const r2 = await q.acquire();
    expect(q.running).toBe(2);
    const order: number[] = [];
    const w3 = q.acquire().then((r) => (order.push(3), r));
    const w4 = q.acquire().then((r) => (order.push(4), r));
    expect(q.waiting).toBe(2);
    r1();
    const r3 = await w3;
    expect(q.running).toBe(2);
    expect(q.waiting).toBe(1);
    r1(); // a second release of the same slot is ignored
    expect(q.running).toBe(2);
    r2();
    const r4 = await w4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(q.running).toBe(0);
    expect(q.waiting).toBe(0);
  });

  it('refuses with QueueFullError beyond maxQueue waiters', async () => {
    const q = new RequestQueue(1, 1);
    const r1 = await q.acquire();
    const w2 = q.acquire();
    await expect(q.acquire()).rejects.toBeInstanceOf(QueueFullError);
    r1();
    (await w2)();
    expect(q.running).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue with the abort reason', async () => {
    const q = new RequestQueue(1, 5);
    const r1 = await q.acquire();
    const controller = new AbortController();
    const w = q.acquire(controller.signal);
    const later = q.acquire();
    expect(q.waiting).toBe(2);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(w).rejects.toBe(reason);
    expect(q.waiting).toBe(1);
    r1();
    (await later)();
    expect(q.running).toBe(0);
    await expect(q.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('validates its limits', () => {
    expect(() => new RequestQueue(0, 1)).toThrow(RangeError);
    expect(() => new RequestQueue(1, -1)).toThrow(RangeError);
  });
});
