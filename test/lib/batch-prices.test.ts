// The price table's Batch Mode column: every model with a standard price has a batch price at half of it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

interface Price {
  input: number;
  output: number;
  inputAbove200k?: number;
  outputAbove200k?: number;
}
const table = JSON.parse(readFileSync(new URL("../../data/prices.json", import.meta.url), "utf8")) as {
  models: Record<string, Price>;
  batch: { source: string; models: Record<string, Price> };
};

test("Batch Mode prices are half the standard price of every model, with their source", () => {
  assert.match(table.batch.source, /ai\.google\.dev\/gemini-api\/docs\/pricing/);
  for (const [model, price] of Object.entries(table.models)) {
    const batch = table.batch.models[model];
    assert.ok(batch, `no batch price for ${model}`);
    for (const key of ["input", "output", "inputAbove200k", "outputAbove200k"] as const) {
      assert.equal(batch[key], price[key] === undefined ? undefined : price[key] / 2, `${model} ${key}`);
    }
  }
});
