// `lrqk chat`: lines on stdin are user turns rendered with the chat template; the conversation
// grows turn by turn (the prompt includes earlier turns), /reset starts over, /exit stops.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lrqk, synthTiny, tempDir } from './model-fixture.ts';

const tmp = tempDir();
const dir = join(tmp.dir, 'tiny');
beforeAll(() => void synthTiny(dir));
afterAll(() => tmp.remove());

function promptTokens(stderr: string): number[] {
  return [...stderr.matchAll(/\[(\d+) prompt tokens/g)].map((m) => Number(m[1]));
}

describe('lrqk chat', () => {
  it('each line is a turn; history accumulates; /reset forgets it; /exit ends', () => {
    const r = lrqk(['chat', '-m', dir, '-n', '3', '--temperature', '0'], { input: 'hello\nhello\n/reset\nhello\n/exit\nnever sent\n' });
    expect(r.code, r.stderr).toBe(0);
    const p = promptTokens(r.stderr);
    expect(p).toHaveLength(3);
    expect(p[1]).toBeGreaterThan(p[0]! + 3); // second turn carries the first exchange
    expect(p[2]).toBe(p[0]); // after /reset the same single-turn prompt
    // Greedy: the same conversation state gives the same reply.
    const replies = r.stdout.split('\n');
    expect(replies.length).toBeGreaterThanOrEqual(3);
  });
});
