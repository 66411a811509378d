// verify --after decides whether GEMINI_BASE_URL is the run's own target by parsing both URLs, and
// shows them through lib/config.ts' displayUrl: credentials never count, an "@" in a path is a path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { displayUrl } from "../../lib/config.ts";
import { sameTarget } from "../../verify/after.ts";

test("credentials, a trailing slash, the host's case and a default port do not make another target", () => {
  assert.ok(sameTarget("http://user:secret@127.0.0.1:8080/", "http://127.0.0.1:8080"));
  assert.ok(sameTarget("https://Example.COM:443/gemini", "https://example.com/gemini/"));
  assert.ok(sameTarget("http://a@b@127.0.0.1:8080", "http://127.0.0.1:8080"), "the userinfo runs to the last @ of the authority");
});

test("an @ in the path is part of the path, not credentials", () => {
  assert.ok(!sameTarget("http://127.0.0.1:8080/proxy@example.com", "http://example.com"));
  assert.ok(!sameTarget("http://127.0.0.1:8080/v1@x", "http://127.0.0.1:8080/v1"));
  assert.ok(sameTarget("http://127.0.0.1:8080/v1@x/", "http://127.0.0.1:8080/v1@x"));
});

test("another host, port, scheme or path is another target; text that is no URL matches nothing", () => {
  assert.ok(!sameTarget("http://127.0.0.1:8080", "http://127.0.0.1:8081"));
  assert.ok(!sameTarget("http://127.0.0.1:8080", "https://127.0.0.1:8080"));
  assert.ok(!sameTarget("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"));
  assert.ok(!sameTarget("not a url", "not a url"));
});

test("the shown form has no credentials, query or fragment", () => {
  assert.equal(displayUrl("http://user:secret@127.0.0.1:8080/v1?key=abc#frag"), "http://127.0.0.1:8080/v1");
  assert.doesNotMatch(displayUrl("https://u:p@host.example/path@x"), /u:p|secret/);
});
