// k6 provides a console global that @types/k6 does not declare; only what this suite calls.
declare const console: {
  log(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
};
