// @lrqk/engine/testing: fixtures for tests of packages built on the engine (tiny real model dirs).
export { byteLevelTokenizerJson, tokenizerVocabSize, writeTinyModel, type TinyModelOptions } from './testing/tiny-model.ts';
