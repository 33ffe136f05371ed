// @lrqk/server: An OpenAI-compatible HTTP server on lrqk
export {};
