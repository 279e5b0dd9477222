// Drives the npm `eventsource` package (an EventSource implementation no one here wrote)
// for tests/integration/npm_eventsource_test.cpp. Prints one JSON line per happening:
// Usage: node eventsource_client.mjs events|status URL COUNT [JID:PASSWORD]
//   {"open":true}  {"id":..,"type":..,"data":..}  {"error":<HTTP status or null>}
// and exits after `count` messages (mode "events") or the first error (mode "status").
import { EventSource } from "eventsource";

const [mode, url, countText, credentials] = process.argv.slice(2);
const count = Number(countText ?? "0");
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

// Optional "jid:password": sent as HTTP Basic authentication through the package's fetch hook.
const init = credentials
  ? {
      fetch: (input, options) =>
        fetch(input, {
          ...options,
          headers: {
            ...options.headers,
            Authorization: "Basic " + Buffer.from(credentials).toString("base64"),
          },
        }),
    }
  : {};
const source = new EventSource(url, init);
let received = 0;
source.onopen = () => print({ open: true });
source.onmessage = (event) => {
  print({ id: event.lastEventId, type: event.type, data: event.data });
  received += 1;
  if (mode === "events" && received >= count) {
    source.close();
    process.exit(0);
  }
};
source.onerror = (error) => {
  print({ error: error.code ?? null });
  if (mode === "status") {
    source.close();
    process.exit(0);
  }
  // mode "events": the package reconnects by itself, with Last-Event-ID.
};
setTimeout(() => {
  print({ timeout: true });
  process.exit(1);
}, 30000);
