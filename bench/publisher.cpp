// publisher: logs in over XMPP (libstrophe, STARTTLS, any certificate trusted: the benchmark's
// server uses a fresh self-signed one) and publishes K pubsub items, or says K groupchat
// messages in a MUC room, at a given rate with a given number in flight (pipelined: it does
// not wait for one answer before sending the next). Each payload carries "#seq=<n>
// #ts=<CLOCK_REALTIME ns at send>" for bench/sse_load. Prints a JSON summary: publishes/s
// achieved and the ack latency (iq result for pubsub, the room's reflection for MUC).
//
//   publisher --port 5222 --jid bench@localhost --password pw --service pubsub.localhost
//             --node bench --count 20 --rate 1 --inflight 1
//   publisher ... --mode muc --service rooms.localhost --node bench   (room bench@rooms...)
//   publisher ... --setup-only   (create the node, or the persistent public room, and exit)
#include "args.hpp"
#include "clock.hpp"
#include "histogram.hpp"

#include <strophe.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::bench {
namespace {

struct Options {
    int port = 0;
    std::string jid;
    std::string password;
    std::string mode = "pubsub";
    std::string service;
    std::string node = "bench";
    long count = 0;
    double rate = 0; // per second; 0 = as fast as the in-flight window allows
    long inflight = 1;
    long pad = 0; // extra payload bytes
    bool setup_only = false;
    double timeout = 120;
};

enum class Phase { kConnecting, kSetup, kPublishing, kDone, kFailed };

struct Publisher {
    Options opt;
    xmpp_ctx_t* ctx = nullptr;
    xmpp_conn_t* conn = nullptr;
    Phase phase = Phase::kConnecting;
    std::string error;
    long sent = 0;
    long acked = 0;
    long errors = 0;
    std::vector<std::int64_t> sent_at;
    Histogram ack_latency;
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::string pad;
    std::string room_jid() const { return opt.node + "@" + opt.service; }
};

void fail(Publisher& p, std::string why) {
    if (p.phase != Phase::kFailed) {
        p.error = std::move(why);
        p.phase = Phase::kFailed;
    }
}

void send(Publisher& p, const std::string& xml) { xmpp_send_raw(p.conn, xml.data(), xml.size()); }

// Setup finished: publishing starts (or the program ends with --setup-only).
void setup_done(Publisher& p) {
    p.phase = p.opt.setup_only ? Phase::kDone : Phase::kPublishing;
    p.start = now_ns();
}

void send_one(Publisher& p) {
    long seq = p.sent++;
    std::int64_t ts = now_ns();
    p.sent_at[static_cast<std::size_t>(seq)] = ts;
    std::string stamp = "#seq=" + std::to_string(seq) + " #ts=" + std::to_string(ts) + p.pad;
    if (p.opt.mode == "muc") {
        send(p, "<message type='groupchat' to='" + p.room_jid() + "' id='m" + std::to_string(seq) +
                    "'><body>" + stamp + "</body></message>");
    } else {
        send(p, "<iq type='set' to='" + p.opt.service + "' id='p" + std::to_string(seq) +
                    "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" +
                    p.opt.node + "'><item id='i" + std::to_string(seq) +
                    "'><t xmlns='urn:bench'>" + stamp + "</t></item></publish></pubsub></iq>");
    }
}

void record_ack(Publisher& p, long seq, bool ok) {
    if (seq < 0 || seq >= p.sent) {
        return;
    }
    if (ok) {
        ++p.acked;
    } else {
        ++p.errors;
    }
    p.ack_latency.add(now_ns() - p.sent_at[static_cast<std::size_t>(seq)]);
    if (p.acked + p.errors == p.opt.count) {
        p.end = now_ns();
        p.phase = Phase::kDone;
    }
}

long seq_after(const char* s, char prefix) {
    if (s == nullptr || s[0] != prefix) {
        return -1;
    }
    return std::atol(s + 1);
}

int on_iq(xmpp_conn_t*, xmpp_stanza_t* stanza, void* arg) {
    auto& p = *static_cast<Publisher*>(arg);
    const char* id = xmpp_stanza_get_id(stanza);
    const char* type = xmpp_stanza_get_type(stanza);
    bool ok = type != nullptr && std::strcmp(type, "result") == 0;
    if (id == nullptr) {
        return 1;
    }
    std::string_view sid = id;
    if (sid == "create") {
        // An existing node ("conflict") is as good as a new one.
        setup_done(p);
    } else if (sid == "roomconfig") {
        if (!ok) {
            fail(p, "the room configuration was refused");
        } else {
            setup_done(p);
        }
    } else if (sid[0] == 'p') {
        record_ack(p, seq_after(id, 'p'), ok);
    }
    return 1;
}

int on_presence(xmpp_conn_t*, xmpp_stanza_t* stanza, void* arg) {
    auto& p = *static_cast<Publisher*>(arg);
    if (p.phase != Phase::kSetup) {
        return 1;
    }
    const char* type = xmpp_stanza_get_type(stanza);
    if (type != nullptr && std::strcmp(type, "error") == 0) {
        fail(p, "joining the room failed");
        return 1;
    }
    // Our own presence (status 110); 201 means we created the room and must configure it.
    bool self = false;
    bool created = false;
    xmpp_stanza_t* x = xmpp_stanza_get_child_by_ns(stanza, "http://jabber.org/protocol/muc#user");
    for (xmpp_stanza_t* c = x ? xmpp_stanza_get_children(x) : nullptr; c; c = xmpp_stanza_get_next(c)) {
        const char* name = xmpp_stanza_get_name(c);
        const char* code = xmpp_stanza_get_attribute(c, "code");
        if (name != nullptr && std::strcmp(name, "status") == 0 && code != nullptr) {
            self = self || std::strcmp(code, "110") == 0;
            created = created || std::strcmp(code, "201") == 0;
        }
    }
    if (!self) {
        return 1;
    }
    if (!created) {
        setup_done(p);
        return 1;
    }
    send(p, "<iq type='set' id='roomconfig' to='" + p.room_jid() +
                "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                "<x xmlns='jabber:x:data' type='submit'>"
                "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                "<field var='muc#roomconfig_publicroom'><value>1</value></field>"
                "</x></query></iq>");
    return 1;
}

int on_message(xmpp_conn_t*, xmpp_stanza_t* stanza, void* arg) {
    auto& p = *static_cast<Publisher*>(arg);
    const char* type = xmpp_stanza_get_type(stanza);
    if (p.phase != Phase::kPublishing || type == nullptr) {
        return 1;
    }
    // The room reflects each message to its sender: that is the MUC "ack".
    long seq = seq_after(xmpp_stanza_get_id(stanza), 'm');
    record_ack(p, seq, std::strcmp(type, "groupchat") == 0);
    return 1;
}

void on_conn(xmpp_conn_t* conn, xmpp_conn_event_t status, int, xmpp_stream_error_t*, void* arg) {
    auto& p = *static_cast<Publisher*>(arg);
    if (status != XMPP_CONN_CONNECT) {
        if (p.phase != Phase::kDone) {
            fail(p, "the connection closed (login failed or server gone)");
        }
        return;
    }
    xmpp_handler_add(conn, on_iq, nullptr, "iq", nullptr, &p);
    xmpp_handler_add(conn, on_presence, nullptr, "presence", nullptr, &p);
    xmpp_handler_add(conn, on_message, nullptr, "message", nullptr, &p);
    p.phase = Phase::kSetup;
    if (p.opt.mode == "muc") {
        send(p, "<presence to='" + p.room_jid() +
                    "/publisher'><x xmlns='http://jabber.org/protocol/muc'>"
                    "<history maxstanzas='0'/></x></presence>");
    } else {
        send(p, "<iq type='set' to='" + p.opt.service +
                    "' id='create'><pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='" +
                    p.opt.node + "'/></pubsub></iq>");
    }
}

bool parse_args(int argc, char** argv, Options& o) {
    Args args("publisher", "--port P --jid J --password PW --service S [--mode pubsub|muc] "
                           "[--node N] [--count K] [--rate PER_S] [--inflight F] [--pad BYTES] "
                           "[--timeout S] [--setup-only]");
    args.option("--port", o.port);
    args.option("--jid", o.jid);
    args.option("--password", o.password);
    args.option("--mode", o.mode);
    args.option("--service", o.service);
    args.option("--node", o.node);
    args.option("--count", o.count);
    args.option("--rate", o.rate);
    args.option("--inflight", o.inflight);
    args.option("--pad", o.pad);
    args.option("--timeout", o.timeout);
    args.flag("--setup-only", o.setup_only);
    if (!args.parse(argc, argv)) {
        return false;
    }
    o.inflight = std::max(1L, o.inflight);
    return args.require(o.port > 0 && !o.jid.empty() && !o.service.empty() &&
                        (o.mode == "pubsub" || o.mode == "muc"));
}

} // namespace
} // namespace cadenza::bench

int main(int argc, char** argv) {
    using namespace cadenza::bench;
    Publisher p;
    if (!parse_args(argc, argv, p.opt)) {
        return 2;
    }
    p.sent_at.assign(static_cast<std::size_t>(std::max(0L, p.opt.count)), 0);
    p.pad = p.opt.pad > 0 ? " " + std::string(static_cast<std::size_t>(p.opt.pad), 'x') : "";
    xmpp_initialize();
    p.ctx = xmpp_ctx_new(nullptr, nullptr);
    p.conn = xmpp_conn_new(p.ctx);
    xmpp_conn_set_jid(p.conn, p.opt.jid.c_str());
    xmpp_conn_set_pass(p.conn, p.opt.password.c_str());
    xmpp_conn_set_flags(p.conn, XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS);
    if (xmpp_connect_client(p.conn, "127.0.0.1", static_cast<unsigned short>(p.opt.port), on_conn,
                            &p) != XMPP_EOK) {
        fail(p, "could not start connecting");
    }
    std::int64_t deadline = now_ns() + static_cast<std::int64_t>(p.opt.timeout * 1e9);
    while (p.phase != Phase::kDone && p.phase != Phase::kFailed && now_ns() < deadline) {
        if (p.phase == Phase::kPublishing) {
            if (p.opt.count == 0) {
                p.end = now_ns();
                p.phase = Phase::kDone;
                break;
            }
            // Send what the rate allows by now, within the in-flight window.
            double elapsed = static_cast<double>(now_ns() - p.start) / 1e9;
            long due = p.opt.rate > 0 ? static_cast<long>(elapsed * p.opt.rate) + 1 : p.opt.count;
            due = std::min(due, p.opt.count);
            while (p.sent < due && p.sent - p.acked - p.errors < p.opt.inflight) {
                send_one(p);
            }
        }
        xmpp_run_once(p.ctx, 1);
    }
    if (p.phase != Phase::kDone && p.phase != Phase::kFailed) {
        fail(p, "deadline passed");
    }
    double span = p.end > p.start ? static_cast<double>(p.end - p.start) / 1e9 : 0;
    std::printf("{\"mode\": \"%s\", \"published\": %ld, \"acked\": %ld, \"errors\": %ld, "
                "\"elapsed_s\": %.3f, \"publishes_per_s\": %.0f, "
                "\"ack_ms\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f}, \"error\": \"%s\"}\n",
                p.opt.mode.c_str(), p.sent, p.acked, p.errors, span,
                span > 0 ? static_cast<double>(p.acked) / span : 0.0,
                p.ack_latency.percentile_us(0.5) / 1000, p.ack_latency.percentile_us(0.99) / 1000,
                static_cast<double>(p.ack_latency.max()) / 1e6, p.error.c_str());
    bool ok = p.phase == Phase::kDone && p.errors == 0;
    if (p.phase != Phase::kFailed) {
        xmpp_disconnect(p.conn);
        for (int i = 0; i < 100 && xmpp_conn_is_connected(p.conn); ++i) {
            xmpp_run_once(p.ctx, 10);
        }
    }
    xmpp_conn_release(p.conn);
    xmpp_ctx_free(p.ctx);
    xmpp_shutdown();
    return ok ? 0 : 1;
}
