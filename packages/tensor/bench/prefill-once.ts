// A few causal prefill attention calls at one shape, for profilers (tools/device/ncu-kernel.sh):
// 32 query / 8 KV heads, D = 128, bf16, n tokens (default 8192; argv[2]), `reps` calls (argv[3]).
import { attentionPrefill, randomNormal, synchronize, Tensor } from '../src/index.ts';

const n = Number(process.argv[2] ?? 8192);
const reps = Number(process.argv[3] ?? 4);
const make = (h: number) => randomNormal(Tensor.empty([h, n, 128], { dtype: 'bf16', device: 'cuda' }), h);
const [q, k, v] = [make(32), make(8), make(8)];
const out = Tensor.empty([32, n, 128], { dtype: 'bf16', device: 'cuda' });
for (let i = 0; i < reps; i++) attentionPrefill(q, k, v, { causal: true, out });
synchronize();
for (const t of [q, k, v, out]) t.dispose();
