// @lrqk/engine: A model directory ready to generate: checkpoint + tokenizer + attention backend, one call to open
export {};
