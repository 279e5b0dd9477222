-- The demo config that scripts/demo.sh runs: everything on localhost.
-- Paths are relative to this file's directory.

http_ports = { 5280 }
http_interfaces = { "127.0.0.1" }
https_ports = { 5281 }
https_interfaces = { "127.0.0.1" }

-- XMPP clients on 127.0.0.1:5222 (STARTTLS). The certificate serves HTTPS too.
c2s_interfaces = { "127.0.0.1" }
ssl = { certificate = "../demo-data/localhost.crt", key = "../demo-data/localhost.key" }

data_path = "../demo-data"
log = "*console"

-- Prosody module names whose job Cadenza's core does: listed to show they load fine.
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping" }

VirtualHost "localhost"

-- Streams of pubsub nodes at http://localhost:5280/eventsource/<node>
Component "pubsub.localhost" "pubsub"
    modules_enabled = { "pubsub_eventsource" }
    http_host = "localhost"

-- Streams of rooms at http://rooms.localhost:5280/eventsource/<room>
Component "rooms.localhost" "muc"
    modules_enabled = { "muc_eventsource" }
