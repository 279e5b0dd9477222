-- Cadenza configuration. The syntax is Prosody's: a Prosody config runs unchanged.
-- See docs/configuration.md for every option.

-- Where the embedded SQLite store keeps its data (relative to this file's directory).
data_path = "/var/lib/cadenza"

-- Logging: "*console", a file, "*syslog", or a table from level to sink.
log = { info = "/var/log/cadenza/cadenza.log", error = "*syslog" }
pidfile = "/run/cadenza/cadenza.pid"

-- HTTP for the event streams. HTTPS needs a certificate.
http_ports = { 5280 }
http_interfaces = { "*", "::" }
https_ports = { 5281 }
-- https_ssl = { certificate = "/etc/cadenza/certs/example.org.crt", key = "/etc/cadenza/certs/example.org.key" }

VirtualHost "example.org"

Component "pubsub.example.org" "pubsub"
    modules_enabled = { "pubsub_eventsource" }
    http_host = "example.org"   -- serve the streams under http://example.org:5280/eventsource/

Component "rooms.example.org" "muc"
    modules_enabled = { "muc_eventsource" }
