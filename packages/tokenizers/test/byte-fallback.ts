// A tiny SentencePiece-style tokenizer.json (BPE with byte_fallback, Metaspace-like normalizer and
// the Replace/ByteFallback/Fuse/Strip decoder of Llama 2 and Mistral): characters outside its
// vocabulary become <0xNN> byte tokens, so one emoji spans four tokens.
export function byteFallbackTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  const pieces = ['▁', 'H', 'e', 'l', 'o', 'w', 'r', 'd', '!', '▁H', 'He', 'll', 'llo', '▁Hello', '▁w', '▁wor', '▁world'];
  for (const p of pieces) vocab[p] = Object.keys(vocab).length;
  const merges = ['▁ H', 'H e', 'l l', 'll o', '▁H e', '▁He llo', '▁ w', '▁w o', '▁wo r', '▁wor l', '▁worl d']
    .filter((m) => m.split(' ').join('') in vocab && m.split(' ').every((p) => p in vocab));
  const added = (id: number, content: string) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}
