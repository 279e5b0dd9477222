admins = { "admin@localhost" }
c2s_ports = { 5222, 5223.5 }
eventsource_keepalive = 1e308
limits = { c2s = { rate = "10kb/s", burst = "2s" } }
enabled = not false
t = { [1] = "a", [3] = "c", x = { y = { z = -0.0 } } }
local n = 0 / 0
nan_value = n
big = math.maxinteger
huge = math.huge
VirtualHost "Example.ORG"
    authentication = "internal_hashed"
    c2s_stanza_size_limit = -1
Component "muc.example.org" "muc"
    name = ("x"):rep(40)
